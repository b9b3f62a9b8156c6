"""Replay: 1,000 customer messages on three channels, each delivered 3 times, all deliveries
shuffled. Exactly one reply per message, none lost, each conversation answered in the order
its customer wrote (the platform's timestamps), not the order the deliveries came in."""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections import Counter, defaultdict
from dataclasses import replace

import pytest
from sqlalchemy import select

from agent import redis_keys
from agent.app import create_app
from agent.pipeline.order import ReorderPolicy
from agent.pipeline.worker import Worker
from agent.records.models import Direction, Message
from tests.conftest import IG_ACCOUNT_ID
from tests.integration.conftest import Harness
from tests.integration.helpers import (
    app_client,
    instagram_body,
    message_event,
    signed_headers,
    webhook_body,
    x_body,
    x_event,
    x_headers,
)

MESSAGES = 1000
CUSTOMERS_PER_CHANNEL = 20
COPIES = 3
# Message n was written n seconds after this (within the messaging window).
WRITTEN_AT_MS = int(time.time() * 1000) - 2 * 3600 * 1000


def _delivery(channel: str, customer: str, n: int) -> tuple[str, bytes, dict[str, str]]:
    text = f"{channel} {customer} message {n}"
    stamp = WRITTEN_AT_MS + n * 1000
    if channel == "x":
        body = x_body(x_event(f"x-{customer}-{n}", text, sender=customer, timestamp_ms=stamp))
        return channel, body, x_headers(body)
    event = message_event(f"m-{channel}-{customer}-{n}", text, psid=customer, timestamp_ms=stamp)
    if channel == "instagram":
        event["recipient"] = {"id": IG_ACCOUNT_ID}
        body = instagram_body(event)
    else:
        body = webhook_body(event)
    return channel, body, signed_headers(body)


def _use_policy(harness: Harness, policy: ReorderPolicy) -> None:
    harness.worker = Worker(
        redis=harness.runtime.redis,
        queue=harness.runtime.queue,
        deps=replace(harness.worker.deps, reorder=policy),
        block_ms=50,
        name="w1",
    )


async def _work_off(harness: Harness, *, within_s: float = 180) -> None:
    """Run the worker until every entry is acknowledged (late messages wait for their hold)."""
    deadline = time.monotonic() + within_s
    while await harness.runtime.redis.xlen(redis_keys.INBOUND_STREAM):
        assert time.monotonic() < deadline, "the backlog was not worked off"
        await harness.worker.run_once()
        await asyncio.sleep(0.05)


@pytest.mark.parametrize("batch", [32, 4000])
async def test_every_message_answered_exactly_once_in_the_order_written(
    harness: Harness, batch: int
) -> None:
    """Exactly once, none lost, and in the order written, whether the worker reads the
    backlog 32 entries at a time (late messages wait until it has read the rest) or all at
    once."""
    harness.without_signals()
    # However slow the machine, no late message's longest hold runs out before the worker
    # has read the backlog.
    harness.worker = Worker(
        redis=harness.runtime.redis,
        queue=harness.runtime.queue,
        deps=replace(harness.worker.deps, reorder=ReorderPolicy(max_hold_s=600)),
        batch=batch,
        block_ms=50,
        name="w1",
    )
    rng = random.Random(20261122)
    channels = ("messenger", "instagram", "x")
    plan = [
        (channels[i % 3], str(8000000000000000 + (i // 3) % CUSTOMERS_PER_CHANNEL), i)
        for i in range(MESSAGES)
    ]
    deliveries = [_delivery(*item) for item in plan for _ in range(COPIES)]
    rng.shuffle(deliveries)

    async with app_client(create_app(harness.runtime.settings)) as client:
        for channel, body, headers in deliveries:
            if channel != "x":  # the fake Send API only answers customers who wrote
                await harness.fake.post("/_fake/register", json=json.loads(body))
            response = await client.post(f"/webhooks/{channel}", content=body, headers=headers)
            assert response.status_code == 200, response.text

    # Acknowledged entries are deleted: an empty stream means every message was worked off.
    await _work_off(harness)
    sent = (await harness.fake.get("/_fake/sent")).json()
    replies = [item["message"]["text"] for item in sent]
    counts = Counter(replies)
    expected = {f"echo: {c} {who} message {n}" for c, who, n in plan}
    assert set(counts) == expected, "every message answered"
    assert max(counts.values()) == 1, "never answered twice"

    async with harness.runtime.sessions() as session:
        query = select(Message).where(Message.direction == Direction.INBOUND)
        inbound = list((await session.execute(query)).scalars())
    assert len(inbound) == len(replies) == MESSAGES
    written: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for message in inbound:
        assert message.platform_timestamp_ms is not None
        written[message.conversation_id].append(
            (message.platform_timestamp_ms, f"echo: {message.text}")
        )
    for items in written.values():
        texts = [text for _, text in sorted(items)]
        conversation = texts[0].split(" ")[1:3]  # channel and customer
        assert [r for r in replies if r.split(" ")[1:3] == conversation] == texts


async def test_a_backlog_delivered_out_of_order_is_answered_in_the_order_written(
    harness: Harness,
) -> None:
    """Meta, retrying after an outage, may deliver a customer's messages out of order."""
    harness.without_signals()
    written_at = int(time.time() * 1000) - 60_000
    psid = "8100000000000001"
    for n in (3, 0, 4, 1, 2):
        await harness.deliver(
            message_event(f"m-late-{n}", f"question {n}", psid=psid, timestamp_ms=written_at + n)
        )
    await _work_off(harness, within_s=30)
    assert await harness.sent_texts() == [f"echo: question {n}" for n in range(5)]


async def test_a_backlog_trickling_in_while_the_worker_runs_is_answered_in_order(
    harness: Harness,
) -> None:
    """The redelivered backlog comes in several webhook calls, and the worker reads each
    as it comes: a late message waits, so its customer's earlier ones, still on their way,
    are answered first."""
    harness.without_signals()
    # The deliveries come within the hold (however slow the machine)...
    _use_policy(harness, ReorderPolicy(hold_s=120, max_hold_s=600))
    written_at = int(time.time() * 1000) - 600_000
    customers = ("8200000000000001", "8200000000000002")
    order = [(c, n) for n in range(6) for c in customers]
    random.Random(7).shuffle(order)
    for start in range(0, len(order), 3):
        for customer, n in order[start : start + 3]:
            await harness.deliver(
                message_event(
                    f"m-trickle-{customer}-{n}",
                    f"{customer} question {n}",
                    psid=customer,
                    timestamp_ms=written_at + n * 1000,
                )
            )
        await harness.worker.run_once()
    assert await harness.sent_texts() == []  # all late: held while the backlog comes in
    # ...then the hold is over.
    _use_policy(harness, ReorderPolicy(hold_s=0, max_hold_s=600))
    await _work_off(harness, within_s=30)
    sent = await harness.sent_texts()
    for customer in customers:
        mine = [t for t in sent if customer in t]
        assert mine == [f"echo: {customer} question {n}" for n in range(6)]


async def test_a_fresh_message_is_answered_without_waiting(harness: Harness) -> None:
    harness.without_signals()
    await harness.deliver(message_event("m-fresh", "hello there", psid="8300000000000001"))
    await harness.worker.run_once()
    assert await harness.sent_texts() == ["echo: hello there"]
