"""Factories for handoff tests: staff members and escalations written straight to the record."""

from __future__ import annotations

from datetime import timedelta

from agent.handoff.models import Presence, Role, Staff
from agent.handoff.service import HandoffService, plan
from agent.handoff.staff import add_staff
from agent.records.models import (
    Conversation,
    ConversationStatus,
    Direction,
    Escalation,
    Message,
    MessageStatus,
    utcnow,
)

PASSWORD = "correct horse battery"


async def make_staff(
    service: HandoffService,
    email: str,
    *,
    teams: list[str],
    role: Role = Role.AGENT,
    capacity: int = 5,
    presence: Presence = Presence.ONLINE,
) -> Staff:
    async with service.sessions() as session:
        staff = await add_staff(
            session,
            email=email,
            name=email.split("@", maxsplit=1)[0],
            password=PASSWORD,
            role=role,
            teams=teams,
            capacity=capacity,
        )
        staff.presence = presence
        await session.commit()
        return staff


async def make_escalation(
    service: HandoffService,
    customer_id: str,
    *,
    urgency: str = "high",
    urgency_reasons: tuple[str, ...] = ("damaged_goods",),
    intent: str | None = None,
    tier: str | None = None,
    text: str = "the bottle arrived broken",
    age: timedelta = timedelta(0),
) -> Escalation:
    """A customer message escalated as the worker would, indexed in the queue."""
    now = utcnow() - age
    async with service.sessions() as session:
        conversation = Conversation(
            channel="messenger",
            account_id="111222333444555",
            customer_id=customer_id,
            status=ConversationStatus.NEEDS_HUMAN,
            language="en",
            last_customer_message_at=now,
        )
        session.add(conversation)
        await session.flush()
        message = Message(
            conversation_id=conversation.id,
            channel="messenger",
            account_id="111222333444555",
            direction=Direction.INBOUND,
            status=MessageStatus.ANSWERED,
            text=text,
            platform_message_id=f"m_{customer_id}",
            urgency=urgency,
        )
        session.add(message)
        await session.flush()
        escalation = Escalation(
            conversation_id=conversation.id,
            message_id=message.id,
            reasons=[f"{urgency} urgency: {', '.join(urgency_reasons)}"],
            reason_keys=["high_urgency_negative"],
            urgency=urgency,
            sentiment="negative",
            created_at=now,
        )
        plan(
            escalation,
            config=service.config,
            urgency_reasons=list(urgency_reasons),
            intent=intent,
            tier=tier,
            now=now,
        )
        session.add(escalation)
        await session.commit()
    await service.index(escalation.id)
    return escalation
