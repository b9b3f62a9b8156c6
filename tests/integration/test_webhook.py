"""The Messenger webhook against a real Redis and real SQL (SQLite, and PostgreSQL in CI)."""

from __future__ import annotations

import pytest
from redis.asyncio import Redis
from sqlalchemy import func, select

from agent import redis_keys
from agent.app import create_app
from agent.db import create_engine
from agent.nlg.responses import load_responses
from agent.pipeline.turn import TurnDeps
from agent.pipeline.worker import Worker
from agent.records.models import Conversation, Message, MessageStatus, SkippedWebhookItem
from agent.runtime import build_runtime
from agent.settings import Settings
from tests.conftest import VERIFY_TOKEN, X_APP_ID, X_USER_ID
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


async def _store_queued(settings: Settings) -> None:
    """What the worker does first with what the app queued: write it to SQL (no answering)."""
    runtime = build_runtime(settings)
    try:
        await runtime.queue.ensure_group()
        deps = TurnDeps(
            sessions=runtime.sessions, rasa=runtime.rasa, clients={}, responses=runtime.responses
        )
        worker = Worker(redis=runtime.redis, queue=runtime.queue, deps=deps, name="store")
        await worker.store(await runtime.queue.read("store", count=100, block_ms=None))
    finally:
        await runtime.close()


async def _count(settings: Settings, model: type) -> int:
    await _store_queued(settings)
    engine = create_engine(settings.database_url)
    try:
        async with engine.connect() as conn:
            return int((await conn.execute(select(func.count()).select_from(model))).scalar_one())
    finally:
        await engine.dispose()


async def _stream_len(redis: Redis) -> int:
    return int(await redis.xlen(redis_keys.INBOUND_STREAM))


async def test_verification_handshake(settings: Settings, redis: Redis) -> None:
    async with app_client(create_app(settings)) as client:
        ok = await client.get(
            "/webhooks/messenger",
            params={
                "hub.mode": "subscribe",
                "hub.verify_token": VERIFY_TOKEN,
                "hub.challenge": "1158201444",
            },
        )
        assert (ok.status_code, ok.text) == (200, "1158201444")
        for params in (
            {"hub.mode": "subscribe", "hub.verify_token": "wrong", "hub.challenge": "1"},
            {"hub.mode": "unsubscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1"},
            {},
        ):
            refused = await client.get("/webhooks/messenger", params=params)
            assert refused.status_code == 403


async def test_a_signed_message_is_stored_and_queued_once(settings: Settings, redis: Redis) -> None:
    body = webhook_body(message_event("m_1", "送料はいくらですか？"))
    async with app_client(create_app(settings)) as client:
        first = await client.post("/webhooks/messenger", content=body, headers=signed_headers(body))
        again = await client.post("/webhooks/messenger", content=body, headers=signed_headers(body))
    assert first.status_code == 200 and first.json()["accepted"] == 1
    assert again.status_code == 200 and again.json() == {
        "accepted": 0,
        "duplicates": 1,
        "skipped": 0,
        "unsent": 0,
    }
    assert await _count(settings, Message) == 1
    assert await _count(settings, Conversation) == 1
    assert await _stream_len(redis) == 1
    engine = create_engine(settings.database_url)
    async with engine.connect() as conn:
        row = (await conn.execute(select(Message.text, Message.status))).one()
    await engine.dispose()
    assert row == ("送料はいくらですか？", MessageStatus.RECEIVED)


async def test_forged_or_missing_signature_is_403_and_stores_nothing(
    settings: Settings, redis: Redis
) -> None:
    body = webhook_body(message_event("m_forged", "hello"))
    async with app_client(create_app(settings)) as client:
        forged = await client.post(
            "/webhooks/messenger", content=body, headers=signed_headers(body, "not_the_secret")
        )
        missing = await client.post(
            "/webhooks/messenger", content=body, headers={"Content-Type": "application/json"}
        )
        sha1 = await client.post(
            "/webhooks/messenger",
            content=body,
            headers={"X-Hub-Signature": "sha1=d5b3fa6897856154deb66fe42972d8c031e869ff"},
        )
    assert forged.status_code == missing.status_code == sha1.status_code == 403
    assert "signature" in forged.json()["error"].lower()
    assert await _count(settings, Message) == 0
    assert await _stream_len(redis) == 0


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"{nope", "not valid JSON"),
        (b'{"object":"page"}', '"entry" must be a list'),
        (b'{"object":"user","entry":[]}', '"object" must be "page"'),
    ],
)
async def test_malformed_bodies_are_400_with_a_reason(
    settings: Settings, redis: Redis, body: bytes, reason: str
) -> None:
    async with app_client(create_app(settings)) as client:
        response = await client.post(
            "/webhooks/messenger", content=body, headers=signed_headers(body)
        )
    assert response.status_code == 400
    assert reason in response.json()["error"]


async def test_oversized_body_is_413(settings: Settings, redis: Redis) -> None:
    body = webhook_body(message_event("m_big", "x" * 1_000_001))
    async with app_client(create_app(settings)) as client:
        response = await client.post(
            "/webhooks/messenger", content=body, headers=signed_headers(body)
        )
    assert response.status_code == 413
    assert await _count(settings, Message) == 0


async def test_bad_events_echoes_and_unknown_kinds_never_drop_good_ones(
    settings: Settings, redis: Redis
) -> None:
    echo = message_event("m_echo", "our own reply")
    echo["message"]["is_echo"] = True
    broken = message_event("m_broken", "x")
    del broken["sender"]
    read = {
        "sender": {"id": "9000000000000001"},
        "recipient": {"id": "1"},
        "timestamp": 1,
        "read": {"watermark": 1},
    }
    mystery = {"sender": {"id": "9000000000000001"}, "timestamp": 1, "something_new": {}}
    body = webhook_body(
        message_event("m_a", "first"),
        echo,
        broken,
        read,
        mystery,
        message_event("m_b", "second", psid="9000000000000002"),
    )
    async with app_client(create_app(settings)) as client:
        response = await client.post(
            "/webhooks/messenger", content=body, headers=signed_headers(body)
        )
    assert response.status_code == 200
    assert response.json() == {"accepted": 2, "duplicates": 0, "skipped": 4, "unsent": 0}
    assert await _count(settings, Message) == 2
    assert await _count(settings, SkippedWebhookItem) == 4
    assert await _stream_len(redis) == 2


async def test_a_webhook_for_an_unknown_page_is_recorded_not_answered(
    settings: Settings, redis: Redis
) -> None:
    body = webhook_body(message_event("m_other", "hi"), page_id="999")
    async with app_client(create_app(settings)) as client:
        response = await client.post(
            "/webhooks/messenger", content=body, headers=signed_headers(body)
        )
    assert response.status_code == 200 and response.json()["skipped"] == 1
    assert await _count(settings, Message) == 0
    assert await _stream_len(redis) == 0


async def test_a_delivery_redis_failed_on_is_taken_on_the_platforms_redelivery(
    settings: Settings, redis: Redis, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Redis failed mid-request: the request fails, nothing was marked seen (seen and queued
    is one step), Meta re-sends, and the re-delivery is queued rather than called a duplicate."""
    from agent.inbox.queue import InboundQueue

    original = InboundQueue.accept_event
    calls = {"n": 0}

    async def flaky_accept(self: InboundQueue, key: str, data: str) -> bool:
        calls["n"] += 1
        if calls["n"] == 1:
            raise ConnectionError("redis went away")
        return await original(self, key, data)

    monkeypatch.setattr(InboundQueue, "accept_event", flaky_accept)
    body = webhook_body(message_event("m_flaky", "hello"))
    async with app_client(create_app(settings)) as client:
        with pytest.raises(ConnectionError):
            await client.post("/webhooks/messenger", content=body, headers=signed_headers(body))
        retry = await client.post("/webhooks/messenger", content=body, headers=signed_headers(body))
    assert retry.status_code == 200 and retry.json()["accepted"] == 1
    assert await _count(settings, Message) == 1
    assert await _stream_len(redis) == 1


async def test_nlg_endpoint_answers_in_the_language_of_the_latest_message(
    settings: Settings, redis: Redis
) -> None:
    async with app_client(create_app(settings)) as client:

        def request(language: str | None) -> dict:
            metadata = {"language": language} if language else {}
            return {
                "response": "utter_faq/shipping_cost",
                "arguments": {},
                # A later reply of the conversation: the answer alone, no greeting.
                "tracker": {
                    "latest_message": {"text": "x", "metadata": metadata},
                    "slots": {},
                    "events": [{"event": "bot", "text": "earlier"}],
                },
                "channel": {"name": "rest"},
            }

        ja = (await client.post("/nlg", json=request("ja"))).json()["text"]
        en = (await client.post("/nlg", json=request("en"))).json()["text"]
        default = (await client.post("/nlg", json=request(None))).json()["text"]
        unknown = await client.post("/nlg", json={**request("ja"), "response": "utter_nope"})
    assert "550" in ja and any("\u3040" <= ch <= "\u30ff" for ch in ja)
    assert "550" in en and not any("\u3040" <= ch <= "\u30ff" for ch in en)
    assert default == en
    # An unknown response name still answers (the fallback text), never breaks Rasa's turn.
    assert unknown.status_code == 200
    assert unknown.json()["text"] == load_responses(settings.domain_path).render(
        "utter_default", "ja"
    )


async def test_nlg_replaces_an_unsure_faq_answer_with_the_honest_fallback(
    settings: Settings, redis: Redis
) -> None:
    def request(confidence: float) -> dict:
        selected = {"faq": {"response": {"confidence": confidence}}}
        return {
            "response": "utter_faq/shipping_cost",
            "tracker": {
                "latest_message": {"metadata": {"language": "ja"}, "response_selector": selected},
                "events": [{"event": "bot", "text": "earlier"}],  # a later reply: no greeting
            },
        }

    responses = load_responses(settings.domain_path)
    async with app_client(create_app(settings)) as client:
        unsure = (await client.post("/nlg", json=request(0.2))).json()["text"]
        sure = (await client.post("/nlg", json=request(0.97))).json()["text"]
    assert unsure == responses.render("utter_default", "ja")
    assert sure == responses.render("utter_faq/shipping_cost", "ja")


async def test_instagram_webhooks_are_verified_and_refused_for_unknown_accounts(
    settings: Settings, redis: Redis
) -> None:
    event = message_event("ig_m1", "hello")
    known = instagram_body(event)
    unknown = instagram_body(event, account_id="17849999999999999")
    # Built once: the body carries a millisecond timestamp, so a second build may differ.
    messenger_shaped = webhook_body(event)
    async with app_client(create_app(settings)) as client:
        ok = await client.post("/webhooks/instagram", content=known, headers=signed_headers(known))
        other = await client.post(
            "/webhooks/instagram", content=unknown, headers=signed_headers(unknown)
        )
        forged = await client.post(
            "/webhooks/instagram", content=known, headers=signed_headers(known, "nope")
        )
        wrong_object = await client.post(
            "/webhooks/instagram",
            content=messenger_shaped,
            headers=signed_headers(messenger_shaped),
        )
    assert ok.status_code == 200 and ok.json()["accepted"] == 1
    assert other.status_code == 200 and other.json()["skipped"] == 1
    assert forged.status_code == 403
    assert wrong_object.status_code == 400
    assert await _count(settings, Message) == 1


async def test_x_crc_signature_own_sends_and_duplicates(settings: Settings, redis: Redis) -> None:
    body = x_body(
        x_event("e1", "hello"),
        x_event("e2", "ours", sender=X_USER_ID),
        x_event("e3", "via our app", app=X_APP_ID),
    )
    async with app_client(create_app(settings)) as client:
        crc = await client.get("/webhooks/x", params={"crc_token": "challenge_string"})
        first = await client.post("/webhooks/x", content=body, headers=x_headers(body))
        again = await client.post("/webhooks/x", content=body, headers=x_headers(body))
        forged = await client.post("/webhooks/x", content=body, headers=x_headers(body, "nope"))
        meta_signed = await client.post("/webhooks/x", content=body, headers=signed_headers(body))
    assert crc.json() == {"response_token": "sha256=583uAmerwtjpykYEAEm+CEIRm6dOywK4QKRr0ha/Pd4="}
    assert first.json() == {"accepted": 1, "duplicates": 0, "skipped": 2, "unsent": 0}
    assert again.json()["duplicates"] == 1
    assert forged.status_code == meta_signed.status_code == 403
    assert await _count(settings, Message) == 1


async def test_nlg_opens_an_faq_answer_to_an_upset_customer_with_the_acknowledgment(
    settings: Settings, redis: Redis
) -> None:
    def request(response: str, sentiment: dict | None, language: str = "en") -> dict:
        metadata: dict = {"language": language}
        if sentiment is not None:
            metadata["sentiment"] = sentiment
        return {
            "response": response,
            "tracker": {
                "latest_message": {"metadata": metadata},
                "events": [{"event": "bot", "text": "earlier"}],  # a later reply: no greeting
            },
        }

    upset = {"label": "negative", "score": -0.72}
    responses = load_responses(settings.domain_path)
    faq_en = responses.render("utter_faq/promo_codes", "en")
    faq_ja = responses.render("utter_faq/promo_codes", "ja")
    async with app_client(create_app(settings)) as client:

        async def text(body: dict) -> str:
            return str((await client.post("/nlg", json=body)).json()["text"])

        assert await text(request("utter_faq/promo_codes", upset)) == (
            f"Sorry for the trouble. {faq_en}"
        )
        assert await text(request("utter_faq/promo_codes", upset, "ja")) == (
            f"ご不便をおかけして申し訳ございません。{faq_ja}"
        )
        # Mildly negative, neutral or no reading at all: the answer alone.
        for calm in ({"label": "negative", "score": -0.2}, {"label": "neutral", "score": -0.4}):
            assert await text(request("utter_faq/promo_codes", calm)) == faq_en
        assert await text(request("utter_faq/promo_codes", None)) == faq_en
        # Other replies say sorry in their own words, if at all.
        complaint = await text(request("utter_complaint", upset))
        assert complaint == responses.render("utter_complaint", "en")
