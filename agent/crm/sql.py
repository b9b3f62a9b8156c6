"""The CRM in the app's own database (tables of `agent.crm.models`).

Past conversations are the app's own `conversations` with any identity linked to the customer,
newest first. Their summary is the customer's first message, whitespace collapsed and cut to
80 characters: what staff need to tell one conversation from another at a glance. Messages the
customer unsent are never shown."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from agent.crm.base import BOT_AUTHOR, Crm
from agent.crm.errors import CrmUnavailable, CustomerNotFound, IdentityConflict, OrderNotFound
from agent.crm.models import CrmCustomer, CrmIdentity, CrmNote, CrmOrder
from agent.crm.policy import (
    cancellation_note,
    decide_cancellation,
    normalise_email,
    normalise_order_number,
)
from agent.crm.types import (
    CancellationOutcome,
    CancellationResult,
    Carrier,
    Customer,
    Identity,
    Note,
    Order,
    OrderLine,
    OrderStatus,
    PastConversation,
    Profile,
    Tier,
)
from agent.records.models import (
    Conversation,
    Direction,
    Message,
    MessageStatus,
    as_utc,
    utcnow,
)

SUMMARY_CHARS = 80
PAST_CONVERSATIONS_SHOWN = 20


class SqlCrm(Crm):
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    @asynccontextmanager
    async def _session(self) -> AsyncIterator[AsyncSession]:
        try:
            async with self._sessions() as session:
                yield session
        except OperationalError as exc:
            raise CrmUnavailable(f"CRM database unavailable: {exc.orig!r}") from exc

    async def find_by_identity(self, channel: str, external_id: str) -> Customer | None:
        query = (
            select(CrmCustomer)
            .join(CrmIdentity, CrmIdentity.customer_id == CrmCustomer.id)
            .where(CrmIdentity.channel == channel, CrmIdentity.external_id == external_id)
        )
        async with self._session() as session:
            row = (await session.execute(query)).scalar_one_or_none()
        return customer_of(row) if row else None

    async def find_by_email(self, email: str) -> Customer | None:
        query = select(CrmCustomer).where(CrmCustomer.email == normalise_email(email))
        async with self._session() as session:
            row = (await session.execute(query)).scalar_one_or_none()
        return customer_of(row) if row else None

    async def find_order(self, number: str) -> Order | None:
        query = select(CrmOrder).where(CrmOrder.number == normalise_order_number(number))
        async with self._session() as session:
            row = (await session.execute(query)).scalar_one_or_none()
        return order_of(row) if row else None

    async def profile(self, customer_id: str) -> Profile:
        async with self._session() as session:
            customer = await _customer_row(session, customer_id=customer_id)
            identities = tuple(
                Identity(channel=row.channel, external_id=row.external_id)
                for row in await _rows(
                    session,
                    select(CrmIdentity)
                    .where(CrmIdentity.customer_id == customer_id)
                    .order_by(CrmIdentity.id),
                )
            )
            orders = await _rows(
                session,
                select(CrmOrder)
                .where(CrmOrder.customer_id == customer_id)
                .order_by(CrmOrder.placed_at.desc(), CrmOrder.id.desc()),
            )
            notes = await _rows(
                session,
                select(CrmNote)
                .where(CrmNote.customer_id == customer_id)
                .order_by(CrmNote.created_at.desc(), CrmNote.id.desc()),
            )
            past = await _past_conversations(session, identities=identities)
        return Profile(
            customer=customer_of(customer),
            identities=identities,
            orders=tuple(order_of(row) for row in orders),
            notes=tuple(note_of(row) for row in notes),
            past_conversations=past,
        )

    async def link_identity(self, customer_id: str, identity: Identity) -> None:
        query = select(CrmIdentity.customer_id).where(
            CrmIdentity.channel == identity.channel,
            CrmIdentity.external_id == identity.external_id,
        )
        async with self._session() as session:
            await _customer_row(session, customer_id=customer_id)
            owner = (await session.execute(query)).scalar_one_or_none()
            if owner is None:
                try:
                    # A savepoint: the same identity may be linked concurrently (two staff).
                    async with session.begin_nested():
                        session.add(
                            CrmIdentity(
                                customer_id=customer_id,
                                channel=identity.channel,
                                external_id=identity.external_id,
                            )
                        )
                    await session.commit()
                    return
                except IntegrityError:
                    owner = (await session.execute(query)).scalar_one()
        if owner != customer_id:
            raise IdentityConflict(
                channel=identity.channel, external_id=identity.external_id, linked_to=owner
            )

    async def add_note(self, customer_id: str, *, author: str, text: str) -> Note:
        async with self._session() as session:
            await _customer_row(session, customer_id=customer_id)
            row = CrmNote(customer_id=customer_id, author=author, text=text, created_at=utcnow())
            session.add(row)
            await session.commit()
        return note_of(row)

    async def request_cancellation(self, order_number: str, *, reason: str) -> CancellationResult:
        number = normalise_order_number(order_number)
        # FOR UPDATE on PostgreSQL: two requests for one order never both leave a note.
        query = select(CrmOrder).where(CrmOrder.number == number).with_for_update()
        async with self._session() as session:
            row = (await session.execute(query)).scalar_one_or_none()
            if row is None:
                raise OrderNotFound(number)
            order = order_of(row)
            result = decide_cancellation(order)
            note = cancellation_note(order, result, reason)
            if result.outcome in (CancellationOutcome.CANCELLED, CancellationOutcome.REQUESTED):
                row.status = result.status
                if row.cancellation_requested_at is None:
                    row.cancellation_requested_at = utcnow()
                    row.cancellation_reason = reason
            if note is not None:
                session.add(CrmNote(customer_id=row.customer_id, author=BOT_AUTHOR, text=note))
            await session.commit()
        return result


async def _customer_row(session: AsyncSession, *, customer_id: str) -> CrmCustomer:
    row = await session.get(CrmCustomer, customer_id)
    if row is None:
        raise CustomerNotFound(customer_id)
    return row


async def _rows(session: AsyncSession, query: Any) -> Sequence[Any]:
    return (await session.execute(query)).scalars().all()


async def _past_conversations(
    session: AsyncSession, *, identities: Sequence[Identity]
) -> tuple[PastConversation, ...]:
    if not identities:
        return ()
    first_message = (
        select(Message.conversation_id, func.min(Message.id).label("message_id"))
        .where(
            Message.direction == Direction.INBOUND,
            Message.status != MessageStatus.DELETED,
            Message.text != "",
        )
        .group_by(Message.conversation_id)
        .subquery()
    )
    query = (
        select(Conversation.channel, Conversation.created_at, Message.text)
        .outerjoin(first_message, first_message.c.conversation_id == Conversation.id)
        .outerjoin(Message, Message.id == first_message.c.message_id)
        .where(
            or_(
                *(
                    and_(
                        Conversation.channel == identity.channel,
                        Conversation.customer_id == identity.external_id,
                    )
                    for identity in identities
                )
            )
        )
        .order_by(Conversation.created_at.desc(), Conversation.id.desc())
        .limit(PAST_CONVERSATIONS_SHOWN)
    )
    return tuple(
        PastConversation(channel=channel, started_at=as_utc(created_at), summary=summarise(text))
        for channel, created_at, text in (await session.execute(query)).all()
    )


def summarise(text: str | None) -> str:
    """The first customer message on one line, at most SUMMARY_CHARS characters."""
    line = " ".join((text or "").split())
    if not line:
        return "(no text)"
    if len(line) <= SUMMARY_CHARS:
        return line
    return line[: SUMMARY_CHARS - 1].rstrip() + "…"


def customer_of(row: CrmCustomer) -> Customer:
    return Customer(
        id=row.id,
        name=row.name,
        email=row.email,
        tier=Tier(row.tier),
        postcode=row.postcode,
        language=row.language,
    )


def order_of(row: CrmOrder) -> Order:
    return Order(
        number=row.number,
        customer_id=row.customer_id,
        status=OrderStatus(row.status),
        placed_at=as_utc(row.placed_at),
        total_jpy=row.total_jpy,
        lines=tuple(
            OrderLine(sku=line["sku"], name=line["name"], quantity=int(line["quantity"]))
            for line in row.lines
        ),
        carrier=Carrier(row.carrier) if row.carrier else None,
        tracking_number=row.tracking_number,
        postcode=row.postcode,
        email=row.email,
        cancellation_requested_at=(
            as_utc(row.cancellation_requested_at) if row.cancellation_requested_at else None
        ),
    )


def note_of(row: CrmNote) -> Note:
    return Note(author=row.author, text=row.text, created_at=as_utc(row.created_at))
