"""The console's pages and JSON API under /console. Every route but the login page needs a
session; every state-changing one also needs the session's CSRF token."""

from __future__ import annotations

import asyncio
import json
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import (
    HTMLResponse,
    JSONResponse,
    RedirectResponse,
    Response,
    StreamingResponse,
)
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from agent import redis_keys
from agent.console import views
from agent.console.auth import (
    CSRF_HEADER,
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    ConsoleSession,
    SessionStore,
    authenticate,
    csrf_ok,
)
from agent.console.i18n import strings
from agent.crm.errors import CrmUnavailable, IdentityConflict
from agent.crm.http import to_wire
from agent.crm.types import Identity
from agent.errors import Conflict, LoginRequired, NotAllowed, NotFound
from agent.handoff.events import BROADCAST, ConsoleEvent, publish
from agent.handoff.models import EscalationEvent, Note, Presence, Role, Staff
from agent.handoff.presence import mark_seen
from agent.handoff.service import HandoffService
from agent.records.models import Conversation, Escalation, Message, utcnow
from agent.runtime import Runtime

router = APIRouter(prefix="/console")
STATIC = Path(__file__).with_name("static")
_KEEPALIVE_S = 15.0


@dataclass(frozen=True, slots=True)
class Caller:
    staff: Staff
    session: ConsoleSession


# The brand team works on the dashboard and in the studio, not on the queue.
HOMES = {
    Role.ANALYST: "/console/insight",
    Role.EDITOR: "/console/studio",
    Role.APPROVER: "/console/studio",
}


STATIC_FILES = frozenset(
    {"console.js", "console.css", "insight.js", "insight.css", "studio.js", "studio.css"}
)


def _runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


def _store(request: Request) -> SessionStore:
    runtime = _runtime(request)
    return SessionStore(runtime.redis, ttl_s=runtime.settings.console_session_ttl_s)


async def caller(request: Request) -> Caller:
    session = await _store(request).get(request.cookies.get(SESSION_COOKIE))
    if session is None:
        raise LoginRequired("log in to use the console")
    async with _runtime(request).sessions() as db:
        staff = await db.get(Staff, session.staff_id)
    if staff is None:
        raise LoginRequired("this account no longer exists")
    if request.method not in ("GET", "HEAD") and not csrf_ok(
        session.csrf, request.headers.get(CSRF_HEADER)
    ):
        raise NotAllowed("missing or wrong CSRF token: reload the page")
    return Caller(staff, session)


CallerDep = Annotated[Caller, Depends(caller)]


def _handoff(request: Request) -> HandoffService:
    return _runtime(request).handoff()


# --- logging in and out ----------------------------------------------------------------------


@router.get("/login", response_class=HTMLResponse)
async def login_page(request: Request, error: str | None = None) -> HTMLResponse:
    token = secrets.token_urlsafe(24)
    language = _page_language(request)
    page = (STATIC / "login.html").read_text(encoding="utf-8")
    page = page.replace("{{csrf}}", token).replace("{{lang}}", language)
    page = page.replace("{{strings}}", json.dumps(strings(language), ensure_ascii=False))
    page = page.replace("{{error}}", "1" if error else "")
    response = HTMLResponse(page, status_code=401 if error else 200)
    _set_cookie(request, response, LOGIN_CSRF_COOKIE, token, max_age=3600)
    return response


@router.post("/login")
async def login(
    request: Request,
    email: Annotated[str, Form(max_length=255)],
    password: Annotated[str, Form(max_length=1024)],
    csrf_token: Annotated[str, Form(max_length=255)],
) -> Response:
    if not csrf_ok(request.cookies.get(LOGIN_CSRF_COOKIE), csrf_token):
        raise NotAllowed("the login form expired: reload the page")
    async with _runtime(request).sessions() as db:
        staff = await authenticate(db, email=email, password=password)
        # The brand team takes no conversations: logging in does not put them online.
        if staff is not None and staff.presence == Presence.OFFLINE and staff.role not in HOMES:
            staff.presence = Presence.ONLINE
            await db.commit()
    if staff is None:
        return RedirectResponse("/console/login?error=1", status_code=303)
    token, _ = await _store(request).create(staff.id)
    await mark_seen(
        _runtime(request).redis,
        staff.id,
        absent_after_s=_runtime(request).settings.console_absent_after_s,
    )
    home = HOMES.get(Role(staff.role), "/console")
    response = RedirectResponse(home, status_code=303)
    _set_cookie(request, response, SESSION_COOKIE, token, max_age=None)
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/console")
    return response


@router.post("/api/logout")
async def logout(request: Request, who: CallerDep) -> JSONResponse:
    """Logging out is going offline: what the person owned goes back to the queue."""
    await _handoff(request).set_presence(who.staff.id, Presence.OFFLINE)
    await _store(request).delete(request.cookies.get(SESSION_COOKIE))
    response = JSONResponse({"ok": True})
    response.delete_cookie(SESSION_COOKIE, path="/console")
    return response


def _set_cookie(
    request: Request, response: Response, name: str, value: str, *, max_age: int | None
) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path="/console",
        httponly=True,
        secure=_runtime(request).settings.console_secure_cookies,
        samesite="strict",
    )


def _page_language(request: Request) -> str:
    asked = request.query_params.get("lang") or request.headers.get("accept-language", "")
    return "ja" if asked.lower().startswith("ja") else "en"


# --- pages -----------------------------------------------------------------------------------


@router.get("", response_class=HTMLResponse)
async def queue_page(who: CallerDep) -> HTMLResponse:
    return _app_page(who)


@router.get("/conversations/{conversation_id}", response_class=HTMLResponse)
async def conversation_page(conversation_id: int, who: CallerDep) -> HTMLResponse:
    return _app_page(who)


def _app_page(who: Caller) -> HTMLResponse:
    page = (STATIC / "console.html").read_text(encoding="utf-8")
    page = page.replace("{{lang}}", who.staff.ui_language)
    return HTMLResponse(page, headers={"Cache-Control": "no-store"})


@router.get("/static/{name}")
async def static_file(name: str, who: CallerDep) -> Response:
    path = STATIC / name
    if name not in STATIC_FILES or not path.is_file():
        raise NotFound(name)
    media = "text/javascript" if name.endswith(".js") else "text/css"
    return Response(path.read_bytes(), media_type=media)


# --- the API: who am I, the queue, a conversation --------------------------------------------


@router.get("/api/me")
async def me(request: Request, who: CallerDep) -> JSONResponse:
    runtime = _runtime(request)
    language = who.staff.ui_language
    return JSONResponse(
        {
            "staff": views.staff_row(who.staff),
            "csrf": who.session.csrf,
            "strings": strings(language),
            "teams": [
                {"key": t.key, "name": t.name(language)} for t in runtime.handoff_config.teams
            ],
        }
    )


class LanguageIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    ui_language: Literal["en", "ja"]


@router.post("/api/ui-language")
async def set_ui_language(request: Request, body: LanguageIn, who: CallerDep) -> JSONResponse:
    async with _runtime(request).sessions() as db:
        staff = await db.get(Staff, who.staff.id)
        assert staff is not None
        staff.ui_language = body.ui_language
        await db.commit()
    return JSONResponse({"ok": True})


@router.get("/api/queue")
async def queue(request: Request, who: CallerDep, limit: int = 100) -> JSONResponse:
    runtime = _runtime(request)
    config = runtime.handoff_config
    teams = config.team_keys() if who.staff.sees_team(None) else list(who.staff.teams)
    waiting, total = await runtime.escalations.waiting(teams, limit=max(1, min(limit, 500)))
    mine = await runtime.escalations.owned(who.staff.id)
    names = await _names(request)
    now = utcnow()
    language = who.staff.ui_language

    def rows(items: list[Any]) -> list[dict[str, Any]]:
        return [views.queue_row(i, config, now=now, language=language, names=names) for i in items]

    return JSONResponse({"waiting": rows(waiting), "waiting_total": total, "mine": rows(mine)})


@router.get("/api/conversations/{conversation_id}")
async def conversation(request: Request, conversation_id: int, who: CallerDep) -> JSONResponse:
    runtime = _runtime(request)
    names = await _names(request)
    language = who.staff.ui_language
    now = utcnow()
    async with runtime.sessions() as db:
        found = await db.get(Conversation, conversation_id)
        if found is None:
            raise NotFound(f"no conversation {conversation_id}")
        escalation = await _latest_escalation(db, conversation_id)
        _may_see(who.staff, escalation)
        messages = list(
            (
                await db.execute(
                    select(Message)
                    .where(Message.conversation_id == conversation_id)
                    .order_by(Message.id)
                )
            ).scalars()
        )
        notes = list(
            (
                await db.execute(
                    select(Note).where(Note.conversation_id == conversation_id).order_by(Note.id)
                )
            ).scalars()
        )
        history: list[EscalationEvent] = []
        if escalation is not None:
            history = list(
                (
                    await db.execute(
                        select(EscalationEvent)
                        .join(Escalation, Escalation.id == EscalationEvent.escalation_id)
                        .where(Escalation.conversation_id == conversation_id)
                        .order_by(EscalationEvent.id)
                    )
                ).scalars()
            )
        staff = list((await db.execute(select(Staff).order_by(Staff.name))).scalars())
    customer_language = found.language or "en"
    return JSONResponse(
        {
            "conversation": {
                "id": found.id,
                "channel": found.channel,
                "account_id": found.account_id,
                "customer_id": found.customer_id,
                "language": found.language,
                "status": found.status,
            },
            "escalation": views.escalation_view(
                escalation, now=now, names=names, config=runtime.handoff_config, language=language
            )
            if escalation
            else None,
            "summary": views.summary(escalation, messages) if escalation else "",
            "messages": [views.message_row(m, names) for m in messages],
            "notes": [views.note_row(n, names) for n in notes],
            "history": [views.history_row(e, names) for e in history],
            "window": views.window_state(found, now=now),
            "snippets": views.snippets(runtime.responses, customer_language),
            "staff": [{"id": s.id, "name": s.name, "teams": s.teams} for s in staff],
        }
    )


async def _latest_escalation(db: AsyncSession, conversation_id: int) -> Escalation | None:
    """The conversation's most recent escalation: it decides which team may see it."""
    query = (
        select(Escalation)
        .where(Escalation.conversation_id == conversation_id)
        .order_by(Escalation.id.desc())
        .limit(1)
    )
    return (await db.execute(query)).scalar_one_or_none()


def _may_see(staff: Staff, escalation: Escalation | None) -> None:
    if staff.sees_team(None):
        return
    if escalation is not None and (
        escalation.assignee_id == staff.id or staff.sees_team(escalation.team)
    ):
        return
    raise NotAllowed("this conversation belongs to another team")


async def _names(request: Request) -> dict[int, str]:
    async with _runtime(request).sessions() as db:
        return {sid: name for sid, name in (await db.execute(select(Staff.id, Staff.name))).all()}


# --- the API: acting -------------------------------------------------------------------------


class PresenceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    presence: Presence


@router.post("/api/presence")
async def presence(request: Request, body: PresenceIn, who: CallerDep) -> JSONResponse:
    released = await _handoff(request).set_presence(who.staff.id, body.presence)
    return JSONResponse({"presence": body.presence, "released": released})


@router.post("/api/escalations/{escalation_id}/claim")
async def claim(request: Request, escalation_id: int, who: CallerDep) -> JSONResponse:
    await _handoff(request).claim(who.staff, escalation_id)
    return JSONResponse({"claimed": escalation_id})


@router.post("/api/claim-next")
async def claim_next(request: Request, who: CallerDep) -> JSONResponse:
    return JSONResponse({"claimed": await _handoff(request).claim_next(who.staff)})


class TransferIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    team: str | None = None
    staff_id: int | None = None


@router.post("/api/escalations/{escalation_id}/transfer")
async def transfer(
    request: Request, escalation_id: int, body: TransferIn, who: CallerDep
) -> JSONResponse:
    await _handoff(request).transfer(
        who.staff, escalation_id, to_team=body.team, to_staff_id=body.staff_id
    )
    return JSONResponse({"transferred": escalation_id})


@router.post("/api/escalations/{escalation_id}/resolve")
async def resolve(request: Request, escalation_id: int, who: CallerDep) -> JSONResponse:
    await _handoff(request).resolve(who.staff, escalation_id)
    return JSONResponse({"resolved": escalation_id})


@router.post("/api/escalations/{escalation_id}/return")
async def return_to_bot(request: Request, escalation_id: int, who: CallerDep) -> JSONResponse:
    await _handoff(request).return_to_bot(who.staff, escalation_id)
    return JSONResponse({"returned": escalation_id})


class ReplyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(min_length=1, max_length=4000)
    request_id: str = Field(min_length=8, max_length=40)


@router.post("/api/conversations/{conversation_id}/reply")
async def reply(
    request: Request, conversation_id: int, body: ReplyIn, who: CallerDep
) -> JSONResponse:
    message = await _handoff(request).reply(
        who.staff, conversation_id, text=body.text, request_id=body.request_id
    )
    return JSONResponse({"message_id": message.id, "status": message.status})


class NoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(min_length=1, max_length=4000)


@router.post("/api/conversations/{conversation_id}/notes")
async def add_note(
    request: Request, conversation_id: int, body: NoteIn, who: CallerDep
) -> JSONResponse:
    runtime = _runtime(request)
    async with runtime.sessions() as db:
        escalation = await _handoff(request).open_escalation(db, conversation_id)
        if await db.get(Conversation, conversation_id) is None:
            raise NotFound(f"no conversation {conversation_id}")
        _may_see(who.staff, escalation)
        db.add(Note(conversation_id=conversation_id, author_id=who.staff.id, text=body.text))
        await db.commit()
    await publish(
        runtime.redis,
        ConsoleEvent.NOTE_ADDED,
        conversation_id=conversation_id,
        escalation_id=escalation.id if escalation else None,
        team=escalation.team if escalation else None,
    )
    return JSONResponse({"ok": True})


# --- live updates ----------------------------------------------------------------------------


@router.get("/api/events")
async def events(request: Request, who: CallerDep) -> StreamingResponse:
    """Server-sent events: what changed, for the person's teams. The page then re-reads."""
    runtime = _runtime(request)
    staff = who.staff
    absent_after_s = runtime.settings.console_absent_after_s

    async def stream() -> AsyncIterator[bytes]:
        pubsub = runtime.redis.pubsub()
        await pubsub.subscribe(redis_keys.CONSOLE_EVENTS)
        try:
            yield b"retry: 2000\n: connected\n\n"
            while not await request.is_disconnected():
                await mark_seen(runtime.redis, staff.id, absent_after_s=absent_after_s)
                message = await pubsub.get_message(
                    ignore_subscribe_messages=True, timeout=_KEEPALIVE_S
                )
                if message is None:
                    yield b": keepalive\n\n"
                    continue
                event = json.loads(message["data"])
                everyone = event.get("type") in BROADCAST
                if everyone or staff.sees_team(None) or event.get("team") in staff.teams:
                    yield f"data: {json.dumps(event)}\n\n".encode()
                await asyncio.sleep(0)
        finally:
            await pubsub.unsubscribe(redis_keys.CONSOLE_EVENTS)
            await pubsub.aclose()  # type: ignore[no-untyped-call]

    return StreamingResponse(
        stream(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


# --- the CRM panel ---------------------------------------------------------------------------


async def _conversation_for(request: Request, who: Caller, conversation_id: int) -> Conversation:
    async with _runtime(request).sessions() as db:
        found = await db.get(Conversation, conversation_id)
        if found is None:
            raise NotFound(f"no conversation {conversation_id}")
        latest = await _latest_escalation(db, conversation_id)
    _may_see(who.staff, latest)
    return found


@router.get("/api/conversations/{conversation_id}/crm")
async def crm_panel(request: Request, conversation_id: int, who: CallerDep) -> JSONResponse:
    found = await _conversation_for(request, who, conversation_id)
    crm = _runtime(request).crm()
    try:
        customer = await crm.find_by_identity(found.channel, found.customer_id)
        if customer is None:
            return JSONResponse({"customer": None})
        return JSONResponse(to_wire(await crm.profile(customer.id)))
    except CrmUnavailable as exc:
        return JSONResponse({"customer": None, "error": f"the CRM is not answering: {exc}"})


class LinkIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    query: str = Field(min_length=1, max_length=255)  # the customer's e-mail or an order number


@router.post("/api/conversations/{conversation_id}/link")
async def link_identity(
    request: Request, conversation_id: int, body: LinkIn, who: CallerDep
) -> JSONResponse:
    """Link the conversation's social account to the CRM customer found by e-mail or order."""
    found = await _conversation_for(request, who, conversation_id)
    crm = _runtime(request).crm()
    query = body.query.strip()
    customer_id: str | None = None
    if "@" in query:
        customer = await crm.find_by_email(query)
        customer_id = customer.id if customer else None
    else:
        order = await crm.find_order(query)
        customer_id = order.customer_id if order else None
    if customer_id is None:
        raise NotFound(f"no customer with the e-mail or order {query!r}")
    try:
        await crm.link_identity(customer_id, Identity(found.channel, found.customer_id))
    except IdentityConflict as exc:
        raise Conflict(str(exc)) from exc
    await crm.add_note(
        customer_id,
        author=who.staff.name,
        text=f"Linked {found.channel} account {found.customer_id} from the console.",
    )
    return JSONResponse({"linked": customer_id})
