"""Support staff, the history of each escalation, and internal notes on conversations."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from agent.db import Base
from agent.records.models import utcnow


class Role(StrEnum):
    AGENT = "agent"
    LEAD = "lead"  # sees and assigns every team's conversations
    ADMIN = "admin"
    ANALYST = "analyst"  # the brand team: the insight dashboard, no conversations
    EDITOR = "editor"  # the brand team: writes FAQ answers in the studio, submits them
    APPROVER = "approver"  # the brand team: approves and publishes, rolls back, retrains


class Presence(StrEnum):
    ONLINE = "online"
    AWAY = "away"  # keeps what they own, takes nothing new
    OFFLINE = "offline"  # what they own goes back to the queue


class Staff(Base):
    """A person who logs in to the console."""

    __tablename__ = "staff"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(255), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16), default=Role.AGENT)
    teams: Mapped[list[str]] = mapped_column(JSON, default=list)
    capacity: Mapped[int] = mapped_column(Integer, default=5)
    presence: Mapped[str] = mapped_column(String(16), default=Presence.OFFLINE)
    ui_language: Mapped[str] = mapped_column(String(8), default="en")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    def sees_team(self, team: str | None) -> bool:
        return self.role in (Role.LEAD, Role.ADMIN) or (team is not None and team in self.teams)


class EventKind(StrEnum):
    CREATED = "created"
    UPGRADED = "upgraded"  # a later message made it more urgent
    CLAIMED = "claimed"
    RELEASED = "released"  # back to the queue (agent went offline, or gave it back)
    TRANSFERRED = "transferred"
    RESOLVED = "resolved"
    RETURNED = "returned"  # handed back to the bot without a resolution
    REPLIED = "replied"
    CSAT = "csat"


class EscalationEvent(Base):
    """What happened to an escalation, by whom: transfers keep the whole story."""

    __tablename__ = "escalation_events"
    __table_args__ = (Index("ix_escalation_events_escalation", "escalation_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    escalation_id: Mapped[int] = mapped_column(ForeignKey("escalations.id"))
    kind: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Note(Base):
    """An internal note on a conversation: staff see it, the customer never does."""

    __tablename__ = "notes"
    __table_args__ = (Index("ix_notes_conversation", "conversation_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id"))
    author_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
