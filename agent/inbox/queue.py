"""The inbound stream (Redis Streams, one consumer group of workers) and delivery de-duplication."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import ResponseError

from agent import redis_keys


class EntryKind(StrEnum):
    MESSAGE = "message"  # a stored message to answer (or whose outbox to send)
    EVENT = "event"  # a customer message acknowledged to the platform, not yet stored
    UNSEND = "unsend"  # the customer deleted a message
    SKIPPED = "skipped"  # webhook items that are not customer messages, kept for inspection


@dataclass(frozen=True, slots=True)
class QueuedMessage:
    entry_id: str
    message_id: int
    conversation_id: int
    kind: EntryKind = EntryKind.MESSAGE
    data: str = ""  # EVENT, UNSEND, SKIPPED: the item (agent/inbox/wire.py)


# First sight of a platform message → queue it, in one step: a delivery is either both marked
# seen and queued, or neither (then the platform's retry is taken).
_ACCEPT = """
if redis.call('set', KEYS[1], '1', 'NX', 'EX', ARGV[1]) then
  redis.call('xadd', KEYS[2], '*', 'kind', 'event', 'data', ARGV[2])
  return 1
end
return 0
"""


class InboundQueue:
    def __init__(self, redis: Redis, *, dedup_ttl_s: int) -> None:
        self._redis = redis
        self._dedup_ttl_s = dedup_ttl_s
        self._accept = redis.register_script(_ACCEPT)

    async def accept_event(self, dedup_key: str, data: str) -> bool:
        """Queue a customer message for the worker to store and answer, unless this delivery
        was seen before. True when it is new."""
        result = await self._accept(
            keys=[dedup_key, redis_keys.INBOUND_STREAM], args=[str(self._dedup_ttl_s), data]
        )
        return bool(result)

    async def append_item(self, kind: EntryKind, data: str) -> None:
        """Queue an unsend or skipped items for the worker to record."""
        await self._redis.xadd(redis_keys.INBOUND_STREAM, {"kind": kind.value, "data": data})

    async def claim_delivery(self, key: str) -> bool:
        """First sight of this platform message? Later deliveries of it get False."""
        return bool(await self._redis.set(key, "1", nx=True, ex=self._dedup_ttl_s))

    async def release_delivery(self, key: str) -> None:
        """Forget a claim whose message could not be stored, so the platform's retry is taken."""
        await self._redis.delete(key)

    async def append(self, *, message_id: int, conversation_id: int) -> str:
        entry_id = await self._redis.xadd(
            redis_keys.INBOUND_STREAM,
            {"message_id": str(message_id), "conversation_id": str(conversation_id)},
        )
        return entry_id.decode() if isinstance(entry_id, bytes) else str(entry_id)

    async def ensure_group(self) -> None:
        try:
            await self._redis.xgroup_create(
                redis_keys.INBOUND_STREAM, redis_keys.INBOUND_GROUP, id="0", mkstream=True
            )
        except ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise

    async def read(self, consumer: str, *, count: int, block_ms: int) -> list[QueuedMessage]:
        """This consumer's unacknowledged entries (oldest first), then new ones.

        New entries are read even while old ones wait for a retry, so one stuck conversation
        never holds up the others; it waits only when there is nothing pending."""
        pending = await self._read(consumer, "0", count=count, block_ms=None)
        fresh = await self._read(consumer, ">", count=count, block_ms=None if pending else block_ms)
        return pending + fresh

    async def claim_abandoned(self, consumer: str, *, idle_ms: int, count: int) -> int:
        """Take over entries another consumer read and never acknowledged (it died)."""
        result = await self._redis.xautoclaim(
            redis_keys.INBOUND_STREAM,
            redis_keys.INBOUND_GROUP,
            consumer,
            min_idle_time=idle_ms,
            start_id="0-0",
            count=count,
            justid=True,
        )
        claimed = result[1] if isinstance(result, list | tuple) and len(result) > 1 else []
        return len(claimed)

    async def ack(self, entry_id: str) -> None:
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.xack(redis_keys.INBOUND_STREAM, redis_keys.INBOUND_GROUP, entry_id)
            pipe.xdel(redis_keys.INBOUND_STREAM, entry_id)
            await pipe.execute()

    async def has_unread(self) -> bool:
        """Whether deliveries are queued that no worker has read yet: the group has not
        reached the last entry added. (XINFO's `lag` is unknown once entries are deleted,
        as acknowledged ones are here.)"""
        try:
            stream = await self._redis.xinfo_stream(redis_keys.INBOUND_STREAM)
            groups = await self._redis.xinfo_groups(redis_keys.INBOUND_STREAM)
        except ResponseError:  # no stream yet: nothing queued
            return False
        last = _text(stream.get("last-generated-id"))
        for group in groups:
            if _text(group.get("name")) == redis_keys.INBOUND_GROUP:
                return _text(group.get("last-delivered-id")) != last
        return False

    async def pending_count(self) -> int:
        info = await self._redis.xpending(redis_keys.INBOUND_STREAM, redis_keys.INBOUND_GROUP)
        return int(info["pending"]) if isinstance(info, dict) else 0

    async def _read(
        self, consumer: str, start: str, *, count: int, block_ms: int | None
    ) -> list[QueuedMessage]:
        response: Any = await self._redis.xreadgroup(
            redis_keys.INBOUND_GROUP,
            consumer,
            {redis_keys.INBOUND_STREAM: start},
            count=count,
            block=block_ms,
        )
        out: list[QueuedMessage] = []
        for _stream, entries in response or []:
            for entry_id, fields in entries:
                if not fields:
                    continue  # deleted while pending
                data = {_s(k): _s(v) for k, v in fields.items()}
                kind = EntryKind(data.get("kind", EntryKind.MESSAGE))
                if kind is EntryKind.MESSAGE:
                    out.append(
                        QueuedMessage(
                            entry_id=_s(entry_id),
                            message_id=int(data["message_id"]),
                            conversation_id=int(data["conversation_id"]),
                        )
                    )
                else:
                    out.append(
                        QueuedMessage(_s(entry_id), 0, 0, kind=kind, data=data.get("data", ""))
                    )
        return out


def _s(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
