"""Make the train half of the labelled DMs Rasa training examples of their labelled intent.

    .venv-app/bin/python -m scripts.dms_to_nlu

FAQ questions join their key's questions in `nlu_data/faq_*.yml`, written through the FAQ
studio's own export so the files keep its layout. A studio whose database already holds these
keys keeps its own questions: it reads the files only for keys it does not have. Every other DM
goes to `nlu_data/dms.yml`, rewritten whole. Idempotent: an FAQ question already there is not
added twice. A DM that is also a held-out or development message (of the labelled DMs or of the
NLU held-out set) is left out.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict

from agent.faq.content import Question, question_language
from agent.faq.files import FAQ_INTENT, export_files, parse_files
from agent.settings import REPO_ROOT
from agent.signals.data import NLU_DATA, dev_texts, held_out_texts, labelled_dms, nlu_examples
from scripts.evaluate_nlu import load_examples

OTHER_FILE = NLU_DATA / "dms.yml"
HEADER = (
    "# The train half of agent/signals/data/labelled_dms.jsonl (not FAQ questions: those are in\n"
    "# the faq_*.yml files), written by scripts/dms_to_nlu.py.\n"
)


def train_dms() -> list[tuple[str, str]]:
    """(intent, text) of the train half, minus any text also held out or used for development
    (case ignored, as Rasa's features ignore it)."""
    never = {text.casefold() for text in held_out_texts() | dev_texts()}
    never |= {example.text.casefold() for example in load_examples()}
    return [
        (r["intent"], r["text"]) for r in labelled_dms("train") if r["text"].casefold() not in never
    ]


def render_other(rows: list[tuple[str, str]]) -> str:
    by_intent: dict[str, list[str]] = defaultdict(list)
    for intent, text in rows:
        by_intent[intent].append(text)
    lines = [HEADER + 'version: "3.1"', "nlu:"]
    for intent in sorted(by_intent):
        lines += [f"- intent: {intent}", "  examples: |"]
        lines += [f"    - {text}" for text in by_intent[intent]]
    return "\n".join(lines) + "\n"


def main() -> None:
    domain_path = REPO_ROOT / "domain.yml"
    rows = train_dms()
    faq_rows = [(i, t) for i, t in rows if i.startswith(FAQ_INTENT)]
    other = [(i, t) for i, t in rows if not i.startswith(FAQ_INTENT)]

    nlu_files = {p.name: p.read_text(encoding="utf-8") for p in sorted(NLU_DATA.glob("faq_*.yml"))}
    domain_text = domain_path.read_text(encoding="utf-8")
    records = parse_files(nlu_files, domain_text)
    known = set(nlu_examples())
    additions: dict[str, list[Question]] = defaultdict(list)
    for intent, text in faq_rows:
        if (intent, text) not in known:
            additions[intent.removeprefix(FAQ_INTENT)].append(
                Question(text, question_language(text))
            )
    records = [
        dataclasses.replace(
            r,
            content=dataclasses.replace(
                r.content, questions=r.content.questions + tuple(additions.get(r.key, ()))
            ),
        )
        for r in records
    ]
    for name, text in export_files(records, nlu_files, domain_text).items():
        (REPO_ROOT / name).write_text(text, encoding="utf-8")
    OTHER_FILE.write_text(render_other(other), encoding="utf-8")
    print(f"{sum(map(len, additions.values()))} FAQ questions added, {len(other)} other DMs")


if __name__ == "__main__":
    main()
