"""The escalation queue's operations: SQL first (the durable record), then the Redis index,
then a live event for open consoles. Each operation checks who may do it."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from redis.asyncio import Redis
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from agent.errors import CannotTakeMore, Conflict, NotAllowed, NotFound
from agent.handoff.config import HandoffConfig
from agent.handoff.csat import score_options
from agent.handoff.events import ConsoleEvent, publish
from agent.handoff.models import EscalationEvent, EventKind, Presence, Staff
from agent.handoff.queue import ClaimResult, EscalationQueue, QueueItem
from agent.handoff.routing import due_at, queue_rank, route
from agent.inbox.queue import InboundQueue
from agent.nlg.responses import Responses
from agent.records.models import (
    Conversation,
    ConversationStatus,
    Direction,
    Escalation,
    EscalationStatus,
    Message,
    MessageStatus,
    as_utc,
    utcnow,
)
from agent.window.rules import Author

log = logging.getLogger(__name__)

CSAT_QUESTION = "utter_csat_question"
OPEN = (EscalationStatus.WAITING, EscalationStatus.ASSIGNED)


def plan(
    escalation: Escalation,
    *,
    config: HandoffConfig,
    urgency_reasons: list[str],
    intent: str | None,
    tier: str | None,
    now: datetime,
) -> None:
    """Give a new escalation its team, its due reply time and the CRM tier it counts."""
    team = route(config, urgency_reasons=urgency_reasons, intent=intent)
    escalation.team = team.key
    escalation.intent = intent
    escalation.tier = tier
    # Stored in UTC: SQLite keeps the wall time and drops the offset.
    escalation.due_at = due_at(config, team, urgency=escalation.urgency, since=now).astimezone(UTC)


URGENCY_ORDER = ("low", "normal", "high", "critical")


def raise_urgency(
    escalation: Escalation,
    *,
    config: HandoffConfig,
    urgency: str,
    reasons: list[str],
    reason_keys: list[str],
    urgency_reasons: list[str],
    now: datetime,
) -> bool:
    """A later message of a conversation already waiting for a person is more urgent (asked for
    a person, then a child swallowed the product): the escalation takes the higher urgency, its
    reasons, an earlier due time and, if nobody has it yet, the team for the new reason.
    Returns whether anything changed."""
    if URGENCY_ORDER.index(urgency) <= URGENCY_ORDER.index(escalation.urgency):
        return False
    escalation.urgency = urgency
    escalation.reasons = [*escalation.reasons, *(r for r in reasons if r not in escalation.reasons)]
    escalation.reason_keys = [
        *escalation.reason_keys,
        *(k for k in reason_keys if k not in escalation.reason_keys),
    ]
    team = config.team(escalation.team)
    if escalation.status == EscalationStatus.WAITING:
        team = route(config, urgency_reasons=urgency_reasons, intent=escalation.intent)
        escalation.team = team.key
    due = due_at(config, team, urgency=urgency, since=now).astimezone(UTC)
    if escalation.due_at is None or due < as_utc(escalation.due_at):
        escalation.due_at = due
    return True


def queue_item(
    escalation: Escalation, conversation: Conversation, config: HandoffConfig
) -> QueueItem:
    due = as_utc(escalation.due_at) if escalation.due_at else as_utc(escalation.created_at)
    return QueueItem(
        id=escalation.id,
        conversation_id=conversation.id,
        team=escalation.team or config.default_team,
        rank=queue_rank(config, due=due, tier=escalation.tier),
        status=escalation.status,
        assignee_id=escalation.assignee_id,
        fields={
            "channel": conversation.channel,
            "customer_id": conversation.customer_id,
            "language": conversation.language,
            "urgency": escalation.urgency,
            "sentiment": escalation.sentiment,
            "reasons": list(escalation.reasons),
            "tier": escalation.tier,
            "intent": escalation.intent,
            "created_at": as_utc(escalation.created_at).isoformat(),
            "due_at": due.isoformat(),
        },
    )


@dataclass
class HandoffService:
    sessions: async_sessionmaker[AsyncSession]
    redis: Redis
    queue: EscalationQueue
    inbound: InboundQueue
    config: HandoffConfig
    responses: Responses

    # --- the worker's side -------------------------------------------------------------------

    async def index(self, escalation_id: int) -> None:
        """Put a committed escalation in the working index and tell the consoles."""
        async with self.sessions() as session:
            escalation, conversation = await self._load(session, escalation_id)
        await self.queue.add(queue_item(escalation, conversation, self.config))
        await self._tell(ConsoleEvent.ESCALATED, conversation.id, escalation.id, escalation.team)

    async def reindex(self, escalation_id: int, *, previous_team: str | None) -> None:
        """An escalation whose team, urgency or due time changed: its place in the index."""
        async with self.sessions() as session:
            escalation, conversation = await self._load(session, escalation_id)
        await self.queue.remove(
            escalation_id, team=previous_team or self.config.default_team, staff_id=None
        )
        await self.queue.add(queue_item(escalation, conversation, self.config))
        await self._tell(ConsoleEvent.ESCALATED, conversation.id, escalation.id, escalation.team)

    async def rebuild(self) -> int:
        """Recreate the Redis index from SQL (start-up; after a Redis loss). Returns how many."""
        async with self.sessions() as session:
            rows = (
                await session.execute(
                    select(Escalation, Conversation)
                    .join(Conversation, Conversation.id == Escalation.conversation_id)
                    .where(Escalation.status.in_(OPEN))
                )
            ).all()
        await self.queue.clear()
        await self.queue.add_many([queue_item(e, c, self.config) for e, c in rows])
        return len(rows)

    # --- people ------------------------------------------------------------------------------

    async def set_presence(self, staff_id: int, presence: Presence) -> list[int]:
        """Online, away or offline. Going offline puts what the person owned back in the queue;
        returns those escalation ids."""
        async with self.sessions() as session:
            staff = await session.get(Staff, staff_id)
            if staff is None:
                raise NotFound(f"no staff member {staff_id}")
            staff.presence = presence
            released: list[Escalation] = []
            if presence is Presence.OFFLINE:
                query = select(Escalation).where(
                    Escalation.assignee_id == staff_id,
                    Escalation.status == EscalationStatus.ASSIGNED,
                )
                for escalation in (await session.execute(query)).scalars():
                    escalation.status = EscalationStatus.WAITING
                    escalation.assignee_id = None
                    escalation.assigned_at = None
                    session.add(
                        EscalationEvent(
                            escalation_id=escalation.id,
                            kind=EventKind.RELEASED,
                            actor_id=staff_id,
                            detail={"why": "went offline"},
                        )
                    )
                    released.append(escalation)
            await session.commit()
        for escalation in released:
            item = await self._item(escalation.id)
            await self.queue.release(
                escalation.id, team=item.team, staff_id=staff_id, rank=item.rank
            )
            await self._tell(
                ConsoleEvent.RELEASED, escalation.conversation_id, escalation.id, escalation.team
            )
        return [escalation.id for escalation in released]

    # --- claiming ----------------------------------------------------------------------------

    async def claim(self, staff: Staff, escalation_id: int) -> None:
        """Take a waiting escalation. Of many people claiming it at once, exactly one gets it;
        the others get Conflict."""
        if staff.presence != Presence.ONLINE:
            raise CannotTakeMore("set yourself online to take conversations")
        async with self.sessions() as session:
            escalation, _ = await self._load(session, escalation_id)
        if not staff.sees_team(escalation.team):
            raise NotAllowed("this conversation belongs to another team")
        result = await self.queue.claim(
            escalation_id,
            team=escalation.team or self.config.default_team,
            staff_id=staff.id,
            capacity=staff.capacity,
        )
        if result is ClaimResult.FULL:
            raise CannotTakeMore(f"you already have {staff.capacity} open conversations")
        if result is ClaimResult.TAKEN:
            raise Conflict("someone else has taken this conversation")
        now = utcnow()
        async with self.sessions() as session:
            # The index said yes; the record must agree (it is the truth after a Redis loss).
            changed = await session.execute(
                update(Escalation)
                .where(
                    Escalation.id == escalation_id, Escalation.status == EscalationStatus.WAITING
                )
                .values(status=EscalationStatus.ASSIGNED, assignee_id=staff.id, assigned_at=now)
            )
            if changed.rowcount != 1:  # type: ignore[attr-defined]
                await session.rollback()
                await self.rebuild()
                raise Conflict("this conversation is no longer waiting")
            session.add(
                EscalationEvent(
                    escalation_id=escalation_id, kind=EventKind.CLAIMED, actor_id=staff.id
                )
            )
            await session.commit()
        await self._tell(
            ConsoleEvent.CLAIMED, escalation.conversation_id, escalation_id, escalation.team
        )

    async def claim_next(self, staff: Staff) -> int | None:
        """The first waiting escalation of the person's teams that they can get, or None."""
        teams = self.config.team_keys() if staff.sees_team(None) else list(staff.teams)
        for _ in range(20):  # others may take the head between our look and our claim
            items, _total = await self.queue.waiting(teams, limit=1)
            if not items:
                return None
            try:
                await self.claim(staff, items[0].id)
            except CannotTakeMore:
                raise
            except Conflict:
                continue
            return items[0].id
        return None

    # --- moving and closing ------------------------------------------------------------------

    async def transfer(
        self,
        staff: Staff,
        escalation_id: int,
        *,
        to_team: str | None = None,
        to_staff_id: int | None = None,
    ) -> None:
        """To another team (back in the queue, in that team) or straight to another person.
        The conversation's messages, notes and history stay with it."""
        if to_team is not None and to_team not in self.config.team_keys():
            raise NotFound(f"no team {to_team!r}")
        async with self.sessions() as session:
            escalation, conversation = await self._load(session, escalation_id)
            self._may_handle(staff, escalation)
            if escalation.status not in OPEN:
                raise Conflict("this conversation is closed")
            from_team = escalation.team or self.config.default_team
            from_staff = escalation.assignee_id
            target: Staff | None = None
            if to_staff_id is not None:
                target = await session.get(Staff, to_staff_id)
                if target is None:
                    raise NotFound(f"no staff member {to_staff_id}")
                if target.presence == Presence.OFFLINE:
                    raise Conflict(f"{target.name} is offline")
                to_team = to_team or (
                    from_team if target.sees_team(from_team) else (target.teams or [from_team])[0]
                )
            team = to_team or from_team
            escalation.team = team
            if target is not None:
                escalation.status = EscalationStatus.ASSIGNED
                escalation.assignee_id = target.id
                escalation.assigned_at = utcnow()
            else:
                escalation.status = EscalationStatus.WAITING
                escalation.assignee_id = None
                escalation.assigned_at = None
            session.add(
                EscalationEvent(
                    escalation_id=escalation_id,
                    kind=EventKind.TRANSFERRED,
                    actor_id=staff.id,
                    detail={
                        "from_team": from_team,
                        "to_team": team,
                        "from_staff": from_staff,
                        "to_staff": to_staff_id,
                    },
                )
            )
            await session.commit()
            item = queue_item(escalation, conversation, self.config)
        # The index follows the record: simplest is to drop and re-add this one escalation.
        await self.queue.remove(escalation_id, team=from_team, staff_id=from_staff)
        await self.queue.add(item)
        await self._tell(ConsoleEvent.TRANSFERRED, conversation.id, escalation_id, team)

    async def resolve(self, staff: Staff, escalation_id: int) -> None:
        """Done: the bot takes the conversation back and asks the customer for a 1-5 score."""
        await self._close(staff, escalation_id, EscalationStatus.RESOLVED, ask_csat=True)

    async def return_to_bot(self, staff: Staff, escalation_id: int) -> None:
        """Nothing for a person to do (e.g. the bot can answer): back to the bot, no survey."""
        await self._close(staff, escalation_id, EscalationStatus.RETURNED, ask_csat=False)

    async def _close(
        self, staff: Staff, escalation_id: int, status: EscalationStatus, *, ask_csat: bool
    ) -> None:
        question: Message | None = None
        async with self.sessions() as session:
            escalation, conversation = await self._load(session, escalation_id)
            self._may_handle(staff, escalation)
            if escalation.status not in OPEN:
                raise Conflict("this conversation is already closed")
            escalation.status = status
            escalation.closed_at = utcnow()
            conversation.status = ConversationStatus.BOT
            session.add(
                EscalationEvent(
                    escalation_id=escalation_id,
                    kind=EventKind.RESOLVED if ask_csat else EventKind.RETURNED,
                    actor_id=staff.id,
                )
            )
            if ask_csat:
                text = self.responses.render(CSAT_QUESTION, conversation.language or "en")
                if text:
                    question = _outbound(
                        conversation, text, Author.BOT, key=f"csat:{escalation_id}"
                    )
                    question.quick_replies = [
                        {"title": title, "payload": payload} for title, payload in score_options()
                    ]
                    session.add(question)
                    conversation.csat_escalation_id = escalation_id
            await session.commit()
            team, owner = escalation.team or self.config.default_team, escalation.assignee_id
        await self.queue.remove(escalation_id, team=team, staff_id=owner)
        if question is not None:
            await self.inbound.append(message_id=question.id, conversation_id=conversation.id)
        await self._tell(ConsoleEvent.CLOSED, conversation.id, escalation_id, team)

    # --- replying ----------------------------------------------------------------------------

    async def reply(
        self, staff: Staff, conversation_id: int, *, text: str, request_id: str
    ) -> Message:
        """A person's reply, through the outbox: the worker sends it (with retries) under the
        messaging window's rules for people. `request_id` makes a double submit harmless."""
        text = text.strip()
        if not text:
            raise Conflict("the reply is empty")
        async with self.sessions() as session:
            conversation = await session.get(Conversation, conversation_id)
            if conversation is None:
                raise NotFound(f"no conversation {conversation_id}")
            escalation = await self.open_escalation(session, conversation_id)
            if escalation is None or escalation.assignee_id != staff.id:
                raise Conflict("claim the conversation before replying")
            key = f"h:{staff.id}:{request_id}"[:64]
            existing = (
                await session.execute(select(Message).where(Message.idempotency_key == key))
            ).scalar_one_or_none()
            if existing is not None:
                return existing
            message = _outbound(conversation, text, Author.HUMAN, key=key)
            session.add(message)
            if escalation.first_reply_at is None:
                escalation.first_reply_at = utcnow()
            session.add(
                EscalationEvent(
                    escalation_id=escalation.id, kind=EventKind.REPLIED, actor_id=staff.id
                )
            )
            await session.commit()
        await self.inbound.append(message_id=message.id, conversation_id=conversation_id)
        await self._tell(ConsoleEvent.REPLY_SENT, conversation_id, escalation.id, escalation.team)
        return message

    # --- reading -----------------------------------------------------------------------------

    async def open_escalation(
        self, session: AsyncSession, conversation_id: int
    ) -> Escalation | None:
        query = (
            select(Escalation)
            .where(Escalation.conversation_id == conversation_id, Escalation.status.in_(OPEN))
            .order_by(Escalation.id.desc())
            .limit(1)
        )
        return (await session.execute(query)).scalar_one_or_none()

    async def _load(
        self, session: AsyncSession, escalation_id: int
    ) -> tuple[Escalation, Conversation]:
        escalation = await session.get(Escalation, escalation_id)
        if escalation is None:
            raise NotFound(f"no escalation {escalation_id}")
        conversation = await session.get(Conversation, escalation.conversation_id)
        assert conversation is not None
        return escalation, conversation

    async def _item(self, escalation_id: int) -> QueueItem:
        async with self.sessions() as session:
            escalation, conversation = await self._load(session, escalation_id)
        return queue_item(escalation, conversation, self.config)

    async def _tell(
        self, kind: ConsoleEvent, conversation_id: int, escalation_id: int, team: str | None
    ) -> None:
        await publish(
            self.redis,
            kind,
            conversation_id=conversation_id,
            escalation_id=escalation_id,
            team=team,
        )

    def _may_handle(self, staff: Staff, escalation: Escalation) -> None:
        """The owner, a lead or an admin; for a waiting one, anyone of its team."""
        if staff.sees_team(None):
            return
        if escalation.assignee_id == staff.id:
            return
        if escalation.status == EscalationStatus.WAITING and staff.sees_team(escalation.team):
            return
        raise NotAllowed("this conversation is someone else's")


def _outbound(conversation: Conversation, text: str, author: Author, *, key: str) -> Message:
    return Message(
        conversation_id=conversation.id,
        channel=conversation.channel,
        account_id=conversation.account_id,
        direction=Direction.OUTBOUND,
        author=author,
        status=MessageStatus.PENDING,
        text=text,
        language=conversation.language,
        idempotency_key=key,
    )
