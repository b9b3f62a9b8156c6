"""The FAQ studio under /console/studio (the console's login): pages, and the JSON API the
pages call. Editors draft and submit; approvers approve and publish, reject, roll back and
retrain; admins do both. Nobody approves their own change."""

from __future__ import annotations

import io
import zipfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.exc import IntegrityError

from agent.console.routes import Caller, caller
from agent.errors import BadRequest, ConfigError, Conflict, NotAllowed, RasaUnavailable
from agent.faq import jobs, page, service, views
from agent.faq.content import CHANNELS, LANGUAGES, FaqContent
from agent.faq.files import FAQ_INTENT, export_files
from agent.faq.models import FaqVersion
from agent.faq.published import announce_change
from agent.faq.voice import CHANNELS as VOICE_CHANNELS
from agent.faq.voice import apply_voice
from agent.handoff.models import Role
from agent.nlg.responses import upset
from agent.runtime import Runtime

router = APIRouter(prefix="/console/studio")
STUDIO = frozenset({Role.EDITOR, Role.APPROVER, Role.ADMIN})
APPROVERS = frozenset({Role.APPROVER, Role.ADMIN})


def _runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


async def studio_user(who: Annotated[Caller, Depends(caller)]) -> Caller:
    if who.staff.role not in STUDIO:
        raise NotAllowed("the FAQ studio is for the brand team's editors and approvers")
    return who


async def approver(who: Annotated[Caller, Depends(studio_user)]) -> Caller:
    if who.staff.role not in APPROVERS:
        raise NotAllowed("only an approver can do this")
    return who


StudioDep = Annotated[Caller, Depends(studio_user)]
ApproverDep = Annotated[Caller, Depends(approver)]
LangQ = Annotated[str | None, Query(max_length=2)]


def _language(asked: str | None, who: Caller) -> str:
    return asked if asked in LANGUAGES else who.staff.ui_language


# --- pages -----------------------------------------------------------------------------


@router.get("", response_class=HTMLResponse)
async def studio_page(request: Request, who: StudioDep, lang: LangQ = None) -> HTMLResponse:
    runtime = _runtime(request)
    async with runtime.sessions() as db:
        overview = await views.overview(db)
        job = await jobs.latest(db)
        deployed = await jobs.last_deployed(db)
    html = page.render_index(
        overview,
        job,
        can_roll_back=deployed is not None,
        language=_language(lang, who),
        who=who.staff,
        csrf=who.session.csrf,
    )
    return HTMLResponse(html, headers={"Cache-Control": "no-store"})


@router.get("/faq/{key}", response_class=HTMLResponse)
async def faq_page(request: Request, key: str, who: StudioDep, lang: LangQ = None) -> HTMLResponse:
    async with _runtime(request).sessions() as db:
        detail = await views.detail(db, key)
    html = page.render_detail(
        detail, language=_language(lang, who), who=who.staff, csrf=who.session.csrf
    )
    return HTMLResponse(html, headers={"Cache-Control": "no-store"})


@router.get("/new", response_class=HTMLResponse)
async def new_page(
    request: Request,
    who: StudioDep,
    lang: LangQ = None,
    draft: Annotated[int | None, Query()] = None,
) -> HTMLResponse:
    """An empty FAQ, or one started from the dashboard's unanswered questions."""
    async with _runtime(request).sessions() as db:
        suggestion = await views.suggestion(db, draft) if draft else None
    html = page.render_new(
        suggestion, language=_language(lang, who), who=who.staff, csrf=who.session.csrf
    )
    return HTMLResponse(html, headers={"Cache-Control": "no-store"})


@router.get("/export.zip")
async def export_zip(request: Request, who: StudioDep) -> Response:
    """The published store as Rasa files (`nlu_data/faq_*.yml`, `domain.yml`), for git."""
    runtime = _runtime(request)
    files = await exported_files(runtime)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, text in sorted(files.items()):
            archive.writestr(path, text)
    return Response(
        buffer.getvalue(),
        media_type="application/zip",
        headers={"Content-Disposition": 'attachment; filename="faq-export.zip"'},
    )


async def exported_files(runtime: Runtime) -> dict[str, str]:
    domain_path = runtime.settings.domain_path
    nlu_dir = domain_path.parent / "nlu_data"
    async with runtime.sessions() as db:
        records = await service.published_records(db)
    nlu = {p.name: p.read_text(encoding="utf-8") for p in sorted(nlu_dir.glob("*.yml"))}
    return export_files(records, nlu, domain_path.read_text(encoding="utf-8"))


# --- the API ---------------------------------------------------------------------------


class EditIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    questions: dict[str, list[Annotated[str, Field(max_length=500)]]] = Field(default_factory=dict)
    answers: dict[str, Annotated[str, Field(max_length=5000)]] = Field(default_factory=dict)
    variants: dict[str, dict[str, Annotated[str, Field(max_length=5000)]]] = Field(
        default_factory=dict
    )
    quick_replies: dict[str, list[Annotated[str, Field(max_length=20)]]] = Field(
        default_factory=dict
    )

    def edit(self) -> service.Edit:
        unknown = (set(self.questions) | set(self.answers) | set(self.quick_replies)) - set(
            LANGUAGES
        )
        unknown |= set(self.variants) - set(CHANNELS)
        if unknown:
            raise BadRequest(f"unknown languages or channels: {', '.join(sorted(unknown))}")
        if any(len(v) > 300 for v in self.questions.values()):
            raise BadRequest("at most 300 training questions per language")
        return service.Edit(
            questions=self.questions,
            answers=self.answers,
            variants=self.variants,
            quick_replies=self.quick_replies,
        )


class NewIn(EditIn):
    key: str = Field(min_length=2, max_length=63)
    from_draft: int | None = None


class NoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: str = Field(default="", max_length=2000)


class RollbackIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    version: int = Field(ge=1)


class TryIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(min_length=1, max_length=2000)
    language: str | None = Field(default=None, pattern="^(en|ja)$")


def _version_json(version: FaqVersion) -> dict[str, Any]:
    return {
        "key": version.key,
        "number": version.number,
        "status": version.status,
        "content": service.content_of(version).to_json(),
        "author_id": version.author_id,
        "approver_id": version.approver_id,
        "review_note": version.review_note,
        "diff": version.diff,
    }


@router.put("/api/faq/{key}/draft")
async def save_draft(request: Request, key: str, body: EditIn, who: StudioDep) -> JSONResponse:
    """Save the draft; the answer comes with the checks' findings, so the page shows them
    as the editor works."""
    async with _runtime(request).sessions() as db, _one_writer():
        draft = await service.save_draft(db, key=key, edit=body.edit(), actor_id=who.staff.id)
        findings = await service.check_version(
            db, key, service.content_of(draft), await service.voice_profile(db)
        )
        await db.commit()
        return JSONResponse({"version": _version_json(draft), "findings": findings})


@asynccontextmanager
async def _one_writer() -> AsyncIterator[None]:
    """Two people starting a draft of the same FAQ at once: the second gets a clear 409
    (the version numbers are unique), not a 500."""
    try:
        yield
    except IntegrityError as exc:
        raise Conflict("someone else changed this FAQ at the same moment: reload it") from exc


@router.post("/api/faq")
async def create_faq(request: Request, body: NewIn, who: StudioDep) -> JSONResponse:
    async with _runtime(request).sessions() as db, _one_writer():
        draft = await service.save_draft(
            db, key=body.key, edit=body.edit(), actor_id=who.staff.id, new=True
        )
        if body.from_draft is not None:
            await views.close_suggestion(db, body.from_draft)
        findings = await service.check_version(
            db, body.key, service.content_of(draft), await service.voice_profile(db)
        )
        await db.commit()
        return JSONResponse(
            {"version": _version_json(draft), "findings": findings}, status_code=201
        )


@router.post("/api/faq/{key}/submit")
async def submit(request: Request, key: str, who: StudioDep) -> JSONResponse:
    async with _runtime(request).sessions() as db:
        version = await service.submit(db, key=key, actor_id=who.staff.id)
        await db.commit()
        return JSONResponse({"version": _version_json(version)})


@router.post("/api/faq/{key}/withdraw")
async def withdraw(request: Request, key: str, who: StudioDep) -> JSONResponse:
    async with _runtime(request).sessions() as db:
        await service.withdraw(db, key=key, actor_id=who.staff.id)
        await db.commit()
    return JSONResponse({"ok": True})


@router.post("/api/faq/{key}/approve")
async def approve(request: Request, key: str, body: NoteIn, who: ApproverDep) -> JSONResponse:
    runtime = _runtime(request)
    async with runtime.sessions() as db:
        result = await service.approve(db, key=key, actor_id=who.staff.id, note=body.note)
        await db.commit()
        answer = {
            "version": _version_json(result.version),
            "stale": await service.model_is_stale(db),
        }
    await announce_change(runtime.redis)
    return JSONResponse(answer)


@router.post("/api/faq/{key}/reject")
async def reject(request: Request, key: str, body: NoteIn, who: ApproverDep) -> JSONResponse:
    async with _runtime(request).sessions() as db:
        version = await service.reject(db, key=key, actor_id=who.staff.id, note=body.note)
        await db.commit()
        return JSONResponse({"version": _version_json(version)})


@router.post("/api/faq/{key}/rollback")
async def rollback(request: Request, key: str, body: RollbackIn, who: ApproverDep) -> JSONResponse:
    runtime = _runtime(request)
    async with runtime.sessions() as db:
        result = await service.rollback(db, key=key, to_number=body.version, actor_id=who.staff.id)
        await db.commit()
        answer = {
            "version": _version_json(result.version),
            "stale": await service.model_is_stale(db),
        }
    await announce_change(runtime.redis)
    return JSONResponse(answer)


@router.get("/api/faq/{key}")
async def faq_json(request: Request, key: str, who: StudioDep) -> JSONResponse:
    async with _runtime(request).sessions() as db:
        await service.entry(db, key)
        history = await service.versions(db, key)
        return JSONResponse({"versions": [_version_json(v) for v in history]})


@router.get("/api/audit")
async def audit(
    request: Request,
    who: StudioDep,
    key: Annotated[str | None, Query(max_length=64)] = None,
) -> JSONResponse:
    async with _runtime(request).sessions() as db:
        rows = await service.audit_log(db, key=key)
        names = await views.staff_names(db)
    return JSONResponse(
        {
            "audit": [
                {
                    "at": r.at.isoformat(),
                    "actor": names.get(r.actor_id) if r.actor_id else None,
                    "action": r.action,
                    "key": r.key,
                    "version": r.version,
                    "before": r.before,
                    "after": r.after,
                    "detail": r.detail,
                }
                for r in rows
            ]
        }
    )


@router.post("/api/try")
async def try_it(request: Request, body: TryIn, who: StudioDep) -> JSONResponse:
    """How the bot would answer a question now, on each channel, with the voice applied:
    Rasa reads it with the live model; the answer is the published one, opened with the
    acknowledgment when the sentiment signal reads the question as upset."""
    runtime = _runtime(request)
    try:
        # Rasa's reading and the signals in one pass, as the analyze API reads a message.
        signals = (await runtime.analyzer().judge(body.text)).signals
    except RasaUnavailable as exc:
        raise BadRequest(f"the model is not available right now: {exc}") from exc
    intent = signals.intent
    if intent is None:
        raise BadRequest("the model is not available right now")
    sounds_upset = upset(signals.sentiment.label.value, signals.sentiment.score)
    detected = signals.language
    language = body.language or (detected if detected in LANGUAGES else "en")
    snapshot = await runtime.published.current()
    key = intent.name.removeprefix(FAQ_INTENT)
    content: FaqContent | None = snapshot.answers.get(key)
    confident = intent.confidence >= runtime.settings.faq_min_confidence
    answers: dict[str, dict[str, str]] = {}
    if content is not None and confident:
        for channel in VOICE_CHANNELS:
            text = content.answer_for(language, channel) or ""
            answers[channel] = {
                when: apply_voice(
                    text,
                    profile=snapshot.voice,
                    language=language,
                    channel=channel,
                    first_reply=first,
                    upset=sounds_upset,
                )
                for when, first in (("first", True), ("later", False))
            }
    return JSONResponse(
        {
            "intent": intent.name,
            "key": key if content is not None else None,
            "confidence": intent.confidence,
            "confident": confident,
            "language": language,
            "upset": sounds_upset,
            "answers": answers,
        }
    )


@router.get("/api/voice")
async def get_voice(request: Request, who: StudioDep) -> JSONResponse:
    async with _runtime(request).sessions() as db:
        profile = await service.voice_profile(db)
    return JSONResponse({"profile": profile.to_dict()})


class VoiceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    profile: dict[str, Any]


@router.put("/api/voice")
async def put_voice(request: Request, body: VoiceIn, who: ApproverDep) -> JSONResponse:
    """The brand voice is brand-wide: approvers change it (audited)."""
    runtime = _runtime(request)
    async with runtime.sessions() as db:
        try:
            await service.save_voice(db, profile=body.profile, actor_id=who.staff.id)
        except ConfigError as exc:
            raise BadRequest(str(exc)) from exc
        await db.commit()
    await announce_change(runtime.redis)
    return JSONResponse({"ok": True})


@router.post("/api/retrain")
async def retrain(request: Request, who: ApproverDep) -> JSONResponse:
    """Train a model on the published questions, check it, and load it if it is no worse."""
    job_id = await jobs.start(_runtime(request), requested_by=who.staff.id)
    return JSONResponse({"job": job_id}, status_code=202)


@router.post("/api/model/rollback")
async def roll_back_model(request: Request, who: ApproverDep) -> JSONResponse:
    """Serve the model the last deployed one replaced again (its file was kept)."""
    job = await jobs.roll_back_model(_runtime(request), actor_id=who.staff.id)
    return JSONResponse({"job": jobs.job_json(job)})


@router.get("/api/jobs/latest")
async def latest_job(request: Request, who: StudioDep) -> JSONResponse:
    async with _runtime(request).sessions() as db:
        job = await jobs.latest(db)
        is_stale = await service.model_is_stale(db)
    return JSONResponse({"job": jobs.job_json(job) if job else None, "stale": is_stale})
