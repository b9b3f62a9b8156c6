"""One customer message's turn: language, Rasa, replies into the outbox, outbox flushed."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from agent.dialogue.rasa_client import RasaClient
from agent.errors import AgentError, RasaGaveNoReply, SendRejected
from agent.escalation.policy import Decision, PolicyConfig, Reason
from agent.escalation.policy import decide as decide_escalation
from agent.handoff.calendar import describe_reply_time
from agent.handoff.csat import parse_score
from agent.handoff.events import ConsoleEvent, publish
from agent.handoff.models import EscalationEvent
from agent.handoff.models import EventKind as HistoryKind
from agent.handoff.routing import reply_calendar
from agent.handoff.service import HandoffService, plan, raise_urgency
from agent.nlg.responses import Responses
from agent.pipeline.order import ReorderPolicy, may_answer
from agent.records import service as records
from agent.records.models import (
    Conversation,
    ConversationStatus,
    Escalation,
    EscalationStatus,
    Message,
    MessageStatus,
    as_utc,
    utcnow,
)
from agent.signals.analyzer import Ahead, Analyzer, Judged, Reading
from agent.signals.language import detect_language
from agent.signals.types import Intent, TurnRecord
from agent.window.rules import Author, decide
from connectors.events import Channel, EventKind
from connectors.instagram.limits import split_for_instagram
from connectors.messenger.client import OUTSIDE_WINDOW, SentMessage, split_for_messenger
from connectors.meta.quick_replies import QuickReply
from connectors.x.client import split_for_x

log = logging.getLogger(__name__)

ATTACHMENT_RESPONSE = "utter_attachment"
ESCALATED_RESPONSE = "utter_escalated"
HANDOFF_RESPONSE = "utter_handoff"
REPLY_DUE_RESPONSE = "utter_reply_due"
STILL_WAITING_RESPONSE = "utter_still_with_team"
AFTER_HOURS_RESPONSE = "utter_after_hours"
CSAT_THANKS_RESPONSE = "utter_csat_thanks"
# The brand's safe holding replies for critical messages, by what made them critical: the bot
# gives no medical or legal advice, it says a person is on it and what to do meanwhile.
HOLDING_RESPONSES = {
    "health_safety": "utter_holding_health",
    "child_ingestion": "utter_holding_health",
    "legal_threat": "utter_holding_legal",
    "account_takeover": "utter_holding_security",
    "fraud": "utter_holding_security",
    "press": "utter_holding_press",
}
HOLDING_DEFAULT = "utter_holding_critical"
# Attempts before a message Rasa keeps answering with nothing is given up (and recorded).
MAX_EMPTY_REPLIES = 5


class Outcome(StrEnum):
    DONE = "done"
    # Not answered yet: an older message of the conversation went first, or a late message
    # waits for the rest of its backlog (agent/pipeline/order.py).
    DEFERRED = "deferred"


class TierLookup(Protocol):
    async def __call__(self, channel: str, customer_id: str) -> str | None: ...


@dataclass(slots=True)
class AfterCommit:
    """What a turn leaves for after its commit: the queue and open consoles hear of it."""

    new_escalation_id: int | None = None
    open_escalation_id: int | None = None
    team: str | None = None
    raised: bool = False  # the open escalation became more urgent


class SendClient(Protocol):
    """What the outbox needs of a platform client (Messenger, Instagram, X)."""

    async def send_text(
        self,
        recipient_id: str,
        text: str,
        *,
        messaging_type: str = ...,
        tag: str | None = ...,
        quick_replies: Sequence[QuickReply] = ...,
    ) -> SentMessage: ...

    async def sender_action(self, recipient_id: str, action: str) -> None: ...


@dataclass(frozen=True, slots=True)
class TurnDeps:
    sessions: async_sessionmaker[AsyncSession]
    rasa: RasaClient
    clients: Mapping[tuple[str, str], SendClient]  # by (channel, our account id)
    responses: Responses
    analyzer: Analyzer | None = None  # None: no signals, no escalation (the bot answers all)
    policy: PolicyConfig = field(default_factory=PolicyConfig)
    # None: escalations are recorded but not routed, queued or shown live (tests of delivery).
    handoff: HandoffService | None = None
    # The customer's CRM tier for an escalation's priority; None when unknown or unavailable.
    tier_of: TierLookup | None = None
    reorder: ReorderPolicy = field(default_factory=ReorderPolicy)
    # The customer sees the message marked seen and the bot typing only when the answer takes
    # longer than this; a quicker answer is its own sign, and spares two platform calls.
    activity_after_s: float = 0.4

    def client(self, conversation: Conversation) -> SendClient:
        try:
            return self.clients[conversation.channel, conversation.account_id]
        except KeyError:
            raise SendRejected(
                f"{conversation.channel} account {conversation.account_id} has no send token"
            ) from None


def rasa_sender(conversation: Conversation) -> str:
    return f"{conversation.channel}:{conversation.account_id}:{conversation.customer_id}"


async def take_turn(
    message_id: int, deps: TurnDeps, *, backlog: bool = False, ahead: Ahead | None = None
) -> Outcome:
    """Answer one customer message. Safe to run again after a crash at any point:
    an answered message is not answered twice, and pending replies are sent on the next run.
    Transient failures (Rasa down, platform busy) raise TransientError. `backlog`: deliveries
    are queued that no worker has read yet (a late message waits for them). `ahead`: the signal
    model's reading, started when the worker took the message from the queue."""
    async with deps.sessions() as session:
        message = await session.get(Message, message_id)
        if message is None:
            log.warning("queued message %s is not in the database; skipped", message_id)
            return Outcome.DONE
        conversation = await session.get(Conversation, message.conversation_id)
        assert conversation is not None
        after = AfterCommit()
        outcome = Outcome.DONE
        if message.status == MessageStatus.RECEIVED:
            earlier = await records.earliest_unanswered_before(session, message=message)
            if earlier is not None:
                # The customer wrote that one first: it is answered now, whatever the place of
                # its own entry in the stream, and this one waits for its next turn.
                message, outcome = earlier, Outcome.DEFERRED
            if not may_answer(
                written_ms=message.platform_timestamp_ms,
                stored_at=as_utc(message.created_at),
                now=utcnow(),
                backlog=backlog,
                policy=deps.reorder,
            ):
                return Outcome.DEFERRED
            after = await _answer(session, message, conversation, deps, ahead=ahead)
    await _tell_handoff(after, conversation.id, deps)
    await flush_outbox(conversation.id, deps)
    return outcome


async def _tell_handoff(after: AfterCommit, conversation_id: int, deps: TurnDeps) -> None:
    if deps.handoff is None:
        return
    if after.new_escalation_id is not None:
        await deps.handoff.index(after.new_escalation_id)
    elif after.raised and after.open_escalation_id is not None:
        await deps.handoff.reindex(after.open_escalation_id, previous_team=after.team)
    elif after.open_escalation_id is not None:
        await publish(
            deps.handoff.redis,
            ConsoleEvent.CUSTOMER_WROTE,
            conversation_id=conversation_id,
            escalation_id=after.open_escalation_id,
            team=after.team,
        )


async def _answer(
    session: AsyncSession,
    message: Message,
    conversation: Conversation,
    deps: TurnDeps,
    *,
    ahead: Ahead | None = None,
) -> AfterCommit:
    after = AfterCommit()
    opened = await records.open_escalation(session, conversation_id=conversation.id)
    if opened is not None:
        after.open_escalation_id, after.team = opened.id, opened.team
    if conversation.csat_escalation_id is not None and await _record_csat(
        session, message, conversation, deps
    ):
        return after
    owned = opened is not None and opened.status == EscalationStatus.ASSIGNED
    decision: Decision | None = None
    judged: Judged | None = None
    reading: Reading | None = None
    if deps.analyzer is not None and message.text.strip():
        reading = await deps.analyzer.read(
            message.text, previous_language=conversation.language, ahead=ahead
        )
        language = reading.provisional.signals.language
        history = await _history(session, message, deps)
        early = decide_escalation(
            reading.provisional.signals, fallback=False, history=history, config=deps.policy
        )
        if early.escalate or owned:
            # Rasa will not answer this one (a person will): its reading is still asked for,
            # for the record, the console and the routing.
            judged = deps.analyzer.complete(reading, await deps.rasa.parse(message.text))
            decision = await _judge(
                session, message, conversation, judged, deps, history=history, after=after
            )
    else:
        history = []
        language = detect_language(message.text, previous=conversation.language)
    if owned:
        # A person owns the conversation: the bot stays silent; the signals still mark it.
        message.language = conversation.language = language
        message.status = MessageStatus.FOR_AGENT
        await session.commit()
        return after
    if message.kind == EventKind.ATTACHMENT and not message.text:
        text = deps.responses.render(ATTACHMENT_RESPONSE, language)
        texts = [text] if text else []
    elif judged is not None and decision is not None and decision.escalate:
        texts = await _escalation_reply(
            session, conversation, judged, decision, deps, opened=opened
        )
    else:
        texts, intent = await _converse(
            session, message, conversation, deps, reading=reading, language=language
        )
        if reading is not None and deps.analyzer is not None:
            if intent is None:  # the reply did not carry Rasa's reading: ask for it
                intent = await deps.rasa.parse(message.text)
            judged = deps.analyzer.complete(reading, intent)
            decision = await _judge(
                session, message, conversation, judged, deps, history=history, after=after
            )
            if decision.escalate:
                # Asked for a person, or the bot could not answer twice: Rasa's reply is
                # replaced by the handoff.
                texts = await _escalation_reply(
                    session, conversation, judged, decision, deps, opened=opened
                )
    parts = [part for text in texts for part in split_for_channel(conversation.channel, text)]
    message.language = language
    conversation.language = language
    await records.add_replies(session, inbound=message, texts=parts, language=language)
    await session.commit()
    return after


async def _history(session: AsyncSession, message: Message, deps: TurnDeps) -> list[TurnRecord]:
    return await records.recent_turns(
        session,
        conversation_id=message.conversation_id,
        before_id=message.id,
        limit=max(deps.policy.sentiment_window, deps.policy.fallbacks_in_a_row),
    )


async def _converse(
    session: AsyncSession,
    message: Message,
    conversation: Conversation,
    deps: TurnDeps,
    *,
    reading: Reading | None,
    language: str,
) -> tuple[list[str], Intent | None]:
    """Rasa's answer and its reading of the message, in one pass."""
    signals = reading.provisional.signals.as_metadata() if reading is not None else {}
    answer = asyncio.ensure_future(
        deps.rasa.converse_and_read(
            sender=rasa_sender(conversation),
            text=text_for_rasa(message),
            metadata={
                **signals,
                "channel": conversation.channel,
                "language": language,
                "customer_id": conversation.customer_id,
                "account_id": conversation.account_id,
                "message_id": message.id,
            },
        )
    )
    try:
        (texts, intent), _ = await asyncio.gather(
            answer,
            _show_activity_if_slow(
                answer,
                deps.client(conversation),
                conversation.customer_id,
                after_s=deps.activity_after_s,
            ),
        )
    except RasaGaveNoReply as exc:
        message.attempts += 1
        if message.attempts < MAX_EMPTY_REPLIES:
            await session.commit()
            raise
        log.error(
            "message %s: %s after %d attempts; left unanswered", message.id, exc, message.attempts
        )
        message.error = f"{exc} ({message.attempts} attempts)"
        return [], None
    return texts, intent


async def _escalation_reply(
    session: AsyncSession,
    conversation: Conversation,
    judged: Judged,
    decision: Decision,
    deps: TurnDeps,
    *,
    opened: Escalation | None,
) -> list[str]:
    language = judged.signals.language
    name = _escalation_response(
        decision, judged.signals.urgency.reason_keys, already_waiting=opened is not None
    )
    texts = [t for t in (deps.responses.render(name, language),) if t]
    if not decision.critical and texts:
        # One message: what happens, then when a person will reply.
        when = _when_a_person_replies(
            await records.open_escalation(session, conversation_id=conversation.id),
            language,
            deps,
        )
        texts = [" ".join([texts[0], *when]) if language != "ja" else "".join([texts[0], *when])]
    return texts


async def _record_csat(
    session: AsyncSession, message: Message, conversation: Conversation, deps: TurnDeps
) -> bool:
    """The bot asked for a 1-5 score after a person resolved the conversation. A reply that is
    a score is recorded and thanked for; anything else is a new message for the bot."""
    escalation_id = conversation.csat_escalation_id
    conversation.csat_escalation_id = None
    score = parse_score(message.payload or "", message.text or "")
    if score is None or escalation_id is None:
        return False
    escalation = await session.get(Escalation, escalation_id)
    if escalation is not None:
        escalation.csat_score = score
        session.add(
            EscalationEvent(
                escalation_id=escalation_id, kind=HistoryKind.CSAT, detail={"score": score}
            )
        )
    language = detect_language(message.text, previous=conversation.language)
    thanks = deps.responses.render(CSAT_THANKS_RESPONSE, language)
    message.language = language
    await records.add_replies(
        session, inbound=message, texts=[thanks] if thanks else [], language=language
    )
    await session.commit()
    return True


def _when_a_person_replies(
    escalation: Escalation | None, language: str, deps: TurnDeps
) -> list[str]:
    """Tell the customer honestly when a person will reply: the due time of the escalation in
    the team's hours, and whether the team is away now."""
    if deps.handoff is None or escalation is None or escalation.due_at is None:
        return []
    config = deps.handoff.config
    team = config.team(escalation.team)
    calendar = reply_calendar(config, team, escalation.urgency)
    now = utcnow()
    when = describe_reply_time(
        as_utc(escalation.due_at), now=now, language=language, time_zone=config.calendar.time_zone
    )
    name = REPLY_DUE_RESPONSE if calendar.is_open(now) else AFTER_HOURS_RESPONSE
    text = deps.responses.render(name, language)
    return [text.replace("{when}", when)] if text else []


def _store_signals(message: Message, judged: Judged, decision: Decision | None) -> None:
    signals = judged.signals.as_metadata()
    signals["escalate"] = bool(decision and decision.escalate)
    signals["escalation_reasons"] = list(decision.reasons) if decision else []
    message.signals = signals
    message.urgency = judged.signals.urgency.level.value
    message.sentiment_score = judged.signals.sentiment.score
    message.fallback = judged.fallback
    message.topic = judged.signals.intent.name if judged.signals.intent else None


async def _judge(
    session: AsyncSession,
    message: Message,
    conversation: Conversation,
    judged: Judged,
    deps: TurnDeps,
    *,
    history: list[TurnRecord],
    after: AfterCommit,
) -> Decision:
    """Store the message's signals and apply the escalation policy to it."""
    decision = decide_escalation(
        judged.signals, fallback=judged.fallback, history=history, config=deps.policy
    )
    _store_signals(message, judged, decision)
    if decision.escalate:
        opened = await records.open_escalation(session, conversation_id=conversation.id)
        if opened is not None and deps.handoff is not None:
            after.raised = raise_urgency(
                opened,
                config=deps.handoff.config,
                urgency=judged.signals.urgency.level.value,
                reasons=list(decision.reasons),
                reason_keys=[str(k) for k in decision.reason_keys],
                urgency_reasons=list(judged.signals.urgency.reason_keys),
                now=utcnow(),
            )
            if after.raised:
                session.add(
                    EscalationEvent(
                        escalation_id=opened.id,
                        kind=HistoryKind.UPGRADED,
                        detail={"urgency": opened.urgency, "message_id": message.id},
                    )
                )
        if opened is None:
            escalation = Escalation(
                conversation_id=conversation.id,
                message_id=message.id,
                reasons=list(decision.reasons),
                reason_keys=[str(k) for k in decision.reason_keys],
                urgency=judged.signals.urgency.level.value,
                sentiment=judged.signals.sentiment.label.value,
                created_at=utcnow(),
            )
            if deps.handoff is not None:
                tier = (
                    await deps.tier_of(conversation.channel, conversation.customer_id)
                    if deps.tier_of is not None
                    else None
                )
                plan(
                    escalation,
                    config=deps.handoff.config,
                    urgency_reasons=list(judged.signals.urgency.reason_keys),
                    intent=judged.signals.intent.name if judged.signals.intent else None,
                    tier=tier,
                    now=escalation.created_at,
                )
            session.add(escalation)
            await session.flush()
            after.new_escalation_id = escalation.id
            session.add(EscalationEvent(escalation_id=escalation.id, kind=HistoryKind.CREATED))
        conversation.status = ConversationStatus.NEEDS_HUMAN
        log.info("conversation %s escalated: %s", conversation.id, "; ".join(decision.reasons))
    return decision


def _escalation_response(
    decision: Decision, urgency_keys: tuple[str, ...], *, already_waiting: bool
) -> str:
    if not decision.critical:
        if already_waiting:
            return STILL_WAITING_RESPONSE
        asked = decision.reason_keys == (Reason.ASKED_FOR_PERSON,)
        return HANDOFF_RESPONSE if asked else ESCALATED_RESPONSE
    return next(
        (HOLDING_RESPONSES[k] for k in urgency_keys if k in HOLDING_RESPONSES), HOLDING_DEFAULT
    )


def split_for_channel(channel: str, text: str) -> list[str]:
    if channel == Channel.INSTAGRAM:
        return split_for_instagram(text)
    if channel == Channel.X:
        return split_for_x(text)
    return split_for_messenger(text)


def text_for_rasa(message: Message) -> str:
    """What Rasa reads: a quick-reply or postback payload written as a Rasa intent trigger
    (`/human_handoff`) is passed as is, so buttons map to intents exactly; otherwise the text
    the customer saw and tapped (quick replies and postbacks carry it as their title)."""
    if message.payload and message.payload.startswith("/"):
        return message.payload
    return message.text


async def _show_activity_if_slow(
    answer: asyncio.Future[Any], messenger: SendClient, customer_id: str, *, after_s: float
) -> None:
    done, _ = await asyncio.wait({answer}, timeout=after_s)
    if not done:
        await _show_activity(messenger, customer_id)


async def _show_activity(messenger: SendClient, customer_id: str) -> None:
    """Mark the message seen and show typing while the bot works. Cosmetic: never fails a turn."""
    for action in ("mark_seen", "typing_on"):
        try:
            await messenger.sender_action(customer_id, action)
        except AgentError as exc:
            log.info("sender action %s not shown: %s", action, exc)
            return


async def flush_outbox(conversation_id: int, deps: TurnDeps) -> None:
    """Send the conversation's pending replies, oldest first, stopping at a transient error.
    A reply the messaging window forbids is marked unsendable with the reason, never sent."""
    async with deps.sessions() as session:
        conversation = await session.get(Conversation, conversation_id)
        assert conversation is not None
        last_customer = conversation.last_customer_message_at
        for reply in await records.pending_outbound(session, conversation_id=conversation_id):
            decision = decide(
                channel=conversation.channel,
                author=Author(reply.author or Author.BOT),
                last_customer_message_at=as_utc(last_customer) if last_customer else None,
                now=utcnow(),
            )
            if decision.permit is None:
                await records.mark_failed(
                    session,
                    message=reply,
                    error=f"outside the messaging window: {decision.refusal}",
                    status=MessageStatus.UNSENDABLE,
                )
                await session.commit()
                continue
            try:
                sent = await deps.client(conversation).send_text(
                    conversation.customer_id,
                    reply.text,
                    messaging_type=decision.permit.messaging_type or "RESPONSE",
                    tag=decision.permit.tag,
                    quick_replies=[
                        QuickReply(title=q["title"], payload=q["payload"])
                        for q in reply.quick_replies or []
                    ],
                )
            except SendRejected as exc:
                log.warning("reply %s refused by the platform: %s", reply.id, exc)
                # Meta's "outside of allowed window", or X's 403 (the person does not accept
                # DMs): the reply cannot be delivered on this channel, whoever writes it.
                outside = (exc.code, exc.subcode) == OUTSIDE_WINDOW or (
                    conversation.channel == Channel.X and exc.code == 403
                )
                await records.mark_failed(
                    session,
                    message=reply,
                    error=f"{exc.code}: {exc}",
                    status=MessageStatus.UNSENDABLE if outside else MessageStatus.FAILED,
                )
            else:
                await records.mark_sent(session, message=reply, platform_message_id=sent.message_id)
            await session.commit()
