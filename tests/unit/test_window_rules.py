"""The messaging window, exhaustively: every channel, author and age boundary."""

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from agent.window.rules import (
    HUMAN_AGENT_TAG,
    Author,
    Refusal,
    SendPermit,
    decide,
)

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
RESPONSE = SendPermit(messaging_type="RESPONSE")
HUMAN_TAG = SendPermit(messaging_type="MESSAGE_TAG", tag=HUMAN_AGENT_TAG)
H, S = timedelta(hours=1), timedelta(seconds=1)


@pytest.mark.parametrize("channel", ["messenger", "instagram"])
@pytest.mark.parametrize(
    ("age", "author", "permit", "refusal"),
    [
        (timedelta(0), Author.BOT, RESPONSE, None),
        (timedelta(0), Author.HUMAN, RESPONSE, None),
        (24 * H, Author.BOT, RESPONSE, None),
        (24 * H, Author.HUMAN, RESPONSE, None),
        (24 * H + S, Author.BOT, None, Refusal.BOT_OUTSIDE_24H),
        (24 * H + S, Author.HUMAN, HUMAN_TAG, None),
        (7 * 24 * H, Author.HUMAN, HUMAN_TAG, None),
        (7 * 24 * H, Author.BOT, None, Refusal.BOT_OUTSIDE_24H),
        (7 * 24 * H + S, Author.HUMAN, None, Refusal.OUTSIDE_7_DAYS),
        (7 * 24 * H + S, Author.BOT, None, Refusal.OUTSIDE_7_DAYS),
        (-5 * S, Author.BOT, RESPONSE, None),  # clock skew: "just now"
    ],
)
def test_meta_window_boundaries(
    channel: str, age: timedelta, author: Author, permit: SendPermit | None, refusal: Refusal | None
) -> None:
    decision = decide(channel=channel, author=author, last_customer_message_at=NOW - age, now=NOW)
    assert decision.permit == permit
    assert decision.refusal == refusal
    assert decision.sendable is (permit is not None)


@pytest.mark.parametrize("author", list(Author))
def test_nobody_may_write_first_on_meta_channels(author: Author) -> None:
    decision = decide(channel="messenger", author=author, last_customer_message_at=None, now=NOW)
    assert decision.refusal is Refusal.NEVER_WROTE and not decision.sendable


@pytest.mark.parametrize("author", list(Author))
@pytest.mark.parametrize("age", [timedelta(0), 30 * 24 * H, None])
def test_x_has_no_window(author: Author, age: timedelta | None) -> None:
    last = None if age is None else NOW - age
    decision = decide(channel="x", author=author, last_customer_message_at=last, now=NOW)
    assert decision.permit == SendPermit(messaging_type=None)


@given(
    st.sampled_from(["messenger", "instagram", "x"]),
    st.sampled_from(list(Author)),
    st.timedeltas(min_value=timedelta(days=-1), max_value=timedelta(days=60)),
)
def test_the_human_agent_tag_is_never_put_on_bot_text(
    channel: str, author: Author, age: timedelta
) -> None:
    decision = decide(channel=channel, author=author, last_customer_message_at=NOW - age, now=NOW)
    if author is Author.BOT:
        assert decision.permit is None or decision.permit.tag is None
    if decision.permit and decision.permit.tag:
        assert age > timedelta(hours=24)
