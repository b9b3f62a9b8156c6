"""The worker harness: real Redis and SQL, the fake platforms in-process over ASGI, and Rasa's
HTTP answers scripted through an injected transport, so that outages and odd answers can be
produced on demand (Rasa itself runs in the end-to-end tests)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, replace
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis
from sqlalchemy import select

from agent.app import create_app
from agent.dialogue.rasa_client import PARSE_KEY, RasaClient
from agent.pipeline.worker import Worker
from agent.records.models import Direction, Message
from agent.runtime import Runtime, build_runtime
from agent.settings import Settings
from agent.signals.loader import build_analyzer
from connectors.fakes.messenger import FakePlatformSettings, create_fake_app
from tests.conftest import (
    APP_SECRET,
    IG_ACCOUNT_ID,
    PAGE_ID,
    PAGE_TOKEN,
    VERIFY_TOKEN,
    X_CONSUMER_SECRET,
    X_USER_ID,
    X_USER_TOKEN,
)
from tests.integration.helpers import (
    app_client,
    instagram_body,
    signed_headers,
    webhook_body,
    x_body,
    x_headers,
)

EXTRA_PAGE_ID = "222333444555666"
EXTRA_PAGE_TOKEN = "test_extra_page_token"

RasaScript = Callable[[dict], httpx.Response]
# `script["parse_in_reply"] = False` makes the scripted Rasa answer without its reading, as
# one without the app's NLG endpoint would.


@dataclass
class Harness:
    runtime: Runtime
    worker: Worker
    fake: httpx.AsyncClient
    rasa_calls: list[dict]
    rasa: dict[str, Any]  # "handler", "parse": RasaScript; "parse_in_reply": bool
    parse_calls: list[dict]

    async def deliver(self, *events: dict, channel: str = "messenger") -> None:
        """Deliver through the real webhook endpoint, and tell the fake the customers exist."""
        if channel == "x":
            body = x_body(*events)
            headers = x_headers(body)
        else:
            body = instagram_body(*events) if channel == "instagram" else webhook_body(*events)
            headers = signed_headers(body)
            await self.fake.post("/_fake/register", json=json.loads(body))  # opens the window
        async with app_client(create_app(self.runtime.settings)) as client:
            response = await client.post(f"/webhooks/{channel}", content=body, headers=headers)
            assert response.status_code == 200, response.text

    async def deliver_to(self, page_id: str, *events: dict) -> None:
        """Deliver Messenger events for a Page other than the main one."""
        body = webhook_body(*events, page_id=page_id)
        await self.fake.post("/_fake/register", json=json.loads(body))
        async with app_client(create_app(self.runtime.settings)) as client:
            response = await client.post(
                "/webhooks/messenger", content=body, headers=signed_headers(body)
            )
            assert response.status_code == 200 and response.json()["accepted"] == len(events)

    async def stored(self) -> None:
        """The worker's first step alone: write what the webhooks queued to SQL."""
        entries = await self.runtime.queue.read(self.worker.name, count=100, block_ms=None)
        await self.worker.store(entries)

    def without_signals(self) -> None:
        """Answer every message with the scripted Rasa, no signals and no escalation: for tests
        of delivery that map replies to messages by their echoed text."""
        deps = replace(self.worker.deps, analyzer=None)
        self.worker = Worker(
            redis=self.runtime.redis, queue=self.runtime.queue, deps=deps, block_ms=50, name="w1"
        )

    async def sent_texts(self) -> list[str]:
        return [item["message"]["text"] for item in (await self.fake.get("/_fake/sent")).json()]

    async def messages(self, direction: Direction) -> list[Message]:
        async with self.runtime.sessions() as session:
            query = select(Message).where(Message.direction == direction).order_by(Message.id)
            return list((await session.execute(query)).scalars())


def echo_rasa(request_body: dict) -> httpx.Response:
    return httpx.Response(
        200,
        json=[{"recipient_id": request_body["sender"], "text": f"echo: {request_body['message']}"}],
    )


def parse_as(intent: str, confidence: float = 0.95) -> RasaScript:
    """A scripted `/model/parse`: every message read as `intent` (`faq/<key>` for an FAQ)."""

    def parse(request_body: dict) -> httpx.Response:
        result: dict = {
            "text": request_body["text"],
            "intent": {"name": intent, "confidence": confidence},
        }
        if intent.startswith("faq/"):
            result["intent"]["name"] = "faq"
            result["response_selector"] = {
                "faq": {"response": {"intent_response_key": intent, "confidence": confidence}}
            }
        return httpx.Response(200, json=result)

    return parse


greet_parse = parse_as("greet")


@pytest.fixture
async def harness(settings: Settings, redis: Redis) -> AsyncIterator[Harness]:
    fake_app = create_fake_app(
        FakePlatformSettings(
            page_id=PAGE_ID,
            app_secret=APP_SECRET,
            page_token=PAGE_TOKEN,
            verify_token=VERIFY_TOKEN,
            webhook_url="http://app/webhooks/messenger",
            instagram_account_id=IG_ACCOUNT_ID,
            extra_page_tokens=[EXTRA_PAGE_TOKEN],
            x_user_id=X_USER_ID,
            x_consumer_secret=X_CONSUMER_SECRET,
            x_user_token=X_USER_TOKEN,
            x_webhook_url="http://app/webhooks/x",
        )
    )
    fake = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=fake_app), base_url="http://graph.test"
    )
    script: dict[str, Any] = {"handler": echo_rasa, "parse": greet_parse}
    calls: list[dict] = []
    parses: list[dict] = []

    def rasa_transport(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        if request.url.path == "/model/parse":
            parses.append(body)
            return script["parse"](body)
        calls.append(body)
        response = script["handler"](body)
        # Like the app's NLG endpoint, the reply carries Rasa's reading of the message.
        items = response.json() if response.status_code == 200 else None
        if isinstance(items, list) and items and script.get("parse_in_reply", True):
            parse = script["parse"]({"text": body["message"]}).json()
            items.append({"recipient_id": body["sender"], "custom": {PARSE_KEY: parse}})
            return httpx.Response(200, json=items)
        return response

    runtime = build_runtime(settings)
    rasa_http = httpx.AsyncClient(transport=httpx.MockTransport(rasa_transport))
    rasa = RasaClient(rasa_http, base_url="http://rasa.test")
    deps = replace(runtime.turn_deps(http=fake), rasa=rasa, analyzer=build_analyzer(settings, rasa))
    worker = Worker(redis=runtime.redis, queue=runtime.queue, deps=deps, block_ms=50, name="w1")
    await runtime.queue.ensure_group()
    yield Harness(runtime, worker, fake, calls, script, parses)
    await rasa_http.aclose()
    await fake.aclose()
    await runtime.close()
