"""Every reply action_order can choose is a slot value, has a rule, and a response in both
languages; every variable a response uses is a slot the action sets."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from actions.order_flow import ORDER_CARRIER, ORDER_NUMBER, ORDER_TRACKING_NUMBER
from actions.replies import Outcome

ROOT = Path(__file__).resolve().parents[2]
DOMAIN: dict[str, Any] = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
RULES: list[dict[str, Any]] = yaml.safe_load(
    (ROOT / "nlu_data" / "order_rules.yml").read_text(encoding="utf-8")
)["rules"]


def _reply_rules() -> dict[str, str]:
    """order_outcome value → the response its rule says."""
    replies = {}
    for rule in RULES:
        steps = rule["steps"]
        if steps[0] == {"action": "action_order"} and "slot_was_set" in steps[1]:
            [[slot, value]] = [next(iter(item.items())) for item in steps[1]["slot_was_set"]]
            assert slot == "order_outcome"
            replies[value] = steps[2]["action"]
    return replies


def test_the_slot_values_are_the_outcomes() -> None:
    assert DOMAIN["slots"]["order_outcome"]["values"] == [o.value for o in Outcome]


@pytest.mark.parametrize("outcome", list(Outcome))
def test_every_outcome_has_a_rule_saying_its_response(outcome: Outcome) -> None:
    assert _reply_rules()[outcome.value] == outcome.response


@pytest.mark.parametrize("outcome", [o for o in Outcome if o.response.startswith("utter_order_")])
def test_every_order_reply_has_an_english_and_a_japanese_text(outcome: Outcome) -> None:
    variations = DOMAIN["responses"][outcome.response]
    languages = [
        next((c["value"] for c in v.get("condition") or [] if c["name"] == "language"), "en")
        for v in variations
    ]
    assert sorted(languages) == ["en", "ja"]
    variables = {frozenset(re.findall(r"\{(\w+)\}", v["text"])) for v in variations}
    # The same variables in both languages, and only slots the action fills.
    assert len(variables) == 1
    assert set(next(iter(variables))) <= {ORDER_NUMBER, ORDER_CARRIER, ORDER_TRACKING_NUMBER}
