"""Signals and escalation in the worker: what a customer gets when a message needs a person."""

from __future__ import annotations

from sqlalchemy import select

from agent.records.models import Conversation, ConversationStatus, Direction, Escalation
from tests.integration.conftest import Harness, parse_as
from tests.integration.helpers import message_event


async def _escalations(harness: Harness) -> list[Escalation]:
    async with harness.runtime.sessions() as session:
        return list((await session.execute(select(Escalation))).scalars())


async def _conversation(harness: Harness) -> Conversation:
    async with harness.runtime.sessions() as session:
        return (await session.execute(select(Conversation))).scalar_one()


async def test_a_critical_message_gets_the_holding_reply_and_never_a_bot_answer(
    harness: Harness,
) -> None:
    harness.rasa["parse"] = parse_as("faq/returns_refunds")
    await harness.deliver(
        message_event("m_1", "my daughter drank some of the toner, what do I do??")
    )
    await harness.worker.run_once()
    [reply] = await harness.sent_texts()
    assert "119" in reply and "stop using" in reply  # the brand's safe holding reply
    assert harness.rasa_calls == []  # Rasa never answered it: no FAQ, no advice
    [escalation] = await _escalations(harness)
    assert escalation.urgency == "critical"
    assert escalation.reason_keys == ["critical_urgency"]
    assert "swallowed" in escalation.reasons[0] or "child" in escalation.reasons[0]
    assert (await _conversation(harness)).status == ConversationStatus.NEEDS_HUMAN
    [inbound] = await harness.messages(Direction.INBOUND)
    assert inbound.signals["urgency"]["reason_keys"] == ["child_ingestion"]


async def test_a_critical_message_in_japanese_gets_the_japanese_holding_reply(
    harness: Harness,
) -> None:
    harness.rasa["parse"] = parse_as("complaint")
    await harness.deliver(message_event("m_1", "化粧水を使ったら顔が真っ赤に腫れて痛いです"))
    await harness.worker.run_once()
    [reply] = await harness.sent_texts()
    assert "119" in reply and "中止" in reply
    [escalation] = await _escalations(harness)
    assert escalation.urgency == "critical"


async def test_asking_for_a_person_escalates_once_with_the_handoff_reply(harness: Harness) -> None:
    harness.rasa["parse"] = parse_as("human_handoff")
    await harness.deliver(message_event("m_1", "can I talk to a real person please"))
    await harness.worker.run_once()
    await harness.deliver(message_event("m_2", "a human please"))
    await harness.worker.run_once()
    replies = await harness.sent_texts()
    assert len(replies) == 2 and all("support team" in r for r in replies)
    [escalation] = await _escalations(harness)  # one open escalation per conversation
    assert escalation.reason_keys == ["asked_for_person"]


async def test_two_fallbacks_in_a_row_escalate_but_one_does_not(harness: Harness) -> None:
    harness.rasa["parse"] = parse_as("nlu_fallback", 0.3)
    await harness.deliver(message_event("m_1", "the blue thing from the spring drop"))
    await harness.worker.run_once()
    assert await _escalations(harness) == []
    assert await harness.sent_texts() == ["echo: the blue thing from the spring drop"]
    await harness.deliver(message_event("m_2", "the one with the flower on the lid"))
    await harness.worker.run_once()
    [escalation] = await _escalations(harness)
    assert escalation.reason_keys == ["repeated_fallback"]


async def test_order_status_questions_stay_with_the_bot(harness: Harness) -> None:
    harness.rasa["parse"] = parse_as("faq/order_status")
    await harness.deliver(message_event("m_1", "where is my order? I ordered on Monday"))
    await harness.worker.run_once()
    assert await _escalations(harness) == []
    assert await harness.sent_texts() == ["echo: where is my order? I ordered on Monday"]


async def test_another_language_is_answered_in_english_and_recorded(harness: Harness) -> None:
    harness.rasa["parse"] = parse_as("faq/shipping_time")
    await harness.deliver(message_event("m_1", "hola, cuánto tarda el envío a Madrid por favor"))
    await harness.worker.run_once()
    [inbound] = await harness.messages(Direction.INBOUND)
    assert inbound.language == "other"
    assert harness.rasa_calls[0]["metadata"]["language"] == "other"


async def test_rasa_reads_a_message_once_when_the_bot_answers_it(harness: Harness) -> None:
    harness.rasa["parse"] = parse_as("faq/shipping_time")
    await harness.deliver(message_event("m_1", "how long does delivery take to osaka?"))
    await harness.worker.run_once()
    assert len(harness.rasa_calls) == 1 and harness.parse_calls == []  # one pass, no /model/parse
    [inbound] = await harness.messages(Direction.INBOUND)
    assert inbound.signals is not None
    assert inbound.signals["intent"]["name"] == "faq/shipping_time"  # from the reply's parse
    assert inbound.signals["urgency"]["level"] == "normal"  # an FAQ: normal, set by the intent
    sent_metadata = harness.rasa_calls[0]["metadata"]
    assert sent_metadata["language"] == "en" and "sentiment" in sent_metadata


async def test_a_reply_without_rasas_reading_is_completed_with_a_parse(harness: Harness) -> None:
    harness.rasa["parse"] = parse_as("faq/shipping_time")
    harness.rasa["parse_in_reply"] = False
    await harness.deliver(message_event("m_1", "how long does delivery take to osaka?"))
    await harness.worker.run_once()
    assert len(harness.rasa_calls) == 1 and len(harness.parse_calls) == 1
    [inbound] = await harness.messages(Direction.INBOUND)
    assert inbound.signals is not None and inbound.signals["intent"]["name"] == "faq/shipping_time"


async def test_asking_for_a_person_replaces_rasas_answer_with_the_handoff(
    harness: Harness,
) -> None:
    harness.rasa["parse"] = parse_as("human_handoff")
    await harness.deliver(message_event("m_1", "can I talk to a human"))
    await harness.worker.run_once()
    [reply] = await harness.sent_texts()
    assert "support team" in reply and not reply.startswith("echo:")
    assert len(await _escalations(harness)) == 1
