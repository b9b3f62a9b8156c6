"""How well the brand's urgency rules alone do on the hand-written development set.

Prints recall and precision per urgency level (a message's level is its first hit's level; no hit
counts as not urgent), the development messages the rules get wrong, and how many messages known
not to be critical would fire a critical rule: the FAQ and chit-chat examples in `nlu_data/` and
the train half of the labelled DMs. A missed critical message is the costly mistake; a false
critical pages a person for nothing, so both are watched.

With `--against OLD_RULES` (the file before an edit, e.g. `git show HEAD:agent/signals/
urgency_rules.yml > /tmp/old.yml`) it also lists every training and development text whose level
the edit changes: the Rasa examples (the learned urgency head takes its weak labels from the
rules), the reported problems, the extra and train-half DMs and every development set. A guard
written for one look-alike can silence a real report elsewhere; this is where that shows. The
held-out sets are only counted.

    .venv-app/bin/python -m scripts.check_urgency_rules [--rules PATH] [--dev PATH] [--against PATH]
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from agent.signals.data import (
    CHITCHAT_INTENTS,
    DEV_URGENCY,
    EXTRA_DMS,
    REPORTED_PROBLEMS,
    SEALED_DMS,
    dev_texts,
    labelled_dms,
    nlu_examples,
    read_jsonl,
    reported_problems,
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


@dataclass(frozen=True, slots=True)
class LevelChange:
    text: str
    before: str
    after: str


def level_changes(
    texts: Iterable[str], before: tuple[UrgencyRule, ...], after: tuple[UrgencyRule, ...]
) -> list[LevelChange]:
    """The texts whose most urgent rule level differs between two versions of the rules."""
    out = []
    for text in dict.fromkeys(texts):
        # Both languages' patterns are tried whatever the language, so "en" loses nothing here.
        old, new = rule_level(text, before, "en")[0], rule_level(text, after, "en")[0]
        if old != new:
            out.append(LevelChange(text, old, new))
    return out


def known_texts(rules: tuple[UrgencyRule, ...], dev: Path) -> list[str]:
    """Every text that is trained on or developed against (never a held-out one)."""
    texts = [text for _, text in nlu_examples()]
    texts += [e.text for e in reported_problems(rules, REPORTED_PROBLEMS)]
    rows = read_jsonl(EXTRA_DMS) + labelled_dms("train") + read_jsonl(dev)
    return texts + [row["text"] for row in rows] + sorted(dev_texts())


def report_changes(
    before: tuple[UrgencyRule, ...], after: tuple[UrgencyRule, ...], dev: Path
) -> None:
    texts = known_texts(after, dev)
    changes = level_changes(texts, before, after)
    print(f"\ntraining and development texts changing level: {len(changes)}/{len(set(texts))}")
    for c in changes:
        print(f"  {c.before} -> {c.after}: {c.text}")
    held_out = [r["text"] for r in labelled_dms("test") + read_jsonl(SEALED_DMS)]
    moved = len(level_changes(held_out, before, after))
    print(f"held-out DMs changing level (counted, not shown): {moved}/{len(held_out)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rules", type=Path, default=DEFAULT_RULES)
    parser.add_argument("--dev", type=Path, default=DEV_URGENCY)
    parser.add_argument("--against", type=Path, help="the rules file before an edit")
    args = parser.parse_args()
    rules = load_rules(args.rules)
    report_dev(judge_dev(rules, args.dev))
    report_false_criticals(rules)
    if args.against:
        report_changes(load_rules(args.against), rules, args.dev)


if __name__ == "__main__":
    main()
