"""Replay: 1,000 customer messages on three channels, each delivered 3 times, all deliveries
shuffled. Exactly one reply per message, none lost, each conversation answered in order."""

from __future__ import annotations

import json
import random
from collections import Counter, defaultdict

from sqlalchemy import select

from agent import redis_keys
from agent.app import create_app
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


def _delivery(channel: str, customer: str, n: int) -> tuple[str, bytes, dict[str, str]]:
    text = f"{channel} {customer} message {n}"
    if channel == "x":
        body = x_body(x_event(f"x-{customer}-{n}", text, sender=customer))
        return channel, body, x_headers(body)
    event = message_event(f"m-{channel}-{customer}-{n}", text, psid=customer)
    if channel == "instagram":
        event["recipient"] = {"id": IG_ACCOUNT_ID}
        body = instagram_body(event)
    else:
        body = webhook_body(event)
    return channel, body, signed_headers(body)


async def test_every_message_answered_exactly_once_in_order(harness: Harness) -> None:
    harness.without_signals()
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

    # Each conversation's replies follow the order its messages arrived in (first delivery).
    async with harness.runtime.sessions() as session:
        query = select(Message).where(Message.direction == Direction.INBOUND).order_by(Message.id)
        inbound = list((await session.execute(query)).scalars())
    arrived: dict[int, list[str]] = defaultdict(list)
    for message in inbound:
        arrived[message.conversation_id].append(f"echo: {message.text}")
    for texts in arrived.values():
        conversation = texts[0].split(" ")[1:3]  # channel and customer
        assert [r for r in replies if r.split(" ")[1:3] == conversation] == texts
    assert len(inbound) == len(replies) == MESSAGES
