"""The escalation queue's speed: enqueue and claim (the Redis index alone, and with the SQL
record), and listing the queue with 10,000 escalations waiting. Real Redis and SQLite (or
PostgreSQL with AGENT_DATABASE_URL).

    .venv-app/bin/python -m scripts.bench_queue [--waiting 10000] [--claims 2000]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import update

from agent.console.views import queue_row
from agent.handoff.models import Presence
from agent.handoff.queue import ClaimResult
from agent.handoff.service import HandoffService, plan, queue_item
from agent.handoff.staff import add_staff
from agent.records.models import (
    Conversation,
    ConversationStatus,
    Direction,
    Escalation,
    Message,
    MessageStatus,
    utcnow,
)
from agent.runtime import Runtime, build_runtime
from agent.settings import Settings
from scripts.stack import Stack

URGENCIES = ("critical", "high", "high", "normal", "normal", "normal", "low")
REASONS = {"critical": ["health_safety"], "high": ["damaged_goods"], "normal": [], "low": []}
TIERS = (None, "standard", "silver", "gold", "vip")
INTENTS = (None, "faq/payment_methods", "faq/shipping_time", "faq/product_usage")


def figures(name: str, seconds: list[float]) -> str:
    ms = sorted(s * 1000 for s in seconds)
    p99 = ms[min(len(ms) - 1, round(0.99 * (len(ms) - 1)))]
    return (
        f"{name}: n={len(ms)} p50 {statistics.median(ms):.3f} ms, p99 {p99:.3f} ms, "
        f"max {ms[-1]:.3f} ms"
    )


async def fill(runtime: Runtime, service: HandoffService, count: int, offset: int) -> list[int]:
    """`count` escalations written to SQL in bulk (set-up, not measured). Returns their ids."""
    now = utcnow()
    ids: list[int] = []
    async with runtime.sessions() as session:
        for n in range(count):
            urgency = URGENCIES[n % len(URGENCIES)]
            conversation = Conversation(
                channel=("messenger", "instagram", "x")[n % 3],
                account_id="bench",
                customer_id=str(9500000000000000 + offset + n),
                status=ConversationStatus.NEEDS_HUMAN,
                language=("ja", "en")[n % 2],
                last_customer_message_at=now,
            )
            session.add(conversation)
            await session.flush()
            message = Message(
                conversation_id=conversation.id,
                channel=conversation.channel,
                account_id="bench",
                direction=Direction.INBOUND,
                status=MessageStatus.ANSWERED,
                text=f"bench message {n}",
                platform_message_id=f"bench-{offset + n}",
            )
            session.add(message)
            await session.flush()
            escalation = Escalation(
                conversation_id=conversation.id,
                message_id=message.id,
                reasons=[f"{urgency} urgency"],
                reason_keys=["high_urgency_negative"],
                urgency=urgency,
                sentiment="negative",
                created_at=now - timedelta(seconds=n),
            )
            plan(
                escalation,
                config=service.config,
                urgency_reasons=REASONS[urgency],
                intent=INTENTS[n % len(INTENTS)],
                tier=TIERS[n % len(TIERS)],
                now=escalation.created_at,
            )
            session.add(escalation)
            await session.flush()
            ids.append(escalation.id)
            if n % 500 == 499:
                await session.commit()
        await session.commit()
    return ids


async def bench(runtime: Runtime, waiting: int, claims: int) -> None:
    service = runtime.handoff()
    teams = service.config.team_keys()
    async with runtime.sessions() as session:
        agents = [
            await add_staff(
                session,
                email=f"bench{n}@tsuyu.example",
                name=f"bench {n}",
                password="bench-password",
                teams=teams,
                capacity=10 * claims,
            )
            for n in range(20)
        ]
        for agent in agents:
            agent.presence = Presence.ONLINE
        await session.commit()

    # 1. The Redis index alone: index an escalation, claim one.
    ids = await fill(runtime, service, claims, offset=0)
    async with runtime.sessions() as session:
        items = []
        for escalation_id in ids:
            escalation = await session.get(Escalation, escalation_id)
            assert escalation is not None
            conversation = await session.get(Conversation, escalation.conversation_id)
            assert conversation is not None
            items.append(queue_item(escalation, conversation, service.config))
    enqueue, claim = [], []
    for item in items:
        start = time.perf_counter()
        await service.queue.add(item)
        enqueue.append(time.perf_counter() - start)
    for n, item in enumerate(items):
        start = time.perf_counter()
        result = await service.queue.claim(
            item.id, team=item.team, staff_id=agents[n % 20].id, capacity=10 * claims
        )
        claim.append(time.perf_counter() - start)
        assert result is ClaimResult.CLAIMED
    print(figures("enqueue (Redis index)", enqueue))
    print(figures("claim (Redis index, atomic script)", claim))

    # 2. With the durable record: the whole claim as the console does it (Redis, then SQL).
    await service.queue.clear()
    ids = await fill(runtime, service, claims, offset=claims)
    index_times = []
    for escalation_id in ids:
        start = time.perf_counter()
        await service.index(escalation_id)
        index_times.append(time.perf_counter() - start)
    full_claim = []
    for n, escalation_id in enumerate(ids):
        start = time.perf_counter()
        await service.claim(agents[n % 20], escalation_id)
        full_claim.append(time.perf_counter() - start)
    print(figures("enqueue (read from SQL, index, publish)", index_times))
    print(figures("claim (Redis, then the SQL record and its history)", full_claim))

    # 3. Listing with `waiting` escalations waiting, as the console's queue route builds it.
    # (Those of part 1 were claimed in Redis only, so SQL still has them waiting: close them.)
    async with runtime.sessions() as session:
        await session.execute(
            update(Escalation).where(Escalation.assignee_id.is_(None)).values(status="resolved")
        )
        await session.commit()
    await service.queue.clear()
    ids = await fill(runtime, service, waiting, offset=2 * claims)
    start = time.perf_counter()
    await service.rebuild()
    rebuild_s = time.perf_counter() - start
    names = {agent.id: agent.name for agent in agents}
    listing = []
    for n in range(200):
        begin = time.perf_counter()
        rows, total = await service.queue.waiting(teams, limit=100)
        page = [
            queue_row(r, service.config, now=utcnow(), language="en", names=names) for r in rows
        ]
        listing.append(time.perf_counter() - begin)
        assert total == waiting and len(page) == 100, (total, len(page), n)
    print(f"rebuild of the index from SQL with {waiting} open: {rebuild_s * 1000:.0f} ms")
    print(figures(f"queue listing, first 100 of {waiting} waiting, all teams", listing))


async def run(stack: Stack, waiting: int, claims: int) -> None:
    os.environ.update(stack.env())
    runtime = build_runtime(Settings())  # type: ignore[call-arg]  # from the stack's environment
    try:
        await bench(runtime, waiting, claims)
    finally:
        await runtime.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--waiting", type=int, default=10_000)
    parser.add_argument("--claims", type=int, default=2000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        stack = Stack.ephemeral(Path(tmp))
        try:
            stack.start_redis()
            stack.migrate()
            asyncio.run(run(stack, args.waiting, args.claims))
        finally:
            stack.stop_all()


if __name__ == "__main__":
    main()
