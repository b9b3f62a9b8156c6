"""Building Messenger webhook bodies the way Meta sends them (pure)."""

from __future__ import annotations

import json
from typing import Any


def encode_like_meta(payload: dict[str, Any]) -> bytes:
    """Meta signs "an escaped unicode version of the payload": non-ASCII as \\uXXXX."""
    return json.dumps(payload, ensure_ascii=True, separators=(",", ":")).encode("ascii")


def text_message_event(
    *,
    page_id: str,
    psid: str,
    mid: str,
    text: str,
    timestamp_ms: int,
    quick_reply_payload: str | None = None,
) -> dict[str, Any]:
    message: dict[str, Any] = {"mid": mid, "text": text}
    if quick_reply_payload is not None:
        message["quick_reply"] = {"payload": quick_reply_payload}
    return {
        "sender": {"id": psid},
        "recipient": {"id": page_id},
        "timestamp": timestamp_ms,
        "message": message,
    }


def echo_event(
    *, page_id: str, psid: str, mid: str, text: str, timestamp_ms: int
) -> dict[str, Any]:
    return {
        "sender": {"id": page_id},
        "recipient": {"id": psid},
        "timestamp": timestamp_ms,
        "message": {"mid": mid, "text": text, "is_echo": True},
    }


def page_webhook(page_id: str, events: list[dict[str, Any]], time_ms: int) -> dict[str, Any]:
    return {"object": "page", "entry": [{"id": page_id, "time": time_ms, "messaging": events}]}
