"""The worker against real Redis and SQL and the fake platforms (harness in conftest.py)."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from agent import redis_keys
from agent.dialogue.rasa_client import RasaClient
from agent.inbox.queue import EntryKind
from agent.pipeline.order import ReorderPolicy
from agent.pipeline.worker import BatchResult, Worker
from agent.records import service as records
from agent.records.models import Direction, Message, MessageStatus, SkippedWebhookItem
from tests.conftest import (
    IG_ACCOUNT_ID,
    PAGE_ID,
)
from tests.integration.conftest import Harness, echo_rasa, parse_as
from tests.integration.helpers import (
    message_event,
    x_event,
)


async def test_a_message_is_answered_through_rasa_and_the_send_api(harness: Harness) -> None:
    harness.rasa["parse"] = parse_as("faq/shipping_cost")
    await harness.deliver(message_event("m_1", "送料はいくら？"))
    await harness.worker.run_once()
    assert await harness.sent_texts() == ["echo: 送料はいくら？"]
    [inbound] = await harness.messages(Direction.INBOUND)
    [outbound] = await harness.messages(Direction.OUTBOUND)
    assert inbound.status == MessageStatus.ANSWERED and inbound.language == "ja"
    assert outbound.status == MessageStatus.SENT and outbound.platform_message_id.startswith("m_")
    metadata = harness.rasa_calls[0]["metadata"]
    assert {k: metadata[k] for k in ("channel", "language", "customer_id", "account_id")} == {
        "channel": "messenger",
        "language": "ja",
        "customer_id": "9000000000000001",
        "account_id": PAGE_ID,
    }
    assert metadata["message_id"] == inbound.id
    # The signals go to Rasa as metadata and are stored with the message.
    assert metadata["urgency"]["level"] == inbound.urgency == "normal"
    assert metadata["sentiment"] == inbound.signals["sentiment"]
    assert inbound.signals["escalate"] is False
    assert await harness.runtime.queue.pending_count() == 0


async def test_rasa_down_delays_the_answer_but_never_loses_it(harness: Harness) -> None:
    def down(_body: dict) -> httpx.Response:
        raise httpx.ConnectError("connection refused")

    harness.rasa["handler"] = down
    await harness.deliver(message_event("m_1", "hello"))
    for _ in range(3):
        await harness.worker.run_once()
    assert await harness.sent_texts() == []
    [inbound] = await harness.messages(Direction.INBOUND)
    assert inbound.status == MessageStatus.RECEIVED
    assert await harness.runtime.queue.pending_count() == 1

    harness.rasa["handler"] = echo_rasa
    await harness.worker.run_once()
    assert await harness.sent_texts() == ["echo: hello"]
    assert await harness.runtime.queue.pending_count() == 0


async def test_a_conversations_messages_are_answered_in_order_even_after_a_failure(
    harness: Harness,
) -> None:
    failures = {"left": 1}

    def first_fails_once(body: dict) -> httpx.Response:
        if body["message"] == "one" and failures["left"]:
            failures["left"] -= 1
            return httpx.Response(503, text="loading")
        return echo_rasa(body)

    harness.rasa["handler"] = first_fails_once
    await harness.deliver(
        message_event("m_1", "one"),
        message_event("m_2", "two"),
        message_event("m_3", "other", psid="9000000000000002"),
    )
    await harness.worker.run_once()
    # The other customer is not held up; "two" waits for "one".
    assert await harness.sent_texts() == ["echo: other"]
    await harness.worker.run_once()
    assert await harness.sent_texts() == ["echo: other", "echo: one", "echo: two"]


async def test_a_transient_send_failure_is_retried_and_sent_once(harness: Harness) -> None:
    await harness.fake.post("/_fake/failures", json={"count": 1, "status": 500, "code": 2})
    await harness.deliver(message_event("m_1", "hi"))
    await harness.worker.run_once()
    [reply] = await harness.messages(Direction.OUTBOUND)
    assert reply.status == MessageStatus.PENDING and await harness.sent_texts() == []
    await harness.worker.run_once()
    [reply] = await harness.messages(Direction.OUTBOUND)
    assert reply.status == MessageStatus.SENT
    assert await harness.sent_texts() == ["echo: hi"]
    # Rasa was asked once: the retry only re-sent the stored reply.
    assert len(harness.rasa_calls) == 1


async def test_a_permanent_send_error_is_recorded_with_the_platforms_message(
    harness: Harness,
) -> None:
    await harness.fake.post(
        "/_fake/failures",
        json={
            "count": 1,
            "status": 400,
            "code": 551,
            "message": "This person isn't available right now",
        },
    )
    await harness.deliver(message_event("m_1", "hi"))
    await harness.worker.run_once()
    [reply] = await harness.messages(Direction.OUTBOUND)
    assert reply.status == MessageStatus.FAILED
    assert reply.error == "551: This person isn't available right now"
    assert await harness.runtime.queue.pending_count() == 0


async def test_long_replies_are_split_under_the_messenger_limit(harness: Harness) -> None:
    long_text = " ".join(f"Sentence number {n} about our skincare." for n in range(120))
    harness.rasa["handler"] = lambda body: httpx.Response(200, json=[{"text": long_text}])
    await harness.deliver(message_event("m_1", "tell me everything"))
    await harness.worker.run_once()
    sent = await harness.sent_texts()
    assert len(sent) >= 3
    assert all(len(text) < 2000 for text in sent)
    assert " ".join(sent) == long_text


async def test_the_same_entry_queued_twice_is_answered_once(harness: Harness) -> None:
    await harness.deliver(message_event("m_1", "hi"))
    await harness.stored()
    [inbound] = await harness.messages(Direction.INBOUND)
    await harness.runtime.queue.append(
        message_id=inbound.id, conversation_id=inbound.conversation_id
    )
    await harness.worker.run_once()
    await harness.worker.run_once()
    assert await harness.sent_texts() == ["echo: hi"]
    assert len(harness.rasa_calls) == 1


async def test_recovery_queues_messages_whose_queue_entry_was_lost(
    harness: Harness, redis: Redis
) -> None:
    await harness.deliver(message_event("m_1", "hi"))
    await harness.stored()
    await redis.delete(redis_keys.INBOUND_STREAM)  # Redis lost its data after the worker stored it
    async with harness.runtime.sessions() as session:
        message = (await session.execute(select(Message))).scalar_one()
        message.created_at = message.created_at.replace(year=2020)
        await session.commit()
    await harness.runtime.queue.ensure_group()
    await harness.worker.recover()
    await harness.worker.run_once()
    assert await harness.sent_texts() == ["echo: hi"]


async def test_an_attachment_gets_an_honest_text_only_reply_without_asking_rasa(
    harness: Harness,
) -> None:
    event = message_event("m_img", "unused")
    event["message"] = {"mid": "m_img", "attachments": [{"type": "image", "payload": {"url": "x"}}]}
    await harness.deliver(event)
    await harness.worker.run_once()
    [reply] = await harness.sent_texts()
    assert reply == harness.runtime.responses.render("utter_attachment", "en")
    assert harness.rasa_calls == []


async def test_an_empty_answer_from_rasa_is_retried_then_recorded_not_silently_dropped(
    harness: Harness,
) -> None:
    answers = [httpx.Response(200, json=[])] * 2

    def empty_twice(body: dict) -> httpx.Response:
        return answers.pop() if answers else echo_rasa(body)

    harness.rasa["handler"] = empty_twice
    await harness.deliver(message_event("m_1", "hello"))
    await harness.worker.run_once()
    await harness.worker.run_once()
    assert await harness.sent_texts() == []
    await harness.worker.run_once()
    assert await harness.sent_texts() == ["echo: hello"]

    harness.rasa["handler"] = lambda body: httpx.Response(200, json=[])
    await harness.deliver(message_event("m_2", "again"))
    for _ in range(6):
        await harness.worker.run_once()
    inbound = await harness.messages(Direction.INBOUND)
    assert inbound[1].status == MessageStatus.ANSWERED
    assert inbound[1].error == "Rasa answered with no message (5 attempts)"
    assert await harness.runtime.queue.pending_count() == 0


async def test_a_conversation_held_by_another_worker_never_holds_up_the_others(
    harness: Harness, redis: Redis
) -> None:
    await harness.deliver(message_event("m_a", "from a", psid="9000000000000001"))
    await harness.stored()
    [held] = await harness.messages(Direction.INBOUND)
    await redis.set(redis_keys.conversation_lock_key(held.conversation_id), "other-worker")
    assert await harness.worker.run_once() is BatchResult.WAITING
    await harness.deliver(message_event("m_b", "from b", psid="9000000000000002"))
    assert await harness.worker.run_once() is BatchResult.WAITING
    assert await harness.sent_texts() == ["echo: from b"]

    await redis.delete(redis_keys.conversation_lock_key(held.conversation_id))
    assert await harness.worker.run_once() is BatchResult.DONE
    assert await harness.sent_texts() == ["echo: from b", "echo: from a"]


async def test_a_bot_reply_outside_the_24_hour_window_is_never_sent(harness: Harness) -> None:
    """Rasa was down for a day: the late bot answer is recorded as unsendable, not sent."""
    # A message this old is held a moment for the rest of its backlog; not the point here.
    harness.worker = Worker(
        redis=harness.runtime.redis,
        queue=harness.runtime.queue,
        deps=replace(harness.worker.deps, reorder=ReorderPolicy(hold_s=0)),
        block_ms=50,
        name="w1",
    )
    event = message_event("m_old", "hello")
    event["timestamp"] -= 25 * 3600 * 1000
    await harness.deliver(event)
    await harness.worker.run_once()
    [reply] = await harness.messages(Direction.OUTBOUND)
    assert reply.status == MessageStatus.UNSENDABLE
    assert "only a person may reply" in (reply.error or "")
    assert await harness.sent_texts() == []
    assert await harness.runtime.queue.pending_count() == 0


async def test_the_platforms_outside_window_error_is_recorded_not_retried(harness: Harness) -> None:
    await harness.fake.post(
        "/_fake/failures",
        json={
            "status": 400,
            "code": 10,
            "subcode": 2018278,
            "message": "(#10) This message is sent outside of allowed window",
        },
    )
    await harness.deliver(message_event("m_1", "hi"))
    await harness.worker.run_once()
    [reply] = await harness.messages(Direction.OUTBOUND)
    assert reply.status == MessageStatus.UNSENDABLE
    assert reply.error == "10: (#10) This message is sent outside of allowed window"
    await harness.worker.run_once()
    assert await harness.sent_texts() == []


async def test_a_quick_answer_goes_out_as_a_response_without_a_typing_indicator(
    harness: Harness,
) -> None:
    await harness.deliver(message_event("m_1", "hi"))
    await harness.worker.run_once()
    [sent] = (await harness.fake.get("/_fake/sent")).json()
    assert sent["messaging_type"] == "RESPONSE" and "tag" not in sent
    assert (await harness.fake.get("/_fake/sender_actions")).json() == []


async def test_a_slow_answer_is_preceded_by_seen_and_typing(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    answer = RasaClient.converse_and_read

    async def slowly(self: RasaClient, **kwargs: Any) -> Any:
        await asyncio.sleep(0.3)
        return await answer(self, **kwargs)

    monkeypatch.setattr(RasaClient, "converse_and_read", slowly)
    harness.worker = Worker(
        redis=harness.runtime.redis,
        queue=harness.runtime.queue,
        deps=replace(harness.worker.deps, activity_after_s=0.1),
        block_ms=50,
        name="w1",
    )
    await harness.deliver(message_event("m_1", "hi"))
    await harness.worker.run_once()
    actions = (await harness.fake.get("/_fake/sender_actions")).json()
    assert [a["sender_action"] for a in actions] == ["mark_seen", "typing_on"]
    assert len(await harness.sent_texts()) == 1


async def test_a_quick_reply_payload_written_as_an_intent_reaches_rasa_as_is(
    harness: Harness,
) -> None:
    await harness.deliver(
        message_event("m_qr", "Yes please", quick_reply_payload="/affirm"),
        message_event("m_qr2", "Red", quick_reply_payload="COLOR_RED"),
    )
    await harness.worker.run_once()
    assert [call["message"] for call in harness.rasa_calls] == ["/affirm", "Red"]


def ig_event(mid: str, text: str, igsid: str = "5000000000000001") -> dict:
    event = message_event(mid, text, psid=igsid)
    event["recipient"] = {"id": IG_ACCOUNT_ID}
    return event


async def test_an_instagram_dm_is_answered_within_1000_bytes_per_message(harness: Harness) -> None:
    long_ja = "ご注文の商品は通常2〜4営業日でお届けします。" * 40  # about 2,700 bytes
    harness.rasa["handler"] = lambda body: httpx.Response(200, json=[{"text": long_ja}])
    await harness.deliver(ig_event("ig_1", "いつ届きますか"), channel="instagram")
    await harness.worker.run_once()
    sent = await harness.sent_texts()
    assert len(sent) >= 3
    assert all(len(part.encode()) <= 1000 for part in sent)
    assert "".join(sent) == long_ja
    [inbound] = await harness.messages(Direction.INBOUND)
    assert inbound.channel == "instagram" and inbound.account_id == IG_ACCOUNT_ID
    assert harness.rasa_calls[0]["metadata"]["channel"] == "instagram"


async def test_an_instagram_message_unsent_before_the_answer_is_never_answered(
    harness: Harness,
) -> None:
    await harness.deliver(ig_event("ig_1", "oops wrong chat"), channel="instagram")
    unsend = ig_event("ig_1", "")
    unsend["message"] = {"mid": "ig_1", "is_deleted": True}
    await harness.deliver(unsend, channel="instagram")
    await harness.worker.run_once()
    [inbound] = await harness.messages(Direction.INBOUND)
    assert inbound.status == MessageStatus.DELETED and inbound.deleted_at is not None
    assert harness.rasa_calls == [] and await harness.sent_texts() == []
    assert await harness.runtime.queue.pending_count() == 0


async def test_a_story_reply_is_answered_and_remembered_as_one(harness: Harness) -> None:
    event = ig_event("ig_story", "is this in stock?")
    event["message"]["reply_to"] = {"story": {"url": "https://lookaside.fbsbx.com/x", "id": "1"}}
    await harness.deliver(event, channel="instagram")
    await harness.worker.run_once()
    [inbound] = await harness.messages(Direction.INBOUND)
    assert inbound.story_reply is True
    assert await harness.sent_texts() == ["echo: is this in stock?"]


async def test_an_x_dm_is_answered_through_the_v2_send_endpoint(harness: Harness) -> None:
    await harness.deliver(x_event("e1", "how much is shipping?"), channel="x")
    await harness.worker.run_once()
    [sent] = (await harness.fake.get("/_fake/sent")).json()
    assert sent["channel"] == "x" and sent["recipient"]["id"] == "3001969357"
    assert sent["message"]["text"] == "echo: how much is shipping?"
    [reply] = await harness.messages(Direction.OUTBOUND)
    assert reply.status == MessageStatus.SENT and reply.platform_message_id


async def test_x_rate_limit_waits_for_the_reset_and_sends_once(harness: Harness) -> None:
    await harness.fake.post("/_fake/x/failures", json={"status": 429, "reset_in_s": 2})
    await harness.deliver(x_event("e1", "hi"), channel="x")
    assert await harness.worker.run_once() is BatchResult.DEPENDENCY_DOWN
    # The worker waits (at least) until x-rate-limit-reset before the next attempt.
    assert harness.worker._backoff_s >= 1.0
    [reply] = await harness.messages(Direction.OUTBOUND)
    assert reply.status == MessageStatus.PENDING
    assert await harness.worker.run_once() is BatchResult.DONE
    assert await harness.sent_texts() == ["echo: hi"]


async def test_an_x_user_who_does_not_accept_dms_is_recorded_as_unsendable(
    harness: Harness,
) -> None:
    await harness.fake.post("/_fake/x/failures", json={"status": 403})
    await harness.deliver(x_event("e1", "hi"), channel="x")
    await harness.worker.run_once()
    [reply] = await harness.messages(Direction.OUTBOUND)
    assert reply.status == MessageStatus.UNSENDABLE
    assert reply.error == "403: You cannot send messages to this user."
    assert await harness.runtime.queue.pending_count() == 0


async def test_a_database_outage_keeps_acknowledged_messages_in_the_stream(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The app answered the platform before SQL saw the message: while the database is down
    the worker stores nothing and acknowledges nothing, and answers once it is back."""
    await harness.deliver(message_event("m_1", "hi"))
    record_inbound = records.record_inbound

    async def database_down(*_args: Any, **_kw: Any) -> Any:
        raise OperationalError("INSERT", {}, Exception("database is down"))

    monkeypatch.setattr(records, "record_inbound", database_down)
    assert await harness.worker.run_once() is BatchResult.DEPENDENCY_DOWN
    assert await harness.worker.run_once() is BatchResult.DEPENDENCY_DOWN
    assert await harness.runtime.queue.pending_count() == 1
    assert await harness.messages(Direction.INBOUND) == []
    monkeypatch.setattr(records, "record_inbound", record_inbound)
    assert await harness.worker.run_once() is BatchResult.DONE
    assert await harness.sent_texts() == ["echo: hi"]
    assert await harness.runtime.queue.pending_count() == 0


async def test_an_unreadable_stream_entry_is_kept_for_inspection_and_never_blocks(
    harness: Harness,
) -> None:
    await harness.runtime.queue.append_item(EntryKind.EVENT, "{not json")
    await harness.deliver(message_event("m_1", "hi"))
    assert await harness.worker.run_once() is BatchResult.DONE
    assert await harness.sent_texts() == ["echo: hi"]
    async with harness.runtime.sessions() as session:
        [bad] = (await session.execute(select(SkippedWebhookItem))).scalars()
    assert bad.kind == "bad_entry" and "{not json" in bad.raw
    assert await harness.runtime.queue.pending_count() == 0


async def test_a_waiting_message_is_read_by_the_signal_model_once(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    analyzer = harness.worker.deps.analyzer
    assert analyzer is not None
    model = analyzer._model
    original = model.predict
    texts: list[list[str]] = []

    def counting(batch: list[str]) -> Any:
        texts.append(list(batch))
        return original(batch)

    monkeypatch.setattr(model, "predict", counting)
    event = message_event("m_late", "where is my order?")
    event["timestamp"] -= 60_000  # written a minute before it came: part of a redelivered backlog
    await harness.deliver(event)
    assert await harness.worker.run_once() is BatchResult.WAITING
    assert await harness.worker.run_once() is BatchResult.WAITING
    await asyncio.sleep(0.3)  # a reading started in the background would be recorded by now
    assert texts == [["where is my order?"]]
    assert await harness.sent_texts() == []


async def test_while_deliveries_are_queued_the_worker_reads_on_without_pausing(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A redelivered backlog: late messages wait for their customer's earlier ones, which may
    still be unread. Pausing between batches would only make the backlog slower to read, and a
    late message's hold has a limit: past it, the message is answered out of order."""
    harness.without_signals()
    harness.worker = Worker(
        redis=harness.runtime.redis,
        queue=harness.runtime.queue,
        deps=harness.worker.deps,
        batch=2,
        block_ms=50,
        name="w1",
    )
    events = []
    for n in range(7):
        event = message_event(f"m_{n}", f"message {n}")
        event["timestamp"] += (n - 60) * 1000  # written a minute ago, a second apart
        events.append(event)
    await harness.deliver(*reversed(events))  # the latest first, as a backlog may come

    queue = harness.runtime.queue
    pauses_while_queued: list[float] = []
    sleep = harness.worker._sleep

    async def recording(seconds: float) -> None:
        if await queue.has_unread():
            pauses_while_queued.append(seconds)
        await sleep(seconds)

    monkeypatch.setattr(harness.worker, "_sleep", recording)
    assert await harness.worker.run_once() is BatchResult.WAITING_FOR_BACKLOG
    running = asyncio.create_task(harness.worker.run())
    try:
        async with asyncio.timeout(30):
            while len(await harness.sent_texts()) < 7:
                await asyncio.sleep(0.1)
    finally:
        harness.worker.stop()
        await running
    assert pauses_while_queued == []
    assert await harness.sent_texts() == [f"echo: message {n}" for n in range(7)]
