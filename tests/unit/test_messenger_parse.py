"""Parsing Messenger webhook bodies: every event of a batch, nothing lost, nothing raised."""

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agent.errors import PayloadError
from connectors.events import Channel, EventKind
from connectors.fakes.meta_payloads import encode_like_meta
from connectors.meta.parse import parse_webhook

DOC_EXAMPLE = {
    "object": "page",
    "entry": [
        {
            "id": "1029384756",
            "time": 1458692752478,
            "messaging": [
                {
                    "sender": {"id": "6543210987654321"},
                    "recipient": {"id": "1029384756"},
                    "timestamp": 1458692752478,
                    "message": {
                        "mid": "m_1457764197618:41d102a3e1ae206a38",
                        "text": "Red",
                        "quick_reply": {"payload": "COLOR_RED"},
                    },
                },
                {
                    "sender": {"id": "6543210987654321"},
                    "recipient": {"id": "1029384756"},
                    "timestamp": 1458692753001,
                    "postback": {"mid": "m_AbCd", "title": "Talk to a human", "payload": "HANDOFF"},
                },
            ],
        }
    ],
}


def _item(mid: str, text: str = "hi", sender: str = "222") -> dict:
    return {
        "sender": {"id": sender},
        "recipient": {"id": "111"},
        "timestamp": 1700000000000,
        "message": {"mid": mid, "text": text},
    }


def _body(*items: object, entry_id: str = "111") -> bytes:
    return json.dumps(
        {"object": "page", "entry": [{"id": entry_id, "time": 1, "messaging": list(items)}]}
    ).encode()


def test_both_events_of_the_documented_batch_are_read() -> None:
    batch = parse_webhook(json.dumps(DOC_EXAMPLE).encode())
    assert [e.kind for e in batch.events] == [EventKind.QUICK_REPLY, EventKind.POSTBACK]
    quick, postback = batch.events
    assert quick.channel is Channel.MESSENGER
    assert (quick.account_id, quick.customer_id) == ("1029384756", "6543210987654321")
    assert (quick.text, quick.payload) == ("Red", "COLOR_RED")
    assert (postback.platform_message_id, postback.text, postback.payload) == (
        "m_AbCd",
        "Talk to a human",
        "HANDOFF",
    )
    assert batch.skipped == []


def test_unicode_escaped_text_is_decoded() -> None:
    body = encode_like_meta(
        {
            "object": "page",
            "entry": [{"id": "111", "time": 1, "messaging": [_item("m1", "送料はいくら？😊")]}],
        }
    )
    assert b"\\u9001" in body  # escaped on the wire, as Meta sends it
    assert parse_webhook(body).events[0].text == "送料はいくら？😊"


def test_echoes_are_skipped() -> None:
    echo = _item("m_echo", "our reply")
    echo["message"]["is_echo"] = True
    echo["sender"], echo["recipient"] = {"id": "111"}, {"id": "222"}
    batch = parse_webhook(_body(_item("m1"), echo))
    assert [e.platform_message_id for e in batch.events] == ["m1"]
    assert [s.kind for s in batch.skipped] == ["echo"]


def test_one_bad_item_never_drops_the_others() -> None:
    no_sender = _item("m_bad")
    del no_sender["sender"]
    no_mid = _item("m_x")
    del no_mid["message"]["mid"]
    batch = parse_webhook(
        _body(
            _item("m1"),
            no_sender,
            "not an object",
            no_mid,
            {"sender": {"id": "222"}, "timestamp": 1, "weird": 1},
            _item("m2"),
        )
    )
    assert [e.platform_message_id for e in batch.events] == ["m1", "m2"]
    assert sorted(s.kind for s in batch.skipped) == ["invalid", "invalid", "invalid", "unknown"]


def test_reads_deliveries_reactions_and_standby_are_recorded_not_answered() -> None:
    base = {"sender": {"id": "222"}, "recipient": {"id": "111"}, "timestamp": 1}
    payload = {
        "object": "page",
        "entry": [
            {
                "id": "111",
                "time": 1,
                "messaging": [
                    {**base, "read": {"watermark": 1}},
                    {**base, "delivery": {"watermark": 1}},
                    {**base, "reaction": {"mid": "m1", "action": "react", "reaction": "love"}},
                ],
                "standby": [_item("m_standby")],
            }
        ],
    }
    batch = parse_webhook(json.dumps(payload).encode())
    assert batch.events == []
    assert sorted(s.kind for s in batch.skipped) == ["delivery", "reaction", "read", "standby"]


def test_attachments_without_text() -> None:
    item = _item("m_img")
    item["message"] = {"mid": "m_img", "attachments": [{"type": "image", "payload": {"url": "x"}}]}
    event = parse_webhook(_body(item)).events[0]
    assert event.kind is EventKind.ATTACHMENT
    assert event.attachment_types == ("image",)


def test_events_of_several_entries_are_all_read() -> None:
    payload = {
        "object": "page",
        "entry": [
            {"id": "111", "time": 1, "messaging": [_item("m1")]},
            {"id": "111", "time": 2, "messaging": [_item("m2"), _item("m3", sender="333")]},
        ],
    }
    batch = parse_webhook(json.dumps(payload).encode())
    assert [e.platform_message_id for e in batch.events] == ["m1", "m2", "m3"]


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"{not json", "not valid JSON"),
        (b"\xff\xfe", "not UTF-8"),
        (b"[1, 2]", "JSON object"),
        (b'{"object": "instagram", "entry": []}', '"object" must be "page"'),
        (b'{"object": "page", "entry": {}}', '"entry" must be a list'),
    ],
)
def test_a_body_that_is_not_a_webhook_is_a_payload_error_with_a_reason(
    body: bytes, reason: str
) -> None:
    with pytest.raises(PayloadError, match=reason):
        parse_webhook(body)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "object",
                    "entry",
                    "id",
                    "messaging",
                    "message",
                    "mid",
                    "text",
                    "sender",
                    "recipient",
                    "timestamp",
                    "is_echo",
                    "postback",
                    "standby",
                    "attachments",
                ]
            )
            | st.text(max_size=8),
            children,
            max_size=6,
        )
    ),
    max_leaves=30,
)


@settings(max_examples=400, deadline=None)
@given(json_values)
def test_fuzz_any_json_parses_or_raises_payload_error(value: object) -> None:
    body = json.dumps(value).encode()
    try:
        batch = parse_webhook(body)
    except PayloadError:
        return
    for event in batch.events:
        assert event.platform_message_id and event.customer_id and event.account_id


@settings(max_examples=200, deadline=None)
@given(st.lists(json_values, max_size=6))
def test_fuzz_good_items_survive_any_neighbours(noise: list[object]) -> None:
    items = [*noise, _item("m_good")]
    batch = parse_webhook(_body(*items))
    assert "m_good" in [e.platform_message_id for e in batch.events]
