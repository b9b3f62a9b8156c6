"""A fake of Meta's Messenger platform on loopback.

It plays both sides a real Page sees: it signs and posts webhooks to the agent like Meta does
(unicode-escaped JSON, X-Hub-Signature-256, retries when the agent does not answer 200), and it
serves the Send API (`POST /{version}/me/messages`) with Meta's limits and error shapes. Tests and
the customer simulator page (`GET /`) ask it what it received.

Run: `python -m connectors.fakes.messenger` (settings from FAKE_* variables).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import secrets
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any, Literal

import httpx
from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import BaseModel, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from connectors.fakes.meta_payloads import encode_like_meta, page_webhook, text_message_event
from connectors.fakes.state import FakeState, Injected, ThreadItem
from connectors.fakes.x_api import dm_event, x_router, x_webhook
from connectors.meta.verify import sign_sha256
from connectors.x.verify import SIGNATURE_HEADER as X_SIGNATURE_HEADER
from connectors.x.verify import sign as x_sign

_VERSION = re.compile(r"^v\d+\.\d+$")
_WINDOW_MS = 24 * 3600 * 1000
_PAGE = Path(__file__).with_name("simulator.html")


class FakePlatformSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="FAKE_")

    page_id: str
    app_secret: str
    page_token: str
    # Tokens of the brand's other Pages (several Pages, one Meta app).
    extra_page_tokens: list[str] = Field(default_factory=list)
    verify_token: str
    webhook_url: str
    # Instagram through the same Meta app (Messenger Platform path).
    instagram_account_id: str | None = None
    instagram_webhook_url: str | None = None
    # X (optional): the brand's X account, the app's consumer secret and the user token.
    x_user_id: str | None = None
    x_consumer_secret: str | None = None
    x_user_token: str | None = None
    x_webhook_url: str | None = None
    host: str = "127.0.0.1"
    port: int = 8081
    # Meta retries a delivery that did not get a 200 "immediately ... a few more times".
    delivery_attempts: int = 4


class CustomerMessage(BaseModel):
    text: str = Field(min_length=1, max_length=5000)
    channel: Literal["messenger", "instagram", "x"] = "messenger"
    # X only: deliver in the newer X Activity API envelope instead of Account Activity.
    x_activity_api: bool = False
    quick_reply_payload: str | None = None
    # Deliver the same webhook this many extra times (Meta re-sends on slow answers).
    duplicates: int = Field(default=0, ge=0, le=5)


class RawDelivery(BaseModel):
    payload: dict[str, Any]
    duplicates: int = Field(default=0, ge=0, le=5)


class FailureSpec(BaseModel):
    count: int = Field(default=1, ge=1, le=100)
    status: int = 400
    code: int = 2
    subcode: int | None = None
    message: str = "An unexpected error has occurred. Please retry your request later."


def meta_error(status: int, message: str, code: int, subcode: int | None = None) -> JSONResponse:
    error: dict[str, Any] = {
        "message": message,
        "type": "OAuthException",
        "code": code,
        "fbtrace_id": secrets.token_urlsafe(8),
    }
    if subcode is not None:
        error["error_subcode"] = subcode
    return JSONResponse({"error": error}, status_code=status)


def create_fake_app(
    settings: FakePlatformSettings, http: httpx.AsyncClient | None = None
) -> FastAPI:
    state = FakeState()
    app = FastAPI(title="Fake Messenger platform")
    app.state.fake = state
    client = http or httpx.AsyncClient(timeout=20.0)

    async def post_signed(
        payload: dict[str, Any], url: str, body: bytes, headers: dict[str, str], copies: int
    ) -> list[int]:
        """POST `copies` deliveries of one signed body; a delivery that does not get a 200 is
        tried again a few times, as the platforms do. Returns each delivery's last status."""
        statuses: list[int] = []
        for _ in range(copies):
            status = 0
            for attempt in range(settings.delivery_attempts):
                try:
                    status = (await client.post(url, content=body, headers=headers)).status_code
                except httpx.TransportError:
                    status = 0
                if status == 200:
                    break
                await asyncio.sleep(min(2.0, 0.2 * 2**attempt))
            statuses.append(status)
        state.deliveries.append({"payload": payload, "statuses": statuses})
        return statuses

    async def deliver(payload: dict[str, Any], copies: int = 1) -> list[int]:
        """Sign like Meta (hex HMAC of the unicode-escaped body) and POST."""
        body = encode_like_meta(payload)
        url = settings.webhook_url
        if payload.get("object") == "instagram":
            if not settings.instagram_webhook_url:
                raise HTTPException(400, "this fake has no Instagram account configured")
            url = settings.instagram_webhook_url
        _remember_customers(state, payload)
        headers = {
            "Content-Type": "application/json",
            "X-Hub-Signature-256": sign_sha256(settings.app_secret, body),
        }
        return await post_signed(payload, url, body, headers, copies)

    x_ready = bool(settings.x_user_id and settings.x_consumer_secret and settings.x_webhook_url)
    if settings.x_user_id and settings.x_user_token:
        app.include_router(
            x_router(state=state, user_id=settings.x_user_id, user_token=settings.x_user_token)
        )

    async def deliver_x(payload: dict[str, Any], copies: int) -> list[int]:
        """Sign like X (base64 HMAC of the raw body) and POST."""
        assert settings.x_consumer_secret and settings.x_webhook_url
        body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
        headers = {
            "Content-Type": "application/json",
            X_SIGNATURE_HEADER: x_sign(settings.x_consumer_secret, body),
        }
        return await post_signed(payload, settings.x_webhook_url, body, headers, copies)

    @app.get("/", response_class=HTMLResponse)
    async def simulator() -> str:
        return _PAGE.read_text(encoding="utf-8")

    @app.get("/healthz")
    async def healthz() -> dict[str, bool]:
        return {"ok": True}

    @app.post("/{version}/{node}/messages")
    async def send_api(version: str, node: str, request: Request) -> JSONResponse:
        """`/{version}/me/messages` or `/{version}/{PAGE-ID}/messages`."""
        if not _VERSION.match(version):
            return meta_error(400, f"Unknown path components: /{version}", 2500)
        if node not in ("me", settings.page_id):
            return meta_error(400, "(#100) Invalid page id", 100)
        token = request.query_params.get("access_token")
        if token not in (settings.page_token, *settings.extra_page_tokens):
            return meta_error(400, "Invalid OAuth access token - Cannot parse access token", 190)
        try:
            body = await request.json()
        except ValueError:
            return meta_error(400, "(#100) The parameter recipient is required", 100)
        is_message = isinstance(body, dict) and "sender_action" not in body
        if state.failures and is_message:
            injected = state.failures.pop(0)
            return JSONResponse(injected.body, status_code=injected.status)
        response = _send(state, body, page_token=str(token))
        async with state.changed:
            state.changed.notify_all()
        return response

    @app.get("/_fake/sent")
    async def sent() -> list[dict[str, Any]]:
        return state.sent

    @app.get("/_fake/sender_actions")
    async def sender_actions() -> list[dict[str, Any]]:
        return state.sender_actions

    @app.get("/_fake/threads/{psid}")
    async def thread(psid: str, min_out: int = 0, wait_s: float = 0.0) -> list[dict[str, Any]]:
        """The thread with one customer; with `min_out`, wait up to `wait_s` seconds until the
        Page has sent that many messages (a long poll, for tests and benchmarks)."""

        def enough() -> bool:
            return sum(i.direction == "out" for i in state.threads.get(psid, [])) >= min_out

        if min_out and wait_s > 0:
            async with state.changed:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(state.changed.wait_for(enough), timeout=min(wait_s, 60))
        return [asdict(item) for item in state.threads.get(psid, [])]

    @app.post("/_fake/customers/{psid}/messages")
    async def customer_writes(psid: str, message: CustomerMessage) -> dict[str, Any]:
        """A customer writes to the Page: Meta posts the webhook to the agent."""
        if not psid.isdigit():
            raise HTTPException(400, "psid must be digits")
        now = int(time.time() * 1000)
        if message.channel == "x":
            if not x_ready or settings.x_user_id is None:
                raise HTTPException(400, "this fake has no X account configured")
            event_id = str(10**18 + secrets.randbelow(10**18))
            event = dm_event(
                event_id=event_id,
                sender=psid,
                recipient=settings.x_user_id,
                text=message.text,
                now_ms=now,
            )
            state.threads.setdefault(psid, []).append(ThreadItem("in", message.text, event_id, now))
            payload = x_webhook(settings.x_user_id, [event], activity_api=message.x_activity_api)
            return {
                "mid": event_id,
                "webhook_statuses": await deliver_x(payload, message.duplicates + 1),
            }
        mid = f"m_{secrets.token_urlsafe(24)}"
        account = settings.page_id
        if message.channel == "instagram":
            if not settings.instagram_account_id:
                raise HTTPException(400, "this fake has no Instagram account configured")
            account = settings.instagram_account_id
        event = text_message_event(
            page_id=account,
            psid=psid,
            mid=mid,
            text=message.text,
            timestamp_ms=now,
            quick_reply_payload=message.quick_reply_payload,
        )
        payload = page_webhook(account, [event], now)
        if message.channel == "instagram":
            payload["object"] = "instagram"
        state.threads.setdefault(psid, []).append(ThreadItem("in", message.text, mid, now))
        statuses = await deliver(payload, message.duplicates + 1)
        return {"mid": mid, "webhook_statuses": statuses}

    @app.post("/_fake/deliver")
    async def deliver_raw(delivery: RawDelivery) -> dict[str, Any]:
        """Deliver any payload, signed (batches, echoes, odd events)."""
        return {"webhook_statuses": await deliver(delivery.payload, delivery.duplicates + 1)}

    @app.post("/_fake/register")
    async def register(payload: dict[str, Any]) -> dict[str, int]:
        """Note the customers of a webhook payload delivered by someone else (tests that post
        signed webhooks to the agent directly), so the Send API knows them."""
        _remember_customers(state, payload)
        return {"customers": len(state.last_customer_ms)}

    @app.post("/_fake/failures")
    async def inject_failures(spec: FailureSpec) -> dict[str, int]:
        """The next `count` message sends (not sender actions) fail with this Meta error."""
        error = meta_error(spec.status, spec.message, spec.code, spec.subcode)
        for _ in range(spec.count):
            state.failures.append(Injected(spec.status, _json_body(error)))
        return {"queued_failures": len(state.failures)}

    @app.post("/_fake/subscribe")
    async def subscribe() -> dict[str, Any]:
        """Meta's verification handshake against the agent's webhook."""
        challenge = str(secrets.randbelow(10**9))
        response = await client.get(
            settings.webhook_url,
            params={
                "hub.mode": "subscribe",
                "hub.verify_token": settings.verify_token,
                "hub.challenge": challenge,
            },
        )
        verified = response.status_code == 200 and response.text == challenge
        return {"verified": verified, "status": response.status_code}

    @app.post("/_fake/hooks/{name}")
    async def hook(name: str, request: Request) -> dict[str, bool]:
        """Stands in for the brand's own alerting endpoint (the crisis webhook's receiver)."""
        state.hooks.append(
            {
                "name": name,
                "headers": dict(request.headers),
                "body": (await request.body()).decode(),
            }
        )
        return {"ok": True}

    @app.get("/_fake/hooks")
    async def hooks() -> list[dict[str, Any]]:
        return state.hooks

    @app.post("/_fake/reset")
    async def reset() -> dict[str, bool]:
        fresh = FakeState()
        for name in fresh.__dataclass_fields__:
            if name != "changed":
                setattr(state, name, getattr(fresh, name))
        return {"ok": True}

    return app


def _send(state: FakeState, body: Any, *, page_token: str) -> JSONResponse:
    """Accept or refuse one Send API call; accepted messages are recorded with the Page token
    they were sent with (a brand with several Pages must use each Page's own)."""
    if not isinstance(body, dict):
        return meta_error(400, "(#100) The parameter recipient is required", 100)
    recipient = body.get("recipient")
    psid = recipient.get("id") if isinstance(recipient, dict) else None
    if not isinstance(psid, str) or not psid:
        return meta_error(400, "(#100) The parameter recipient is required", 100)
    if psid not in state.last_customer_ms:
        return meta_error(400, "(#100) No matching user found", 100, 2018001)
    if "sender_action" in body:
        if set(body) != {"recipient", "sender_action"}:
            return meta_error(400, "(#100) sender_action must be sent alone", 100)
        if body["sender_action"] not in ("typing_on", "typing_off", "mark_seen"):
            return meta_error(400, "(#100) Invalid sender_action", 100)
        state.sender_actions.append(body)
        return JSONResponse({"recipient_id": psid})
    problem = _message_problem(body, instagram=state.customer_channel.get(psid) == "instagram")
    if problem:
        return meta_error(400, problem, 100)
    messaging_type = body.get("messaging_type", "RESPONSE")
    tag = body.get("tag")
    now = int(time.time() * 1000)
    age = now - state.last_customer_ms[psid]
    allowed = age <= (7 * _WINDOW_MS if tag == "HUMAN_AGENT" else _WINDOW_MS)
    if not allowed:
        return meta_error(400, "(#10) This message is sent outside of allowed window", 10, 2018278)
    mid = f"m_{secrets.token_urlsafe(24)}"
    text = body["message"].get("text", "")
    state.sent.append({**body, "message_id": mid, "received_at_ms": now, "page_token": page_token})
    state.threads.setdefault(psid, []).append(
        ThreadItem("out", text, mid, now, messaging_type=messaging_type, tag=tag)
    )
    return JSONResponse({"recipient_id": psid, "message_id": mid})


def _message_problem(body: dict[str, Any], *, instagram: bool) -> str | None:
    message = body.get("message")
    if not isinstance(message, dict):
        return "(#100) The parameter message is required"
    if body.get("messaging_type", "RESPONSE") not in ("RESPONSE", "UPDATE", "MESSAGE_TAG"):
        return "(#100) Invalid messaging_type"
    if body.get("messaging_type") == "MESSAGE_TAG" and not body.get("tag"):
        return "(#100) tag is required for MESSAGE_TAG"
    text = message.get("text")
    if text is None and "attachment" not in message:
        return "(#100) Must send either message text or an attachment"
    if text is not None and (not isinstance(text, str) or not text or len(text) >= 2000):
        return "(#100) Param message[text] must be a UTF-8 string of less than 2000 characters"
    if instagram and isinstance(text, str) and len(text.encode("utf-8")) > 1000:
        return "(#100) Instagram message text must be 1000 bytes or less"
    metadata = message.get("metadata")
    if metadata is not None and (not isinstance(metadata, str) or len(metadata) >= 1000):
        return "(#100) Param message[metadata] must be less than 1000 characters"
    quick_replies = message.get("quick_replies")
    if quick_replies is not None:
        if not isinstance(quick_replies, list) or len(quick_replies) > 13:
            return "(#100) At most 13 quick_replies are allowed"
        for reply in quick_replies:
            if not isinstance(reply, dict):
                return "(#100) Invalid quick reply"
            if reply.get("content_type", "text") == "text":
                title, payload = reply.get("title"), reply.get("payload")
                if not isinstance(title, str) or not 0 < len(title) <= 20:
                    return "(#100) Quick reply title must be 1 to 20 characters"
                if not isinstance(payload, str | int) or len(str(payload)) > 1000:
                    return "(#100) Quick reply payload must be at most 1000 characters"
    return None


def _remember_customers(state: FakeState, payload: dict[str, Any]) -> None:
    """Messages from customers open (or refresh) their 24-hour window."""
    channel = "instagram" if payload.get("object") == "instagram" else "messenger"
    for entry in payload.get("entry") or []:
        if not isinstance(entry, dict):
            continue
        for item in entry.get("messaging") or []:
            if not isinstance(item, dict):
                continue
            sender = (
                (item.get("sender") or {}).get("id")
                if isinstance(item.get("sender"), dict)
                else None
            )
            message = item.get("message")
            if isinstance(message, dict) and message.get("is_echo"):
                continue
            if isinstance(sender, str) and sender != str(entry.get("id")):
                stamp = item.get("timestamp")
                when = int(stamp) if isinstance(stamp, int) else int(time.time() * 1000)
                state.last_customer_ms[sender] = max(state.last_customer_ms.get(sender, 0), when)
                state.customer_channel[sender] = channel


def _json_body(response: JSONResponse) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(bytes(response.body))
    return data


def main() -> None:
    import uvicorn

    settings = FakePlatformSettings()  # type: ignore[call-arg]  # read from the environment
    uvicorn.run(
        create_fake_app(settings), host=settings.host, port=settings.port, log_level="warning"
    )


if __name__ == "__main__":
    main()
