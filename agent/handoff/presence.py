"""Presence without a goodbye: a person who closes the console (or loses their connection)
without going offline is set offline once it has been gone for a while, so what they owned
goes back to the queue instead of waiting on nobody."""

from __future__ import annotations

import asyncio
import logging

from redis.asyncio import Redis
from redis.exceptions import RedisError
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from agent import redis_keys
from agent.handoff.models import Presence, Staff
from agent.handoff.service import HandoffService

log = logging.getLogger(__name__)


async def mark_seen(redis: Redis, staff_id: int, *, absent_after_s: int) -> None:
    await redis.set(redis_keys.console_seen_key(staff_id), "1", ex=absent_after_s)


async def sweep_absent(service: HandoffService) -> list[int]:
    """Set offline everyone marked present whose console has not been seen lately.
    Returns their ids."""
    async with service.sessions() as session:
        query = select(Staff.id).where(Staff.presence != Presence.OFFLINE)
        present = list((await session.execute(query)).scalars())
    gone = []
    for staff_id in present:
        if not await service.redis.exists(redis_keys.console_seen_key(staff_id)):
            released = await service.set_presence(staff_id, Presence.OFFLINE)
            log.info(
                "staff %s absent: set offline, %d conversations re-queued", staff_id, len(released)
            )
            gone.append(staff_id)
    return gone


async def sweep_forever(service: HandoffService, *, every_s: float) -> None:
    """The app's background sweep. The first pass waits a full period, so that people whose
    consoles reconnect after an app restart are not set offline."""
    while True:
        await asyncio.sleep(every_s)
        try:
            await sweep_absent(service)
        except (RedisError, SQLAlchemyError) as exc:
            log.warning("presence sweep skipped: %s", exc)
