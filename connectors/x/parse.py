"""Pure parsing of X webhook bodies into `InboundEvent`s, for both envelopes:

- Account Activity API: `{"for_user_id", "direct_message_events": [...], "users": {...}}`;
- X Activity API: `{"data": {"event_uuid", "filter": {"user_id"}, "event_type": "dm.received",
  "payload": {<the same direct_message_events / users>}}}`.

IDs and timestamps are strings. Our own sends come back too and are dropped: the sender is the
subscribed account (`for_user_id`) or the event names our app as `source_app_id`.
"""

from __future__ import annotations

from typing import Any

from agent.errors import PayloadError
from connectors.events import Channel, EventKind, InboundEvent, ParsedBatch, SkippedEvent
from connectors.meta.parse import load_json_object

_NOT_MESSAGES = (
    "direct_message_indicate_typing_events",
    "direct_message_mark_read_events",
    "favorite_events",
    "follow_events",
    "tweet_create_events",
)


def parse_webhook(body: bytes, *, own_app_id: str | None = None) -> ParsedBatch:
    data = load_json_object(body)
    envelope = data.get("data")
    if isinstance(envelope, dict):
        return _activity_api(envelope, own_app_id)
    if "for_user_id" in data:
        return _account_activity(data, str(data["for_user_id"]), own_app_id)
    raise PayloadError('body has neither "for_user_id" (Account Activity) nor "data" (X Activity)')


def _activity_api(envelope: dict[str, Any], own_app_id: str | None) -> ParsedBatch:
    event_type = envelope.get("event_type")
    user_id = (
        (envelope.get("filter") or {}).get("user_id")
        if isinstance(envelope.get("filter"), dict)
        else None
    )
    payload = envelope.get("payload")
    if not isinstance(user_id, str | int) or not isinstance(payload, dict):
        raise PayloadError('X Activity event needs "filter.user_id" and "payload"')
    if event_type != "dm.received":
        return ParsedBatch(
            events=[], skipped=[SkippedEvent(str(event_type), "not a received DM", envelope)]
        )
    return _account_activity(payload, str(user_id), own_app_id)


def _account_activity(
    data: dict[str, Any], for_user_id: str, own_app_id: str | None
) -> ParsedBatch:
    batch = ParsedBatch(events=[], skipped=[])
    events = data.get("direct_message_events", [])
    if not isinstance(events, list):
        raise PayloadError('"direct_message_events" must be a list')
    for item in events:
        parsed = parse_dm_event(item, for_user_id, own_app_id)
        if isinstance(parsed, InboundEvent):
            batch.events.append(parsed)
        else:
            batch.skipped.append(parsed)
    for key in _NOT_MESSAGES:
        for item in data.get(key) or []:
            batch.skipped.append(SkippedEvent(key, "not a direct message", _obj(item)))
    return batch


def parse_dm_event(
    item: Any, for_user_id: str, own_app_id: str | None
) -> InboundEvent | SkippedEvent:
    if not isinstance(item, dict):
        return SkippedEvent("invalid", "event is not an object", {"item": item})
    if item.get("type") != "message_create":
        return SkippedEvent(str(item.get("type", "unknown")), "not a message", item)
    create = item.get("message_create")
    event_id = item.get("id")
    if not isinstance(create, dict) or not isinstance(event_id, str | int) or not str(event_id):
        return SkippedEvent("invalid", "message_create or id is missing", item)
    sender = create.get("sender_id")
    if not isinstance(sender, str | int) or not str(sender):
        return SkippedEvent("invalid", "sender_id is missing", item)
    if str(sender) == for_user_id or (
        own_app_id and str(create.get("source_app_id", "")) == own_app_id
    ):
        return SkippedEvent("own_send", "a message this account or app sent", item)
    try:
        timestamp = int(str(item.get("created_timestamp")))
    except ValueError:
        return SkippedEvent("invalid", "created_timestamp is not an integer", item)
    raw_data = create.get("message_data")
    message_data: dict[str, Any] = raw_data if isinstance(raw_data, dict) else {}
    raw_text = message_data.get("text")
    text = raw_text if isinstance(raw_text, str) else ""
    quick = message_data.get("quick_reply_response")
    attachment = message_data.get("attachment")
    if isinstance(quick, dict) and isinstance(quick.get("metadata"), str):
        kind, payload = EventKind.QUICK_REPLY, quick["metadata"]
    elif isinstance(attachment, dict) and not text:
        kind, payload = EventKind.ATTACHMENT, None
    else:
        kind, payload = EventKind.TEXT, None
    if kind is EventKind.TEXT and not text:
        return SkippedEvent("invalid", "message has neither text nor attachment", item)
    return InboundEvent(
        channel=Channel.X,
        account_id=for_user_id,
        customer_id=str(sender),
        platform_message_id=str(event_id),
        timestamp_ms=timestamp,
        kind=kind,
        text=text,
        payload=payload,
        attachment_types=(str(attachment.get("type", "media")),)
        if isinstance(attachment, dict)
        else (),
    )


def _obj(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {"value": value}
