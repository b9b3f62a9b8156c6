"""How well the brand's urgency rules alone do on the hand-written development set.

Prints recall and precision per urgency level (a message's level is its first hit's level; no hit
counts as not urgent), the development messages the rules get wrong, and how many messages known
not to be critical would fire a critical rule: the FAQ and chit-chat examples in `nlu_data/` and
the train half of the labelled DMs. A missed critical message is the costly mistake; a false
critical pages a person for nothing, so both are watched.

    .venv-app/bin/python -m scripts.check_urgency_rules [--rules PATH] [--dev PATH]
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

from agent.signals.data import (
    CHITCHAT_INTENTS,
    DEV_URGENCY,
    labelled_dms,
    nlu_examples,
    read_jsonl,
)
from agent.signals.rules import DEFAULT_RULES, UrgencyRule, load_rules, match_rules

URGENT_LEVELS = ("critical", "high")


@dataclass(frozen=True, slots=True)
class Verdict:
    text: str
    expected: str
    predicted: str
    reason: str | None
    matched: str


def rule_level(text: str, rules: tuple[UrgencyRule, ...], language: str) -> tuple[str, str, str]:
    """(level, reason, matched words) of the most urgent hit, or ("not urgent", "", "")."""
    hits = match_rules(text, rules, language=language)
    if not hits:
        return "not urgent", "", ""
    return hits[0].level.value, hits[0].reason, hits[0].matched


def bucket(level: str) -> str:
    return level if level in URGENT_LEVELS else "not urgent"


def judge_dev(rules: tuple[UrgencyRule, ...], path: Path) -> list[Verdict]:
    out = []
    for row in read_jsonl(path):
        level, _, matched = rule_level(row["text"], rules, row["language"])
        out.append(Verdict(row["text"], bucket(row["urgency"]), level, row["reason"], matched))
    return out


def report_dev(verdicts: list[Verdict]) -> None:
    print(f"development set: {len(verdicts)} messages")
    for level in URGENT_LEVELS:
        expected = sum(v.expected == level for v in verdicts)
        predicted = sum(v.predicted == level for v in verdicts)
        right = sum(v.expected == v.predicted == level for v in verdicts)
        recall = right / expected if expected else 0.0
        precision = right / predicted if predicted else 0.0
        print(
            f"  {level:<9} recall {recall:6.1%} ({right}/{expected})"
            f"  precision {precision:6.1%} ({right}/{predicted})"
        )
    wrong = [v for v in verdicts if v.expected != v.predicted]
    print(f"\nwrong on the development set: {len(wrong)}")
    for v in sorted(wrong, key=lambda v: (v.expected, v.predicted)):
        fired = f" [fired on {v.matched!r}]" if v.matched else ""
        print(f"  want {v.expected:<10} got {v.predicted:<10} ({v.reason}) {v.text}{fired}")


def report_false_criticals(rules: tuple[UrgencyRule, ...]) -> None:
    nlu = [
        (intent, text)
        for intent, text in nlu_examples()
        if intent.startswith("faq") or intent in CHITCHAT_INTENTS
    ]
    nlu_fired = [(i, t) for i, t in nlu if rule_level(t, rules, "en")[0] == "critical"]
    print(f"\nFAQ/chit-chat NLU examples firing a critical rule: {len(nlu_fired)}/{len(nlu)}")
    for intent, text in nlu_fired:
        print(f"  {intent}: {text}")
    train = labelled_dms("train")
    calm = [r for r in train if r["urgency"] != "critical"]
    calm_fired = sum(rule_level(r["text"], rules, r["lang"])[0] == "critical" for r in calm)
    critical = [r for r in train if r["urgency"] == "critical"]
    caught = sum(rule_level(r["text"], rules, r["lang"])[0] == "critical" for r in critical)
    print(f"train DMs labelled non-critical firing a critical rule: {calm_fired}/{len(calm)}")
    print(f"train DMs labelled critical caught as critical: {caught}/{len(critical)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rules", type=Path, default=DEFAULT_RULES)
    parser.add_argument("--dev", type=Path, default=DEV_URGENCY)
    args = parser.parse_args()
    rules = load_rules(args.rules)
    report_dev(judge_dev(rules, args.dev))
    report_false_criticals(rules)


if __name__ == "__main__":
    main()
