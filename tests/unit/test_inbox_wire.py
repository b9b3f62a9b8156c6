"""Webhook items in the inbound stream read back exactly as they were written."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from agent.inbox.wire import (
    MAX_RAW_CHARS,
    dump_event,
    dump_skipped,
    dump_unsend,
    load_event,
    load_skipped,
    load_unsend,
)
from connectors.events import Channel, EventKind, InboundEvent, SkippedEvent, UnsendEvent

ids = st.text(alphabet="0123456789", min_size=1, max_size=20)


@given(
    channel=st.sampled_from(list(Channel)),
    kind=st.sampled_from(list(EventKind)),
    account=ids,
    customer=ids,
    mid=st.text(min_size=1, max_size=80),
    timestamp=st.integers(min_value=0, max_value=2**53),
    text=st.text(max_size=500),
    payload=st.none() | st.text(max_size=100),
    attachments=st.lists(st.text(max_size=10), max_size=3),
    story=st.booleans(),
)
def test_an_event_survives_the_stream(
    channel: Channel,
    kind: EventKind,
    account: str,
    customer: str,
    mid: str,
    timestamp: int,
    text: str,
    payload: str | None,
    attachments: list[str],
    story: bool,
) -> None:
    event = InboundEvent(
        channel=channel,
        account_id=account,
        customer_id=customer,
        platform_message_id=mid,
        timestamp_ms=timestamp,
        kind=kind,
        text=text,
        payload=payload,
        attachment_types=tuple(attachments),
        story_reply=story,
    )
    assert load_event(dump_event(event)) == event


def test_an_unsend_survives_the_stream() -> None:
    unsend = UnsendEvent(Channel.INSTAGRAM, "1784", "5512", "aWdfZAG1")
    assert load_unsend(dump_unsend(unsend)) == unsend


def test_skipped_items_keep_their_raw_part_up_to_a_limit() -> None:
    small = SkippedEvent("read", "read receipt", {"watermark": 1})
    huge = SkippedEvent("unknown", "unknown kind", {"blob": "x" * (MAX_RAW_CHARS * 2)})
    channel, items = load_skipped(dump_skipped("messenger", [small, huge]))
    assert channel == "messenger"
    assert items[0] == small
    assert items[1].reason == "unknown kind" and len(items[1].raw["truncated"]) == MAX_RAW_CHARS
