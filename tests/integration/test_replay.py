"""Replay: 1,000 customer messages on three channels, each delivered 3 times, all deliveries
shuffled. Exactly one reply per message, none lost, each conversation answered in the order
its customer wrote (the platform's timestamps), not the order the deliveries came in."""

from __future__ import annotations

import json
import random
import time
from collections import Counter, defaultdict

import pytest
from sqlalchemy import select

from agent import redis_keys
from agent.app import create_app
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


@pytest.mark.parametrize("batch", [32, 4000])
async def test_every_message_answered_exactly_once_in_the_order_written(
    harness: Harness, batch: int
) -> None:
    """With the worker's usual batch, exactly once and none lost; with a batch that holds the
    whole backlog (all stored before any is answered), also in the order written."""
    harness.without_signals()
    harness.worker = Worker(
        redis=harness.runtime.redis,
        queue=harness.runtime.queue,
        deps=harness.worker.deps,
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
    for _ in range(500):
        await harness.worker.run_once()
        if not await harness.runtime.redis.xlen(redis_keys.INBOUND_STREAM):
            break
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
    if batch < MESSAGES * COPIES:
        return
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
    for _ in range(20):
        await harness.worker.run_once()
        if not await harness.runtime.redis.xlen(redis_keys.INBOUND_STREAM):
            break
    assert await harness.sent_texts() == [f"echo: question {n}" for n in range(5)]
