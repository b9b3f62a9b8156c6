"""The X side of the fake platforms: webhook bodies in both envelopes, and the v2 DM send
endpoint with its 201, 429 (with x-rate-limit-reset) and 403 answers."""

from __future__ import annotations

import secrets
import time
from typing import Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from connectors.fakes.state import FakeState, ThreadItem


class XFailureSpec(BaseModel):
    count: int = Field(default=1, ge=1, le=100)
    status: Literal[403, 429, 500, 503] = 429
    reset_in_s: int = Field(default=1, ge=0, le=900)  # 429: seconds until x-rate-limit-reset


def dm_event(
    *, event_id: str, sender: str, recipient: str, text: str, now_ms: int
) -> dict[str, Any]:
    return {
        "type": "message_create",
        "id": event_id,
        "created_timestamp": str(now_ms),
        "message_create": {
            "target": {"recipient_id": recipient},
            "sender_id": sender,
            "message_data": {"text": text, "entities": {"hashtags": [], "urls": []}},
        },
    }


def x_webhook(
    for_user_id: str, events: list[dict[str, Any]], *, activity_api: bool
) -> dict[str, Any]:
    """Account Activity envelope, or the X Activity API's wrapping of the same payload."""
    payload = {"for_user_id": for_user_id, "direct_message_events": events, "users": {}}
    if not activity_api:
        return payload
    return {
        "data": {
            "event_uuid": secrets.token_hex(8),
            "filter": {"user_id": for_user_id},
            "event_type": "dm.received",
            "tag": "brand",
            "payload": {"direct_message_events": events, "users": {}},
        }
    }


def problem(status: int, title: str, detail: str) -> JSONResponse:
    return JSONResponse(
        {"title": title, "type": "about:blank", "status": status, "detail": detail},
        status_code=status,
        media_type="application/problem+json",
    )


def x_router(*, state: FakeState, user_id: str, user_token: str) -> APIRouter:
    router = APIRouter()
    failures: list[XFailureSpec] = []

    @router.post("/2/dm_conversations/with/{participant_id}/messages")
    async def send_dm(participant_id: str, request: Request) -> JSONResponse:
        if request.headers.get("authorization") != f"Bearer {user_token}":
            return problem(401, "Unauthorized", "Unauthorized")
        try:
            body = await request.json()
        except ValueError:
            return problem(400, "Invalid Request", "body is not JSON")
        text = body.get("text") if isinstance(body, dict) else None
        if not isinstance(body, dict) or set(body) - {"text", "attachments"}:
            return problem(400, "Invalid Request", "only text and attachments are allowed")
        if not (isinstance(text, str) and text) and not body.get("attachments"):
            return problem(400, "Invalid Request", "text (minLength 1) or attachments required")
        if failures:
            spec = failures[0]
            spec.count -= 1
            if spec.count == 0:
                failures.pop(0)
            if spec.status == 429:
                reset = int(time.time()) + spec.reset_in_s
                return JSONResponse(
                    {"errors": [{"code": 88, "message": "Rate limit exceeded"}]},
                    status_code=429,
                    headers={
                        "x-rate-limit-limit": "15",
                        "x-rate-limit-remaining": "0",
                        "x-rate-limit-reset": str(reset),
                    },
                )
            if spec.status == 403:
                return problem(403, "Forbidden", "You cannot send messages to this user.")
            return problem(spec.status, "Service Unavailable", "Service Unavailable")
        now = int(time.time() * 1000)
        event_id = str(10**18 + secrets.randbelow(10**18))
        state.sent.append(
            {
                "recipient": {"id": participant_id},
                "message": {"text": text},
                "channel": "x",
                "message_id": event_id,
                "received_at_ms": now,
            }
        )
        await state.record_out(participant_id, ThreadItem("out", text or "", event_id, now))
        low, high = sorted([user_id, participant_id])
        return JSONResponse(
            {"data": {"dm_conversation_id": f"{low}-{high}", "dm_event_id": event_id}},
            status_code=201,
        )

    @router.post("/_fake/x/failures")
    async def inject(spec: XFailureSpec) -> dict[str, int]:
        """The next `count` X sends fail: 429 (with x-rate-limit-reset), 403, or 5xx."""
        failures.append(spec)
        return {"queued": sum(f.count for f in failures)}

    return router
