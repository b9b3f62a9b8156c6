"""Crisis detection as the app runs it: stored messages, the subject baseline from the
rollups, alerts in SQL, the console told, and the outgoing webhook signed and retried."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import select

from agent.insight.models import CrisisAlert, WebhookStatus
from tests.integration.conftest import Harness
from tests.integration.insight_helpers import Seeder
from tests.integration.test_insight import job

NOW = datetime(2026, 11, 20, 5, 0, tzinfo=UTC)
SECRET = "hook-secret"
HOOK = "http://hooks.test/crisis"


class Receiver:
    """The brand's alert endpoint: answers with the scripted statuses, then 200."""

    def __init__(self, *statuses: int) -> None:
        self.statuses = list(statuses)
        self.received: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.received.append(request)
        return httpx.Response(self.statuses.pop(0) if self.statuses else 200)

    def client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=httpx.MockTransport(self))


async def seed_week(harness: Harness, *, burst_customers: int, burst_from_one: int = 0) -> None:
    """A quiet week (one customer a day mentions a rash at this time), then the last 40
    minutes."""
    async with harness.runtime.sessions() as session:
        seed = Seeder(session)
        for day in range(1, 8):
            c = await seed.conversation(f"quiet{day}")
            await seed.message(
                c,
                NOW - timedelta(days=day),
                "a bit of a rash after the toner",
                score=-0.5,
                label="negative",
            )
        for i in range(burst_customers):
            c = await seed.conversation(f"burst{i}", language="ja" if i % 2 else "en")
            text = "顔にかぶれが出ました" if i % 2 else "I got a rash from the cleansing oil"
            await seed.message(
                c, NOW - timedelta(minutes=40 - i * 5), text, score=-0.8, label="negative"
            )
        if burst_from_one:
            c = await seed.conversation("angry")
            for i in range(burst_from_one):
                await seed.message(
                    c,
                    NOW - timedelta(minutes=50 - i),
                    "RASH RASH RASH this is awful",
                    score=-0.9,
                    label="negative",
                )
        # Plenty of happy traffic mentioning the same product: not a crisis.
        for i in range(10):
            c = await seed.conversation(f"happy{i}")
            await seed.message(
                c,
                NOW - timedelta(minutes=30),
                "love the cleansing oil!",
                score=0.9,
                label="positive",
            )
        await session.commit()


async def alerts(harness: Harness) -> list[CrisisAlert]:
    async with harness.runtime.sessions() as session:
        return list((await session.execute(select(CrisisAlert).order_by(CrisisAlert.id))).scalars())


async def test_a_burst_across_customers_raises_one_signed_alert_per_subject(
    harness: Harness,
) -> None:
    await seed_week(harness, burst_customers=8)
    receiver = Receiver()
    runner = job(harness, receiver.client(), webhook_url=HOOK, webhook_secret=SECRET)
    pubsub = harness.runtime.redis.pubsub()
    await pubsub.subscribe("agent:console:events")
    await runner.refresh_rollups(NOW, since=NOW - timedelta(days=9))
    result = await runner.run_once(NOW)

    found = await alerts(harness)
    assert [a.subject for a in found] == ["term:rash"]  # the oil was named by four only
    alert = found[0]
    assert (alert.customers, alert.messages) == (8, 8)
    # One rash a day at this time of day: the usual at this hour is a third of a customer,
    # and 7 customers in an hour is rarer than one in a million at that rate.
    assert alert.baseline_mean == pytest.approx(1 / 3) and alert.threshold == 7
    assert alert.webhook_status == WebhookStatus.DELIVERED and alert.webhook_attempts == 1
    assert result.alerts == [alert.id] and result.delivered == 1

    (request,) = receiver.received
    expected = "sha256=" + hmac.new(SECRET.encode(), request.content, hashlib.sha256).hexdigest()
    assert request.headers["X-Tsuyu-Signature"] == expected
    body = json.loads(request.content)
    assert body["type"] == "crisis_alert" and body["id"] == alert.id
    assert body["subject"] == "term:rash" and body["customers"] == 8
    assert len(body["examples"]) == 5  # from five different customers
    assert len({e["customer"] for e in body["examples"]}) == 5

    events = []
    for _ in range(5):  # the first read is the subscription's confirmation
        message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=0.2)
        if message is not None:
            events.append(json.loads(message["data"]))
    assert {"type": "crisis", "alert_id": alert.id} in events
    await pubsub.aclose()  # type: ignore[no-untyped-call]

    # The next run, ten minutes on, with the burst still in the window: no second alert.
    again = await runner.run_once(NOW + timedelta(minutes=10))
    assert again.alerts == [] and len(await alerts(harness)) == 1


async def test_one_angry_customer_writing_twenty_times_is_not_a_crisis(harness: Harness) -> None:
    await seed_week(harness, burst_customers=3, burst_from_one=20)
    runner = job(harness)
    await runner.refresh_rollups(NOW, since=NOW - timedelta(days=9))
    assert (await runner.run_once(NOW)).alerts == []
    assert await alerts(harness) == []


async def test_a_failing_webhook_is_retried_with_backoff_then_delivered(harness: Harness) -> None:
    await seed_week(harness, burst_customers=8)
    receiver = Receiver(503, 503)
    runner = job(harness, receiver.client(), webhook_url=HOOK, webhook_secret=SECRET)
    await runner.refresh_rollups(NOW, since=NOW - timedelta(days=9))
    await runner.run_once(NOW)
    (alert,) = await alerts(harness)
    assert alert.webhook_status == WebhookStatus.PENDING and alert.webhook_attempts == 1
    assert "503" in (alert.webhook_error or "")
    delay = runner.config.webhook_retry_delay(1)
    # Not due yet: nothing is sent.
    assert await runner.deliver_webhooks(NOW + timedelta(seconds=delay - 1)) == 0
    assert await runner.deliver_webhooks(NOW + timedelta(seconds=delay)) == 0  # second 503
    (alert,) = await alerts(harness)
    assert alert.webhook_attempts == 2
    next_at = alert.webhook_next_at
    assert next_at is not None
    later = next_at.replace(tzinfo=UTC) if next_at.tzinfo is None else next_at
    assert await runner.deliver_webhooks(later) == 1
    (alert,) = await alerts(harness)
    assert alert.webhook_status == WebhookStatus.DELIVERED and len(receiver.received) == 3


async def test_a_webhook_that_refuses_the_alert_is_not_retried(harness: Harness) -> None:
    await seed_week(harness, burst_customers=8)
    receiver = Receiver(410)
    runner = job(harness, receiver.client(), webhook_url=HOOK)
    await runner.refresh_rollups(NOW, since=NOW - timedelta(days=9))
    await runner.run_once(NOW)
    (alert,) = await alerts(harness)
    assert alert.webhook_status == WebhookStatus.FAILED and "410" in (alert.webhook_error or "")
    assert await runner.deliver_webhooks(NOW + timedelta(days=1)) == 0
    assert "X-Tsuyu-Signature" not in receiver.received[0].headers  # no secret configured
