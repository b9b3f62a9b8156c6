"""X webhooks: CRC and signature (test vector from reference/platforms.md), both envelopes."""

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agent.errors import PayloadError
from connectors.events import Channel, EventKind
from connectors.x.parse import parse_webhook
from connectors.x.verify import crc_response, sign, signature_is_valid

BRAND = "4337869213"
CUSTOMER = "3001969357"
OUR_APP = "13090192"

# reference/platforms.md, Account Activity example ("users" trimmed).
AAA_EXAMPLE = {
    "for_user_id": BRAND,
    "direct_message_events": [
        {
            "type": "message_create",
            "id": "954491830116155396",
            "created_timestamp": "1516403560557",
            "message_create": {
                "target": {"recipient_id": BRAND},
                "sender_id": CUSTOMER,
                "source_app_id": "999",
                "message_data": {
                    "text": "Hello World!",
                    "entities": {"hashtags": [], "symbols": [], "user_mentions": [], "urls": []},
                },
            },
        }
    ],
    "apps": {"999": {"id": "999", "name": "Some client", "url": "https://x.com"}},
    "users": {CUSTOMER: {"id": CUSTOMER, "name": "Jordan Brinks", "screen_name": "furiouscamper"}},
}


def _dm(event_id: str, sender: str, text: str = "hi", app: str = "999", **data: object) -> dict:
    return {
        "type": "message_create",
        "id": event_id,
        "created_timestamp": "1700000000000",
        "message_create": {
            "target": {"recipient_id": BRAND},
            "sender_id": sender,
            "source_app_id": app,
            "message_data": {"text": text, **data},
        },
    }


def test_crc_and_signature_match_the_vector() -> None:
    assert crc_response("test_consumer_secret", "challenge_string") == {
        "response_token": "sha256=583uAmerwtjpykYEAEm+CEIRm6dOywK4QKRr0ha/Pd4="
    }
    body = b'{"for_user_id":"1"}'
    assert signature_is_valid("s", body, sign("s", body))
    assert not signature_is_valid("s", body, sign("other", body))
    assert not signature_is_valid("s", body + b" ", sign("s", body))
    assert not signature_is_valid("s", body, None)
    assert not signature_is_valid("", body, sign("", body))


def test_account_activity_message() -> None:
    [event] = parse_webhook(json.dumps(AAA_EXAMPLE).encode(), own_app_id=OUR_APP).events
    assert (event.channel, event.account_id, event.customer_id) == (Channel.X, BRAND, CUSTOMER)
    assert (event.platform_message_id, event.timestamp_ms, event.text) == (
        "954491830116155396",
        1516403560557,
        "Hello World!",
    )


def test_activity_api_envelope_carries_the_same_payload() -> None:
    body = {
        "data": {
            "event_uuid": "u1",
            "filter": {"user_id": BRAND},
            "event_type": "dm.received",
            "tag": "brand",
            "payload": {"direct_message_events": [_dm("e1", CUSTOMER)]},
        }
    }
    [event] = parse_webhook(json.dumps(body).encode()).events
    assert (event.account_id, event.platform_message_id) == (BRAND, "e1")
    for other in ("dm.sent", "dm.read", "dm.indicate_typing"):
        body["data"]["event_type"] = other
        batch = parse_webhook(json.dumps(body).encode())
        assert batch.events == [] and batch.skipped[0].kind == other


def test_our_own_sends_are_dropped() -> None:
    body = {
        "for_user_id": BRAND,
        "direct_message_events": [
            _dm("e1", BRAND),
            _dm("e2", CUSTOMER, app=OUR_APP),
            _dm("e3", CUSTOMER),
        ],
    }
    batch = parse_webhook(json.dumps(body).encode(), own_app_id=OUR_APP)
    assert [e.platform_message_id for e in batch.events] == ["e3"]
    assert [s.kind for s in batch.skipped] == ["own_send", "own_send"]


def test_quick_replies_attachments_typing_and_reads() -> None:
    body = {
        "for_user_id": BRAND,
        "direct_message_events": [
            _dm(
                "q", CUSTOMER, "Yes", quick_reply_response={"type": "options", "metadata": "/greet"}
            ),
            _dm("a", CUSTOMER, "", attachment={"type": "media", "media": {"id": "1"}}),
            {"type": "message_create", "id": "bad"},
        ],
        "direct_message_indicate_typing_events": [
            {"created_timestamp": "1", "sender_id": CUSTOMER}
        ],
        "direct_message_mark_read_events": [{"created_timestamp": "1", "sender_id": CUSTOMER}],
    }
    batch = parse_webhook(json.dumps(body).encode())
    assert [(e.kind, e.payload) for e in batch.events] == [
        (EventKind.QUICK_REPLY, "/greet"),
        (EventKind.ATTACHMENT, None),
    ]
    assert [s.kind for s in batch.skipped] == [
        "invalid",
        "direct_message_indicate_typing_events",
        "direct_message_mark_read_events",
    ]


@pytest.mark.parametrize(
    "body",
    [
        b"[]",
        b'{"users": {}}',
        b'{"data": {"event_type": "dm.received"}}',
        b'{"for_user_id": "1", "direct_message_events": {}}',
    ],
)
def test_bodies_that_are_not_x_webhooks_are_payload_errors(body: bytes) -> None:
    with pytest.raises(PayloadError):
        parse_webhook(body)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.dictionaries(
            st.sampled_from(["type", "id", "created_timestamp", "message_create", "sender_id"]),
            st.none()
            | st.integers()
            | st.text(max_size=6)
            | st.dictionaries(
                st.sampled_from(["sender_id", "message_data", "source_app_id", "text"]),
                st.none()
                | st.text(max_size=6)
                | st.dictionaries(st.just("text"), st.text(max_size=4)),
                max_size=3,
            ),
            max_size=5,
        ),
        max_size=6,
    )
)
def test_fuzz_any_events_parse_or_raise_payload_error(events: list) -> None:
    body = json.dumps({"for_user_id": BRAND, "direct_message_events": events}).encode()
    batch = parse_webhook(body)
    assert len(batch.events) + len(batch.skipped) == len(events)
