"""The trained sentiment head on its development set, per class and per language.

    .venv-app/bin/python -m scripts.check_sentiment [--dev PATH]

`agent/signals/data/dev_sentiment.jsonl` holds DMs written to tune the sentiment head (its
training data and `sentiment_cues.yml`): never trained on, and no closer than a character
similarity of 0.8 to any training DM. Unlike the test half and the sealed set, its messages and
the model's mistakes are printed, to be read. Loads models/signals (no Rasa needed).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from agent.signals.data import DEV_SENTIMENT, read_jsonl
from agent.signals.loader import cached_model
from scripts.evaluate_signals import table


def label(probs: dict[str, float]) -> str:
    return max(probs, key=lambda k: probs[k])


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m scripts.check_sentiment")
    parser.add_argument("--dev", type=Path, default=DEV_SENTIMENT)
    args = parser.parse_args()
    rows = read_jsonl(args.dev)
    readings = cached_model().predict([row["text"] for row in rows])
    predicted = [label(r["sentiment"]) for r in readings]
    gold = [row["sentiment"] for row in rows]
    print(table(f"sentiment, {len(rows)} development DMs", gold, predicted))
    for lang in ("ja", "en"):
        idx = [i for i, row in enumerate(rows) if row["lang"] == lang]
        print()
        print(table(f"sentiment, {lang}", [gold[i] for i in idx], [predicted[i] for i in idx]))
    wrong = [(row, p) for row, p in zip(rows, predicted, strict=True) if row["sentiment"] != p]
    print(f"\n{len(wrong)} wrong:")
    for row, p in wrong:
        print(f"- {row['sentiment']} -> {p}: {row['text']}")


if __name__ == "__main__":
    main()
