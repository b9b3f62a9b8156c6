"""Responses with variables ({order_number}, …) are filled by the NLG endpoint from what Rasa
sends: the tracker's slots, and the values an action passed with the response."""

from __future__ import annotations

import re

import pytest

from agent.nlg.responses import fill_variables, load_responses, template_values
from agent.settings import REPO_ROOT
from agent.signals.language import Language

ORDER_SLOTS = {
    "order_number": "TB-240392",
    "order_carrier": "Yamato Transport",
    "order_tracking_number": "4921-3390-1264",
}


def test_known_variables_are_filled_and_others_kept() -> None:
    text = "Order {order_number} ships by {when}; {not a variable} {}"
    assert fill_variables(text, {"order_number": "TB-1"}) == (
        "Order TB-1 ships by {when}; {not a variable} {}"
    )


def test_a_value_is_never_read_as_a_template() -> None:
    assert fill_variables("{a}", {"a": "{b}", "b": "x"}) == "{b}"


def test_slots_and_arguments_give_the_values() -> None:
    tracker = {
        "slots": {
            "order_number": "TB-240392",
            "order_carrier": None,
            "language": "ja",
            "flags": ["x"],
            "verified": True,
            "count": 2,
        }
    }
    values = template_values(tracker, {"order_carrier": "ヤマト運輸", "order_number": "TB-1"})
    # Arguments win over slots; unset, list and boolean values are not text.
    assert values == {
        "order_number": "TB-1",
        "order_carrier": "ヤマト運輸",
        "language": "ja",
        "count": "2",
    }
    assert template_values({}, None) == {}


@pytest.mark.parametrize("language", [Language.EN, Language.JA])
def test_every_order_reply_is_complete_once_filled(language: Language) -> None:
    responses = load_responses(REPO_ROOT / "domain.yml")
    names = [name for name in responses.texts if name.startswith("utter_order_")]
    assert len(names) >= 20
    for name in names:
        text = responses.render(name, language)
        assert text is not None, name
        filled = fill_variables(text, ORDER_SLOTS)
        assert not re.search(r"\{\w+\}", filled), name
        if "{order_number}" in text:
            assert "TB-240392" in filled
