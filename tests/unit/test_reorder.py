"""Holding late messages so that a redelivered backlog is answered in the order written."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from agent.pipeline.order import ReorderPolicy, may_answer

POLICY = ReorderPolicy(late_after_s=10, hold_s=2, max_hold_s=30)
STORED = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)


def _ms(at: datetime) -> int:
    return int(at.timestamp() * 1000)


def _may(written: datetime | None, waited_s: float, *, backlog: bool) -> bool:
    return may_answer(
        written_ms=_ms(written) if written else None,
        stored_at=STORED,
        now=STORED + timedelta(seconds=waited_s),
        backlog=backlog,
        policy=POLICY,
    )


def test_a_fresh_message_is_answered_at_once_backlog_or_not() -> None:
    for written in (STORED - timedelta(seconds=1), STORED - timedelta(seconds=10), None):
        assert _may(written, 0, backlog=True)
    # A platform clock a little ahead of ours is fresh too.
    assert _may(STORED + timedelta(seconds=3), 0, backlog=True)


def test_a_late_message_waits_for_the_hold_then_for_the_queued_deliveries() -> None:
    late = STORED - timedelta(hours=2)
    assert not _may(late, 0, backlog=False)
    assert not _may(late, 1.9, backlog=False)
    assert _may(late, 2.0, backlog=False)
    assert not _may(late, 5, backlog=True)
    assert not _may(late, 29.9, backlog=True)
    assert _may(late, 30, backlog=True)  # never longer than max_hold_s


def test_no_hold_configured_answers_late_messages_at_once() -> None:
    policy = ReorderPolicy(hold_s=0, max_hold_s=0)
    late = _ms(STORED - timedelta(hours=1))
    assert may_answer(written_ms=late, stored_at=STORED, now=STORED, backlog=True, policy=policy)


@given(
    st.integers(min_value=-3600, max_value=7 * 86400),
    st.floats(min_value=0, max_value=3600),
    st.booleans(),
)
def test_every_message_is_answered_within_the_longest_hold(
    age_s: int, waited_s: float, backlog: bool
) -> None:
    written = STORED - timedelta(seconds=age_s)
    if waited_s >= POLICY.max_hold_s or age_s <= POLICY.late_after_s:
        assert _may(written, waited_s, backlog=backlog)
    # Waiting longer never turns a yes into a no.
    if _may(written, waited_s, backlog=backlog):
        assert _may(written, waited_s + 1, backlog=backlog)
