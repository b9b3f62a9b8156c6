"""Writing conversations, messages and escalations straight to SQL, as the worker and the
console would have, for the insight tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import count

from sqlalchemy.ext.asyncio import AsyncSession

from agent.handoff import models as _staff  # noqa: F401  (the staff table escalations refer to)
from agent.records.models import (
    Conversation,
    Direction,
    Escalation,
    EscalationStatus,
    Message,
    MessageStatus,
)

_ids = count(1)


@dataclass
class Seeder:
    session: AsyncSession

    async def conversation(
        self, customer_id: str, *, channel: str = "messenger", language: str = "en"
    ) -> Conversation:
        conversation = Conversation(
            channel=channel, account_id="acct", customer_id=customer_id, language=language
        )
        self.session.add(conversation)
        await self.session.flush()
        return conversation

    async def message(
        self,
        conversation: Conversation,
        at: datetime,
        text: str = "hello",
        *,
        topic: str | None = "greet",
        language: str = "en",
        urgency: str = "normal",
        score: float = 0.0,
        label: str = "neutral",
        fallback: bool = False,
        reasons: tuple[str, ...] = (),
        reply_after: timedelta | None = timedelta(seconds=1),
    ) -> Message:
        """An inbound message with its stored signals, and the bot's reply unless None."""
        message = Message(
            conversation_id=conversation.id,
            channel=conversation.channel,
            account_id=conversation.account_id,
            direction=Direction.INBOUND,
            status=MessageStatus.ANSWERED,
            text=text,
            language=language,
            platform_message_id=f"mid.{next(_ids)}",
            created_at=at,
            signals={
                "language": language,
                "sentiment": {"label": label, "score": score},
                "urgency": {
                    "level": urgency,
                    "score": 0.5,
                    "reasons": [],
                    "reason_keys": list(reasons),
                },
            },
            urgency=urgency,
            sentiment_score=score,
            fallback=fallback,
            topic=topic,
        )
        self.session.add(message)
        await self.session.flush()
        if reply_after is not None:
            self.session.add(
                Message(
                    conversation_id=conversation.id,
                    channel=conversation.channel,
                    account_id=conversation.account_id,
                    direction=Direction.OUTBOUND,
                    author="bot",
                    status=MessageStatus.SENT,
                    text="reply",
                    reply_to_id=message.id,
                    idempotency_key=f"{message.id}:0",
                    created_at=at,
                    sent_at=at + reply_after,
                )
            )
        return message

    async def escalation(
        self,
        conversation: Conversation,
        message: Message,
        at: datetime,
        *,
        urgency: str = "high",
        tier: str | None = None,
        due: timedelta = timedelta(hours=1),
        replied: timedelta | None = None,
        closed: timedelta | None = None,
        status: EscalationStatus = EscalationStatus.RESOLVED,
        csat: int | None = None,
        reasons: tuple[str, ...] = ("asked_for_person",),
        team: str = "orders_shipping",
    ) -> Escalation:
        escalation = Escalation(
            conversation_id=conversation.id,
            message_id=message.id,
            reasons=list(reasons),
            reason_keys=list(reasons),
            urgency=urgency,
            sentiment="neutral",
            status=status,
            created_at=at,
            team=team,
            tier=tier,
            due_at=at + due,
            first_reply_at=at + replied if replied is not None else None,
            closed_at=at + closed if closed is not None else None,
            csat_score=csat,
        )
        self.session.add(escalation)
        await self.session.flush()
        return escalation
