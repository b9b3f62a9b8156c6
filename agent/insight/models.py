"""Rollups the dashboard reads, crisis alerts, and FAQ drafts started from the dashboard.

The rollups are derived data: `agent/insight/rollup.py` recomputes whole hours and days from
the messages and escalations, so they can be dropped and rebuilt at any time."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from agent.db import Base
from agent.handoff import models as _staff  # noqa: F401  (the staff table alerts and drafts refer to)
from agent.records.models import utcnow

# Upper bounds (ms) of the bot reply-time histogram columns; the last bucket is open-ended.
REPLY_BUCKETS_MS = (2_000, 5_000, 15_000, 60_000, 300_000)
REPLY_COLUMNS = (
    "reply_le_2s",
    "reply_le_5s",
    "reply_le_15s",
    "reply_le_60s",
    "reply_le_300s",
    "reply_over_300s",
)


class MessageHourly(Base):
    """Inbound messages per UTC hour, channel, language and topic (Rasa's intent)."""

    __tablename__ = "insight_message_hourly"
    __table_args__ = (
        UniqueConstraint("hour", "channel", "language", "topic", name="uq_insight_hourly"),
        Index("ix_insight_hourly_channel_hour", "channel", "hour"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    hour: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    channel: Mapped[str] = mapped_column(String(16))
    language: Mapped[str] = mapped_column(String(8))  # "" when unknown
    topic: Mapped[str] = mapped_column(String(64))  # "" when Rasa gave no reading
    messages: Mapped[int] = mapped_column(Integer, default=0)
    negative: Mapped[int] = mapped_column(Integer, default=0)
    neutral: Mapped[int] = mapped_column(Integer, default=0)
    positive: Mapped[int] = mapped_column(Integer, default=0)
    sentiment_sum: Mapped[float] = mapped_column(Float, default=0.0)
    scored: Mapped[int] = mapped_column(Integer, default=0)
    urgent: Mapped[int] = mapped_column(Integer, default=0)  # high or critical
    critical: Mapped[int] = mapped_column(Integer, default=0)
    fallback: Mapped[int] = mapped_column(Integer, default=0)
    # The bot's first reply to each message: how many, the total time, and a histogram (the
    # columns REPLY_COLUMNS count replies up to each bound of REPLY_BUCKETS_MS, then above).
    bot_replied: Mapped[int] = mapped_column(Integer, default=0)
    reply_ms_sum: Mapped[int] = mapped_column(BigInteger, default=0)
    reply_le_2s: Mapped[int] = mapped_column(Integer, default=0)
    reply_le_5s: Mapped[int] = mapped_column(Integer, default=0)
    reply_le_15s: Mapped[int] = mapped_column(Integer, default=0)
    reply_le_60s: Mapped[int] = mapped_column(Integer, default=0)
    reply_le_300s: Mapped[int] = mapped_column(Integer, default=0)
    reply_over_300s: Mapped[int] = mapped_column(Integer, default=0)


class ContactDaily(Base):
    """Conversation-days per brand-local day, channel and language: a customer's messages on
    one day count as one conversation. `escalated` ones had an escalation raised that day."""

    __tablename__ = "insight_contact_daily"
    __table_args__ = (
        UniqueConstraint("day", "channel", "language", name="uq_insight_daily"),
        Index("ix_insight_contact_daily_day", "day"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[date] = mapped_column(Date)
    channel: Mapped[str] = mapped_column(String(16))
    language: Mapped[str] = mapped_column(String(8))
    conversations: Mapped[int] = mapped_column(Integer, default=0)
    escalated: Mapped[int] = mapped_column(Integer, default=0)


class SubjectHourly(Base):
    """Distinct customers per UTC hour writing negative or urgent messages about a subject:
    the crisis detector's baseline."""

    __tablename__ = "insight_subject_hourly"
    __table_args__ = (
        UniqueConstraint("hour", "subject", name="uq_insight_subject"),
        Index("ix_insight_subject_hourly_hour", "hour"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    hour: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    subject: Mapped[str] = mapped_column(String(64))
    customers: Mapped[int] = mapped_column(Integer)


class RollupState(Base):
    """One row: up to when the rollups were last recomputed."""

    __tablename__ = "insight_rollup_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    refreshed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    covered_from: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class WebhookStatus(StrEnum):
    OFF = "off"  # no outgoing webhook configured
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"  # gave up after the last attempt


class CrisisAlert(Base):
    __tablename__ = "crisis_alerts"
    __table_args__ = (
        Index("ix_crisis_alerts_created", "created_at"),
        Index("ix_crisis_alerts_webhook", "webhook_status", "webhook_next_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subject: Mapped[str] = mapped_column(String(64))
    # Subjects in crisis through mostly the same messages, folded into this alert.
    related: Mapped[list[str]] = mapped_column(JSON, default=list)
    # The customers ("channel:id") it was raised on: a later alert mostly about the same
    # people is the same incident.
    customer_keys: Mapped[list[str]] = mapped_column(JSON, default=list)
    window_start: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    window_end: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    customers: Mapped[int] = mapped_column(Integer)
    messages: Mapped[int] = mapped_column(Integer)
    baseline_mean: Mapped[float] = mapped_column(Float)
    threshold: Mapped[float] = mapped_column(Float)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    acknowledged_by: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    acknowledged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    webhook_status: Mapped[str] = mapped_column(String(16), default=WebhookStatus.OFF)
    webhook_attempts: Mapped[int] = mapped_column(Integer, default=0)
    webhook_next_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    webhook_error: Mapped[str | None] = mapped_column(Text)
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class FaqDraft(Base):
    """A new FAQ started from a group of questions the bot could not answer: the questions
    are its first training examples; the answer is written and approved in the FAQ studio."""

    __tablename__ = "faq_drafts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(8))
    questions: Mapped[list[str]] = mapped_column(JSON)
    answer: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default="draft")
    source: Mapped[str] = mapped_column(String(16), default="insight")
    created_by: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
