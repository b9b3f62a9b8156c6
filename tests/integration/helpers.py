"""Small builders for webhook bodies and the in-process app."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from fastapi import FastAPI

from connectors.fakes.meta_payloads import encode_like_meta, page_webhook, text_message_event
from connectors.fakes.x_api import dm_event, x_webhook
from connectors.meta.verify import sign_sha256
from connectors.x.verify import SIGNATURE_HEADER, sign
from tests.conftest import APP_SECRET, IG_ACCOUNT_ID, PAGE_ID, X_CONSUMER_SECRET, X_USER_ID


def message_event(
    mid: str,
    text: str,
    psid: str = "9000000000000001",
    *,
    timestamp_ms: int | None = None,
    **kw: Any,
) -> dict[str, Any]:
    return text_message_event(
        page_id=PAGE_ID,
        psid=psid,
        mid=mid,
        text=text,
        timestamp_ms=timestamp_ms if timestamp_ms is not None else int(time.time() * 1000),
        **kw,
    )


def webhook_body(*events: dict[str, Any], page_id: str = PAGE_ID) -> bytes:
    return encode_like_meta(page_webhook(page_id, list(events), int(time.time() * 1000)))


def instagram_body(*events: dict[str, Any], account_id: str = IG_ACCOUNT_ID) -> bytes:
    payload = page_webhook(account_id, list(events), int(time.time() * 1000))
    payload["object"] = "instagram"
    return encode_like_meta(payload)


def x_body(*events: dict[str, Any], for_user_id: str = X_USER_ID) -> bytes:
    return json.dumps(x_webhook(for_user_id, list(events), activity_api=False)).encode()


def x_event(
    event_id: str,
    text: str,
    sender: str = "3001969357",
    app: str = "999",
    *,
    timestamp_ms: int | None = None,
) -> dict[str, Any]:
    event = dm_event(
        event_id=event_id,
        sender=sender,
        recipient=X_USER_ID,
        text=text,
        now_ms=timestamp_ms if timestamp_ms is not None else int(time.time() * 1000),
    )
    event["message_create"]["source_app_id"] = app
    return event


def x_headers(body: bytes, secret: str = X_CONSUMER_SECRET) -> dict[str, str]:
    return {"Content-Type": "application/json", SIGNATURE_HEADER: sign(secret, body)}


def signed_headers(body: bytes, secret: str = APP_SECRET) -> dict[str, str]:
    return {"Content-Type": "application/json", "X-Hub-Signature-256": sign_sha256(secret, body)}


@asynccontextmanager
async def app_client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://app") as client,
    ):
        yield client
