"""Parse every held-out example with one or more trained models; JSON on stdout.

    .venv-rasa/bin/python -m rasa_addons.evaluate_model --heldout tests/nlu_heldout/heldout.yml \
        models/candidate.tar.gz models/current.tar.gz

Run in the Rasa environment by `agent.faq.training.evaluate`, once for all models: starting
Python with TensorFlow costs more than parsing the set, so the candidate and the live model
are scored by one process. Each model is loaded as `rasa run` loads it (`Agent.load`), so the
figures are the server's. Prints, per model, `[label, predicted, confidence]` for every example:
`predicted` is the FAQ key (`faq/<key>`) with the ResponseSelector's confidence when the intent is
the retrieval intent (as `agent.dialogue.rasa_client.intent_from_parse` reads it), else the
intent with its confidence. The app turns that into figures (`agent.faq.training.faq_accuracy`).

Progress goes to stderr as `evaluate <done>/<total>` lines; stdout carries only the JSON, since
Rasa and TensorFlow print to stdout while loading.
"""

import argparse
import asyncio
import contextlib
import json
import sys
from pathlib import Path
from typing import Any, Dict, List, Tuple

import yaml

Example = Tuple[str, str]  # text, label
Prediction = Tuple[str, str, float]  # label, predicted, confidence
RETRIEVAL_INTENT = "faq"


def load_examples(path: Path) -> List[Example]:
    """The examples of a Rasa NLU YAML file (`nlu:` blocks of `intent` and `examples`)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    examples = []
    for block in data.get("nlu") or []:
        label = str(block.get("intent") or "")
        for line in str(block.get("examples") or "").splitlines():
            text = line.strip()
            if label and text.startswith("- ") and text[2:].strip():
                examples.append((text[2:].strip(), label))
    return examples


def read_parse(parse: Dict[str, Any]) -> Tuple[str, float]:
    """The label a parse result gives and its confidence: the selected FAQ key for the
    retrieval intent (what picks the answer the customer gets), else the intent."""
    intent = parse.get("intent") or {}
    name = str(intent.get("name") or "nlu_fallback")
    if name == RETRIEVAL_INTENT:
        selector = (parse.get("response_selector") or {}).get(name) or {}
        chosen = selector.get("response") or {}
        key = chosen.get("intent_response_key")
        if key:
            return str(key), float(chosen.get("confidence") or 0.0)
    return name, float(intent.get("confidence") or 0.0)


async def predict(model: Path, examples: List[Example], done: int, total: int) -> List[Prediction]:
    from rasa.core.agent import Agent

    agent = Agent.load(str(model))
    predictions = []
    for text, label in examples:
        predicted, confidence = read_parse(await agent.parse_message(text))
        predictions.append((label, predicted, round(confidence, 4)))
        done += 1
        if done % 20 == 0 or done == total:
            print(f"evaluate {done}/{total}", file=sys.stderr, flush=True)
    return predictions


async def evaluate(models: List[Path], heldout: Path) -> List[Dict[str, Any]]:
    examples = load_examples(heldout)
    total = len(examples) * len(models)
    print(f"evaluate 0/{total}", file=sys.stderr, flush=True)
    results = []
    for index, model in enumerate(models):
        predictions = await predict(model, examples, index * len(examples), total)
        results.append({"model": str(model), "predictions": predictions})
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--heldout", type=Path, required=True)
    parser.add_argument("models", type=Path, nargs="+")
    args = parser.parse_args()
    for model in args.models:
        if not model.is_file():
            sys.exit(f"no model file at {model}")
    stdout = sys.stdout
    with contextlib.redirect_stdout(sys.stderr):
        results = asyncio.run(evaluate(args.models, args.heldout))
    json.dump({"models": results}, stdout, ensure_ascii=False)
    stdout.write("\n")


if __name__ == "__main__":
    main()
