"""Every figure of the dashboard for one filter, and the same figures as tables: the page shows
them and each one downloads as CSV."""

from __future__ import annotations

import csv
import io
from collections import OrderedDict
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from agent.insight import metrics
from agent.insight.metrics import (
    BotReplies,
    Containment,
    Filters,
    People,
    Trend,
    Volume,
)
from agent.insight.models import CrisisAlert
from agent.insight.similar import Group


@dataclass(frozen=True, slots=True)
class Report:
    filters: Filters
    volume: Volume
    trend: Trend
    bot: BotReplies
    containment: Containment
    people: People
    unanswered: list[Group]
    alerts: list[CrisisAlert]


async def build_report(session: AsyncSession, f: Filters, *, now: datetime) -> Report:
    return Report(
        filters=f,
        volume=await metrics.volume(session, f),
        trend=await metrics.trend(session, f),
        bot=await metrics.bot_replies(session, f),
        containment=await metrics.containment(session, f),
        people=await metrics.people(session, f, now=now),
        unanswered=await metrics.unanswered(session, f),
        alerts=await metrics.alerts(session, f),
    )


class ReportCache:
    """Reports by filter, for as long as the rollups they were read from: the page and its
    CSV links ask for the same figures within seconds. Crisis alerts are always read fresh
    (acknowledging one must show at once)."""

    def __init__(self, size: int = 16) -> None:
        self._size = size
        self._items: OrderedDict[tuple[Filters, datetime | None], Report] = OrderedDict()

    async def get(
        self, session: AsyncSession, f: Filters, *, now: datetime, version: datetime | None
    ) -> Report:
        key = (f, version)
        cached = self._items.get(key)
        if cached is None:
            cached = await build_report(session, f, now=now)
            self._items[key] = cached
            while len(self._items) > self._size:
                self._items.popitem(last=False)
        else:
            self._items.move_to_end(key)
        return replace(cached, alerts=await metrics.alerts(session, f))


@dataclass(frozen=True, slots=True)
class Table:
    key: str
    title: str
    headers: list[str]
    rows: list[list[str | int | float | None]]

    def csv(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(self.headers)
        for row in self.rows:
            writer.writerow(["" if cell is None else _csv_cell(cell) for cell in row])
        return out.getvalue()


def _csv_cell(cell: str | int | float) -> str | int | float:
    # A cell starting with = + - @ is a formula to a spreadsheet: customers' words must not
    # run as one when the brand team opens the file.
    if isinstance(cell, str) and cell[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + cell
    return cell


def _ratio(value: float | None) -> float | None:
    return round(value, 4) if value is not None else None


def _seconds(value: float | None) -> float | None:
    return round(value, 1) if value is not None else None


def tables(report: Report, w: dict[str, str]) -> dict[str, Table]:
    """The report's tables by key (the key is the CSV file's name)."""
    t = report.trend
    c = report.containment
    p = report.people
    b = report.bot
    weekdays = w["weekdays"].split(",")
    items = [
        Table(
            "daily",
            w["volume_by_day"],
            [
                w["day"],
                w["messages"],
                w["sentiment"],
                w["negative_share"],
                w["urgent"],
                w["containment"],
            ],
            [
                [
                    day.isoformat(),
                    t.messages[i],
                    _ratio(t.sentiment[i]),
                    _ratio(t.negative_share[i]),
                    t.urgent[i],
                    _ratio(c.daily_rate[i]),
                ]
                for i, day in enumerate(t.days)
            ],
        ),
        Table(
            "channels",
            w["volume_by_channel"],
            [w["channel"], w["count"]],
            [[k, n] for k, n in report.volume.by_channel],
        ),
        Table(
            "languages",
            w["volume_by_language"],
            [w["language"], w["count"]],
            [[k or w["unknown"], n] for k, n in report.volume.by_language],
        ),
        Table(
            "topics",
            w["volume_by_topic"],
            [w["topic"], w["count"]],
            [[k or w["unclassified"], n] for k, n in report.volume.by_topic],
        ),
        Table(
            "hours",
            w["volume_by_hour"],
            [w["hour"], w["count"]],
            [[f"{h:02d}:00", n] for h, n in enumerate(t.by_hour)],
        ),
        Table(
            "weekdays",
            w["volume_by_weekday"],
            [w["weekday"], w["count"]],
            [[weekdays[d], n] for d, n in enumerate(t.by_weekday)],
        ),
        Table(
            "reasons",
            w["reasons"],
            [w["reason"], w["count"]],
            [[k, n] for k, n in p.reasons],
        ),
        Table("teams", w["teams"], [w["team"], w["count"]], [[k, n] for k, n in p.teams]),
        Table(
            "response_times",
            w["response_times"],
            [w["measure"], w["count"], w["p50"] + " (s)", w["p90"] + " (s)"],
            [
                [
                    w["bot_first_reply"],
                    b.replied,
                    b.p50_ms / 1000 if b.p50_ms is not None else None,
                    b.p90_ms / 1000 if b.p90_ms is not None else None,
                ],
                [
                    w["human_first_reply"],
                    p.escalations - p.awaiting_reply,
                    _seconds(p.first_reply_p50_s),
                    _seconds(p.first_reply_p90_s),
                ],
                [
                    w["human_resolution"],
                    p.resolved,
                    _seconds(p.resolution_p50_s),
                    _seconds(p.resolution_p90_s),
                ],
            ],
        ),
        Table(
            "sla",
            w["sla"],
            [w["priority"], w["total"], w["met"], w["breached"], w["pending"], w["compliance"]],
            [
                [r.priority, r.total, r.met, r.breached, r.pending, _ratio(r.compliance)]
                for r in p.sla
            ],
        ),
        Table(
            "csat",
            w["csat_distribution"],
            [w["score"], w["count"]],
            [[score, n] for score, n in enumerate(p.csat_distribution, start=1)],
        ),
        Table(
            "unanswered",
            w["unanswered"],
            [w["question"], w["count"], w["languages"], w["channel"], w["wordings"]],
            [
                [
                    g.representative.text,
                    g.count,
                    " ".join(g.languages),
                    " ".join(g.channels),
                    " | ".join(g.wordings[1:]),
                ]
                for g in report.unanswered
            ],
        ),
        Table(
            "alerts",
            w["alerts"],
            [
                w["when"],
                w["subject"],
                w["customers"],
                w["messages"],
                w["baseline"],
                w["acknowledged"],
                w["webhook"],
            ],
            [
                [
                    a.created_at.isoformat(),
                    a.subject,
                    a.customers,
                    a.messages,
                    round(a.baseline_mean, 2),
                    a.acknowledged_at.isoformat() if a.acknowledged_at else "",
                    a.webhook_status,
                ]
                for a in report.alerts
            ],
        ),
    ]
    return {table.key: table for table in items}
