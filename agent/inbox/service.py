"""Accepting a parsed webhook batch: de-duplicate and queue, each event on its own. Nothing
here waits for SQL: the worker stores what the stream holds (agent/pipeline/worker.py), so the
platform gets its 200 as soon as Redis has the batch."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from agent import redis_keys
from agent.inbox.queue import EntryKind, InboundQueue
from agent.inbox.wire import dump_event, dump_skipped, dump_unsend
from connectors.events import ParsedBatch, SkippedEvent

log = logging.getLogger(__name__)


@dataclass
class AcceptResult:
    accepted: int = 0  # new customer messages queued
    duplicates: int = 0
    skipped: int = 0
    unsent: int = 0  # customer deletions queued


async def accept_batch(
    batch: ParsedBatch, *, channel: str, known_accounts: set[str], queue: InboundQueue
) -> AcceptResult:
    """Queue every customer message of the batch once, and its deletions and skipped items.

    Raises only when Redis is down; the platform then retries, and events already queued are
    recognised as duplicates.
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
        key = redis_keys.dedup_key(event.channel, event.account_id, event.platform_message_id)
        if await queue.accept_event(key, dump_event(event)):
            result.accepted += 1
        else:
            result.duplicates += 1
    for unsend in batch.unsends:
        await queue.append_item(EntryKind.UNSEND, dump_unsend(unsend))
        result.unsent += 1
    if skipped:
        await queue.append_item(EntryKind.SKIPPED, dump_skipped(channel, skipped))
        result.skipped = len(skipped)
    return result
