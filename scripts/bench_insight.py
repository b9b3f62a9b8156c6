"""Time the insight dashboard's queries on a database filled by scripts/insight_data.py.

    .venv-app/bin/python -m scripts.bench_insight --database-url postgresql://…/insight_bench \
        [--runs 10] [--budget-ms 1000] [--explain]

For each filter (the last 90, 30 and 7 days, and 90 days of Instagram) every dashboard query
and the whole report run once cold and then `--runs` times, each in its own session as a page
request would. The table gives the first (cold) run, then p50 / p95 / max of the others and the
median time spent executing statements (server time, transfer and the driver decoding the rows;
the rest is Python: folding rows, grouping questions). Then the row counts, the insight job's
steps (its routine refresh of the rollups since six hours ago, the same from yesterday's
midnight, its largest, and a crisis check) and the peak memory of this process. Exits 1 when a
p95 is over the budget. --explain prints PostgreSQL's EXPLAIN ANALYZE of every statement that
took longer than --explain-ms.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import resource
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import event, func, select
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from agent.db import create_engine, sessionmaker
from agent.handoff.config import load_handoff_config
from agent.insight import metrics
from agent.insight.metrics import Filters
from agent.insight.models import ContactDaily, CrisisAlert, MessageHourly, SubjectHourly
from agent.insight.report import build_report
from agent.records.models import Conversation, Escalation, Message
from scripts.insight_data import insight_job

Query = Callable[[AsyncSession, Filters, datetime], Awaitable[object]]

QUERIES: dict[str, Query] = {
    "volume": lambda db, f, now: metrics.volume(db, f),
    "trend": lambda db, f, now: metrics.trend(db, f),
    "bot_replies": lambda db, f, now: metrics.bot_replies(db, f),
    "containment": lambda db, f, now: metrics.containment(db, f),
    "people": lambda db, f, now: metrics.people(db, f, now=now),
    "unanswered": lambda db, f, now: metrics.unanswered(db, f),
    "alerts": lambda db, f, now: metrics.alerts(db, f),
    "report": lambda db, f, now: build_report(db, f, now=now),
}
COUNTED = (
    ("messages", Message),
    ("conversations", Conversation),
    ("escalations", Escalation),
    ("insight_message_hourly", MessageHourly),
    ("insight_contact_daily", ContactDaily),
    ("insight_subject_hourly", SubjectHourly),
    ("crisis_alerts", CrisisAlert),
)


def filter_sets(now: datetime, tz: ZoneInfo) -> list[tuple[str, Filters]]:
    today = now.astimezone(tz).date()

    def last(days: int, channel: str | None = None) -> Filters:
        return Filters(start=today - timedelta(days=days - 1), end=today, tz=tz, channel=channel)

    return [
        ("90 days", last(90)),
        ("30 days", last(30)),
        ("7 days", last(7)),
        ("90 days instagram", last(90, "instagram")),
    ]


def p95(values: list[float]) -> float:
    """Nearest-rank 95th percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


@dataclass
class SqlLog:
    """Every statement the engine ran, with its time: how much of a query is the database."""

    statements: list[tuple[str, Any, float]] = field(default_factory=list)

    def attach(self, engine: AsyncEngine) -> None:
        def before(conn: Any, *_: Any) -> None:
            conn.info.setdefault("bench_started", []).append(time.perf_counter())

        def after(conn: Any, _cursor: Any, statement: str, params: Any, *_: Any) -> None:
            started = conn.info["bench_started"].pop()
            self.statements.append((statement, params, time.perf_counter() - started))

        event.listen(engine.sync_engine, "before_cursor_execute", before)
        event.listen(engine.sync_engine, "after_cursor_execute", after)

    def mark(self) -> int:
        return len(self.statements)

    def seconds_since(self, mark: int) -> float:
        return sum(seconds for _, _, seconds in self.statements[mark:])


@dataclass(frozen=True, slots=True)
class Timing:
    filter: str
    query: str
    cold_ms: float
    warm_ms: list[float]
    sql_ms: list[float]


async def time_query(
    sessions: async_sessionmaker[AsyncSession],
    log: SqlLog,
    query: Query,
    f: Filters,
    now: datetime,
) -> tuple[float, float]:
    """Wall time and database time of one run, in ms, in a fresh session."""
    mark = log.mark()
    started = time.perf_counter()
    async with sessions() as db:
        await query(db, f, now)
    wall = (time.perf_counter() - started) * 1000
    return wall, log.seconds_since(mark) * 1000


async def bench(
    sessions: async_sessionmaker[AsyncSession],
    log: SqlLog,
    *,
    now: datetime,
    tz: ZoneInfo,
    runs: int,
) -> list[Timing]:
    timings = []
    for label, f in filter_sets(now, tz):
        for name, query in QUERIES.items():
            cold, _ = await time_query(sessions, log, query, f, now)
            warm, sql = [], []
            for _ in range(runs):
                wall, db_ms = await time_query(sessions, log, query, f, now)
                warm.append(wall)
                sql.append(db_ms)
            timings.append(Timing(label, name, cold, warm, sql))
            print(
                f"  {label:<18} {name:<12} cold {cold:8.1f}  p50 {statistics.median(warm):8.1f}"
                f"  p95 {p95(warm):8.1f}  max {max(warm):8.1f}  sql {statistics.median(sql):8.1f}",
                flush=True,
            )
    return timings


def table(timings: list[Timing]) -> str:
    head = (
        f"{'filter':<18} {'query':<12} {'cold ms':>9} {'p50 ms':>9} {'p95 ms':>9} "
        f"{'max ms':>9} {'sql p50':>9}"
    )
    lines = [head, "-" * len(head)]
    for t in timings:
        lines.append(
            f"{t.filter:<18} {t.query:<12} {t.cold_ms:9.1f} {statistics.median(t.warm_ms):9.1f} "
            f"{p95(t.warm_ms):9.1f} {max(t.warm_ms):9.1f} {statistics.median(t.sql_ms):9.1f}"
        )
    return "\n".join(lines)


async def counts(sessions: async_sessionmaker[AsyncSession]) -> list[tuple[str, int]]:
    async with sessions() as db:
        return [
            (name, int(await db.scalar(select(func.count()).select_from(model)) or 0))
            for name, model in COUNTED
        ]


async def routine_refresh(
    sessions: async_sessionmaker[AsyncSession], *, now: datetime, tz: ZoneInfo
) -> dict[str, float]:
    """ms for the insight job's steps on the database: its routine refresh (whole local days
    from six hours before its last run: today's, or yesterday's too before 6 a.m.), the same
    from yesterday's midnight (the most it does routinely), then its crisis check."""
    job = insight_job(sessions, tz)
    timings = {}
    try:
        for label, since in (
            ("routine refresh", None),
            ("refresh since yesterday", now - timedelta(days=1)),
        ):
            started = time.perf_counter()
            await job.refresh_rollups(now, since=since)
            timings[label] = (time.perf_counter() - started) * 1000
        started = time.perf_counter()
        await job.detect_crises(now)
        timings["crisis check"] = (time.perf_counter() - started) * 1000
    finally:
        await job.http.aclose()
        await job.redis.aclose()
    return timings


async def explain(
    engine: AsyncEngine, statements: list[tuple[str, Any, float]], *, over_ms: float
) -> None:
    """EXPLAIN ANALYZE of each distinct statement that once took longer than `over_ms`."""
    slowest: dict[str, tuple[Any, float]] = {}
    for statement, params, seconds in statements:
        reads = statement.lstrip().upper().startswith(("SELECT", "WITH"))
        if reads and over_ms < seconds * 1000 and seconds > slowest.get(statement, (None, 0))[1]:
            slowest[statement] = (params, seconds)
    async with engine.connect() as conn:
        for statement, (params, seconds) in sorted(slowest.items(), key=lambda kv: -kv[1][1]):
            print(f"\n--- {seconds * 1000:.1f} ms at worst:\n{statement}\n{params!r}")
            result = await conn.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + statement, params)
            print("\n".join(row[0] for row in result.all()))
        await conn.rollback()


async def run(args: argparse.Namespace) -> int:
    tz = load_handoff_config().calendar.time_zone
    now = datetime.now(UTC)
    engine = create_engine(args.database_url)
    log = SqlLog()
    log.attach(engine)
    sessions = sessionmaker(engine)
    try:
        rows = await counts(sessions)
        print("rows: " + ", ".join(f"{name} {n:,}" for name, n in rows), flush=True)
        first = log.mark()
        timings = await bench(sessions, log, now=now, tz=tz, runs=args.runs)
        dashboard = log.statements[first:]
        job = await routine_refresh(sessions, now=now, tz=tz)
        print()
        print(table(timings))
        print()
        print("rows: " + ", ".join(f"{name} {n:,}" for name, n in rows))
        print("insight job: " + "; ".join(f"{name} {ms:.1f} ms" for name, ms in job.items()))
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"peak RSS of this process: {peak:.0f} MB")
        if args.explain:
            if engine.dialect.name != "postgresql":
                print("--explain needs PostgreSQL", file=sys.stderr)
            else:
                await explain(engine, dashboard, over_ms=args.explain_ms)
    finally:
        await engine.dispose()
    slow = [t for t in timings if p95(t.warm_ms) > args.budget_ms]
    for t in slow:
        over = f"p95 {p95(t.warm_ms):.1f} ms > {args.budget_ms:.0f} ms"
        print(f"OVER BUDGET: {t.query} ({t.filter}) {over}", file=sys.stderr)
    return 1 if slow else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.bench_insight")
    parser.add_argument("--database-url", default=os.environ.get("AGENT_DATABASE_URL"))
    parser.add_argument("--runs", type=int, default=10, help="warm runs after the cold one")
    parser.add_argument("--budget-ms", type=float, default=1000.0, help="the p95 each must meet")
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE slow statements")
    parser.add_argument("--explain-ms", type=float, default=100.0)
    args = parser.parse_args(argv)
    if not args.database_url:
        print("no database: pass --database-url or set AGENT_DATABASE_URL", file=sys.stderr)
        return 2
    if make_url(args.database_url).get_backend_name() not in ("postgresql", "sqlite"):
        print("unsupported database", file=sys.stderr)
        return 2
    if args.runs < 1:
        print("--runs must be at least 1", file=sys.stderr)
        return 2
    return asyncio.run(run(args))


if __name__ == "__main__":
    raise SystemExit(main())
