"""Instagram webhook contract: the documented payload shapes of every event kind."""

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agent.errors import PayloadError
from connectors.events import Channel, EventKind, UnsendEvent
from connectors.meta.parse import parse_webhook

IG = "17841400000000001"
USER = "1234567890123456"

# reference/platforms.md, "Instagram example" (story reply plus an echo of our own reply).
DOC_EXAMPLE = {
    "object": "instagram",
    "entry": [
        {
            "id": IG,
            "time": 1569262486134,
            "messaging": [
                {
                    "sender": {"id": USER},
                    "recipient": {"id": IG},
                    "timestamp": 1569262485349,
                    "message": {
                        "mid": "aWdfZAG1fd",
                        "text": "Is this in stock?",
                        "reply_to": {
                            "story": {
                                "url": "https://lookaside.fbsbx.com/ig_messaging_cdn/?asset_id=1",
                                "id": "17900000000000001",
                            }
                        },
                    },
                },
                {
                    "sender": {"id": IG},
                    "recipient": {"id": USER},
                    "timestamp": 1569262490000,
                    "message": {"mid": "aWdfZAG1fe", "text": "Yes!", "is_echo": True},
                },
            ],
        }
    ],
}


def _ig(*items: dict, changes: list | None = None) -> bytes:
    entry: dict = {"id": IG, "time": 1, "messaging": list(items)}
    if changes is not None:
        entry["changes"] = changes
    return json.dumps({"object": "instagram", "entry": [entry]}).encode()


def _item(message: dict | None = None, **extra: object) -> dict:
    item: dict = {"sender": {"id": USER}, "recipient": {"id": IG}, "timestamp": 1700000000000}
    if message is not None:
        item["message"] = message
    item.update(extra)
    return item


def test_story_reply_keeps_the_text_and_the_fact_but_not_the_media() -> None:
    batch = parse_webhook(json.dumps(DOC_EXAMPLE).encode(), channel=Channel.INSTAGRAM)
    [event] = batch.events
    assert (event.channel, event.account_id, event.customer_id) == (Channel.INSTAGRAM, IG, USER)
    assert (event.text, event.story_reply) == ("Is this in stock?", True)
    assert "lookaside" not in repr(event)
    assert [s.kind for s in batch.skipped] == ["echo"]


def test_unsend_becomes_an_unsend_event() -> None:
    batch = parse_webhook(_ig(_item({"mid": "m_1", "is_deleted": True})), channel=Channel.INSTAGRAM)
    assert batch.unsends == [UnsendEvent(Channel.INSTAGRAM, IG, USER, "m_1")]
    assert batch.events == []


def test_unsupported_messages_and_reactions_are_recorded_not_answered() -> None:
    batch = parse_webhook(
        _ig(
            _item({"mid": "m_u", "is_unsupported": True}),
            _item(reaction={"mid": "m_1", "action": "react", "reaction": "love", "emoji": "❤️"}),
            _item(reaction={"mid": "m_1", "action": "unreact"}),
            _item(read={"mid": "m_1"}),
        ),
        channel=Channel.INSTAGRAM,
    )
    assert batch.events == []
    assert [s.kind for s in batch.skipped] == ["unsupported", "reaction", "reaction", "read"]


@pytest.mark.parametrize("kind", ["image", "share", "story_mention", "ig_reel", "reel", "audio"])
def test_attachments_are_recorded_by_kind(kind: str) -> None:
    message = {"mid": "m_a", "attachments": [{"type": kind, "payload": {"url": "https://x"}}]}
    [event] = parse_webhook(_ig(_item(message)), channel=Channel.INSTAGRAM).events
    assert event.kind is EventKind.ATTACHMENT and event.attachment_types == (kind,)
    assert event.story_reply is (kind == "story_mention")


def test_dashboard_test_events_arrive_as_changes() -> None:
    change = {"field": "messages", "value": _item({"mid": "m_test", "text": "test message"})}
    other = {"field": "comments", "value": {"text": "nice"}}
    batch = parse_webhook(_ig(changes=[change, other]), channel=Channel.INSTAGRAM)
    assert [e.text for e in batch.events] == ["test message"]
    assert [s.kind for s in batch.skipped] == ["changes"]


def test_the_wrong_object_is_refused() -> None:
    with pytest.raises(PayloadError, match='"object" must be "instagram"'):
        parse_webhook(b'{"object": "page", "entry": []}', channel=Channel.INSTAGRAM)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.dictionaries(
            st.sampled_from(
                [
                    "sender",
                    "recipient",
                    "timestamp",
                    "message",
                    "is_deleted",
                    "reaction",
                    "mid",
                    "text",
                ]
            ),
            st.none()
            | st.integers()
            | st.text(max_size=5)
            | st.dictionaries(
                st.sampled_from(["id", "mid", "is_deleted", "is_echo", "text", "attachments"]),
                st.none() | st.booleans() | st.text(max_size=5),
                max_size=4,
            ),
            max_size=5,
        ),
        max_size=5,
    )
)
def test_fuzz_any_items_parse_without_raising(items: list) -> None:
    batch = parse_webhook(_ig(*items), channel=Channel.INSTAGRAM)
    assert len(batch.events) + len(batch.skipped) + len(batch.unsends) == len(items)
