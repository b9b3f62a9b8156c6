"""The insight figures on a small, known record (SQLite and PostgreSQL): every metric is
checked against numbers worked out by hand, in the brand's time zone."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import func, select, update

from agent.insight import metrics
from agent.insight.jobs import InsightJob
from agent.insight.metrics import Filters
from agent.insight.models import MessageHourly
from agent.records.models import Direction, EscalationStatus, Message, utcnow
from tests.integration.conftest import Harness, parse_as
from tests.integration.helpers import message_event
from tests.integration.insight_helpers import Seeder

TOKYO = ZoneInfo("Asia/Tokyo")
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)  # 21:00 in Tokyo
DAY_A = date(2026, 11, 19)
DAY_B = date(2026, 11, 20)


def job(harness: Harness, http: httpx.AsyncClient | None = None, **kw: object) -> InsightJob:
    runtime = harness.runtime
    return InsightJob(
        sessions=runtime.sessions,
        redis=runtime.redis,
        http=http or runtime.http,
        config=runtime.insight_config,
        time_zone=TOKYO,
        lookback=timedelta(hours=6),
        **kw,  # type: ignore[arg-type]
    )


@pytest.fixture
async def record(harness: Harness) -> Harness:
    """Two Tokyo days. Day A: one English Messenger customer, two messages, no person.
    Day B: three customers, each escalated (one by a message sent at 00:30 Tokyo time, which
    is still day A in UTC)."""
    async with harness.runtime.sessions() as session:
        seed = Seeder(session)
        c1 = await seed.conversation("c1")
        await seed.message(c1, datetime(2026, 11, 19, 1, 0, tzinfo=UTC))
        await seed.message(
            c1,
            datetime(2026, 11, 19, 2, 0, tzinfo=UTC),
            "why is shipping so expensive",
            topic="faq/shipping_cost",
            score=-0.6,
            label="negative",
            reply_after=timedelta(seconds=3),
        )
        c2 = await seed.conversation("c2", channel="instagram", language="ja")
        at = datetime(2026, 11, 19, 15, 30, tzinfo=UTC)
        m2 = await seed.message(
            c2,
            at,
            "送料はいくらですか",
            topic="faq/shipping_cost",
            language="ja",
            score=0.8,
            label="positive",
            reply_after=timedelta(seconds=20),
        )
        await seed.escalation(
            c2, m2, at, replied=timedelta(minutes=30), closed=timedelta(hours=2), csat=5
        )
        c3 = await seed.conversation("c3", channel="x")
        at = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)
        m3 = await seed.message(
            c3, at, "how do I recycle the empty bottle", topic="nlu_fallback", fallback=True
        )
        await seed.message(
            c3,
            at + timedelta(minutes=10),
            "can I recycle the empty bottles?",
            topic="nlu_fallback",
            fallback=True,
        )
        await seed.escalation(
            c3,
            m3,
            at,
            urgency="critical",
            due=timedelta(minutes=15),
            replied=timedelta(minutes=40),
            closed=timedelta(hours=3),
            csat=2,
            reasons=("health_safety",),
            team="product_safety",
        )
        c4 = await seed.conversation("c4", language="ja")
        at = datetime(2026, 11, 20, 4, 0, tzinfo=UTC)
        m4 = await seed.message(
            c4,
            at,
            '=HYPERLINK("http://evil") 店舗はありますか',
            topic="nlu_fallback",
            language="ja",
            fallback=True,
        )
        await seed.escalation(
            c4,
            m4,
            at,
            urgency="normal",
            tier="gold",
            due=timedelta(hours=9),
            status=EscalationStatus.WAITING,
        )
        await session.commit()
    await job(harness).refresh_rollups(NOW, since=datetime(2026, 11, 18, tzinfo=UTC))
    return harness


def both_days(channel: str | None = None) -> Filters:
    return Filters(start=DAY_A, end=DAY_B, tz=TOKYO, channel=channel)


async def test_volume_counts_customer_messages_by_channel_language_and_topic(
    record: Harness,
) -> None:
    async with record.runtime.sessions() as session:
        both = await metrics.volume(session, both_days())
        day_b = await metrics.volume(session, Filters(start=DAY_B, end=DAY_B, tz=TOKYO))
        on_x = await metrics.volume(session, both_days("x"))
    assert both.total == 6
    assert dict(both.by_channel) == {"messenger": 3, "instagram": 1, "x": 2}
    assert dict(both.by_language) == {"en": 4, "ja": 2}
    assert both.by_topic[0] == ("nlu_fallback", 3)
    assert dict(both.by_topic)["faq/shipping_cost"] == 2
    # 00:30 in Tokyo on the 20th is day B, although it is the 19th in UTC.
    assert day_b.total == 4
    assert on_x.total == 2 and dict(on_x.by_channel) == {"x": 2}


async def test_trend_folds_hours_into_tokyo_days_hours_and_weekdays(record: Harness) -> None:
    async with record.runtime.sessions() as session:
        trend = await metrics.trend(session, both_days())
    assert trend.days == [DAY_A, DAY_B]
    assert trend.messages == [2, 4]
    assert trend.sentiment[0] == pytest.approx(-0.3)  # (0 + -0.6) / 2
    assert trend.negative_share == [0.5, 0.0]
    hours = {h: n for h, n in enumerate(trend.by_hour) if n}
    assert hours == {10: 1, 11: 1, 0: 1, 12: 2, 13: 1}
    assert trend.by_weekday[DAY_A.weekday()] == 2 and trend.by_weekday[DAY_B.weekday()] == 4


async def test_bot_reply_times_come_from_the_histogram(record: Harness) -> None:
    async with record.runtime.sessions() as session:
        bot = await metrics.bot_replies(session, both_days())
    assert bot.replied == 6
    assert bot.mean_ms == pytest.approx((1 + 3 + 20 + 1 + 1 + 1) / 6 * 1000)
    assert bot.p50_ms == 2_000  # four of six within 2 s
    assert bot.p90_ms == 60_000  # the sixth (20 s) sits in the 15–60 s bucket
    assert bot.within_5s == pytest.approx(5 / 6)
    assert bot.fallback == 3 and bot.messages == 6


async def test_containment_counts_conversation_days(record: Harness) -> None:
    async with record.runtime.sessions() as session:
        both = await metrics.containment(session, both_days())
    assert (both.conversations, both.escalated) == (4, 3)
    assert both.rate == pytest.approx(0.25)
    assert both.daily_rate == [1.0, 0.0]


async def test_people_reply_and_resolution_times_service_levels_and_satisfaction(
    record: Harness,
) -> None:
    async with record.runtime.sessions() as session:
        people = await metrics.people(session, both_days(), now=NOW)
        on_x = await metrics.people(session, both_days("x"), now=NOW)
    assert people.escalations == 3
    assert people.first_reply_p50_s == 30 * 60
    assert people.first_reply_p90_s == 40 * 60
    assert people.awaiting_reply == 1
    assert people.resolution_p50_s == 2 * 3600 and people.resolved == 2
    sla = {row.priority: row for row in people.sla}
    assert (sla["P1"].breached, sla["P1"].met, sla["P1"].compliance) == (1, 0, 0.0)
    # High urgency met in time; normal urgency for a gold customer is P2 too, not due yet.
    assert (sla["P2"].met, sla["P2"].pending, sla["P2"].compliance) == (1, 1, 1.0)
    assert people.csat_distribution == [0, 1, 0, 0, 1]
    assert people.csat_mean == pytest.approx(3.5)
    assert dict(people.reasons) == {"asked_for_person": 2, "health_safety": 1}
    assert on_x.escalations == 1 and on_x.csat_distribution == [0, 1, 0, 0, 0]


async def test_unanswered_questions_are_grouped_by_similarity(record: Harness) -> None:
    async with record.runtime.sessions() as session:
        groups = await metrics.unanswered(session, both_days())
    assert [g.count for g in groups] == [2, 1]
    assert "recycle" in groups[0].representative.text
    assert groups[0].representative.text.startswith("can I")  # the most recent wording
    assert groups[1].languages == ("ja",)


async def test_refresh_is_idempotent_and_picks_up_late_changes(record: Harness) -> None:
    async with record.runtime.sessions() as session:
        rows = await session.scalar(select(func.count()).select_from(MessageHourly))
        await session.execute(update(Message).where(Message.text == "hello").values(fallback=True))
        await session.commit()
    await job(record).refresh_rollups(NOW, since=datetime(2026, 11, 18, tzinfo=UTC))
    async with record.runtime.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(MessageHourly)) == rows
        bot = await metrics.bot_replies(session, both_days())
    assert bot.fallback == 4 and bot.messages == 6


async def test_a_routine_refresh_leaves_older_days_alone(record: Harness) -> None:
    """A run recomputes from the start of the Tokyo day `lookback` before now: day A stays."""
    later = NOW + timedelta(hours=1)
    start = await job(record).refresh_rollups(later)
    assert start == datetime(2026, 11, 19, 15, 0, tzinfo=UTC)  # 00:00 on day B in Tokyo
    async with record.runtime.sessions() as session:
        trend = await metrics.trend(session, both_days())
    assert trend.messages == [2, 4]


async def test_the_worker_stores_each_message_topic_and_the_rollups_count_it(
    harness: Harness,
) -> None:
    harness.rasa["parse"] = parse_as("faq/shipping_cost")
    await harness.deliver(message_event("m_topic", "how much is shipping to Osaka?"))
    await harness.worker.run_once()
    [inbound] = await harness.messages(Direction.INBOUND)
    assert inbound.topic == "faq/shipping_cost"
    now = utcnow()
    await job(harness).refresh_rollups(now)
    today = now.astimezone(TOKYO).date()
    async with harness.runtime.sessions() as session:
        volume = await metrics.volume(session, Filters(start=today, end=today, tz=TOKYO))
        bot = await metrics.bot_replies(session, Filters(start=today, end=today, tz=TOKYO))
    assert volume.by_topic == [("faq/shipping_cost", 1)]
    assert bot.replied == 1 and bot.p50_ms == 2_000  # the scripted Rasa answers at once
