"""Conversations, messages, escalations and skipped webhook items."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from agent.db import Base


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """SQLite returns naive datetimes even for timezone-aware columns; they are UTC."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


class Direction(StrEnum):
    INBOUND = "inbound"
    OUTBOUND = "outbound"


class MessageStatus(StrEnum):
    # inbound
    RECEIVED = "received"  # persisted and queued, not answered yet
    ANSWERED = "answered"  # the bot's replies are in the outbox
    DELETED = "deleted"  # the customer unsent it before it was answered: never answered
    FOR_AGENT = "for_agent"  # a person owns the conversation: the bot stays silent
    # outbound
    PENDING = "pending"  # in the outbox, not accepted by the platform yet
    SENT = "sent"
    FAILED = "failed"  # refused for good by the platform; `error` says why
    UNSENDABLE = "unsendable"  # outside the messaging window; `error` says why


class ConversationStatus(StrEnum):
    BOT = "bot"
    NEEDS_HUMAN = "needs_human"


class Conversation(Base):
    __tablename__ = "conversations"
    __table_args__ = (UniqueConstraint("channel", "account_id", "customer_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    account_id: Mapped[str] = mapped_column(String(64))
    customer_id: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default=ConversationStatus.BOT)
    language: Mapped[str | None] = mapped_column(String(8))
    last_customer_message_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The resolved escalation whose satisfaction score (1-5) the bot asked for and awaits.
    csat_escalation_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )

    messages: Mapped[list[Message]] = relationship(back_populates="conversation")


class Message(Base):
    __tablename__ = "messages"
    __table_args__ = (
        UniqueConstraint("channel", "account_id", "platform_message_id", name="uq_platform_mid"),
        Index("ix_messages_conversation", "conversation_id", "id"),
        Index("ix_messages_status", "status"),
        # Reports read messages by time, and the questions the bot could not answer.
        Index("ix_messages_created", "created_at"),
        Index("ix_messages_fallback_created", "fallback", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id"))
    channel: Mapped[str] = mapped_column(String(16))
    account_id: Mapped[str] = mapped_column(String(64))
    direction: Mapped[str] = mapped_column(String(8))
    # Outbound only: "bot" or "human" (the window rules differ).
    author: Mapped[str | None] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(16), default="text")
    text: Mapped[str] = mapped_column(Text, default="")
    payload: Mapped[str | None] = mapped_column(Text)
    # Outbound, Messenger and Instagram: buttons under the text, [{"title", "payload"}].
    quick_replies: Mapped[list[dict[str, str]] | None] = mapped_column(JSON)
    language: Mapped[str | None] = mapped_column(String(8))
    # Inbound: the platform's id (mid). Outbound: set once the platform accepted it.
    platform_message_id: Mapped[str | None] = mapped_column(String(255))
    platform_timestamp_ms: Mapped[int | None] = mapped_column(BigInteger)
    # Outbound only: "<inbound id>:<n>", so a retried turn never writes a reply twice.
    idempotency_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    reply_to_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id"))
    error: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Inbound: when the customer deleted ("unsent") it.
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Inbound, Instagram: a reply to (or mention in) one of the brand's stories.
    story_reply: Mapped[bool] = mapped_column(Boolean, default=False)
    # Inbound: the signals computed before answering (agent/signals/types.py `as_metadata`),
    # with the two figures reports filter on in their own columns.
    signals: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    urgency: Mapped[str | None] = mapped_column(String(8))
    sentiment_score: Mapped[float | None] = mapped_column(Float)
    # Inbound: the bot could not answer it (NLU fallback or an unsure FAQ).
    fallback: Mapped[bool] = mapped_column(Boolean, default=False)
    # Inbound: what it was about, for reports: Rasa's intent (FAQ answers as faq/<key>).
    topic: Mapped[str | None] = mapped_column(String(64))

    conversation: Mapped[Conversation] = relationship(back_populates="messages")


class EscalationStatus(StrEnum):
    WAITING = "waiting"
    ASSIGNED = "assigned"
    RESOLVED = "resolved"
    RETURNED = "returned"  # handed back to the bot


class Escalation(Base):
    """A conversation handed to a person, with the reasons the policy gave."""

    __tablename__ = "escalations"
    __table_args__ = (
        Index("ix_escalations_status_created", "status", "created_at"),
        Index("ix_escalations_created", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id"), index=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id"))
    reasons: Mapped[list[str]] = mapped_column(JSON)
    reason_keys: Mapped[list[str]] = mapped_column(JSON)
    urgency: Mapped[str] = mapped_column(String(8))
    sentiment: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(16), default=EscalationStatus.WAITING)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # Routing and service level (agent/handoff): the team, the CRM tier the priority counted,
    # the intent the customer's message was read as, and when a person's first reply is due.
    team: Mapped[str | None] = mapped_column(String(32))
    tier: Mapped[str | None] = mapped_column(String(16))
    intent: Mapped[str | None] = mapped_column(String(64))
    due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    assigned_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    first_reply_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    csat_score: Mapped[int | None] = mapped_column(Integer)


class SkippedWebhookItem(Base):
    """Webhook items that were not customer messages (echoes, reads, unknown kinds, bad items)."""

    __tablename__ = "skipped_webhook_items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(Text)
    raw: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
