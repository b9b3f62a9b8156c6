"""Save a blank spaCy Japanese pipeline (Sudachi tokenizer) for Rasa's SpacyNLP component."""

import sys

import spacy


def main(path: str) -> None:
    nlp = spacy.blank("ja")
    nlp.to_disk(path)
    print(f"saved {nlp.lang} pipeline to {path}")


if __name__ == "__main__":
    main(sys.argv[1])
