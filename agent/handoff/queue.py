"""The escalation queue's working index in Redis: per-team sorted sets of waiting escalations,
a hash per escalation with what the queue shows, and the set each person owns.

SQL holds the durable record (agent/handoff/service.py writes it first); this index answers the
console fast and makes claiming atomic. `rebuild` recreates it from SQL, so losing Redis loses
nothing."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import IntEnum
from typing import Any

from redis.asyncio import Redis

from agent import redis_keys

# Claim in one step: the person has room, and the escalation is still waiting in its team.
# Both checks and the move happen inside Redis, so of many people claiming one escalation at
# once exactly one gets it.
_CLAIM = """
local owned = KEYS[1]
local waiting = KEYS[2]
local item = KEYS[3]
if redis.call('scard', owned) >= tonumber(ARGV[3]) then return -1 end
if redis.call('zrem', waiting, ARGV[1]) == 0 then return 0 end
redis.call('sadd', owned, ARGV[1])
redis.call('hset', item, 'status', 'assigned', 'assignee_id', ARGV[2])
return 1
"""

# Put back: only what the person still owns (a release that raced a resolve does nothing).
_RELEASE = """
local owned = KEYS[1]
local waiting = KEYS[2]
local item = KEYS[3]
if redis.call('srem', owned, ARGV[1]) == 0 then return 0 end
redis.call('zadd', waiting, ARGV[2], ARGV[1])
redis.call('hset', item, 'status', 'waiting', 'assignee_id', '', 'team', ARGV[3])
return 1
"""


class ClaimResult(IntEnum):
    FULL = -1  # the person is at capacity
    TAKEN = 0  # someone else has it, or it is no longer waiting
    CLAIMED = 1


@dataclass(frozen=True, slots=True)
class QueueItem:
    """What the queue shows about one escalation, and what claiming it needs."""

    id: int
    conversation_id: int
    team: str
    rank: float
    status: str = "waiting"
    assignee_id: int | None = None
    fields: Mapping[str, Any] | None = None  # display data: urgency, reasons, channel, due...

    def to_hash(self) -> dict[str, str]:
        return {
            "id": str(self.id),
            "conversation_id": str(self.conversation_id),
            "team": self.team,
            "rank": repr(self.rank),
            "status": self.status,
            "assignee_id": "" if self.assignee_id is None else str(self.assignee_id),
            "fields": json.dumps(self.fields or {}, ensure_ascii=False),
        }

    @classmethod
    def from_hash(cls, raw: Mapping[bytes, bytes]) -> QueueItem:
        data = {k.decode(): v.decode() for k, v in raw.items()}
        return cls(
            id=int(data["id"]),
            conversation_id=int(data["conversation_id"]),
            team=data["team"],
            rank=float(data["rank"]),
            status=data["status"],
            assignee_id=int(data["assignee_id"]) if data.get("assignee_id") else None,
            fields=json.loads(data.get("fields") or "{}"),
        )


class EscalationQueue:
    def __init__(self, redis: Redis) -> None:
        self._redis = redis
        self._claim = redis.register_script(_CLAIM)
        self._release = redis.register_script(_RELEASE)

    async def add(self, item: QueueItem) -> None:
        """Index a waiting (or, when rebuilding, an assigned) escalation."""
        await self.add_many([item])

    async def add_many(self, items: Sequence[QueueItem], *, chunk: int = 1000) -> None:
        for start in range(0, len(items), chunk):
            pipe = self._redis.pipeline(transaction=True)
            for item in items[start : start + chunk]:
                pipe.hset(redis_keys.escalation_key(item.id), mapping=item.to_hash())  # type: ignore[arg-type]
                if item.status == "waiting":
                    pipe.zadd(redis_keys.waiting_key(item.team), {str(item.id): item.rank})
                elif item.assignee_id is not None:
                    pipe.sadd(redis_keys.owned_key(item.assignee_id), str(item.id))
            await pipe.execute()

    async def claim(
        self, escalation_id: int, *, team: str, staff_id: int, capacity: int
    ) -> ClaimResult:
        result = await self._claim(
            keys=[
                redis_keys.owned_key(staff_id),
                redis_keys.waiting_key(team),
                redis_keys.escalation_key(escalation_id),
            ],
            args=[str(escalation_id), str(staff_id), str(capacity)],
        )
        return ClaimResult(int(result))

    async def release(self, escalation_id: int, *, team: str, staff_id: int, rank: float) -> bool:
        """Back to the waiting queue of `team` (the person went offline)."""
        done = await self._release(
            keys=[
                redis_keys.owned_key(staff_id),
                redis_keys.waiting_key(team),
                redis_keys.escalation_key(escalation_id),
            ],
            args=[str(escalation_id), repr(rank), team],
        )
        return bool(done)

    async def remove(self, escalation_id: int, *, team: str, staff_id: int | None) -> None:
        """Resolved or returned to the bot: gone from the index."""
        pipe = self._redis.pipeline(transaction=True)
        pipe.zrem(redis_keys.waiting_key(team), str(escalation_id))
        if staff_id is not None:
            pipe.srem(redis_keys.owned_key(staff_id), str(escalation_id))
        pipe.delete(redis_keys.escalation_key(escalation_id))
        await pipe.execute()

    async def waiting(
        self, teams: Iterable[str], *, limit: int = 100
    ) -> tuple[list[QueueItem], int]:
        """The first `limit` waiting escalations of `teams`, in queue order, and how many wait."""
        keys = [redis_keys.waiting_key(team) for team in teams]
        if not keys:
            return [], 0
        pipe = self._redis.pipeline(transaction=False)
        for key in keys:
            pipe.zrange(key, 0, limit - 1, withscores=True)
        for key in keys:
            pipe.zcard(key)
        results = await pipe.execute()
        heads: list[tuple[float, int]] = []
        for rows in results[: len(keys)]:
            heads.extend((float(score), int(member)) for member, score in rows)
        total = sum(int(n) for n in results[len(keys) :])
        heads.sort()
        items = await self.items([escalation_id for _, escalation_id in heads[:limit]])
        return items, total

    async def owned(self, staff_id: int) -> list[QueueItem]:
        ids = sorted(int(m) for m in await self._redis.smembers(redis_keys.owned_key(staff_id)))
        return await self.items(ids)

    async def items(self, ids: Sequence[int]) -> list[QueueItem]:
        if not ids:
            return []
        pipe = self._redis.pipeline(transaction=False)
        for escalation_id in ids:
            pipe.hgetall(redis_keys.escalation_key(escalation_id))
        return [QueueItem.from_hash(raw) for raw in await pipe.execute() if raw]

    async def clear(self) -> None:
        """Drop the whole index (before a rebuild from SQL)."""
        keys = [key async for key in self._redis.scan_iter(match="agent:handoff:*", count=1000)]
        for start in range(0, len(keys), 500):
            await self._redis.delete(*keys[start : start + 500])
