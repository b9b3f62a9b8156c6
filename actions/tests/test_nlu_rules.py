"""The intents the NLU gives by rule (`rasa_addons.order_details`): every example of them in
the training data is read so, and no example of any other intent is."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from actions.reading import yes_or_no
from rasa_addons.order_details import (
    RULE_INTENTS,
    OrderDetailsClassifier,
    OrderDetailsFilter,
    rule_intent,
)

ROOT = Path(__file__).resolve().parents[2]
_ANNOTATION = re.compile(r"\[([^\]]*)\]\([^)]*\)")


def _examples() -> list[tuple[str, str]]:
    """(intent, text) of every NLU example, annotations removed."""
    found = []
    for path in sorted((ROOT / "nlu_data").glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for block in data.get("nlu") or []:
            intent = block.get("intent")
            for line in (block.get("examples") or "").splitlines():
                if intent and line.strip().startswith("- "):
                    found.append((intent, _ANNOTATION.sub(r"\1", line.strip()[2:]).strip()))
    return found


EXAMPLES = _examples()
RULED = [(intent, text) for intent, text in EXAMPLES if intent in RULE_INTENTS]
LEARNED = [(intent, text) for intent, text in EXAMPLES if intent not in RULE_INTENTS]


def test_there_are_examples_of_both_kinds() -> None:
    assert {intent for intent, _ in RULED} == RULE_INTENTS
    assert len(LEARNED) > 1000


@pytest.mark.parametrize(("intent", "text"), RULED)
def test_every_example_of_a_rule_intent_is_read_so(intent: str, text: str) -> None:
    assert rule_intent(text) == intent


def test_no_example_of_another_intent_is_taken_by_the_rules() -> None:
    taken = [(intent, text) for intent, text in LEARNED if rule_intent(text) is not None]
    assert taken == []


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("Yes please!", "affirm"),
        ("はい、お願いします。", "affirm"),
        ("Don’t cancel it", "deny"),
        ("いいえ、そのままでお願いします", "deny"),
        ("#tb240392", "inform"),
        ("ＴＢ－２４０３９２です", "inform"),
        ("〒１５０ー０００１", "inform"),
        ("where is TB-240392?", None),
        ("cancel TB-240392 pls", None),
        ("yes cancel it", None),  # the cancel FAQ, which the action takes as a yes
        ("ok thanks", None),
        ("no thanks", None),
        ("my email stopped working", None),
    ],
)
def test_what_the_rules_read(text: str, intent: str | None) -> None:
    assert rule_intent(text) == intent


def test_yes_and_no_are_plain_answers_only() -> None:
    assert yes_or_no("👍") is True and yes_or_no("👎") is False
    assert yes_or_no("yes, but what about shipping?") is None


def test_the_filter_keeps_rule_examples_from_the_learned_components() -> None:
    examples = [
        Message(data={TEXT: "TB-240392", INTENT: "inform"}),
        Message(data={TEXT: "yes", INTENT: "affirm"}),
        Message(data={TEXT: "where is my order", INTENT: "faq"}),
    ]
    kept = OrderDetailsFilter().process_training_data(TrainingData(examples))
    assert [m.get(TEXT) for m in kept.training_examples] == ["where is my order"]


def test_the_classifier_overrides_the_learned_intent_only_where_a_rule_reads_it() -> None:
    learned = {"name": "nlu_fallback", "confidence": 0.6}
    ranking = [{"name": "faq", "confidence": 0.4}, {"name": "inform", "confidence": 0.1}]
    ruled = Message(data={TEXT: "150-0001", INTENT: learned, INTENT_RANKING_KEY: ranking})
    other = Message(data={TEXT: "hello!", INTENT: learned, INTENT_RANKING_KEY: ranking})
    OrderDetailsClassifier().process([ruled, other])
    assert ruled.get(INTENT) == {"name": "inform", "confidence": 1.0}
    assert [r["name"] for r in ruled.get(INTENT_RANKING_KEY)] == ["inform", "faq"]
    assert other.get(INTENT) == learned
