"""The FAQ workflow: an editor drafts and submits, an approver (never the author) approves
and publishes, anyone with the right role rolls back to a published version. Every step is
written to the audit log in the same transaction as the change it records."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from agent.errors import BadRequest, ChecksFailed, Conflict, NotAllowed, NotFound
from agent.faq.content import (
    CHANNELS,
    LANGUAGES,
    FaqContent,
    merge_questions,
    normalise,
    problems,
    questions_changed,
    questions_fingerprint,
)
from agent.faq.content import diff as content_diff
from agent.faq.files import DEFAULT_SOURCE, FaqRecord
from agent.faq.models import (
    AuditAction,
    BrandVoice,
    FaqAudit,
    FaqEntry,
    FaqVersion,
    ModelState,
    VersionStatus,
)
from agent.faq.voice import (
    DEFAULT_VOICE_PATH,
    Finding,
    VoiceProfile,
    check_answer,
    check_voice,
    load_voice_profile,
)
from agent.records.models import utcnow

OPEN = (VersionStatus.DRAFT, VersionStatus.IN_REVIEW)
PUBLISHED_ONCE = (VersionStatus.PUBLISHED, VersionStatus.SUPERSEDED)


@dataclass(frozen=True, slots=True)
class Edit:
    """What an editor sends: questions per language (one per line in the page), answers,
    channel variants and quick replies."""

    questions: Mapping[str, Sequence[str]]
    answers: Mapping[str, str]
    variants: Mapping[str, Mapping[str, str]]
    quick_replies: Mapping[str, Sequence[str]]


def content_of(version: FaqVersion) -> FaqContent:
    return FaqContent.from_json(
        {
            "questions": version.questions,
            "answers": version.answers,
            "variants": version.variants,
            "quick_replies": version.quick_replies,
        }
    )


def _store(version: FaqVersion, content: FaqContent) -> None:
    data = content.to_json()
    version.questions = data["questions"]
    version.answers = data["answers"]
    version.variants = data["variants"]
    version.quick_replies = data["quick_replies"]


def write_audit(
    session: AsyncSession,
    action: AuditAction,
    *,
    actor_id: int | None,
    key: str | None,
    version: int | None,
    before: FaqContent | None = None,
    after: FaqContent | None = None,
    detail: str = "",
) -> None:
    session.add(
        FaqAudit(
            actor_id=actor_id,
            action=action,
            key=key,
            version=version,
            before=before.to_json() if before else None,
            after=after.to_json() if after else None,
            detail=detail,
        )
    )


# --- reading ---------------------------------------------------------------------------


async def entry(session: AsyncSession, key: str) -> FaqEntry:
    found = await session.get(FaqEntry, key)
    if found is None:
        raise NotFound(f"no FAQ {key!r}")
    return found


async def versions(session: AsyncSession, key: str) -> list[FaqVersion]:
    query = select(FaqVersion).where(FaqVersion.key == key).order_by(FaqVersion.number.desc())
    return list((await session.execute(query)).scalars())


async def live_version(session: AsyncSession, key: str) -> FaqVersion | None:
    query = select(FaqVersion).where(
        FaqVersion.key == key, FaqVersion.status == VersionStatus.PUBLISHED
    )
    return (await session.execute(query)).scalar_one_or_none()


async def open_version(session: AsyncSession, key: str) -> FaqVersion | None:
    query = select(FaqVersion).where(FaqVersion.key == key, FaqVersion.status.in_(OPEN))
    return (await session.execute(query)).scalar_one_or_none()


async def published(session: AsyncSession) -> dict[str, FaqContent]:
    """Every key's published content: what customers get."""
    query = select(FaqVersion).where(FaqVersion.status == VersionStatus.PUBLISHED)
    return {v.key: content_of(v) for v in (await session.execute(query)).scalars()}


async def published_records(session: AsyncSession) -> list[FaqRecord]:
    """The published store in the shape the Rasa files are written from."""
    contents = await published(session)
    entries = (await session.execute(select(FaqEntry))).scalars()
    return [
        FaqRecord(
            key=e.key,
            source_file=e.source_file,
            file_position=e.file_position,
            position=e.position,
            content=contents[e.key],
        )
        for e in entries
        if e.key in contents
    ]


async def published_fingerprint(session: AsyncSession) -> str:
    contents = await published(session)
    return questions_fingerprint({k: c.questions for k, c in contents.items()})


async def model_state(session: AsyncSession) -> ModelState | None:
    return await session.get(ModelState, 1)


async def model_is_stale(session: AsyncSession) -> bool:
    """Published questions the live model was not trained on."""
    state = await model_state(session)
    return state is None or state.fingerprint != await published_fingerprint(session)


async def voice_profile(session: AsyncSession) -> VoiceProfile:
    row = await session.get(BrandVoice, 1)
    if row is None:
        return load_voice_profile(DEFAULT_VOICE_PATH)
    return VoiceProfile.from_dict(row.profile)


# --- importing -------------------------------------------------------------------------


async def import_records(session: AsyncSession, records: Sequence[FaqRecord]) -> int:
    """Keys from the Rasa files that the store does not have yet, published as version 1.
    The first import also records that the live model was trained on these questions."""
    have = set((await session.execute(select(FaqEntry.key))).scalars())
    added = 0
    now = utcnow()
    for record in records:
        if record.key in have:
            continue
        session.add(
            FaqEntry(
                key=record.key,
                source_file=record.source_file,
                file_position=record.file_position,
                position=record.position,
                live_version=1,
            )
        )
        version = FaqVersion(
            key=record.key, number=1, status=VersionStatus.PUBLISHED, published_at=now
        )
        _store(version, record.content)
        session.add(version)
        write_audit(
            session,
            AuditAction.IMPORT,
            actor_id=None,
            key=record.key,
            version=1,
            after=record.content,
            detail=f"imported from nlu_data/{record.source_file} and domain.yml",
        )
        added += 1
    await session.flush()
    if await model_state(session) is None:
        fingerprint = questions_fingerprint({r.key: r.content.questions for r in records})
        session.add(ModelState(id=1, fingerprint=fingerprint, model_path=None))
    return added


# --- the workflow ----------------------------------------------------------------------


def _content(edit: Edit, base: FaqContent | None) -> FaqContent:
    old = base.questions if base else ()
    return FaqContent(
        questions=merge_questions(old, {lang: edit.questions.get(lang, ()) for lang in LANGUAGES}),
        answers={lang: edit.answers.get(lang, "").strip() for lang in LANGUAGES},
        variants={
            channel: {lang: t.strip() for lang, t in texts.items() if t.strip()}
            for channel, texts in edit.variants.items()
            if channel in CHANNELS and any(t.strip() for t in texts.values())
        },
        quick_replies={
            lang: tuple(t.strip() for t in titles if t.strip())
            for lang, titles in edit.quick_replies.items()
            if lang in LANGUAGES and any(t.strip() for t in titles)
        },
    )


async def save_draft(
    session: AsyncSession, *, key: str, edit: Edit, actor_id: int, new: bool = False
) -> FaqVersion:
    """The key's draft, created from the published version if there is none. A new key
    gets its entry here (its questions go to nlu_data/faq_more.yml on export)."""
    found = await session.get(FaqEntry, key)
    if new and found is not None:
        raise Conflict(f"there is already a FAQ {key!r}")
    if not new and found is None:
        raise NotFound(f"no FAQ {key!r}")
    if found is None:
        found = await _new_entry(session, key)
    draft = await open_version(session, key)
    if draft is not None and draft.status == VersionStatus.IN_REVIEW:
        raise Conflict("this FAQ is waiting for approval: it can be edited after the review")
    live = await live_version(session, key)
    base = content_of(draft) if draft else (content_of(live) if live else None)
    content = _content(edit, base)
    if draft is None:
        draft = FaqVersion(
            key=key,
            number=await _next_number(session, key),
            status=VersionStatus.DRAFT,
            based_on=live.number if live else None,
        )
        session.add(draft)
    before = content_of(draft) if draft.questions or draft.answers else base
    _store(draft, content)
    # The last person to edit a draft is its author: they may not approve it.
    draft.author_id = actor_id
    draft.updated_at = utcnow()
    await session.flush()
    write_audit(
        session,
        AuditAction.EDIT,
        actor_id=actor_id,
        key=key,
        version=draft.number,
        before=before,
        after=content,
    )
    return draft


async def _new_entry(session: AsyncSession, key: str) -> FaqEntry:
    from agent.faq.content import KEY_PATTERN

    if not KEY_PATTERN.match(key):
        raise BadRequest(
            "a FAQ key is 2–63 lower-case letters, digits or underscores, starting with a letter"
        )
    last = (await session.execute(select(func.max(FaqEntry.position)))).scalar() or 0
    in_file = (
        await session.execute(select(func.count()).where(FaqEntry.source_file == DEFAULT_SOURCE))
    ).scalar_one()
    created = FaqEntry(
        key=key,
        source_file=DEFAULT_SOURCE,
        file_position=in_file,
        position=last + 1,
        live_version=None,
    )
    session.add(created)
    await session.flush()
    return created


async def _next_number(session: AsyncSession, key: str) -> int:
    query = select(func.max(FaqVersion.number)).where(FaqVersion.key == key)
    return int((await session.execute(query)).scalar() or 0) + 1


async def check_version(
    session: AsyncSession, key: str, content: FaqContent, profile: VoiceProfile
) -> list[dict[str, Any]]:
    """Everything that stops a version from being submitted: content problems (too few
    questions, a question another FAQ has) and the voice check."""
    others: dict[str, str] = {}
    for other, other_content in (await published(session)).items():
        if other != key:
            others.update({normalise(q.text): other for q in other_content.questions})
    findings: list[dict[str, Any]] = [
        {"code": "content", "language": None, "channel": None, "excerpt": "", "message": p}
        for p in problems(key, content, other_questions=others)
    ]
    findings.extend(
        _finding_json(f)
        for f in check_answer(answers=content.answers, variants=content.variants, profile=profile)
    )
    return findings


def _finding_json(finding: Finding) -> dict[str, Any]:
    return {
        "code": str(finding.code),
        "language": finding.language,
        "channel": finding.channel,
        "excerpt": finding.excerpt,
        "message": finding.message,
        "message_ja": finding.message_ja,
    }


async def submit(session: AsyncSession, *, key: str, actor_id: int) -> FaqVersion:
    draft = await open_version(session, key)
    if draft is None or draft.status != VersionStatus.DRAFT:
        raise Conflict("there is no draft of this FAQ to submit")
    content = content_of(draft)
    findings = await check_version(session, key, content, await voice_profile(session))
    if findings:
        raise ChecksFailed(
            f"{len(findings)} thing(s) to fix before this can be submitted", findings=findings
        )
    live = await live_version(session, key)
    draft.status = VersionStatus.IN_REVIEW
    draft.author_id = actor_id
    draft.submitted_at = utcnow()
    draft.review_note = ""
    draft.diff = content_diff(key, content_of(live) if live else None, content)
    write_audit(session, AuditAction.SUBMIT, actor_id=actor_id, key=key, version=draft.number)
    return draft


async def reject(session: AsyncSession, *, key: str, actor_id: int, note: str) -> FaqVersion:
    version = await _in_review(session, key)
    version.status = VersionStatus.DRAFT
    version.review_note = note.strip()
    write_audit(
        session, AuditAction.REJECT, actor_id=actor_id, key=key, version=version.number, detail=note
    )
    return version


async def withdraw(session: AsyncSession, *, key: str, actor_id: int) -> None:
    draft = await open_version(session, key)
    if draft is None:
        raise Conflict("there is no draft of this FAQ")
    draft.status = VersionStatus.WITHDRAWN
    write_audit(session, AuditAction.WITHDRAW, actor_id=actor_id, key=key, version=draft.number)


async def _in_review(session: AsyncSession, key: str) -> FaqVersion:
    version = await open_version(session, key)
    if version is None or version.status != VersionStatus.IN_REVIEW:
        raise Conflict("this FAQ has no version waiting for approval")
    return version


@dataclass(frozen=True, slots=True)
class Published:
    version: FaqVersion
    questions_changed: bool  # the model must be retrained to learn them


async def approve(session: AsyncSession, *, key: str, actor_id: int, note: str = "") -> Published:
    """Approve the version in review and publish it: customers get it on their next message."""
    version = await _in_review(session, key)
    if version.author_id == actor_id:
        raise NotAllowed("nobody approves their own change: ask another approver")
    previous = await live_version(session, key)
    before = content_of(previous) if previous else None
    version.approver_id = actor_id
    version.review_note = note.strip()
    await _publish(session, key, version, previous)
    after = content_of(version)
    write_audit(
        session,
        AuditAction.PUBLISH,
        actor_id=actor_id,
        key=key,
        version=version.number,
        before=before,
        after=after,
        detail=note,
    )
    return Published(version, questions_changed(before, after))


async def _publish(
    session: AsyncSession, key: str, version: FaqVersion, previous: FaqVersion | None
) -> None:
    if previous is not None:
        previous.status = VersionStatus.SUPERSEDED
        # The old row leaves "published" before the new one enters it.
        await session.flush()
    version.status = VersionStatus.PUBLISHED
    version.published_at = utcnow()
    (await entry(session, key)).live_version = version.number


async def rollback(session: AsyncSession, *, key: str, to_number: int, actor_id: int) -> Published:
    """Publish again the content of an earlier published version, as a new version (the
    history stays linear: nothing is rewritten)."""
    query = select(FaqVersion).where(FaqVersion.key == key, FaqVersion.number == to_number)
    target = (await session.execute(query)).scalar_one_or_none()
    if target is None:
        raise NotFound(f"{key} has no version {to_number}")
    if target.status not in PUBLISHED_ONCE:
        raise Conflict("only a version that was published can be restored")
    previous = await live_version(session, key)
    if previous is not None and previous.number == to_number:
        raise Conflict("that version is the one customers get now")
    if await open_version(session, key) is not None:
        raise Conflict("finish or withdraw the open draft of this FAQ first")
    restored_content = content_of(target)
    restored = FaqVersion(
        key=key,
        number=await _next_number(session, key),
        based_on=previous.number if previous else None,
        author_id=actor_id,
        approver_id=actor_id,
        review_note=f"rollback to version {to_number}",
        submitted_at=utcnow(),
    )
    _store(restored, restored_content)
    before = content_of(previous) if previous else None
    restored.diff = content_diff(key, before, restored_content)
    session.add(restored)
    await session.flush()
    await _publish(session, key, restored, previous)
    write_audit(
        session,
        AuditAction.ROLLBACK,
        actor_id=actor_id,
        key=key,
        version=restored.number,
        before=before,
        after=restored_content,
        detail=f"restored version {to_number}",
    )
    return Published(restored, questions_changed(before, restored_content))


async def save_voice(session: AsyncSession, *, profile: dict[str, Any], actor_id: int) -> None:
    parsed = VoiceProfile.from_dict(profile)  # ConfigError says what is wrong
    if findings := check_voice(parsed):
        raise ChecksFailed(
            f"{len(findings)} thing(s) to fix in the voice's own texts before it can be saved",
            findings=[_finding_json(f) for f in findings],
        )
    row = await session.get(BrandVoice, 1)
    before = row.profile if row else load_voice_profile(DEFAULT_VOICE_PATH).to_dict()
    if row is None:
        row = BrandVoice(id=1, profile=parsed.to_dict())
        session.add(row)
    row.profile = parsed.to_dict()
    row.updated_by = actor_id
    row.updated_at = utcnow()
    session.add(
        FaqAudit(
            actor_id=actor_id,
            action=AuditAction.VOICE,
            key=None,
            version=None,
            before=before,
            after=parsed.to_dict(),
            detail="brand voice changed",
        )
    )


async def audit_log(session: AsyncSession, *, key: str | None, limit: int = 200) -> list[FaqAudit]:
    query = select(FaqAudit).order_by(FaqAudit.id.desc()).limit(limit)
    if key is not None:
        query = query.where(FaqAudit.key == key)
    return list((await session.execute(query)).scalars())
