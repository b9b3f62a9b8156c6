"""Webhook items as they wait in the inbound stream between the app's acknowledgement and the
worker's write to SQL: compact JSON, read back into the same dataclasses. Pure."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from connectors.events import Channel, EventKind, InboundEvent, SkippedEvent, UnsendEvent

# Skipped items are kept for inspection, not replayed: their raw part is cut to this length.
MAX_RAW_CHARS = 10_000


def dump_event(event: InboundEvent) -> str:
    data = asdict(event)
    data["attachment_types"] = list(event.attachment_types)
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def load_event(raw: str) -> InboundEvent:
    data: dict[str, Any] = json.loads(raw)
    return InboundEvent(
        channel=Channel(data["channel"]),
        account_id=str(data["account_id"]),
        customer_id=str(data["customer_id"]),
        platform_message_id=str(data["platform_message_id"]),
        timestamp_ms=int(data["timestamp_ms"]),
        kind=EventKind(data["kind"]),
        text=str(data["text"]),
        payload=data.get("payload"),
        attachment_types=tuple(data.get("attachment_types") or ()),
        story_reply=bool(data.get("story_reply", False)),
    )


def dump_unsend(event: UnsendEvent) -> str:
    return json.dumps(asdict(event), separators=(",", ":"))


def load_unsend(raw: str) -> UnsendEvent:
    data: dict[str, Any] = json.loads(raw)
    return UnsendEvent(
        channel=Channel(data["channel"]),
        account_id=str(data["account_id"]),
        customer_id=str(data["customer_id"]),
        platform_message_id=str(data["platform_message_id"]),
    )


def dump_skipped(channel: str, items: list[SkippedEvent]) -> str:
    rows = []
    for item in items:
        raw: Any = item.raw
        text = json.dumps(raw, ensure_ascii=False, default=str)
        if len(text) > MAX_RAW_CHARS:
            raw = {"truncated": text[:MAX_RAW_CHARS]}
        rows.append({"kind": item.kind, "reason": item.reason, "raw": raw})
    return json.dumps({"channel": channel, "items": rows}, ensure_ascii=False, default=str)


def load_skipped(raw: str) -> tuple[str, list[SkippedEvent]]:
    data: dict[str, Any] = json.loads(raw)
    items = [
        SkippedEvent(kind=row["kind"], reason=row["reason"], raw=row["raw"])
        for row in data["items"]
    ]
    return str(data["channel"]), items
