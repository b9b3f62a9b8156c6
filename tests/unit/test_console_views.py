"""What the console shows, from rows: the messaging window for a person's reply, the summary."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from agent.console.views import summary, window_state
from agent.records.models import Conversation, Direction, Escalation, Message

NOW = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)


def conversation(channel: str, hours_since_customer: float | None) -> Conversation:
    last = None if hours_since_customer is None else NOW - timedelta(hours=hours_since_customer)
    return Conversation(
        channel=channel, account_id="1", customer_id="2", last_customer_message_at=last
    )


@pytest.mark.parametrize(
    ("channel", "hours", "can_reply", "tag"),
    [
        ("messenger", 1, True, None),
        ("messenger", 23.9, True, None),
        ("messenger", 30, True, "HUMAN_AGENT"),  # after 24 h a person may, with the tag
        ("instagram", 6 * 24, True, "HUMAN_AGENT"),
        ("messenger", 7 * 24 + 1, False, None),  # after 7 days nobody may
        ("messenger", None, False, None),
        ("x", 30 * 24, True, None),  # X has no window
    ],
)
def test_the_window_for_a_persons_reply(
    channel: str, hours: float | None, can_reply: bool, tag: str | None
) -> None:
    state = window_state(conversation(channel, hours), now=NOW)
    assert state["can_reply"] is can_reply
    assert state["tag"] == tag
    assert (state["refusal"] is None) is can_reply


def _message(n: int, text: str, urgency: str | None, direction: str = Direction.INBOUND) -> Message:
    return Message(id=n, direction=direction, text=text, urgency=urgency)


def test_the_summary_quotes_the_most_urgent_customer_words() -> None:
    escalation = Escalation(
        intent="faq/returns_refunds",
        reasons=["high urgency: damaged goods", "the customer asked for a person"],
    )
    messages = [
        _message(1, "hi", "low"),
        _message(2, "the bottle arrived smashed and leaking", "high"),
        _message(3, "Sorry to hear that!", None, Direction.OUTBOUND),
        _message(4, "hello??", "normal"),
    ]
    text = summary(escalation, messages)
    assert text.startswith("Topic: returns refunds.")
    assert "damaged goods; the customer asked for a person" in text
    assert "“the bottle arrived smashed and leaking”" in text
    assert "(3 messages from the customer.)" in text


def test_a_long_message_is_cut_in_the_summary() -> None:
    escalation = Escalation(intent=None, reasons=[])
    text = summary(escalation, [_message(1, "あ" * 500, "normal")])
    assert text.endswith("…”") and len(text) < 200
