"""The dashboard's figures, read from the rollups and the escalations. Each function is one
dashboard query; the definitions are written in docs/insight.md."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, Text, cast, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from agent.handoff.routing import base_priority
from agent.insight.models import (
    REPLY_BUCKETS_MS,
    REPLY_COLUMNS,
    ContactDaily,
    CrisisAlert,
    MessageHourly,
)
from agent.insight.similar import Group, Question, group_questions
from agent.records.models import (
    Conversation,
    Direction,
    Escalation,
    EscalationStatus,
    Message,
    as_utc,
)


@dataclass(frozen=True, slots=True)
class Filters:
    start: date  # brand-local, inclusive
    end: date  # brand-local, inclusive
    tz: ZoneInfo
    channel: str | None = None

    def utc_range(self) -> tuple[datetime, datetime]:
        begin = datetime(self.start.year, self.start.month, self.start.day, tzinfo=self.tz)
        after = self.end + timedelta(days=1)
        finish = datetime(after.year, after.month, after.day, tzinfo=self.tz)
        return begin.astimezone(UTC), finish.astimezone(UTC)

    def days(self) -> list[date]:
        return [self.start + timedelta(days=i) for i in range((self.end - self.start).days + 1)]


def _hourly(f: Filters, *columns: Any) -> Select[Any]:
    begin, finish = f.utc_range()
    query = select(*columns).where(MessageHourly.hour >= begin, MessageHourly.hour < finish)
    if f.channel:
        query = query.where(MessageHourly.channel == f.channel)
    return query


# --- volume and sentiment -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Volume:
    total: int
    by_channel: list[tuple[str, int]]
    by_language: list[tuple[str, int]]
    by_topic: list[tuple[str, int]]


async def volume(session: AsyncSession, f: Filters, *, topics: int = 15) -> Volume:
    """Inbound messages by channel, language and topic (the `topics` largest): one scan of
    the rollup, grouped by all three, folded here (a few hundred rows)."""
    query = _hourly(
        f,
        MessageHourly.channel,
        MessageHourly.language,
        MessageHourly.topic,
        func.sum(MessageHourly.messages),
    ).group_by(MessageHourly.channel, MessageHourly.language, MessageHourly.topic)
    channels: Counter[str] = Counter()
    languages: Counter[str] = Counter()
    topic_counts: Counter[str] = Counter()
    for channel, language, topic, n in (await session.execute(query)).all():
        channels[channel] += int(n)
        languages[language] += int(n)
        topic_counts[topic] += int(n)
    return Volume(
        total=sum(channels.values()),
        by_channel=channels.most_common(),
        by_language=languages.most_common(),
        by_topic=topic_counts.most_common(topics),
    )


@dataclass(frozen=True, slots=True)
class Trend:
    """Per brand-local day, hour of day and weekday (Monday first)."""

    days: list[date]
    messages: list[int]
    sentiment: list[float | None]  # mean score, -1 … 1
    negative_share: list[float | None]
    urgent: list[int]
    by_hour: list[int]  # 24
    by_weekday: list[int]  # 7


async def trend(session: AsyncSession, f: Filters) -> Trend:
    """Volume and sentiment over time: one grouped query by UTC hour, folded into local days,
    hours and weekdays here (the brand's time zone may not be whole hours from UTC)."""
    query = _hourly(
        f,
        MessageHourly.hour,
        func.sum(MessageHourly.messages),
        func.sum(MessageHourly.sentiment_sum),
        func.sum(MessageHourly.scored),
        func.sum(MessageHourly.negative),
        func.sum(MessageHourly.urgent),
    ).group_by(MessageHourly.hour)
    days = f.days()
    index = {day: i for i, day in enumerate(days)}
    messages = [0] * len(days)
    sums = [0.0] * len(days)
    scored = [0] * len(days)
    negative = [0] * len(days)
    urgent = [0] * len(days)
    by_hour = [0] * 24
    by_weekday = [0] * 7
    for hour, n, s_sum, s_n, neg, urg in (await session.execute(query)).all():
        local = as_utc(hour).astimezone(f.tz)
        i = index.get(local.date())
        if i is None:
            continue
        messages[i] += int(n)
        sums[i] += float(s_sum or 0)
        scored[i] += int(s_n or 0)
        negative[i] += int(neg or 0)
        urgent[i] += int(urg or 0)
        by_hour[local.hour] += int(n)
        by_weekday[local.weekday()] += int(n)
    return Trend(
        days=days,
        messages=messages,
        sentiment=[sums[i] / scored[i] if scored[i] else None for i in range(len(days))],
        negative_share=[
            negative[i] / messages[i] if messages[i] else None for i in range(len(days))
        ],
        urgent=urgent,
        by_hour=by_hour,
        by_weekday=by_weekday,
    )


# --- the bot ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BotReplies:
    replied: int
    mean_ms: float | None
    p50_ms: int | None  # the upper bound of the histogram bucket holding the median
    p90_ms: int | None  # None in both: above the last bound
    within_5s: float | None
    fallback: int
    messages: int


def bucket_quantile(counts: Sequence[int], q: float) -> int | None:
    """The upper bound (ms) of the bucket where the cumulative share reaches `q`; None when it
    is the open-ended last bucket."""
    total = sum(counts)
    if total == 0:
        return None
    running = 0
    for i, n in enumerate(counts):
        running += n
        if running >= q * total:
            return REPLY_BUCKETS_MS[i] if i < len(REPLY_BUCKETS_MS) else None
    return None


async def bot_replies(session: AsyncSession, f: Filters) -> BotReplies:
    sums = [func.sum(getattr(MessageHourly, name)) for name in REPLY_COLUMNS]
    row = (
        await session.execute(
            _hourly(
                f,
                func.sum(MessageHourly.bot_replied),
                func.sum(MessageHourly.reply_ms_sum),
                func.sum(MessageHourly.fallback),
                func.sum(MessageHourly.messages),
                *sums,
            )
        )
    ).one()
    replied, ms_sum, fallback, messages = (int(v or 0) for v in row[:4])
    hist = [int(v or 0) for v in row[4:]]
    return BotReplies(
        replied=replied,
        mean_ms=ms_sum / replied if replied else None,
        p50_ms=bucket_quantile(hist, 0.5),
        p90_ms=bucket_quantile(hist, 0.9),
        within_5s=(hist[0] + hist[1]) / replied if replied else None,
        fallback=fallback,
        messages=messages,
    )


@dataclass(frozen=True, slots=True)
class Containment:
    conversations: int  # conversation-days
    escalated: int
    rate: float | None  # share handled by the bot alone
    days: list[date]
    daily_rate: list[float | None]


async def containment(session: AsyncSession, f: Filters) -> Containment:
    query = (
        select(
            ContactDaily.day,
            func.sum(ContactDaily.conversations),
            func.sum(ContactDaily.escalated),
        )
        .where(ContactDaily.day >= f.start, ContactDaily.day <= f.end)
        .group_by(ContactDaily.day)
    )
    if f.channel:
        query = query.where(ContactDaily.channel == f.channel)
    per_day = {day: (int(n), int(e)) for day, n, e in (await session.execute(query)).all()}
    days = f.days()
    total = sum(n for n, _ in per_day.values())
    escalated = sum(e for _, e in per_day.values())
    return Containment(
        conversations=total,
        escalated=escalated,
        rate=(total - escalated) / total if total else None,
        days=days,
        daily_rate=[
            (per_day[d][0] - per_day[d][1]) / per_day[d][0]
            if d in per_day and per_day[d][0]
            else None
            for d in days
        ],
    )


# --- people ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SlaRow:
    priority: str
    total: int
    met: int
    breached: int
    pending: int

    @property
    def compliance(self) -> float | None:
        decided = self.met + self.breached
        return self.met / decided if decided else None


@dataclass(frozen=True, slots=True)
class People:
    escalations: int
    reasons: list[tuple[str, int]]
    teams: list[tuple[str, int]]
    first_reply_p50_s: float | None
    first_reply_p90_s: float | None
    awaiting_reply: int
    resolution_p50_s: float | None
    resolution_p90_s: float | None
    resolved: int
    sla: list[SlaRow]
    csat_responses: int
    csat_mean: float | None
    csat_distribution: list[int]  # scores 1 … 5


def percentile(values: Sequence[float], q: float) -> float | None:
    """Nearest-rank percentile; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, min(len(ordered), int(-(-q * len(ordered) // 1))))
    return ordered[rank - 1]


def sla_outcome(*, due: datetime | None, answered: datetime | None, now: datetime) -> str | None:
    """met / breached / pending. A conversation closed before any reply counts as answered
    when it was closed; one with no due time has no service level."""
    if due is None:
        return None
    if answered is not None:
        return "met" if answered <= due else "breached"
    return "breached" if now > due else "pending"


async def people(session: AsyncSession, f: Filters, *, now: datetime) -> People:
    """Escalations raised in the range: reasons, teams, reply and resolution times, service
    levels per priority at creation, and satisfaction."""
    begin, finish = f.utc_range()
    query = select(
        Escalation.created_at,
        Escalation.urgency,
        Escalation.tier,
        Escalation.due_at,
        Escalation.first_reply_at,
        Escalation.closed_at,
        Escalation.status,
        Escalation.csat_score,
        Escalation.team,
    ).where(Escalation.created_at >= begin, Escalation.created_at < finish)
    # Reasons: grouped by their stored JSON text in SQL, so only the few distinct lists are
    # decoded here, not one per escalation.
    keys = cast(Escalation.reason_keys, Text)
    reason_query = (
        select(keys, func.count())
        .where(Escalation.created_at >= begin, Escalation.created_at < finish)
        .group_by(keys)
    )
    if f.channel:
        query = query.join(Conversation, Conversation.id == Escalation.conversation_id).where(
            Conversation.channel == f.channel
        )
        reason_query = reason_query.join(
            Conversation, Conversation.id == Escalation.conversation_id
        ).where(Conversation.channel == f.channel)
    reasons: Counter[str] = Counter()
    for text, n in (await session.execute(reason_query)).all():
        for key in json.loads(text or "[]"):
            reasons[key] += int(n)
    teams: Counter[str] = Counter()
    first_reply: list[float] = []
    resolution: list[float] = []
    awaiting = 0
    sla: dict[str, Counter[str]] = {}
    csat = [0] * 5
    total = 0
    for raised, urgency, tier, due, replied, closed, status, score, team in (
        await session.execute(query)
    ).all():
        total += 1
        created = as_utc(raised)
        teams[team or ""] += 1
        if replied is not None:
            first_reply.append((as_utc(replied) - created).total_seconds())
        elif status in (EscalationStatus.WAITING, EscalationStatus.ASSIGNED):
            awaiting += 1
        if status == EscalationStatus.RESOLVED and closed is not None:
            resolution.append((as_utc(closed) - created).total_seconds())
        answered = replied if replied is not None else closed
        outcome = sla_outcome(
            due=as_utc(due) if due else None,
            answered=as_utc(answered) if answered else None,
            now=now,
        )
        if outcome is not None:
            label = f"P{base_priority(urgency, tier)}"
            sla.setdefault(label, Counter())[outcome] += 1
        if score is not None and 1 <= score <= 5:
            csat[score - 1] += 1
    responses = sum(csat)
    return People(
        escalations=total,
        reasons=reasons.most_common(),
        teams=teams.most_common(),
        first_reply_p50_s=percentile(first_reply, 0.5),
        first_reply_p90_s=percentile(first_reply, 0.9),
        awaiting_reply=awaiting,
        resolution_p50_s=percentile(resolution, 0.5),
        resolution_p90_s=percentile(resolution, 0.9),
        resolved=len(resolution),
        sla=[
            SlaRow(
                priority=label,
                total=sum(c.values()),
                met=c["met"],
                breached=c["breached"],
                pending=c["pending"],
            )
            for label, c in sorted(sla.items())
        ],
        csat_responses=responses,
        csat_mean=sum((i + 1) * n for i, n in enumerate(csat)) / responses if responses else None,
        csat_distribution=csat,
    )


# --- what the bot could not answer ------------------------------------------------------------


async def unanswered(
    session: AsyncSession, f: Filters, *, sample: int = 2_000, limit: int = 15
) -> list[Group]:
    """The questions the bot could not answer (NLU fallback or an unsure FAQ), grouped by
    similarity: the `sample` most recent in the range."""
    begin, finish = f.utc_range()
    query = (
        select(Message.id, Message.text, Message.language, Message.channel)
        .where(
            Message.fallback.is_(True),
            Message.created_at >= begin,
            Message.created_at < finish,
            Message.direction == Direction.INBOUND,
        )
        .order_by(Message.created_at.desc())
        .limit(sample)
    )
    if f.channel:
        query = query.where(Message.channel == f.channel)
    questions = [
        Question(message_id=mid, text=text or "", language=language or "", channel=channel)
        for mid, text, language, channel in (await session.execute(query)).all()
    ]
    # Vectorising a couple of thousand short texts is CPU work: off the event loop.
    return await asyncio.to_thread(group_questions, questions, limit=limit)


# --- crisis alerts ---------------------------------------------------------------------------


async def alerts(session: AsyncSession, f: Filters, *, limit: int = 20) -> list[CrisisAlert]:
    begin, finish = f.utc_range()
    query = (
        select(CrisisAlert)
        .where(CrisisAlert.created_at >= begin, CrisisAlert.created_at < finish)
        .order_by(CrisisAlert.created_at.desc())
        .limit(limit)
    )
    return list((await session.execute(query)).scalars())
