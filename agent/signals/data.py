"""The signal model's training data, all in the repo.

- `data/labelled_dms.jsonl`: DMs labelled with intent, urgency, sentiment and escalation, split
  once into train and test (`scripts/split_labelled_dms.py`). Only the train half is read here.
- The NLU training examples (`nlu_data/`), labelled by their intent: complaints are negative,
  thanks and compliments positive, the rest neutral; urgency is what the urgency rules say, else
  low for chit-chat and normal for the rest. So the model learns the rules' cases from many
  wordings and can back them up where a new wording slips past every pattern. These weak labels
  count less than the hand-labelled DMs.
- `data/reported_problems.yml`: customers reporting serious problems; negative, urgency by the
  rules (high where no rule fires: every one of them needs a person soon)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from agent.settings import REPO_ROOT
from agent.signals.rules import DEFAULT_RULES, UrgencyRule, load_rules, match_rules

LABELLED_DMS = Path(__file__).with_name("data") / "labelled_dms.jsonl"
# Scored only in aggregate (scripts/evaluate_signals.py --set sealed); never read for training.
SEALED_DMS = Path(__file__).with_name("data") / "sealed_dms.jsonl"
NLU_DATA = REPO_ROOT / "nlu_data"
REPORTED_PROBLEMS = Path(__file__).with_name("data") / "reported_problems.yml"
WEAK_WEIGHT = 0.3

CHITCHAT_INTENTS = frozenset({"greet", "goodbye", "thanks", "compliment", "bot_challenge"})
_WEAK_SENTIMENT = {"complaint": "negative", "compliment": "positive", "thanks": "positive"}
_EXAMPLE = re.compile(r"^\s*-\s+(.*)$")


@dataclass(frozen=True, slots=True)
class Example:
    text: str
    sentiment: str
    urgency: str
    weight: float


def labelled_dms(split: str, path: Path = LABELLED_DMS) -> list[dict[str, Any]]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    return [row for row in rows if row["split"] == split]


def weak_examples(rules: tuple[UrgencyRule, ...], directory: Path = NLU_DATA) -> list[Example]:
    out: list[Example] = []
    for path in sorted(directory.glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for block in data.get("nlu") or []:
            intent = block.get("intent")
            if not intent:
                continue
            base = str(intent).split("/")[0]
            for line in str(block.get("examples") or "").splitlines():
                found = _EXAMPLE.match(line)
                if not found:
                    continue
                text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", found.group(1)).strip()
                hits = match_rules(text, rules, language="en")
                if hits:
                    urgency = hits[0].level.value
                else:
                    urgency = "low" if base in CHITCHAT_INTENTS else "normal"
                out.append(
                    Example(
                        text=text,
                        sentiment=_WEAK_SENTIMENT.get(base, "neutral"),
                        urgency=urgency,
                        weight=WEAK_WEIGHT,
                    )
                )
    return out


def reported_problems(
    rules: tuple[UrgencyRule, ...], path: Path = REPORTED_PROBLEMS
) -> list[Example]:
    texts = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("complaint") or []
    out = []
    for text in texts:
        hits = match_rules(str(text), rules, language="en")
        urgency = hits[0].level.value if hits else "high"
        out.append(Example(str(text), "negative", urgency, WEAK_WEIGHT))
    return out


def training_examples(rules_path: Path = DEFAULT_RULES) -> list[Example]:
    labelled = [
        Example(row["text"], row["sentiment"], row["urgency"], 1.0) for row in labelled_dms("train")
    ]
    rules = load_rules(rules_path)
    return labelled + weak_examples(rules) + reported_problems(rules)
