"""What the console shows live: small JSON events on a Redis pub/sub channel."""

from __future__ import annotations

import json
import logging
from enum import StrEnum

from redis.asyncio import Redis
from redis.exceptions import RedisError

from agent import redis_keys

log = logging.getLogger(__name__)


class ConsoleEvent(StrEnum):
    ESCALATED = "escalated"
    CLAIMED = "claimed"
    RELEASED = "released"
    TRANSFERRED = "transferred"
    CLOSED = "closed"  # resolved or returned to the bot
    CUSTOMER_WROTE = "customer_wrote"
    REPLY_SENT = "reply_sent"  # a person's reply went into the outbox
    NOTE_ADDED = "note_added"
    CRISIS = "crisis"  # a crisis alert was raised (agent/insight)
    CRISIS_ACKNOWLEDGED = "crisis_acknowledged"


# Shown to every console, whatever the person's teams.
BROADCAST = frozenset({ConsoleEvent.CRISIS.value, ConsoleEvent.CRISIS_ACKNOWLEDGED.value})


async def publish(
    redis: Redis,
    kind: ConsoleEvent,
    *,
    conversation_id: int,
    escalation_id: int | None = None,
    team: str | None = None,
) -> None:
    """Tell open consoles. A console that misses one still shows it on its next refresh, so a
    Redis hiccup here is logged and never fails the work that caused it."""
    event = {
        "type": kind.value,
        "conversation_id": conversation_id,
        "escalation_id": escalation_id,
        "team": team,
    }
    try:
        await redis.publish(redis_keys.CONSOLE_EVENTS, json.dumps(event))
    except RedisError as exc:
        log.warning("console event %s not published: %s", kind, exc)


async def publish_alert(redis: Redis, kind: ConsoleEvent, *, alert_id: int) -> None:
    """Tell every open console about a crisis alert; like `publish`, never fails the caller."""
    try:
        await redis.publish(
            redis_keys.CONSOLE_EVENTS, json.dumps({"type": kind.value, "alert_id": alert_id})
        )
    except RedisError as exc:
        log.warning("console event %s not published: %s", kind, exc)
