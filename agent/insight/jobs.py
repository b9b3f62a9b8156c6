"""The insight loop the app runs: recompute the rollups, look for crises, deliver alert
webhooks. One app process at a time (a Redis lock); every step's state is in SQL, so a restart
or a failed delivery loses nothing."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
from redis.asyncio import Redis
from redis.exceptions import RedisError
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from agent import redis_keys
from agent.handoff.events import ConsoleEvent, publish_alert
from agent.insight.config import InsightConfig
from agent.insight.crisis import Alert, baseline_series, detect, hour_start
from agent.insight.models import CrisisAlert, RollupState, SubjectHourly, WebhookStatus
from agent.insight.rollup import (
    load_rows,
    oldest_message,
    recompute_from,
    refresh,
)
from agent.records.models import as_utc, utcnow

log = logging.getLogger(__name__)
SIGNATURE_HEADER = "X-Tsuyu-Signature"
_PERMANENT = frozenset(range(400, 500)) - {408, 425, 429}


def absorb(row: CrisisAlert, repeat: Alert) -> None:
    """A known incident crossed a threshold again (another subject, or the same people after
    the first of them left the window): its people and subjects join the alert already sent,
    which keeps them in its cooldown; nobody is alerted twice."""
    row.customer_keys = sorted(set(row.customer_keys or []) | repeat.customer_keys)
    subjects = [*(row.related or [])]
    for name in (repeat.subject, *repeat.related):
        if name != row.subject and name not in subjects:
            subjects.append(name)
    row.related = subjects


def sign(body: bytes, secret: str) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


@dataclass(frozen=True, slots=True)
class RunResult:
    refreshed_from: datetime
    alerts: list[int] = field(default_factory=list)
    delivered: int = 0


@dataclass
class InsightJob:
    sessions: async_sessionmaker[AsyncSession]
    redis: Redis
    http: httpx.AsyncClient
    config: InsightConfig
    time_zone: ZoneInfo
    lookback: timedelta
    webhook_url: str | None = None
    webhook_secret: str | None = None

    async def run_once(self, now: datetime | None = None) -> RunResult:
        now = now or utcnow()
        start = await self.refresh_rollups(now)
        alerts = await self.detect_crises(now)
        for alert_id in alerts:
            await publish_alert(self.redis, ConsoleEvent.CRISIS, alert_id=alert_id)
        delivered = await self.deliver_webhooks(now)
        return RunResult(refreshed_from=start, alerts=alerts, delivered=delivered)

    async def refresh_rollups(self, now: datetime, *, since: datetime | None = None) -> datetime:
        """Recompute from `since`, or from where routine runs start; the very first run
        covers every message already stored."""
        async with self.sessions() as db:
            state = await db.get(RollupState, 1)
            if since is None and (state is None or state.refreshed_at is None):
                since = await oldest_message(db)
            start = since or recompute_from(
                state.refreshed_at if state else None, now, self.lookback
            )
            begun = await refresh(
                db, since=start, now=now, tz=self.time_zone, crisis=self.config.crisis
            )
            await db.commit()
        return begun

    async def rebuild(self, now: datetime, *, chunk: timedelta = timedelta(days=7)) -> int:
        """Recompute every rollup from the oldest message, a chunk of days at a time (memory
        stays bounded on a large record). Returns the number of chunks."""
        async with self.sessions() as db:
            oldest = await oldest_message(db)
        if oldest is None:
            await self.refresh_rollups(now, since=now)
            return 1
        chunks = 0
        start = oldest
        while True:
            until = start + chunk
            last = until > now
            async with self.sessions() as db:
                await refresh(
                    db,
                    since=start,
                    now=now,
                    tz=self.time_zone,
                    crisis=self.config.crisis,
                    until=None if last else until,
                )
                await db.commit()
            chunks += 1
            if last:
                return chunks
            start = until

    async def detect_crises(self, now: datetime) -> list[int]:
        """New alerts (their ids); the baseline is the subject rollup, so refresh first."""
        crisis = self.config.crisis
        async with self.sessions() as db:
            rows = await load_rows(db, now - crisis.window, replies=False)
            window = [r.observation() for r in rows if r.created_at <= now]
            end = hour_start(now - crisis.window)
            hourly = await db.execute(
                select(SubjectHourly.hour, SubjectHourly.subject, SubjectHourly.customers).where(
                    SubjectHourly.hour >= end - timedelta(days=crisis.baseline_days),
                    SubjectHourly.hour < end,
                )
            )
            baseline = baseline_series(
                {(as_utc(h), s): n for h, s, n in hourly.all()}, now=now, config=crisis
            )
            recent = list(
                (
                    await db.execute(
                        select(CrisisAlert)
                        .where(CrisisAlert.created_at > now - crisis.cooldown)
                        .order_by(CrisisAlert.id)
                    )
                ).scalars()
            )
            last_alert: dict[str, datetime] = {}
            for row in recent:
                at = as_utc(row.created_at)
                # The subjects folded into an alert are in their cooldown too.
                for name in (row.subject, *(row.related or [])):
                    last_alert[name] = max(at, last_alert.get(name, at))
            found = detect(
                window,
                baseline,
                now=now,
                config=crisis,
                last_alert=last_alert,
                recent=[frozenset(row.customer_keys or []) for row in recent],
            )
            new = [alert for alert in found if alert.repeat_of is None]
            for alert in found:
                if alert.repeat_of is not None:
                    absorb(recent[alert.repeat_of], alert)
            created = [self._record(alert, now) for alert in new]
            db.add_all(created)
            await db.commit()
            for alert in new:
                log.warning(
                    "crisis: %s — %d customers in %s (usual %.1f)",
                    alert.subject,
                    alert.customers,
                    crisis.window,
                    alert.baseline_mean,
                )
            return [row.id for row in created]

    def _record(self, alert: Alert, now: datetime) -> CrisisAlert:
        """A new alert's row; its webhook is due at once when one is configured."""
        hooked = self.webhook_url is not None
        return CrisisAlert(
            subject=alert.subject,
            related=list(alert.related),
            customer_keys=sorted(alert.customer_keys),
            window_start=alert.window_start,
            window_end=alert.window_end,
            customers=alert.customers,
            messages=alert.messages,
            baseline_mean=alert.baseline_mean,
            threshold=alert.threshold,
            payload=alert.as_payload(),
            created_at=now,
            webhook_status=WebhookStatus.PENDING if hooked else WebhookStatus.OFF,
            webhook_next_at=now if hooked else None,
        )

    async def deliver_webhooks(self, now: datetime) -> int:
        """POST every due alert; a failure waits (doubling) and is retried up to the limit."""
        if self.webhook_url is None:
            return 0
        delivered = 0
        async with self.sessions() as db:
            due: Sequence[CrisisAlert] = (
                (
                    await db.execute(
                        select(CrisisAlert)
                        .where(
                            CrisisAlert.webhook_status == WebhookStatus.PENDING,
                            CrisisAlert.webhook_next_at <= now,
                        )
                        .order_by(CrisisAlert.id)
                        .limit(20)
                    )
                )
                .scalars()
                .all()
            )
            for alert in due:
                error = await self._post(alert)
                alert.webhook_attempts += 1
                if error is None:
                    alert.webhook_status = WebhookStatus.DELIVERED
                    alert.delivered_at = now
                    alert.webhook_error = None
                    delivered += 1
                    continue
                alert.webhook_error = error
                permanent = error.startswith("refused")
                if permanent or alert.webhook_attempts >= self.config.webhook_max_attempts:
                    alert.webhook_status = WebhookStatus.FAILED
                    log.error("crisis alert %s webhook gave up: %s", alert.id, error)
                else:
                    delay = self.config.webhook_retry_delay(alert.webhook_attempts)
                    alert.webhook_next_at = now + timedelta(seconds=delay)
                    log.warning(
                        "crisis alert %s webhook: %s; retry in %.0f s", alert.id, error, delay
                    )
            await db.commit()
        return delivered

    async def _post(self, alert: CrisisAlert) -> str | None:
        """None when delivered, else why not ("refused …" when retrying cannot help)."""
        assert self.webhook_url is not None
        body = json.dumps({"type": "crisis_alert", "id": alert.id, **alert.payload}).encode()
        headers = {"Content-Type": "application/json"}
        if self.webhook_secret:
            headers[SIGNATURE_HEADER] = sign(body, self.webhook_secret)
        try:
            response = await self.http.post(self.webhook_url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            return f"{type(exc).__name__}: {exc}"
        if 200 <= response.status_code < 300:
            return None
        prefix = "refused" if response.status_code in _PERMANENT else "failed"
        return f"{prefix}: HTTP {response.status_code}"


async def run_forever(job: InsightJob, *, every_s: float, stop: asyncio.Event) -> None:
    """The loop the app runs until `stop` is set. A run is never cancelled half-way (the app
    waits for it on shutdown): a database connection torn out of a streaming read can hang.
    A run that fails (database or Redis down) is logged; the next one recomputes from where
    the last good one left off."""
    while not stop.is_set():
        try:
            locked = await job.redis.set(
                redis_keys.INSIGHT_JOB_LOCK, "1", nx=True, px=int(max(every_s, 30) * 2000)
            )
            if locked:
                try:
                    await job.run_once()
                finally:
                    with contextlib.suppress(RedisError):
                        await job.redis.delete(redis_keys.INSIGHT_JOB_LOCK)
        except (SQLAlchemyError, RedisError, OSError) as exc:
            log.warning("insight run failed, retried next time: %s", exc)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=every_s)
