"""POST /api/v1/analyze and /api/v1/analyze/batch: the exact interface, and bad input."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable

import httpx
import pytest
from fastapi import FastAPI
from redis.asyncio import Redis

from agent.app import create_app
from agent.dialogue.rasa_client import RasaClient
from agent.settings import Settings
from agent.signals.loader import build_analyzer
from tests.integration.conftest import parse_as
from tests.integration.helpers import app_client

ParseScript = Callable[[dict], httpx.Response]


@pytest.fixture
async def api(settings: Settings, redis: Redis) -> AsyncIterator[tuple[httpx.AsyncClient, dict]]:
    """The app, with Rasa's `/model/parse` scripted per test (`script["parse"]`)."""
    script: dict[str, ParseScript] = {"parse": parse_as("faq/shipping_time")}
    rasa_http = httpx.AsyncClient(
        transport=httpx.MockTransport(lambda request: script["parse"](json.loads(request.content)))
    )
    app: FastAPI = create_app(settings)
    async with app_client(app) as client:
        app.state.runtime.use_analyzer(
            build_analyzer(settings, RasaClient(rasa_http, base_url="http://rasa.test"))
        )
        yield client, script
    await rasa_http.aclose()


async def test_analyze_answers_with_the_documented_shape(api: tuple) -> None:
    client, _ = api
    response = await client.post(
        "/api/v1/analyze", json={"text": "how long does shipping take?", "channel": "messenger"}
    )
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {
        "language",
        "intent",
        "urgency",
        "sentiment",
        "escalate",
        "escalation_reasons",
    }
    assert body["language"] == "en"
    assert body["intent"] == {"name": "faq/shipping_time", "confidence": 0.95}
    assert body["urgency"]["level"] == "normal" and body["urgency"]["reasons"] == []
    assert 0.0 <= body["urgency"]["score"] <= 1.0
    assert body["sentiment"]["label"] in ("negative", "neutral", "positive")
    assert -1.0 <= body["sentiment"]["score"] <= 1.0
    assert body["escalate"] is False and body["escalation_reasons"] == []


async def test_a_critical_message_escalates_with_reasons(api: tuple) -> None:
    client, script = api
    script["parse"] = parse_as("complaint")
    response = await client.post(
        "/api/v1/analyze",
        json={"text": "子どもが化粧水を飲んでしまいました！", "channel": "instagram"},
    )
    body = response.json()
    assert body["language"] == "ja"
    assert body["urgency"]["level"] == "critical"
    assert any("誤飲" in r for r in body["urgency"]["reasons"])
    assert body["escalate"] is True and body["escalation_reasons"][0].startswith("critical")


async def test_batch_keeps_the_order(api: tuple) -> None:
    client, _ = api
    texts = ["hello", "you charged me twice!!! unacceptable", "配送料はいくら？", "🙏🙏🙏"]
    response = await client.post(
        "/api/v1/analyze/batch",
        json={"items": [{"text": t, "channel": "x"} for t in texts]},
    )
    assert response.status_code == 200
    results = response.json()["results"]
    assert len(results) == 4
    assert [r["language"] for r in results] == ["en", "en", "ja", "en"]
    assert results[1]["urgency"]["level"] == "high"
    singles = [
        (await client.post("/api/v1/analyze", json={"text": t, "channel": "x"})).json()
        for t in texts
    ]
    assert results == singles


@pytest.mark.parametrize(
    ("content", "status", "error"),
    [
        (b'{"text": "", "channel": "messenger"}', 400, "text is empty"),
        (b'{"text": "\\u0000\\u0007 ", "channel": "messenger"}', 400, "text is empty"),
        (b'{"text": "hi", "channel": "line"}', 400, "channel"),
        (b'{"channel": "x"}', 400, "text"),
        (b'{"text": 5, "channel": "x"}', 400, "text"),
        (b'{"text": "hi", "channel": "x", "extra": 1}', 400, "extra"),
        (b'{"text": "hi"', 400, "not JSON"),
        (b'["text"]', 400, "body"),
        (b'{"text": "\xff\xfe", "channel": "x"}', 400, "not valid UTF-8"),
    ],
)
async def test_bad_input_gets_a_clear_4xx(
    api: tuple, content: bytes, status: int, error: str
) -> None:
    client, _ = api
    response = await client.post(
        "/api/v1/analyze", content=content, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == status
    assert error in response.json()["error"]


async def test_oversized_text_is_refused_and_a_huge_body_too(api: tuple) -> None:
    client, _ = api
    response = await client.post(
        "/api/v1/analyze", json={"text": "a" * 100_000, "channel": "messenger"}
    )
    assert response.status_code == 413 and "longer than" in response.json()["error"]
    response = await client.post(
        "/api/v1/analyze",
        content=b'{"text": "' + b"a" * 1_100_000 + b'", "channel": "x"}',
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 413


async def test_odd_but_valid_text_gets_a_sane_answer(api: tuple) -> None:
    client, _ = api
    for text in [
        "🔥🔥🔥😡😡",
        "the serum 使ったら rash が出た",
        "line one\nline two\tand a tab\u0001",
        "x" * 5000,
    ]:
        response = await client.post("/api/v1/analyze", json={"text": text, "channel": "x"})
        assert response.status_code == 200, text
    mixed = await client.post(
        "/api/v1/analyze", json={"text": "the serum 使ったら rash が出た", "channel": "x"}
    )
    assert mixed.json()["urgency"]["level"] == "critical"


async def test_batch_limits(api: tuple, settings: Settings) -> None:
    client, _ = api
    too_many = [{"text": "hi", "channel": "x"}] * (settings.analyze_max_batch + 1)
    response = await client.post("/api/v1/analyze/batch", json={"items": too_many})
    assert response.status_code == 400 and "at most" in response.json()["error"]
    empty = await client.post("/api/v1/analyze/batch", json={"items": []})
    assert empty.status_code == 200 and empty.json() == {"results": []}
    bad_item = await client.post(
        "/api/v1/analyze/batch", json={"items": [{"text": "hi", "channel": "x"}, {"text": ""}]}
    )
    assert bad_item.status_code == 400 and "items.1" in bad_item.json()["error"]


async def test_rasa_down_is_a_503_with_a_reason(api: tuple) -> None:
    client, script = api

    def down(_body: dict) -> httpx.Response:
        raise httpx.ConnectError("connection refused")

    script["parse"] = down
    response = await client.post("/api/v1/analyze", json={"text": "hi", "channel": "x"})
    assert response.status_code == 503 and "not available" in response.json()["error"]


async def test_healthz_is_not_ready_without_a_rasa_model(settings: Settings, redis: Redis) -> None:
    async with app_client(create_app(settings)) as client:
        response = await client.get("/healthz")
    # Redis and the database are up; nothing serves Rasa at the configured URL here.
    assert response.status_code == 503
    assert response.json()["checks"] == {"database": True, "redis": True, "rasa": False}
