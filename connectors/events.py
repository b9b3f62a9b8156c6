"""The normalized inbound event every connector produces."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Channel(StrEnum):
    MESSENGER = "messenger"
    INSTAGRAM = "instagram"
    X = "x"


class EventKind(StrEnum):
    TEXT = "text"
    QUICK_REPLY = "quick_reply"
    POSTBACK = "postback"
    ATTACHMENT = "attachment"


@dataclass(frozen=True, slots=True)
class InboundEvent:
    """A customer's message, whatever the platform. `text` is what the bot should read."""

    channel: Channel
    account_id: str  # our side: Page id, IG account id, X user id
    customer_id: str  # their side: PSID, IGSID, X user id
    platform_message_id: str
    timestamp_ms: int
    kind: EventKind
    text: str
    payload: str | None = None
    attachment_types: tuple[str, ...] = ()
    # Instagram: the customer replied to (or mentioned us in) a story. The story's media is
    # never stored: Meta's CDN links expire and Meta forbids keeping them.
    story_reply: bool = False


@dataclass(frozen=True, slots=True)
class UnsendEvent:
    """The customer deleted a message they sent (Instagram "unsend")."""

    channel: Channel
    account_id: str
    customer_id: str
    platform_message_id: str


@dataclass(frozen=True, slots=True)
class SkippedEvent:
    """A batch item that is not a customer message: echoes, reads, unknown kinds, bad items."""

    kind: str
    reason: str
    raw: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ParsedBatch:
    events: list[InboundEvent]
    skipped: list[SkippedEvent]
    unsends: list[UnsendEvent] = field(default_factory=list)
