"""How Rasa answers the FAQ development set: the set Rasa's training data is tuned on.

    .venv-app/bin/python -m scripts.check_faq_dev [--model models/current.tar.gz] [--quiet]

`agent/signals/data/dev_faq.jsonl` holds FAQ questions (labelled with their key) and
out-of-scope messages, written fresh for tuning and never trained on. Each is judged as the
analyze API judges it (first message of a new conversation), so an FAQ answer the app would
replace with the honest "not sure" reply counts as `nlu_fallback`. Prints, per language, how
many FAQ questions get the right answer and how many out-of-scope messages get an FAQ answer,
recall per key, the same two figures for other values of AGENT_FAQ_MIN_CONFIDENCE (the
ResponseSelector confidence below which an FAQ answer is replaced), and (unless --quiet) every
message judged wrongly: the measured sets (`scripts.evaluate_signals`) stay for measuring.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from collections import Counter
from pathlib import Path

from agent.settings import DEFAULT_FAQ_MIN_CONFIDENCE
from agent.signals.data import DEV_FAQ, read_jsonl
from scripts.evaluate_signals import FALLBACK, judge_all, predicted_intent
from scripts.stack import MODEL, Stack

OOS = "out_of_scope"
SWEEP = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)


def floored(intents: list[str], confidence: list[float], floor: float) -> list[str]:
    """What the customer gets when FAQ answers below `floor` are replaced by the honest reply."""
    return [
        FALLBACK if name.startswith("faq/") and c < floor else name
        for name, c in zip(intents, confidence, strict=True)
    ]


def report(
    rows: list[dict[str, str]], intents: list[str], confidence: list[float]
) -> tuple[str, str]:
    predicted = floored(intents, confidence, DEFAULT_FAQ_MIN_CONFIDENCE)
    lines = ["| language | FAQ answered right | out-of-scope answered as an FAQ |", "|---|---|---|"]
    for language in ("en", "ja", "all"):
        pairs = [
            (r["intent"], p)
            for r, p in zip(rows, predicted, strict=True)
            if language in ("all", r["language"])
        ]
        faq = [g == p for g, p in pairs if g.startswith("faq/")]
        oos = [p.startswith("faq/") for g, p in pairs if g == "out_of_scope"]
        lines.append(
            f"| {language} | {sum(faq) / len(faq):.3f} ({sum(faq)}/{len(faq)}) | "
            f"{sum(oos) / len(oos):.3f} ({sum(oos)}/{len(oos)}) |"
        )
    support = Counter(r["intent"] for r in rows)
    right = Counter(r["intent"] for r, p in zip(rows, predicted, strict=True) if r["intent"] == p)
    lines += ["", "| gold | recall | support |", "|---|---|---|"]
    lines += [f"| {k} | {right[k] / n:.2f} | {n} |" for k, n in sorted(support.items())]
    lines += ["", "| FAQ min confidence | FAQ answered right | out-of-scope answered as an FAQ |"]
    lines += ["|---|---|---|"]
    for floor in SWEEP:
        kept = floored(intents, confidence, floor)
        faq = [r["intent"] == p for r, p in zip(rows, kept, strict=True) if r["intent"] != OOS]
        oos = [p.startswith("faq/") for r, p in zip(rows, kept, strict=True) if r["intent"] == OOS]
        lines.append(f"| {floor:.2f} | {sum(faq) / len(faq):.3f} | {sum(oos) / len(oos):.3f} |")
    wrong = [
        f"- [{r['language']}] {r['intent']} -> {p} ({c:.2f}): {r['text']}"
        for r, p, c in zip(rows, predicted, confidence, strict=True)
        if p != r["intent"] and not (r["intent"] == "out_of_scope" and not p.startswith("faq/"))
    ]
    return "\n".join(lines), "\n".join(wrong)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", type=Path, default=MODEL)
    parser.add_argument("--quiet", action="store_true", help="figures only")
    args = parser.parse_args()
    rows = read_jsonl(DEV_FAQ)
    with tempfile.TemporaryDirectory() as tmp:
        stack = Stack.ephemeral(Path(tmp))
        stack.model = args.model.resolve()
        try:
            stack.start_rasa()
            judged = asyncio.run(
                judge_all(
                    stack.rasa_url,
                    stack.secrets.rasa_token,
                    [r["text"] for r in rows],
                    faq_min_confidence=0.0,  # the floors are applied here
                )
            )
        finally:
            stack.stop_all()
    intents = [predicted_intent(j) for j in judged]
    confidence = [j.signals.intent.confidence if j.signals.intent else 0.0 for j in judged]
    figures, wrong = report(rows, intents, confidence)
    print(figures)
    if not args.quiet and wrong:
        print("\njudged wrongly (an out-of-scope message not answered is right):\n" + wrong)


if __name__ == "__main__":
    main()
