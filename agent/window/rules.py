"""Meta's messaging window, as pure logic.

- Inside 24 hours of the customer's last message, anyone may answer (`messaging_type: RESPONSE`).
- From 24 hours to 7 days, only a person may answer, with `MESSAGE_TAG` + `HUMAN_AGENT`.
  Automated text never carries that tag: Meta allows it for human-written messages only.
- After 7 days nothing may be sent on that channel.
X direct messages have no window (rate limits apply instead).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

STANDARD_WINDOW = timedelta(hours=24)
HUMAN_AGENT_WINDOW = timedelta(days=7)
HUMAN_AGENT_TAG = "HUMAN_AGENT"
_META_CHANNELS = frozenset({"messenger", "instagram"})


class Author(StrEnum):
    BOT = "bot"
    HUMAN = "human"


class Refusal(StrEnum):
    NEVER_WROTE = "the customer has not written on this channel"
    BOT_OUTSIDE_24H = (
        "more than 24 hours since the customer's last message: only a person may reply"
    )
    OUTSIDE_7_DAYS = "more than 7 days since the customer's last message: no reply is possible"


@dataclass(frozen=True, slots=True)
class SendPermit:
    messaging_type: str | None  # None on channels without the concept (X)
    tag: str | None = None


@dataclass(frozen=True, slots=True)
class Decision:
    permit: SendPermit | None
    refusal: Refusal | None = None

    @property
    def sendable(self) -> bool:
        return self.permit is not None


def decide(
    *, channel: str, author: Author, last_customer_message_at: datetime | None, now: datetime
) -> Decision:
    """May `author` send to this conversation now, and how must the message be marked?"""
    if channel not in _META_CHANNELS:
        return Decision(SendPermit(messaging_type=None))
    if last_customer_message_at is None:
        return Decision(None, Refusal.NEVER_WROTE)
    # A customer timestamp slightly in the future (clock skew) counts as "just now".
    age = max(now - last_customer_message_at, timedelta(0))
    if age <= STANDARD_WINDOW:
        return Decision(SendPermit(messaging_type="RESPONSE"))
    if age > HUMAN_AGENT_WINDOW:
        return Decision(None, Refusal.OUTSIDE_7_DAYS)
    if author is Author.HUMAN:
        return Decision(SendPermit(messaging_type="MESSAGE_TAG", tag=HUMAN_AGENT_TAG))
    return Decision(None, Refusal.BOT_OUTSIDE_24H)
