"""Accepting a parsed webhook batch: de-duplicate, persist, queue. Each event on its own."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from agent import redis_keys
from agent.inbox.queue import InboundQueue
from agent.records import service as records
from agent.records.models import MessageStatus
from connectors.events import InboundEvent, ParsedBatch, SkippedEvent

log = logging.getLogger(__name__)


@dataclass
class AcceptResult:
    accepted: list[int] = field(default_factory=list)  # message ids queued
    duplicates: int = 0
    skipped: int = 0
    unsent: int = 0  # customer deletions applied


async def accept_batch(
    batch: ParsedBatch,
    *,
    channel: str,
    known_accounts: set[str],
    sessions: async_sessionmaker[AsyncSession],
    queue: InboundQueue,
) -> AcceptResult:
    """Store and queue every customer message of the batch.

    Raises only on infrastructure failure (database or Redis down); the platform then retries
    and events already stored are recognised as duplicates.
    """
    result = AcceptResult()
    skipped = list(batch.skipped)
    for event in batch.events:
        if event.account_id not in known_accounts:
            log.warning("webhook for unknown %s account %s ignored", channel, event.account_id)
            skipped.append(
                SkippedEvent("unknown_account", f"account {event.account_id} is not configured")
            )
            continue
        message_id = await _accept_event(event, sessions=sessions, queue=queue)
        if message_id is None:
            result.duplicates += 1
        else:
            result.accepted.append(message_id)
    if batch.unsends:
        async with sessions() as session, session.begin():
            for unsend in batch.unsends:
                if await records.mark_unsent(session, event=unsend):
                    result.unsent += 1
                else:
                    skipped.append(SkippedEvent("unsend", "deleted message was never received"))
    if skipped:
        async with sessions() as session, session.begin():
            await records.record_skipped(session, channel=channel, items=skipped)
        result.skipped = len(skipped)
    return result


async def _accept_event(
    event: InboundEvent, *, sessions: async_sessionmaker[AsyncSession], queue: InboundQueue
) -> int | None:
    key = redis_keys.dedup_key(event.channel, event.account_id, event.platform_message_id)
    if not await queue.claim_delivery(key):
        return None
    try:
        async with sessions() as session, session.begin():
            message, created = await records.record_inbound(session, event=event)
        if created or message.status == MessageStatus.RECEIVED:
            # A stored but unanswered message is queued again: its first append may have been
            # what failed. Workers skip messages that are already answered.
            await queue.append(message_id=message.id, conversation_id=message.conversation_id)
    except BaseException:
        await _release_quietly(queue, key)
        raise
    return message.id if created else None


async def _release_quietly(queue: InboundQueue, key: str) -> None:
    try:
        await queue.release_delivery(key)
    except Exception:  # Redis itself may be what failed; the original error is what matters.
        log.exception("could not release dedup key %s", key)
