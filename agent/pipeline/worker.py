"""The worker: consumes the inbound stream, one conversation's messages in order."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import secrets
import socket
from collections import OrderedDict
from collections.abc import Mapping
from datetime import timedelta
from enum import StrEnum

from redis.asyncio import Redis
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession

from agent import redis_keys
from agent.errors import DatabaseUnavailable, SendRetryable, TransientError
from agent.inbox.queue import EntryKind, InboundQueue, QueuedMessage
from agent.inbox.wire import load_event, load_skipped, load_unsend
from agent.pipeline.turn import Outcome, TurnDeps, flush_outbox, take_turn
from agent.records import service as records
from agent.records.models import Message, utcnow
from agent.signals.analyzer import Ahead
from connectors.events import SkippedEvent

log = logging.getLogger(__name__)

# Pause between passes while entries wait on something other than a failure (another worker
# holds their conversation, or an older message goes first).
_WAITING_PAUSE_S = 0.2
# Never wait longer than this between attempts, whatever a platform asks.
_LONGEST_WAIT_S = 900.0


class ItemResult(StrEnum):
    DONE = "done"
    WAITING = "waiting"
    FAILED = "failed"  # a dependency failed; retried with backoff


class BatchResult(StrEnum):
    DONE = "done"
    WAITING = "waiting"
    # Some messages wait for their backlog, and deliveries no worker has read are queued: read
    # on at once. A pause here would only make the backlog take longer to read, and a late
    # message's hold has a limit (ReorderPolicy.max_hold_s).
    WAITING_FOR_BACKLOG = "waiting_for_backlog"
    DEPENDENCY_DOWN = "dependency_down"


_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0
"""


class Worker:
    def __init__(
        self,
        *,
        redis: Redis,
        queue: InboundQueue,
        deps: TurnDeps,
        batch: int = 32,
        concurrency: int = 8,
        block_ms: int = 1000,
        max_backoff_s: float = 15.0,
        claim_idle_ms: int = 60_000,
        name: str | None = None,
    ) -> None:
        self._redis = redis
        self._queue = queue
        self._deps = deps
        self._batch = batch
        self._slots = asyncio.Semaphore(concurrency)
        self._block_ms = block_ms
        self._max_backoff_s = max_backoff_s
        self._claim_idle_ms = claim_idle_ms
        self.name = name or f"{socket.gethostname()}-{secrets.token_hex(3)}"
        self._stopping = asyncio.Event()
        self._backoff_s = 0.0
        self._retry_after_s = 0.0
        # Readings started for the last batch, by stream entry: an entry that waited (or failed)
        # is read again on the next pass and keeps its reading instead of a second model run.
        self._ahead: dict[str, Ahead] = {}

    @property
    def deps(self) -> TurnDeps:
        return self._deps

    def stop(self) -> None:
        self._stopping.set()

    async def run(self) -> None:
        await self._queue.ensure_group()
        await self.recover()
        log.info("worker %s consuming %s", self.name, redis_keys.INBOUND_STREAM)
        while not self._stopping.is_set():
            result = await self.run_once()
            if result is BatchResult.DEPENDENCY_DOWN:
                await self._sleep(self._backoff_s)
            elif result is BatchResult.WAITING:
                await self._sleep(_WAITING_PAUSE_S)

    async def recover(self) -> None:
        """After a crash or a Redis loss: queue again what SQL says is unanswered, send what
        SQL says is still in the outbox. Entries queued twice are harmless (answered once)."""
        cutoff = utcnow() - timedelta(seconds=30)
        async with self._deps.sessions() as session:
            stranded = await records.stranded_inbound(session, older_than=cutoff)
            outbox = await records.conversations_with_pending_outbound(session)
        for message in stranded:
            await self._queue.append(message_id=message.id, conversation_id=message.conversation_id)
        for conversation_id in outbox:
            try:
                await flush_outbox(conversation_id, self._deps)
            except TransientError as exc:
                log.warning("outbox of conversation %s waits: %s", conversation_id, exc)
        if stranded or outbox:
            log.info("recovered %d unanswered messages, %d outboxes", len(stranded), len(outbox))

    async def run_once(self) -> BatchResult:
        """Read a batch (own pending entries first, then new ones) and work through it."""
        await self._queue.claim_abandoned(self.name, idle_ms=self._claim_idle_ms, count=self._batch)
        items = await self._queue.read(self.name, count=self._batch, block_ms=self._block_ms)
        ahead = self._ahead = self._read_ahead(items)
        try:
            items = await self.store(items)
        except DatabaseUnavailable as exc:
            log.warning("webhook items wait in the stream: %s", exc)
            self._backoff_s = min(self._max_backoff_s, max(0.5, self._backoff_s * 2))
            return BatchResult.DEPENDENCY_DOWN
        by_conversation: OrderedDict[int, list[QueuedMessage]] = OrderedDict()
        for item in items:
            by_conversation.setdefault(item.conversation_id, []).append(item)
        backlog = bool(items) and await self._queue.has_unread()
        results = await asyncio.gather(
            *(
                self._work_conversation(cid, group, backlog=backlog, ahead=ahead)
                for cid, group in by_conversation.items()
            )
        )
        if ItemResult.FAILED in results:
            # Rasa or the platform is down: wait longer each time, up to the maximum, with
            # jitter so that several workers do not retry in step. A platform that said when
            # to come back (X's x-rate-limit-reset) is waited for.
            exponential = min(self._max_backoff_s, max(0.5, self._backoff_s * 2))
            self._backoff_s = max(exponential * random.uniform(0.8, 1.0), self._retry_after_s)
            self._backoff_s = min(self._backoff_s, _LONGEST_WAIT_S)
            self._retry_after_s = 0.0
            return BatchResult.DEPENDENCY_DOWN
        self._backoff_s = 0.0
        if ItemResult.WAITING in results:
            return BatchResult.WAITING_FOR_BACKLOG if backlog else BatchResult.WAITING
        return BatchResult.DONE

    async def store(self, items: list[QueuedMessage]) -> list[QueuedMessage]:
        """Write what the app acknowledged to SQL: customer messages (returned as messages to
        answer, in stream order), deletions and skipped items (done: acknowledged here).
        One transaction for the batch; on a database failure nothing is acknowledged and the
        entries are read again."""
        if all(item.kind is EntryKind.MESSAGE for item in items):
            return items
        out: list[QueuedMessage] = []
        done: list[str] = []
        try:
            async with self._deps.sessions() as session:
                for item in items:
                    if item.kind is EntryKind.MESSAGE:
                        out.append(item)
                        continue
                    message = await _store_item(session, item)
                    if message is None:
                        done.append(item.entry_id)
                    else:
                        out.append(
                            QueuedMessage(item.entry_id, message.id, message.conversation_id)
                        )
                await session.commit()
        except (OperationalError, InterfaceError) as exc:
            raise DatabaseUnavailable(f"database unavailable: {exc}") from exc
        for entry_id in done:
            await self._queue.ack(entry_id)
        return out

    def _read_ahead(self, items: list[QueuedMessage]) -> dict[str, Ahead]:
        """Start the signal model on each new text at once, by stream entry: it reads while the
        batch is written to SQL and each conversation is looked up. Entries read before keep
        the reading they have."""
        analyzer = self._deps.analyzer
        if analyzer is None:
            return {}
        out: dict[str, Ahead] = {}
        for item in items:
            if item.entry_id in self._ahead:
                out[item.entry_id] = self._ahead[item.entry_id]
                continue
            if item.kind is not EntryKind.EVENT:
                continue
            try:
                text = load_event(item.data).text
            except (ValueError, KeyError, TypeError):
                continue  # store() keeps it for inspection
            if text.strip():
                out[item.entry_id] = analyzer.read_ahead(text)
        return out

    async def _work_conversation(
        self,
        conversation_id: int,
        items: list[QueuedMessage],
        *,
        backlog: bool,
        ahead: Mapping[str, Ahead],
    ) -> ItemResult:
        """Process one conversation's entries in stream order. One that must wait for an
        earlier message (by the platform's timestamp) is left for the next pass, and the rest
        go on: the earlier message may be among them. A failure stops the conversation."""
        async with self._slots:
            lock = redis_keys.conversation_lock_key(conversation_id)
            token = secrets.token_hex(8)
            if not await self._redis.set(lock, token, nx=True, px=120_000):
                return ItemResult.WAITING  # another worker holds this conversation
            try:
                waiting = False
                for item in items:
                    result = await self._work_item(
                        item, backlog=backlog, ahead=ahead.get(item.entry_id)
                    )
                    if result is ItemResult.FAILED:
                        return result
                    waiting = waiting or result is ItemResult.WAITING
                return ItemResult.WAITING if waiting else ItemResult.DONE
            finally:
                await self._redis.eval(_RELEASE, 1, lock, token)

    async def _work_item(
        self, item: QueuedMessage, *, backlog: bool, ahead: Ahead | None
    ) -> ItemResult:
        try:
            outcome = await take_turn(item.message_id, self._deps, backlog=backlog, ahead=ahead)
        except TransientError as exc:
            log.warning("message %s will be retried: %s", item.message_id, exc)
            if isinstance(exc, SendRetryable) and exc.retry_after_s:
                self._retry_after_s = max(self._retry_after_s, exc.retry_after_s)
            return ItemResult.FAILED
        if outcome is Outcome.DEFERRED:
            return ItemResult.WAITING  # an older message goes first, or the backlog may hold one
        await self._queue.ack(item.entry_id)
        return ItemResult.DONE

    async def _sleep(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), timeout=seconds)


async def _store_item(session: AsyncSession, item: QueuedMessage) -> Message | None:
    """Store one webhook item. Returns the customer message when it still needs answering."""
    try:
        if item.kind is EntryKind.EVENT:
            # A re-read entry (its turn failed) or a late duplicate finds the stored message:
            # its turn answers it once and sends what its outbox still holds.
            message, _ = await records.record_inbound(session, event=load_event(item.data))
            return message
        if item.kind is EntryKind.UNSEND:
            unsend = load_unsend(item.data)
            if not await records.mark_unsent(session, event=unsend):
                skipped = SkippedEvent("unsend", "deleted message was never received")
                await records.record_skipped(session, channel=unsend.channel, items=[skipped])
            return None
        channel, skipped_items = load_skipped(item.data)
        await records.record_skipped(session, channel=channel, items=skipped_items)
    except (ValueError, KeyError, TypeError) as exc:
        # Not what the app writes: kept for inspection, never retried.
        log.error("stream entry %s is unreadable: %s", item.entry_id, exc)
        bad = SkippedEvent("bad_entry", f"unreadable stream entry: {exc}", {"data": item.data})
        await records.record_skipped(session, channel="unknown", items=[bad])
    return None
