"""Pure parsing of Meta webhook bodies (Messenger and Instagram) into `InboundEvent`s.
No I/O: fuzzed by the tests.

Every `entry[]` and every `messaging[]` item is read; an item that cannot be understood becomes a
`SkippedEvent` and never stops the others. Only a body that is not a webhook at all is an error.
"""

from __future__ import annotations

import json
from typing import Any

from agent.errors import PayloadError
from connectors.events import (
    Channel,
    EventKind,
    InboundEvent,
    ParsedBatch,
    SkippedEvent,
    UnsendEvent,
)

_OBJECT = {Channel.MESSENGER: "page", Channel.INSTAGRAM: "instagram"}
_OTHER_KINDS = (
    "read",
    "delivery",
    "reaction",
    "optin",
    "referral",
    "pass_thread_control",
    "take_thread_control",
    "request_thread_control",
    "account_linking",
)

Parsed = InboundEvent | SkippedEvent | UnsendEvent


def load_json_object(body: bytes) -> dict[str, Any]:
    """Decode a webhook body; a PayloadError says why it is not a JSON object."""
    try:
        data = json.loads(body.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise PayloadError(f"body is not UTF-8: {exc.reason}") from exc
    except json.JSONDecodeError as exc:
        raise PayloadError(f"body is not valid JSON: {exc.msg} at position {exc.pos}") from exc
    if not isinstance(data, dict):
        raise PayloadError("body must be a JSON object")
    return data


def parse_webhook(body: bytes, *, channel: Channel = Channel.MESSENGER) -> ParsedBatch:
    expected_object = _OBJECT[channel]
    data = load_json_object(body)
    if data.get("object") != expected_object:
        raise PayloadError(f'"object" must be "{expected_object}"')
    entries = data.get("entry")
    if not isinstance(entries, list):
        raise PayloadError('"entry" must be a list')
    batch = ParsedBatch(events=[], skipped=[], unsends=[])
    for entry in entries:
        if not isinstance(entry, dict):
            batch.skipped.append(
                SkippedEvent("invalid", "entry is not an object", {"entry": entry})
            )
            continue
        account_id = str(entry.get("id", ""))
        for item in _list(entry.get("standby")):
            batch.skipped.append(SkippedEvent("standby", "another app owns the thread", _obj(item)))
        for change in _list(entry.get("changes")):
            # Instagram's dashboard test events carry a messaging item in `changes`.
            field = change.get("field") if isinstance(change, dict) else None
            if channel is Channel.INSTAGRAM and field == "messages":
                _add(batch, parse_messaging_item(change.get("value"), account_id, channel))
            else:
                batch.skipped.append(SkippedEvent("changes", "not a direct message", _obj(change)))
        for item in _list(entry.get("messaging")):
            _add(batch, parse_messaging_item(item, account_id, channel))
    return batch


def _add(batch: ParsedBatch, parsed: Parsed) -> None:
    if isinstance(parsed, InboundEvent):
        batch.events.append(parsed)
    elif isinstance(parsed, UnsendEvent):
        batch.unsends.append(parsed)
    else:
        batch.skipped.append(parsed)


def parse_messaging_item(
    item: Any, account_id: str, channel: Channel = Channel.MESSENGER
) -> Parsed:
    """One `messaging[]` item: a customer message, an unsend, or the reason it is skipped."""
    if not isinstance(item, dict):
        return SkippedEvent("invalid", "messaging item is not an object", {"item": item})
    try:
        sender = _required_id(item, "sender")
        timestamp = _timestamp(item.get("timestamp"))
    except ValueError as exc:
        return SkippedEvent("invalid", str(exc), item)
    if not account_id:
        return SkippedEvent("invalid", "entry has no id", item)

    message = item.get("message")
    if isinstance(message, dict):
        return _message(
            item,
            message,
            channel=channel,
            account_id=account_id,
            sender=sender,
            timestamp=timestamp,
        )
    postback = item.get("postback")
    if isinstance(postback, dict):
        title = postback.get("title")
        payload = postback.get("payload")
        mid = postback.get("mid") or f"postback:{sender}:{timestamp}"
        return InboundEvent(
            channel=channel,
            account_id=account_id,
            customer_id=sender,
            platform_message_id=str(mid),
            timestamp_ms=timestamp,
            kind=EventKind.POSTBACK,
            text=title if isinstance(title, str) else "",
            payload=payload if isinstance(payload, str) else None,
        )
    for kind in _OTHER_KINDS:
        if kind in item:
            return SkippedEvent(kind, "not a customer message", item)
    return SkippedEvent("unknown", "unrecognised messaging item", item)


def _message(
    item: dict[str, Any],
    message: dict[str, Any],
    *,
    channel: Channel,
    account_id: str,
    sender: str,
    timestamp: int,
) -> Parsed:
    if message.get("is_echo") or sender == account_id:
        return SkippedEvent("echo", "our own message echoed back", item)
    mid = message.get("mid")
    if not isinstance(mid, str) or not mid:
        return SkippedEvent("invalid", "message has no mid", item)
    if message.get("is_deleted"):
        return UnsendEvent(channel, account_id, sender, mid)
    if message.get("is_unsupported"):
        return SkippedEvent("unsupported", "a message type the API does not deliver", item)
    text = message.get("text")
    text = text if isinstance(text, str) else ""
    quick_reply = message.get("quick_reply")
    attachments = [a for a in _list(message.get("attachments")) if isinstance(a, dict)]
    kinds = tuple(str(a.get("type", "unknown")) for a in attachments)
    reply_to = message.get("reply_to")
    story_reply = (isinstance(reply_to, dict) and isinstance(reply_to.get("story"), dict)) or (
        "story_mention" in kinds
    )
    if isinstance(quick_reply, dict) and isinstance(quick_reply.get("payload"), str):
        kind, payload = EventKind.QUICK_REPLY, quick_reply["payload"]
    elif attachments and not text:
        kind, payload = EventKind.ATTACHMENT, None
    else:
        kind, payload = EventKind.TEXT, None
    if kind is EventKind.TEXT and not text:
        return SkippedEvent("invalid", "message has neither text nor attachments", item)
    return InboundEvent(
        channel=channel,
        account_id=account_id,
        customer_id=sender,
        platform_message_id=mid,
        timestamp_ms=timestamp,
        kind=kind,
        text=text,
        payload=payload,
        attachment_types=kinds,
        story_reply=story_reply,
    )


def _required_id(item: dict[str, Any], key: str) -> str:
    party = item.get(key)
    if not isinstance(party, dict) or not isinstance(party.get("id"), str | int):
        raise ValueError(f"{key}.id is missing")
    value = str(party["id"])
    if not value:
        raise ValueError(f"{key}.id is empty")
    return value


def _timestamp(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValueError("timestamp is missing")
    try:
        return int(value)
    except ValueError as exc:
        raise ValueError("timestamp is not an integer") from exc


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _obj(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {"value": value}
