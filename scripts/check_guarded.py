"""Messages that a critical rule's `ignore` guard silences, with and without the learned model.

`agent/signals/data/dev_guarded.jsonl` holds real critical reports, each silenced by a guard
("it didn't sting at first, but now…"), and harmless messages of the kind the same guards are
there for. A guard cannot tell the two apart; where a guard took a critical rule's words out,
the model decides at a lower bar than its own (`AGENT_SIGNALS_GUARDED_CRITICAL_MIN`).
This prints, per kind, how many reports reach critical and how many harmless messages are
raised to it: by the rules alone, with the model at its own bar only, and as the app judges.

    .venv-app/bin/python -m scripts.check_guarded [--data PATH] [--min P]
"""

from __future__ import annotations

import argparse
import asyncio
from collections import Counter
from pathlib import Path

from agent.signals.analyzer import GUARDED_CRITICAL_MIN, Analyzer
from agent.signals.data import DEV_GUARDED, read_jsonl
from agent.signals.loader import cached_model
from agent.signals.rules import UrgencyRule, load_rules
from agent.signals.types import UrgencyLevel
from scripts.check_urgency_rules import rule_level


def judged_critical(
    texts: list[str], rules: tuple[UrgencyRule, ...], guarded_min: float
) -> list[bool]:
    analyzer = Analyzer(
        model=cached_model(),
        rules=rules,
        intents=None,
        faq_min_confidence=0.5,
        guarded_critical_min=guarded_min,
    )
    judged = asyncio.run(analyzer.judge_many(texts))
    return [j.signals.urgency.level is UrgencyLevel.CRITICAL for j in judged]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DEV_GUARDED)
    parser.add_argument("--min", type=float, default=GUARDED_CRITICAL_MIN)
    args = parser.parse_args()
    rows = read_jsonl(args.data)
    texts = [row["text"] for row in rows]
    rules = load_rules()
    columns = {
        "rules alone": [rule_level(t, rules, "en")[0] == "critical" for t in texts],
        "rules + model at its own bar": judged_critical(texts, rules, 1.0),
        f"as the app judges (guarded: model >= {args.min})": judged_critical(
            texts, rules, args.min
        ),
    }
    kinds = sorted({row["reason"] or row["kind"] for row in rows})
    print(f"{args.data.name}: {len(rows)} messages\n")
    print("| judged by | " + " | ".join(kinds) + " | all |")
    print("|---|" + "---|" * (len(kinds) + 1))
    for name, critical in columns.items():
        for want, label in (("critical", "reports caught"), ("normal", "harmless raised")):
            count: Counter[str] = Counter()
            total: Counter[str] = Counter()
            for row, hit in zip(rows, critical, strict=True):
                if row["urgency"] == want:
                    kind = row["reason"] or row["kind"]
                    total[kind] += 1
                    count[kind] += hit
            cells = [f"{count[k]}/{total[k]}" for k in kinds]
            all_ = f"{sum(count.values())}/{sum(total.values())}"
            print(f"| {name}: {label} | " + " | ".join(cells) + f" | {all_} |")


if __name__ == "__main__":
    main()
