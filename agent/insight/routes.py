"""The dashboard under /console/insight (it shares the console's login): the page, CSV
exports, FAQ drafts from unanswered questions, and crisis alerts. Analysts, leads and admins."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from agent.console.routes import Caller, caller
from agent.errors import BadRequest, NotAllowed, NotFound
from agent.handoff.events import ConsoleEvent, publish_alert
from agent.handoff.models import Role
from agent.insight.i18n import words
from agent.insight.metrics import Filters
from agent.insight.models import CrisisAlert, FaqDraft, RollupState
from agent.insight.page import CHANNELS, render
from agent.insight.report import Report, ReportCache, tables
from agent.records.models import Message, utcnow
from agent.runtime import Runtime

router = APIRouter(prefix="/console/insight")
MAX_DAYS = 400
DEFAULT_DAYS = 30
# The brand team (analysts, and the studio's editors and approvers), leads and admins.
READERS = frozenset({Role.ANALYST, Role.EDITOR, Role.APPROVER, Role.ADMIN, Role.LEAD})


def _runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


def _reports(request: Request) -> ReportCache:
    """One cache per app process."""
    state = request.app.state
    if not hasattr(state, "insight_reports"):
        state.insight_reports = ReportCache()
    cache: ReportCache = state.insight_reports
    return cache


async def _report(request: Request, filters: Filters) -> tuple[Report, datetime | None]:
    """The report for the filters, and when the rollups it reads were last refreshed."""
    async with _runtime(request).sessions() as db:
        state = await db.get(RollupState, 1)
        refreshed = state.refreshed_at if state else None
        report = await _reports(request).get(db, filters, now=utcnow(), version=refreshed)
    return report, refreshed


def _language(asked: str | None, who: Caller) -> str:
    """The page's language: the one asked for, else the person's console language."""
    return asked if asked in ("en", "ja") else who.staff.ui_language


async def reader(who: Annotated[Caller, Depends(caller)]) -> Caller:
    if who.staff.role not in READERS:
        raise NotAllowed("the insight dashboard is for analysts, leads and admins")
    return who


ReaderDep = Annotated[Caller, Depends(reader)]


def parse_filters(
    runtime: Runtime, start: str | None, end: str | None, channel: str | None
) -> Filters:
    tz = runtime.handoff_config.calendar.time_zone
    today = utcnow().astimezone(tz).date()
    try:
        last = date.fromisoformat(end) if end else today
        first = date.fromisoformat(start) if start else last - timedelta(days=DEFAULT_DAYS - 1)
    except ValueError as exc:
        raise BadRequest(f"dates are YYYY-MM-DD: {exc}") from exc
    if first > last:
        raise BadRequest("the start date is after the end date")
    if (last - first).days >= MAX_DAYS:
        raise BadRequest(f"at most {MAX_DAYS} days at a time")
    if channel and channel not in CHANNELS:
        raise BadRequest(f"unknown channel {channel!r}; one of {', '.join(CHANNELS)}")
    return Filters(start=first, end=last, tz=tz, channel=channel or None)


StartQ = Annotated[str | None, Query(alias="from", max_length=10)]
EndQ = Annotated[str | None, Query(alias="to", max_length=10)]
ChannelQ = Annotated[str | None, Query(max_length=16)]


@router.get("", response_class=HTMLResponse)
async def dashboard(
    request: Request,
    who: ReaderDep,
    *,
    start: StartQ = None,
    end: EndQ = None,
    channel: ChannelQ = None,
    lang: Annotated[str | None, Query(max_length=2)] = None,
) -> HTMLResponse:
    filters = parse_filters(_runtime(request), start, end, channel)
    report, refreshed = await _report(request, filters)
    language = _language(lang, who)
    page = render(
        report,
        words(language),
        language=language,
        who=who.staff.name,
        csrf=who.session.csrf,
        refreshed=refreshed,
    )
    return HTMLResponse(page, headers={"Cache-Control": "no-store"})


@router.get("/export/{key}.csv")
async def export(
    request: Request,
    key: str,
    who: ReaderDep,
    *,
    start: StartQ = None,
    end: EndQ = None,
    channel: ChannelQ = None,
    lang: Annotated[str | None, Query(max_length=2)] = None,
) -> Response:
    filters = parse_filters(_runtime(request), start, end, channel)
    report, _ = await _report(request, filters)
    table = tables(report, words(_language(lang, who))).get(key)
    if table is None:
        raise NotFound(f"no table {key!r}")
    name = f"{key}_{filters.start.isoformat()}_{filters.end.isoformat()}.csv"
    # A byte-order mark so spreadsheet apps read the Japanese text as UTF-8.
    return Response(
        "\ufeff" + table.csv(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


class DraftIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    message_ids: list[int] = Field(min_length=1, max_length=50)
    language: str = Field(default="en", pattern="^(en|ja)$")


@router.post("/api/drafts")
async def start_draft(request: Request, body: DraftIn, who: ReaderDep) -> JSONResponse:
    """A new FAQ draft whose training questions are the group's wordings."""
    async with _runtime(request).sessions() as db:
        found = await db.execute(
            select(Message.text).where(
                Message.id.in_(body.message_ids), Message.direction == "inbound"
            )
        )
        questions: list[str] = []
        for (text,) in found.all():
            cleaned = (text or "").strip()
            if cleaned and cleaned not in questions:
                questions.append(cleaned)
        if not questions:
            raise NotFound("none of those messages exist")
        draft = FaqDraft(
            key=f"draft_{utcnow():%Y%m%d%H%M%S}",
            language=body.language,
            questions=questions,
            created_by=who.staff.id,
        )
        db.add(draft)
        await db.commit()
        return JSONResponse({"id": draft.id, "questions": questions}, status_code=201)


@router.get("/api/alerts")
async def open_alerts(
    request: Request, who: Annotated[Caller, Depends(caller)], limit: int = 10
) -> JSONResponse:
    """Crisis alerts nobody acknowledged yet: every console shows them, not only analysts."""
    async with _runtime(request).sessions() as db:
        found = await db.execute(
            select(CrisisAlert)
            .where(CrisisAlert.acknowledged_at.is_(None))
            .order_by(CrisisAlert.created_at.desc())
            .limit(max(1, min(limit, 50)))
        )
        items = [
            {
                "id": a.id,
                "subject": a.subject,
                "related": list(a.related or []),
                "customers": a.customers,
                "messages": a.messages,
                "created_at": a.created_at.isoformat(),
                "examples": a.payload.get("examples", []),
            }
            for a in found.scalars()
        ]
    return JSONResponse({"alerts": items})


@router.post("/api/alerts/{alert_id}/acknowledge")
async def acknowledge(request: Request, alert_id: int, who: ReaderDep) -> JSONResponse:
    runtime = _runtime(request)
    async with runtime.sessions() as db:
        alert = await db.get(CrisisAlert, alert_id)
        if alert is None:
            raise NotFound(f"no alert {alert_id}")
        if alert.acknowledged_at is None:
            alert.acknowledged_at = utcnow()
            alert.acknowledged_by = who.staff.id
            await db.commit()
    await publish_alert(runtime.redis, ConsoleEvent.CRISIS_ACKNOWLEDGED, alert_id=alert_id)
    return JSONResponse({"ok": True})
