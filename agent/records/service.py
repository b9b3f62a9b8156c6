"""Service functions over the conversation record. Keyword-only, each takes a session."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from agent.records.models import (
    Conversation,
    Direction,
    Escalation,
    EscalationStatus,
    Message,
    MessageStatus,
    SkippedWebhookItem,
    as_utc,
    utcnow,
)
from agent.signals.types import TurnRecord
from agent.window.rules import Author
from connectors.events import InboundEvent, SkippedEvent, UnsendEvent


async def get_or_create_conversation(
    session: AsyncSession, *, channel: str, account_id: str, customer_id: str
) -> Conversation:
    query = select(Conversation).where(
        Conversation.channel == channel,
        Conversation.account_id == account_id,
        Conversation.customer_id == customer_id,
    )
    found = (await session.execute(query)).scalar_one_or_none()
    if found is not None:
        return found
    try:
        # A savepoint: another app replica may create the same conversation at the same time.
        async with session.begin_nested():
            conversation = Conversation(
                channel=channel, account_id=account_id, customer_id=customer_id
            )
            session.add(conversation)
        return conversation
    except IntegrityError:
        return (await session.execute(query)).scalar_one()


async def find_inbound(
    session: AsyncSession, *, event: InboundEvent | UnsendEvent
) -> Message | None:
    """The customer message with this platform id, if it was recorded."""
    query = select(Message).where(
        Message.channel == event.channel,
        Message.account_id == event.account_id,
        Message.platform_message_id == event.platform_message_id,
        Message.direction == Direction.INBOUND,
    )
    return (await session.execute(query)).scalar_one_or_none()


async def record_inbound(session: AsyncSession, *, event: InboundEvent) -> tuple[Message, bool]:
    """Persist a customer message. Returns it and whether it is new (False: already recorded)."""
    existing = await find_inbound(session, event=event)
    if existing is not None:
        return existing, False
    conversation = await get_or_create_conversation(
        session,
        channel=event.channel,
        account_id=event.account_id,
        customer_id=event.customer_id,
    )
    sent_at = datetime.fromtimestamp(event.timestamp_ms / 1000, tz=UTC)
    if (
        conversation.last_customer_message_at is None
        or as_utc(conversation.last_customer_message_at) < sent_at
    ):
        conversation.last_customer_message_at = sent_at
    message = Message(
        conversation_id=conversation.id,
        channel=event.channel,
        account_id=event.account_id,
        direction=Direction.INBOUND,
        status=MessageStatus.RECEIVED,
        kind=event.kind,
        text=event.text,
        payload=event.payload,
        platform_message_id=event.platform_message_id,
        platform_timestamp_ms=event.timestamp_ms,
        story_reply=event.story_reply,
    )
    try:
        async with session.begin_nested():
            session.add(message)
    except IntegrityError:
        # The same delivery raced in through another app replica.
        existing = await find_inbound(session, event=event)
        if existing is None:
            raise
        return existing, False
    return message, True


async def mark_unsent(session: AsyncSession, *, event: UnsendEvent) -> bool:
    """The customer deleted a message: keep the record, and never answer it if not yet answered.
    False when the message is unknown (never received)."""
    message = await find_inbound(session, event=event)
    if message is None:
        return False
    message.deleted_at = message.deleted_at or utcnow()
    if message.status == MessageStatus.RECEIVED:
        message.status = MessageStatus.DELETED
    return True


async def record_skipped(
    session: AsyncSession, *, channel: str, items: Sequence[SkippedEvent]
) -> None:
    for item in items:
        raw = json.dumps(item.raw, ensure_ascii=False, default=str)[:10_000]
        session.add(
            SkippedWebhookItem(channel=channel, kind=item.kind, reason=item.reason, raw=raw)
        )


async def earliest_unanswered_before(session: AsyncSession, *, message: Message) -> Message | None:
    """The first customer message of the same conversation that was written before `message`
    and still waits for its turn, if any.

    Earlier by the platform's timestamp, then by arrival: after an outage Meta may deliver a
    backlog out of order ("use the webhook timestamp"), and the customer's questions are
    answered in the order they were asked. A message stored after a later one was answered
    cannot go back in time; it is answered next."""
    arrived_before = Message.id < message.id
    stamp = message.platform_timestamp_ms
    if stamp is None:
        earlier = arrived_before
    else:
        earlier = or_(
            Message.platform_timestamp_ms < stamp,
            and_(Message.platform_timestamp_ms == stamp, arrived_before),
            and_(Message.platform_timestamp_ms.is_(None), arrived_before),
        )
    query = select(Message).where(
        Message.conversation_id == message.conversation_id,
        Message.direction == Direction.INBOUND,
        Message.status == MessageStatus.RECEIVED,
        Message.id != message.id,
        earlier,
    )
    waiting = list((await session.execute(query)).scalars())
    if not waiting:
        return None
    return min(
        waiting,
        key=lambda m: (m.platform_timestamp_ms is None, m.platform_timestamp_ms or 0, m.id),
    )


async def add_replies(
    session: AsyncSession, *, inbound: Message, texts: Sequence[str], language: str
) -> None:
    """Put the bot's replies in the outbox and mark the customer message answered, atomically."""
    for n, text in enumerate(texts):
        session.add(
            Message(
                conversation_id=inbound.conversation_id,
                channel=inbound.channel,
                account_id=inbound.account_id,
                direction=Direction.OUTBOUND,
                author=Author.BOT,
                status=MessageStatus.PENDING,
                text=text,
                language=language,
                idempotency_key=f"{inbound.id}:{n}",
                reply_to_id=inbound.id,
            )
        )
    inbound.status = MessageStatus.ANSWERED


async def pending_outbound(session: AsyncSession, *, conversation_id: int) -> list[Message]:
    query = (
        select(Message)
        .where(
            Message.conversation_id == conversation_id,
            Message.direction == Direction.OUTBOUND,
            Message.status == MessageStatus.PENDING,
        )
        .order_by(Message.id)
    )
    return list((await session.execute(query)).scalars())


async def mark_sent(session: AsyncSession, *, message: Message, platform_message_id: str) -> None:
    message.status = MessageStatus.SENT
    message.platform_message_id = platform_message_id
    message.sent_at = utcnow()
    message.attempts += 1


async def mark_failed(
    session: AsyncSession,
    *,
    message: Message,
    error: str,
    status: MessageStatus = MessageStatus.FAILED,
) -> None:
    message.status = status
    message.error = error
    message.attempts += 1


async def stranded_inbound(session: AsyncSession, *, older_than: datetime) -> list[Message]:
    """Customer messages unanswered since before `older_than` (their queue entry may be lost)."""
    query = (
        select(Message)
        .where(
            Message.direction == Direction.INBOUND,
            Message.status == MessageStatus.RECEIVED,
            Message.created_at < older_than,
        )
        .order_by(Message.id)
    )
    return list((await session.execute(query)).scalars())


async def conversations_with_pending_outbound(session: AsyncSession) -> list[int]:
    query = (
        select(Message.conversation_id)
        .where(Message.direction == Direction.OUTBOUND, Message.status == MessageStatus.PENDING)
        .distinct()
    )
    return list((await session.execute(query)).scalars())


async def recent_turns(
    session: AsyncSession, *, conversation_id: int, before_id: int, limit: int
) -> list[TurnRecord]:
    """The conversation's last `limit` judged customer messages before `before_id`, oldest first."""
    query = (
        select(Message.sentiment_score, Message.fallback)
        .where(
            Message.conversation_id == conversation_id,
            Message.direction == Direction.INBOUND,
            Message.id < before_id,
            Message.sentiment_score.is_not(None),
        )
        .order_by(Message.id.desc())
        .limit(limit)
    )
    rows = (await session.execute(query)).all()
    return [
        TurnRecord(sentiment_score=float(s or 0.0), fallback=bool(f)) for s, f in reversed(rows)
    ]


async def open_escalation(session: AsyncSession, *, conversation_id: int) -> Escalation | None:
    query = select(Escalation).where(
        Escalation.conversation_id == conversation_id,
        Escalation.status.in_((EscalationStatus.WAITING, EscalationStatus.ASSIGNED)),
    )
    return (await session.execute(query.limit(1))).scalar_one_or_none()
