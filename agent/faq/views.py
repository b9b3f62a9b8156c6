"""What the studio's pages show, read from the store in one place."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from agent.errors import NotFound
from agent.faq import service
from agent.faq.content import FaqContent, Question, question_language
from agent.faq.models import FaqAudit, FaqEntry, FaqVersion, VersionStatus
from agent.faq.voice import VoiceProfile
from agent.handoff.models import Staff
from agent.insight.models import FaqDraft


@dataclass(frozen=True, slots=True)
class Row:
    key: str
    live: FaqVersion | None
    open: FaqVersion | None


@dataclass(frozen=True, slots=True)
class Suggestion:
    id: int
    key: str
    questions: list[str]
    language: str


@dataclass(frozen=True, slots=True)
class Overview:
    rows: list[Row]
    suggestions: list[Suggestion]
    stale: bool
    voice: VoiceProfile
    names: dict[int, str]


@dataclass(frozen=True, slots=True)
class Detail:
    key: str
    live: FaqVersion | None
    open: FaqVersion | None
    history: list[FaqVersion]
    audit: list[FaqAudit]
    names: dict[int, str]

    def editing(self) -> FaqContent:
        """What the form starts from: the open version, else the published one."""
        version = self.open or self.live
        return service.content_of(version) if version else FaqContent()


async def staff_names(db: AsyncSession) -> dict[int, str]:
    return {s.id: s.name for s in (await db.execute(select(Staff))).scalars()}


async def overview(db: AsyncSession) -> Overview:
    entries = list((await db.execute(select(FaqEntry).order_by(FaqEntry.position))).scalars())
    query = select(FaqVersion).where(
        FaqVersion.status.in_((VersionStatus.PUBLISHED, *service.OPEN))
    )
    live: dict[str, FaqVersion] = {}
    open_: dict[str, FaqVersion] = {}
    for version in (await db.execute(query)).scalars():
        (live if version.status == VersionStatus.PUBLISHED else open_)[version.key] = version
    drafts = await db.execute(
        select(FaqDraft).where(FaqDraft.status == "draft").order_by(FaqDraft.id.desc()).limit(20)
    )
    return Overview(
        rows=[Row(e.key, live.get(e.key), open_.get(e.key)) for e in entries],
        suggestions=[
            Suggestion(d.id, d.key, list(d.questions), d.language) for d in drafts.scalars()
        ],
        stale=await service.model_is_stale(db),
        voice=await service.voice_profile(db),
        names=await staff_names(db),
    )


async def detail(db: AsyncSession, key: str) -> Detail:
    await service.entry(db, key)
    history = await service.versions(db, key)
    return Detail(
        key=key,
        live=next((v for v in history if v.status == VersionStatus.PUBLISHED), None),
        open=next((v for v in history if v.status in service.OPEN), None),
        history=history,
        audit=await service.audit_log(db, key=key, limit=50),
        names=await staff_names(db),
    )


async def suggestion(db: AsyncSession, draft_id: int) -> FaqContent:
    """A dashboard draft's questions as the start of a new FAQ."""
    draft = await db.get(FaqDraft, draft_id)
    if draft is None:
        raise NotFound(f"no draft {draft_id}")
    return FaqContent(questions=tuple(Question(q, question_language(q)) for q in draft.questions))


async def close_suggestion(db: AsyncSession, draft_id: int) -> None:
    draft = await db.get(FaqDraft, draft_id)
    if draft is not None:
        draft.status = "used"
