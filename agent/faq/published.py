"""What the NLG endpoint serves: the published FAQ content and the brand voice, cached in
each process and reloaded when the generation counter in Redis moves (every publish,
rollback and voice change bumps it). One Redis GET per reply keeps every process current
within one message; if Redis is unreachable the cached copy keeps answering."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field

from redis.asyncio import Redis
from redis.exceptions import RedisError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from agent import redis_keys
from agent.faq import service
from agent.faq.content import FaqContent
from agent.faq.voice import VoiceProfile

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Snapshot:
    answers: Mapping[str, FaqContent]
    voice: VoiceProfile


@dataclass
class PublishedContent:
    sessions: async_sessionmaker[AsyncSession]
    redis: Redis
    _snapshot: Snapshot | None = None
    _generation: bytes | str | None = None
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def current(self) -> Snapshot:
        try:
            generation = await self.redis.get(redis_keys.FAQ_GENERATION)
        except RedisError as exc:
            if self._snapshot is not None:
                log.warning("FAQ generation unknown (%s): serving the cached answers", exc)
                return self._snapshot
            generation = None
        if self._snapshot is not None and generation == self._generation:
            return self._snapshot
        async with self._lock:
            if self._snapshot is None or generation != self._generation:
                self._snapshot = await self._load()
                self._generation = generation
        return self._snapshot

    async def _load(self) -> Snapshot:
        async with self.sessions() as session:
            return Snapshot(
                answers=await service.published(session),
                voice=await service.voice_profile(session),
            )


async def announce_change(redis: Redis) -> None:
    """Tell every process to reload before its next reply."""
    await redis.incr(redis_keys.FAQ_GENERATION)
