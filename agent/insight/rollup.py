"""Recompute the dashboard's rollups from the messages and escalations.

Whole hours and whole brand-local days are recomputed (deleted, then rebuilt) from a start
time to now, so a late change (signals stored after an outage, an escalation raised later the
same day) is picked up by the next run that covers it; nothing is updated incrementally."""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from agent.insight.config import CrisisConfig
from agent.insight.crisis import Observation, hour_start, hourly_customers
from agent.insight.models import (
    REPLY_BUCKETS_MS,
    REPLY_COLUMNS,
    ContactDaily,
    MessageHourly,
    RollupState,
    SubjectHourly,
)
from agent.records.models import Conversation, Direction, Escalation, Message, as_utc

_CHUNK = 5_000


def local_day_start(moment: datetime, tz: ZoneInfo) -> datetime:
    """The UTC instant the brand-local day containing `moment` began."""
    local = as_utc(moment).astimezone(tz)
    return datetime(local.year, local.month, local.day, tzinfo=tz).astimezone(UTC)


def local_day(moment: datetime, tz: ZoneInfo) -> date:
    return as_utc(moment).astimezone(tz).date()


def reply_bucket(ms: int) -> int:
    """Index of the histogram bucket a reply time falls in (the last one is open-ended)."""
    return bisect.bisect_left(REPLY_BUCKETS_MS, ms)


@dataclass
class _Hour:
    messages: int = 0
    negative: int = 0
    neutral: int = 0
    positive: int = 0
    sentiment_sum: float = 0.0
    scored: int = 0
    urgent: int = 0
    critical: int = 0
    fallback: int = 0
    bot_replied: int = 0
    reply_ms_sum: int = 0
    reply_hist: list[int] = field(default_factory=lambda: [0] * (len(REPLY_BUCKETS_MS) + 1))


@dataclass(frozen=True, slots=True)
class InboundRow:
    """What the rollups need of one inbound message."""

    id: int
    conversation_id: int
    customer: str  # channel:customer id
    channel: str
    language: str
    topic: str
    created_at: datetime
    urgency: str | None
    sentiment_score: float | None
    sentiment_label: str | None
    fallback: bool
    text: str
    reason_keys: tuple[str, ...]
    first_reply_ms: int | None

    def observation(self) -> Observation:
        """What the crisis detector reads of it."""
        return Observation(
            at=self.created_at,
            customer=self.customer,
            message_id=self.id,
            text=self.text,
            urgency=self.urgency,
            sentiment_score=self.sentiment_score,
            reason_keys=self.reason_keys,
        )


@dataclass(frozen=True, slots=True)
class Rollups:
    hourly: dict[tuple[datetime, str, str, str], _Hour]
    daily: dict[tuple[date, str, str], tuple[int, int]]  # conversations, escalated
    subjects: dict[tuple[datetime, str], int]


def aggregate(
    rows: Iterable[InboundRow],
    escalated: set[tuple[date, int]],
    *,
    tz: ZoneInfo,
    crisis: CrisisConfig,
) -> Rollups:
    """Pure: the rollup rows for a set of inbound messages and the (local day, conversation)
    pairs that had an escalation raised."""
    hourly: dict[tuple[datetime, str, str, str], _Hour] = defaultdict(_Hour)
    days: dict[tuple[date, int], tuple[str, str]] = {}
    observations: list[Observation] = []
    for row in rows:
        bucket = hourly[(hour_start(row.created_at), row.channel, row.language, row.topic)]
        bucket.messages += 1
        if row.sentiment_label == "negative":
            bucket.negative += 1
        elif row.sentiment_label == "positive":
            bucket.positive += 1
        elif row.sentiment_label == "neutral":
            bucket.neutral += 1
        if row.sentiment_score is not None:
            bucket.scored += 1
            bucket.sentiment_sum += row.sentiment_score
        if row.urgency in ("high", "critical"):
            bucket.urgent += 1
        if row.urgency == "critical":
            bucket.critical += 1
        bucket.fallback += int(row.fallback)
        if row.first_reply_ms is not None:
            bucket.bot_replied += 1
            bucket.reply_ms_sum += row.first_reply_ms
            bucket.reply_hist[reply_bucket(row.first_reply_ms)] += 1
        # The first message of the day fixes the conversation-day's channel and language.
        days.setdefault(
            (local_day(row.created_at, tz), row.conversation_id), (row.channel, row.language)
        )
        observations.append(row.observation())
    daily: dict[tuple[date, str, str], tuple[int, int]] = defaultdict(lambda: (0, 0))
    for (day, conversation_id), (channel, language) in days.items():
        conversations, with_person = daily[(day, channel, language)]
        daily[(day, channel, language)] = (
            conversations + 1,
            with_person + int((day, conversation_id) in escalated),
        )
    return Rollups(
        hourly=dict(hourly),
        daily=dict(daily),
        subjects=hourly_customers(observations, crisis),
    )


def _row(message: tuple[Any, ...], reply_at: dict[int, datetime]) -> InboundRow:
    (
        mid,
        conversation_id,
        channel,
        customer_id,
        language,
        topic,
        created_at,
        urgency,
        score,
        fallback,
        text,
        signals,
    ) = message
    signals = signals or {}
    sentiment = signals.get("sentiment") or {}
    urgency_data = signals.get("urgency") or {}
    created = as_utc(created_at)
    first = reply_at.get(mid)
    return InboundRow(
        id=mid,
        conversation_id=conversation_id,
        customer=f"{channel}:{customer_id}",
        channel=channel,
        language=language or "",
        topic=topic or "",
        created_at=created,
        urgency=urgency,
        sentiment_score=score,
        sentiment_label=sentiment.get("label"),
        fallback=bool(fallback),
        text=text or "",
        reason_keys=tuple(urgency_data.get("reason_keys") or ()),
        first_reply_ms=(
            max(0, int((as_utc(first) - created).total_seconds() * 1000)) if first else None
        ),
    )


def _until(column: Any, end: datetime | None, margin: timedelta = timedelta(0)) -> Any:
    return column < end + margin if end is not None else column.is_not(None)


async def _first_replies(
    session: AsyncSession, start: datetime, end: datetime | None
) -> dict[int, datetime]:
    # A reply is written after its message: those of the range's last messages may fall a
    # little after its end.
    replies = await session.execute(
        select(Message.reply_to_id, func.min(Message.sent_at))
        .where(
            Message.created_at >= start,
            _until(Message.created_at, end, timedelta(hours=1)),
            Message.direction == Direction.OUTBOUND,
            Message.author == "bot",
            Message.reply_to_id.is_not(None),
            Message.sent_at.is_not(None),
        )
        .group_by(Message.reply_to_id)
    )
    return {int(rid): sent for rid, sent in replies.all() if rid is not None and sent}


async def load_rows(
    session: AsyncSession, start: datetime, end: datetime | None = None, *, replies: bool = True
) -> list[InboundRow]:
    """The inbound messages of [start, end); with `replies`, the time of each one's first
    bot reply (the crisis check does without)."""
    reply_at = await _first_replies(session, start, end) if replies else {}
    result = await session.stream(
        select(
            Message.id,
            Message.conversation_id,
            Message.channel,
            Conversation.customer_id,
            Message.language,
            Message.topic,
            Message.created_at,
            Message.urgency,
            Message.sentiment_score,
            Message.fallback,
            Message.text,
            Message.signals,
        )
        .join(Conversation, Conversation.id == Message.conversation_id)
        .where(
            Message.created_at >= start,
            _until(Message.created_at, end),
            Message.direction == Direction.INBOUND,
        )
        .execution_options(yield_per=_CHUNK)
    )
    return [_row(tuple(row), reply_at) async for row in result]


async def _escalated_days(
    session: AsyncSession, start: datetime, end: datetime | None, tz: ZoneInfo
) -> set[tuple[date, int]]:
    found = await session.execute(
        select(Escalation.created_at, Escalation.conversation_id).where(
            Escalation.created_at >= start, _until(Escalation.created_at, end)
        )
    )
    return {(local_day(created, tz), cid) for created, cid in found.all()}


async def refresh(
    session: AsyncSession,
    *,
    since: datetime,
    now: datetime,
    tz: ZoneInfo,
    crisis: CrisisConfig,
    until: datetime | None = None,
) -> datetime:
    """Recompute every rollup from the start of the brand-local day holding `since` up to the
    start of the local day holding `until` (unset: everything from there on). Returns the
    start. The caller commits."""
    start = local_day_start(since, tz)
    end = local_day_start(until, tz) if until is not None else None
    rows = await load_rows(session, start, end)
    escalated = await _escalated_days(session, start, end, tz)
    rollups = aggregate(rows, escalated, tz=tz, crisis=crisis)
    await session.execute(
        delete(MessageHourly).where(MessageHourly.hour >= start, _until(MessageHourly.hour, end))
    )
    await session.execute(
        delete(ContactDaily).where(
            ContactDaily.day >= local_day(start, tz),
            ContactDaily.day < local_day(end, tz)
            if end is not None
            else ContactDaily.day.is_not(None),
        )
    )
    await session.execute(
        delete(SubjectHourly).where(SubjectHourly.hour >= start, _until(SubjectHourly.hour, end))
    )
    # Core inserts, not ORM objects: thousands of rows a minute, and nothing reads them back.
    await _insert(
        session,
        MessageHourly,
        [
            {
                "hour": hour,
                "channel": channel,
                "language": language,
                "topic": topic,
                "messages": b.messages,
                "negative": b.negative,
                "neutral": b.neutral,
                "positive": b.positive,
                "sentiment_sum": b.sentiment_sum,
                "scored": b.scored,
                "urgent": b.urgent,
                "critical": b.critical,
                "fallback": b.fallback,
                "bot_replied": b.bot_replied,
                "reply_ms_sum": b.reply_ms_sum,
                **dict(zip(REPLY_COLUMNS, b.reply_hist, strict=True)),
            }
            for (hour, channel, language, topic), b in rollups.hourly.items()
        ],
    )
    await _insert(
        session,
        ContactDaily,
        [
            {
                "day": day,
                "channel": channel,
                "language": language,
                "conversations": total,
                "escalated": escalated,
            }
            for (day, channel, language), (total, escalated) in rollups.daily.items()
        ],
    )
    await _insert(
        session,
        SubjectHourly,
        [
            {"hour": hour, "subject": subject, "customers": customers}
            for (hour, subject), customers in rollups.subjects.items()
        ],
    )
    state = await session.get(RollupState, 1)
    if state is None:
        state = RollupState(id=1)
        session.add(state)
    state.refreshed_at = now
    if state.covered_from is None or as_utc(state.covered_from) > start:
        state.covered_from = start
    return start


async def _insert(session: AsyncSession, table: type[Any], rows: list[dict[str, Any]]) -> None:
    if rows:
        await session.execute(insert(table), rows)


async def oldest_message(session: AsyncSession) -> datetime | None:
    oldest = await session.scalar(select(func.min(Message.created_at)))
    return as_utc(oldest) if oldest is not None else None


def recompute_from(last_refresh: datetime | None, now: datetime, lookback: timedelta) -> datetime:
    """Where a routine refresh starts: far enough back to catch late writes."""
    start = now - lookback
    if last_refresh is not None:
        start = min(start, as_utc(last_refresh) - lookback)
    return start
