"""When a message that arrived late may be answered: pure logic, no I/O.

A message written long before it reached us is part of a backlog the platform is delivering
again (after an outage of ours or theirs), and Meta delivers such backlogs out of order. Its
customer's earlier messages may still be on their way, so it waits until the deliveries
already queued have been read (they may hold the earlier ones), and at least `hold_s`, but
never more than `max_hold_s`. Fresh messages never wait: the normal path keeps its speed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta


@dataclass(frozen=True, slots=True)
class ReorderPolicy:
    late_after_s: float = 10.0  # written this long before we stored it: part of a backlog
    hold_s: float = 2.0  # a late message waits at least this long after it was stored...
    max_hold_s: float = 30.0  # ...and never longer than this, whatever is still queued


def may_answer(
    *,
    written_ms: int | None,
    stored_at: datetime,
    now: datetime,
    backlog: bool,
    policy: ReorderPolicy,
) -> bool:
    """Whether a customer message may be answered now. `backlog`: deliveries are queued that
    no worker has read yet. Times are timezone-aware."""
    if written_ms is None:
        return True
    written = datetime.fromtimestamp(written_ms / 1000, UTC)
    if stored_at - written <= timedelta(seconds=policy.late_after_s):
        return True
    waited = now - stored_at
    if waited >= timedelta(seconds=policy.max_hold_s):
        return True
    if waited < timedelta(seconds=policy.hold_s):
        return False
    return not backlog
