"""The escalation queue over real Redis and SQL: routing, atomic claims, presence, transfers,
rebuilding the index, and a conversation's whole way from the bot to a person and back."""

from __future__ import annotations

import asyncio
import random
from datetime import timedelta

import pytest
from sqlalchemy import select

from agent.errors import CannotTakeMore, Conflict, NotAllowed
from agent.handoff.models import EscalationEvent, Presence, Role, Staff
from agent.handoff.presence import mark_seen, sweep_absent
from agent.handoff.queue import QueueItem
from agent.handoff.service import HandoffService
from agent.records.models import (
    Conversation,
    ConversationStatus,
    Direction,
    Escalation,
    EscalationStatus,
    MessageStatus,
    as_utc,
)
from tests.integration.conftest import Harness, parse_as
from tests.integration.handoff_helpers import make_escalation, make_staff
from tests.integration.helpers import message_event


@pytest.fixture
def handoff(harness: Harness) -> HandoffService:
    return harness.runtime.handoff()


async def _escalation(service: HandoffService, escalation_id: int) -> Escalation:
    async with service.sessions() as session:
        found = await session.get(Escalation, escalation_id)
        assert found is not None
        return found


async def test_a_critical_message_is_routed_to_its_team_and_due_within_15_minutes(
    harness: Harness, handoff: HandoffService
) -> None:
    harness.rasa["parse"] = parse_as("complaint")
    await harness.deliver(message_event("m_1", "my son swallowed some of the cleansing oil"))
    await harness.worker.run_once()
    async with handoff.sessions() as session:
        [escalation] = (await session.execute(select(Escalation))).scalars()
    assert escalation.team == "product_safety"
    assert escalation.due_at is not None
    # Critical is on call around the clock: 15 minutes whatever the day or hour.
    assert as_utc(escalation.due_at) - as_utc(escalation.created_at) == timedelta(minutes=15)
    waiting, total = await handoff.queue.waiting(["product_safety"])
    assert total == 1 and waiting[0].id == escalation.id
    assert waiting[0].fields is not None and waiting[0].fields["urgency"] == "critical"
    assert (await handoff.queue.waiting(["billing", "press_pr"]))[1] == 0


async def test_the_queue_puts_earlier_due_and_higher_tiers_first(handoff: HandoffService) -> None:
    normal = await make_escalation(handoff, "1001", urgency="normal", urgency_reasons=())
    high = await make_escalation(handoff, "1002", urgency="high")
    critical = await make_escalation(
        handoff, "1003", urgency="critical", urgency_reasons=("health_safety",)
    )
    vip_high = await make_escalation(handoff, "1004", urgency="high", tier="vip")
    waiting, total = await handoff.queue.waiting(handoff.config.team_keys())
    order = [item.id for item in waiting]
    assert total == 4
    assert order.index(critical.id) < order.index(high.id) < order.index(normal.id)
    assert order.index(vip_high.id) < order.index(high.id)


async def test_twenty_agents_claiming_a_hundred_escalations_at_once_claim_each_exactly_once(
    handoff: HandoffService,
) -> None:
    escalations = [
        await make_escalation(handoff, f"20{n:03d}", urgency=random.choice(["high", "normal"]))
        for n in range(100)
    ]
    agents = [
        await make_staff(handoff, f"agent{n}@tsuyu.example", teams=["orders_shipping"], capacity=8)
        for n in range(20)
    ]

    async def grab(agent_index: int) -> list[int]:
        won = []
        order = [e.id for e in escalations]
        random.Random(agent_index).shuffle(order)
        for escalation_id in order:
            try:
                await handoff.claim(agents[agent_index], escalation_id)
            except Conflict:
                continue
            won.append(escalation_id)
        return won

    results = await asyncio.gather(*(grab(n) for n in range(20)))
    claimed = [escalation_id for won in results for escalation_id in won]
    assert sorted(claimed) == sorted(e.id for e in escalations)  # each once, none lost
    assert all(len(won) <= 8 for won in results)  # nobody above capacity
    async with handoff.sessions() as session:
        rows = (await session.execute(select(Escalation))).scalars().all()
    owner = {e.id: e.assignee_id for e in rows}
    for agent, won in zip(agents, results, strict=True):
        assert all(owner[escalation_id] == agent.id for escalation_id in won)
        assert sorted(i.id for i in await handoff.queue.owned(agent.id)) == sorted(won)
    assert (await handoff.queue.waiting(["orders_shipping"]))[1] == 0


async def test_an_agent_at_capacity_or_away_takes_nothing_new(handoff: HandoffService) -> None:
    first = await make_escalation(handoff, "3001")
    second = await make_escalation(handoff, "3002")
    agent = await make_staff(handoff, "small@tsuyu.example", teams=["orders_shipping"], capacity=1)
    await handoff.claim(agent, first.id)
    with pytest.raises(Conflict, match="1 open conversations"):
        await handoff.claim(agent, second.id)
    away = await make_staff(
        handoff, "away@tsuyu.example", teams=["orders_shipping"], presence=Presence.AWAY
    )
    with pytest.raises(Conflict, match="online"):
        await handoff.claim(away, second.id)
    assert (await _escalation(handoff, second.id)).status == EscalationStatus.WAITING


async def test_another_teams_conversation_cannot_be_claimed_but_a_lead_can(
    handoff: HandoffService,
) -> None:
    safety = await make_escalation(
        handoff, "4001", urgency="critical", urgency_reasons=("health_safety",)
    )
    billing_agent = await make_staff(handoff, "bill@tsuyu.example", teams=["billing"])
    with pytest.raises(NotAllowed):
        await handoff.claim(billing_agent, safety.id)
    lead = await make_staff(handoff, "lead@tsuyu.example", teams=[], role=Role.LEAD)
    await handoff.claim(lead, safety.id)
    assert (await _escalation(handoff, safety.id)).assignee_id == lead.id


async def test_an_agent_going_offline_puts_their_conversations_back_in_the_queue(
    handoff: HandoffService,
) -> None:
    escalation = await make_escalation(handoff, "5001")
    agent = await make_staff(handoff, "off@tsuyu.example", teams=["orders_shipping"])
    await handoff.claim(agent, escalation.id)
    assert (await handoff.queue.waiting(["orders_shipping"]))[1] == 0
    released = await handoff.set_presence(agent.id, Presence.OFFLINE)
    assert released == [escalation.id]
    after = await _escalation(handoff, escalation.id)
    assert after.status == EscalationStatus.WAITING and after.assignee_id is None
    waiting, _ = await handoff.queue.waiting(["orders_shipping"])
    assert [item.id for item in waiting] == [escalation.id]
    assert await handoff.queue.owned(agent.id) == []
    other = await make_staff(handoff, "on@tsuyu.example", teams=["orders_shipping"])
    await handoff.claim(other, escalation.id)  # claimable again


async def test_a_transfer_moves_the_conversation_and_keeps_its_history(
    handoff: HandoffService,
) -> None:
    escalation = await make_escalation(handoff, "6001")
    agent = await make_staff(handoff, "ship@tsuyu.example", teams=["orders_shipping"])
    billing = await make_staff(handoff, "bill@tsuyu.example", teams=["billing"])
    await handoff.claim(agent, escalation.id)
    await handoff.transfer(agent, escalation.id, to_team="billing")
    moved = await _escalation(handoff, escalation.id)
    assert moved.team == "billing" and moved.status == EscalationStatus.WAITING
    assert [i.id for i in (await handoff.queue.waiting(["billing"]))[0]] == [escalation.id]
    assert await handoff.queue.owned(agent.id) == []
    await handoff.claim(billing, escalation.id)
    # Straight to a person, too.
    lead = await make_staff(handoff, "lead2@tsuyu.example", teams=[], role=Role.LEAD)
    await handoff.transfer(billing, escalation.id, to_staff_id=lead.id)
    assert (await _escalation(handoff, escalation.id)).assignee_id == lead.id
    assert [i.id for i in await handoff.queue.owned(lead.id)] == [escalation.id]
    async with handoff.sessions() as session:
        kinds = list(
            (
                await session.execute(
                    select(EscalationEvent.kind)
                    .where(EscalationEvent.escalation_id == escalation.id)
                    .order_by(EscalationEvent.id)
                )
            ).scalars()
        )
    assert kinds == ["claimed", "transferred", "claimed", "transferred"]


async def test_the_index_is_rebuilt_from_sql_after_redis_loses_it(
    harness: Harness, handoff: HandoffService
) -> None:
    waiting = await make_escalation(handoff, "7001")
    owned = await make_escalation(handoff, "7002")
    agent = await make_staff(handoff, "r@tsuyu.example", teams=["orders_shipping"])
    await handoff.claim(agent, owned.id)
    await harness.runtime.redis.flushall()
    assert (await handoff.queue.waiting(["orders_shipping"]))[1] == 0
    assert await handoff.rebuild() == 2
    assert [i.id for i in (await handoff.queue.waiting(["orders_shipping"]))[0]] == [waiting.id]
    assert [i.id for i in await handoff.queue.owned(agent.id)] == [owned.id]
    # A stale index cannot hand out what SQL says is taken.
    await handoff.queue.add(
        QueueItem(
            id=owned.id, conversation_id=owned.conversation_id, team="orders_shipping", rank=0
        )
    )
    other = await make_staff(handoff, "o@tsuyu.example", teams=["orders_shipping"])
    with pytest.raises(Conflict):
        await handoff.claim(other, owned.id)
    assert (await _escalation(handoff, owned.id)).assignee_id == agent.id


async def test_a_person_takes_over_the_bot_stays_silent_then_resolves_and_gets_a_score(
    harness: Harness, handoff: HandoffService
) -> None:
    harness.rasa["parse"] = parse_as("human_handoff")
    await harness.deliver(message_event("m_1", "I want to talk to a person"))
    await harness.worker.run_once()
    [handoff_reply] = await harness.sent_texts()
    assert "will reply by" in handoff_reply  # when, computed from the team's hours
    async with handoff.sessions() as session:
        [escalation] = (await session.execute(select(Escalation))).scalars()
    agent = await make_staff(handoff, "a@tsuyu.example", teams=[escalation.team or ""])
    await handoff.claim(agent, escalation.id)

    harness.rasa["parse"] = parse_as("faq/shipping_time")
    answered_by_rasa = len(harness.rasa_calls)
    await harness.deliver(message_event("m_2", "how long does shipping take?"))
    await harness.worker.run_once()
    assert len(await harness.sent_texts()) == 1  # the bot said nothing: a person owns it
    assert len(harness.rasa_calls) == answered_by_rasa
    inbound = await harness.messages(Direction.INBOUND)
    assert inbound[-1].status == MessageStatus.FOR_AGENT
    assert inbound[-1].signals is not None  # still marked for the console

    await handoff.reply(
        agent, escalation.conversation_id, text="Hi, this is Aiko.", request_id="r-000001"
    )
    await handoff.reply(  # a double submit is one reply
        agent, escalation.conversation_id, text="Hi, this is Aiko.", request_id="r-000001"
    )
    await harness.worker.run_once()
    assert (await harness.sent_texts())[-1] == "Hi, this is Aiko."
    outbound = await harness.messages(Direction.OUTBOUND)
    assert [m.author for m in outbound] == ["bot", "human"]

    await handoff.resolve(agent, escalation.id)
    await harness.worker.run_once()
    assert "1 (not at all) to 5" in (await harness.sent_texts())[-1]
    question = (await harness.fake.get("/_fake/sent")).json()[-1]["message"]
    assert [q["title"] for q in question["quick_replies"]] == ["1", "2", "3", "4", "5"]
    async with handoff.sessions() as session:
        conversation = await session.get(Conversation, escalation.conversation_id)
        assert conversation is not None and conversation.status == ConversationStatus.BOT

    await harness.deliver(message_event("m_3", "4", quick_reply_payload="CSAT:4"))  # tapped
    await harness.worker.run_once()
    assert "Thank you for your rating" in (await harness.sent_texts())[-1]
    closed = await _escalation(handoff, escalation.id)
    assert closed.status == EscalationStatus.RESOLVED and closed.csat_score == 4
    assert closed.first_reply_at is not None and closed.closed_at is not None

    # The bot is back: the next question gets an answer from Rasa.
    await harness.deliver(message_event("m_4", "how long does shipping take?"))
    await harness.worker.run_once()
    assert len(harness.rasa_calls) == answered_by_rasa + 1
    assert (await harness.sent_texts())[-1].startswith("echo: how long")


async def test_replying_needs_the_conversation_claimed(handoff: HandoffService) -> None:
    escalation = await make_escalation(handoff, "8001")
    agent = await make_staff(handoff, "x@tsuyu.example", teams=["orders_shipping"])
    with pytest.raises(Conflict, match="claim"):
        await handoff.reply(agent, escalation.conversation_id, text="hi", request_id="r-000002")


async def test_a_critical_message_in_a_waiting_conversation_makes_it_critical(
    harness: Harness, handoff: HandoffService
) -> None:
    harness.rasa["parse"] = parse_as("human_handoff")
    await harness.deliver(message_event("m_1", "can I speak to someone please"))
    await harness.worker.run_once()
    async with handoff.sessions() as session:
        [before] = (await session.execute(select(Escalation))).scalars()
    assert before.urgency in ("normal", "low") and before.team == "orders_shipping"

    harness.rasa["parse"] = parse_as("complaint")
    await harness.deliver(message_event("m_2", "my daughter just swallowed some of the toner"))
    await harness.worker.run_once()
    replies = await harness.sent_texts()
    assert "119" in replies[-1]  # the safety holding reply, not "added to your conversation"
    after = await _escalation(handoff, before.id)
    assert after.urgency == "critical" and after.team == "product_safety"
    assert after.due_at is not None
    assert as_utc(after.due_at) - as_utc(after.created_at) < timedelta(minutes=16)
    assert len(after.reasons) == 2
    waiting, _ = await handoff.queue.waiting(["product_safety"])
    assert [item.id for item in waiting] == [before.id]
    assert (await handoff.queue.waiting(["orders_shipping"]))[1] == 0

    harness.rasa["parse"] = parse_as("human_handoff")
    await harness.deliver(message_event("m_3", "hello? anyone?"))
    await harness.worker.run_once()
    assert "added this to your conversation" in (await harness.sent_texts())[-1]
    async with handoff.sessions() as session:
        assert len((await session.execute(select(Escalation))).scalars().all()) == 1


async def test_a_person_whose_console_is_gone_is_set_offline_and_their_work_requeued(
    harness: Harness, handoff: HandoffService
) -> None:
    escalation = await make_escalation(handoff, "9901")
    gone = await make_staff(handoff, "gone@tsuyu.example", teams=["orders_shipping"])
    here = await make_staff(handoff, "here@tsuyu.example", teams=["orders_shipping"])
    await handoff.claim(gone, escalation.id)
    await mark_seen(harness.runtime.redis, here.id, absent_after_s=60)
    assert await sweep_absent(handoff) == [gone.id]
    assert (await _escalation(handoff, escalation.id)).status == EscalationStatus.WAITING
    async with handoff.sessions() as session:
        presences = {s.email: s.presence for s in (await session.execute(select(Staff))).scalars()}
    assert presences == {"gone@tsuyu.example": "offline", "here@tsuyu.example": "online"}
    assert await sweep_absent(handoff) == []


async def test_take_next_gives_the_most_urgent_of_the_persons_teams(
    handoff: HandoffService,
) -> None:
    await make_escalation(handoff, "9801", urgency="normal", urgency_reasons=())
    urgent = await make_escalation(handoff, "9802", urgency="high")
    other_team = await make_escalation(
        handoff, "9803", urgency="critical", urgency_reasons=("press",)
    )
    agent = await make_staff(handoff, "next@tsuyu.example", teams=["orders_shipping"], capacity=1)
    assert await handoff.claim_next(agent) == urgent.id  # press & PR's is not theirs
    with pytest.raises(CannotTakeMore):
        await handoff.claim_next(agent)
    assert (await _escalation(handoff, other_team.id)).status == EscalationStatus.WAITING


async def test_a_transfer_to_someone_offline_is_refused(handoff: HandoffService) -> None:
    escalation = await make_escalation(handoff, "9701")
    agent = await make_staff(handoff, "t1@tsuyu.example", teams=["orders_shipping"])
    offline = await make_staff(
        handoff, "t2@tsuyu.example", teams=["orders_shipping"], presence=Presence.OFFLINE
    )
    await handoff.claim(agent, escalation.id)
    with pytest.raises(Conflict, match="offline"):
        await handoff.transfer(agent, escalation.id, to_staff_id=offline.id)
    assert (await _escalation(handoff, escalation.id)).assignee_id == agent.id
