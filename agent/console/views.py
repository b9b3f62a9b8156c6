"""What the console shows, built from the record: pure functions from rows to JSON-ready dicts."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from agent.handoff.config import HandoffConfig
from agent.handoff.models import EscalationEvent, Note, Staff
from agent.handoff.queue import QueueItem
from agent.handoff.routing import priority
from agent.nlg.responses import FAQ_PREFIX, Responses
from agent.records.models import Conversation, Direction, Escalation, Message, as_utc
from agent.window.rules import Author, decide

SUMMARY_QUOTE_CHARS = 160


def _iso(value: datetime | None) -> str | None:
    return as_utc(value).isoformat() if value else None


def queue_row(
    item: QueueItem,
    config: HandoffConfig,
    *,
    now: datetime,
    language: str,
    names: Mapping[int, str],
) -> dict[str, Any]:
    fields = dict(item.fields or {})
    created = datetime.fromisoformat(fields["created_at"])
    due = datetime.fromisoformat(fields["due_at"])
    level = priority(
        urgency=fields.get("urgency") or "normal",
        tier=fields.get("tier"),
        created=created,
        due=due,
        now=now,
    )
    return {
        "id": item.id,
        "conversation_id": item.conversation_id,
        "status": item.status,
        "team": item.team,
        "team_name": config.team(item.team).name(language),
        "assignee": names.get(item.assignee_id) if item.assignee_id else None,
        "priority": level.label,
        "overdue": level.overdue,
        "due_at": fields["due_at"],
        "created_at": fields["created_at"],
        "channel": fields.get("channel"),
        "customer_id": fields.get("customer_id"),
        "language": fields.get("language"),
        "urgency": fields.get("urgency"),
        "sentiment": fields.get("sentiment"),
        "reasons": fields.get("reasons") or [],
        "tier": fields.get("tier"),
    }


def message_row(message: Message, names: Mapping[int, str]) -> dict[str, Any]:
    signals = message.signals or {}
    sentiment = signals.get("sentiment") or {}
    urgency = signals.get("urgency") or {}
    return {
        "id": message.id,
        "direction": message.direction,
        "author": message.author if message.direction == Direction.OUTBOUND else "customer",
        "kind": message.kind,
        "text": message.text,
        "status": message.status,
        "error": message.error,
        "language": message.language,
        "created_at": _iso(message.created_at),
        "story_reply": message.story_reply,
        "deleted": message.deleted_at is not None,
        "urgency": message.urgency,
        "urgency_reasons": urgency.get("reasons") or [],
        "sentiment": sentiment.get("label"),
        "sentiment_score": message.sentiment_score,
        "intent": (signals.get("intent") or {}).get("name"),
    }


def summary(escalation: Escalation, messages: Sequence[Message]) -> str:
    """A few lines on what the customer wants, taken from the record (no model writes it): what
    they asked about, why a person is needed, and their most urgent words in full."""
    inbound = [m for m in messages if m.direction == Direction.INBOUND and m.text.strip()]
    parts = []
    if escalation.intent:
        parts.append(f"Topic: {escalation.intent.removeprefix('faq/').replace('_', ' ')}.")
    if escalation.reasons:
        parts.append("Needs a person: " + "; ".join(escalation.reasons) + ".")
    rank = {"critical": 0, "high": 1, "normal": 2, "low": 3}
    if inbound:
        key = min(inbound, key=lambda m: (rank.get(m.urgency or "normal", 2), -m.id))
        quote = key.text.strip().replace("\n", " ")
        if len(quote) > SUMMARY_QUOTE_CHARS:
            quote = quote[: SUMMARY_QUOTE_CHARS - 1] + "…"
        parts.append(f"“{quote}”")
        if len(inbound) > 1:
            parts.append(f"({len(inbound)} messages from the customer.)")
    return " ".join(parts)


def window_state(conversation: Conversation, *, now: datetime) -> dict[str, Any]:
    """Whether a person's reply can go out now, and marked how (Meta's HUMAN_AGENT tag)."""
    last = conversation.last_customer_message_at
    decision = decide(
        channel=conversation.channel,
        author=Author.HUMAN,
        last_customer_message_at=as_utc(last) if last else None,
        now=now,
    )
    return {
        "can_reply": decision.permit is not None,
        "tag": decision.permit.tag if decision.permit else None,
        "refusal": str(decision.refusal) if decision.refusal else None,
        "last_customer_message_at": _iso(last),
    }


def escalation_view(
    escalation: Escalation,
    *,
    now: datetime,
    names: Mapping[int, str],
    config: HandoffConfig,
    language: str,
) -> dict[str, Any]:
    due = as_utc(escalation.due_at) if escalation.due_at else as_utc(escalation.created_at)
    level = priority(
        urgency=escalation.urgency,
        tier=escalation.tier,
        created=as_utc(escalation.created_at),
        due=due,
        now=now,
    )
    return {
        "id": escalation.id,
        "status": escalation.status,
        "team": escalation.team,
        "team_name": config.team(escalation.team).name(language),
        "urgency": escalation.urgency,
        "sentiment": escalation.sentiment,
        "reasons": list(escalation.reasons),
        "intent": escalation.intent,
        "tier": escalation.tier,
        "priority": level.label,
        "overdue": level.overdue,
        "due_at": due.isoformat(),
        "assignee_id": escalation.assignee_id,
        "assignee": names.get(escalation.assignee_id) if escalation.assignee_id else None,
        "csat_score": escalation.csat_score,
        "created_at": _iso(escalation.created_at),
        "closed_at": _iso(escalation.closed_at),
    }


def note_row(note: Note, names: Mapping[int, str]) -> dict[str, Any]:
    return {
        "author": names.get(note.author_id, "?"),
        "text": note.text,
        "created_at": _iso(note.created_at),
    }


def history_row(event: EscalationEvent, names: Mapping[int, str]) -> dict[str, Any]:
    return {
        "kind": event.kind,
        "actor": names.get(event.actor_id) if event.actor_id else None,
        "detail": event.detail,
        "created_at": _iso(event.created_at),
    }


def snippets(responses: Responses, language: str) -> list[dict[str, str]]:
    """The brand's published FAQ answers, for the reply box."""
    rows = []
    for name in sorted(responses.texts):
        if name.startswith(FAQ_PREFIX):
            text = responses.render(name, language)
            if text:
                key = name.removeprefix(FAQ_PREFIX)
                rows.append({"key": key, "title": key.replace("_", " "), "text": text})
    return rows


def staff_row(staff: Staff) -> dict[str, Any]:
    return {
        "id": staff.id,
        "name": staff.name,
        "email": staff.email,
        "role": staff.role,
        "teams": list(staff.teams),
        "presence": staff.presence,
        "capacity": staff.capacity,
        "ui_language": staff.ui_language,
    }
