"""The FAQ store: one entry per FAQ key, every version of its content kept, an audit log of
every change, the brand's voice profile and the retraining jobs."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from agent.db import Base
from agent.records.models import utcnow


class VersionStatus(StrEnum):
    DRAFT = "draft"  # being edited; the editor can change it
    IN_REVIEW = "in_review"  # submitted: waits for an approver, nobody edits it
    PUBLISHED = "published"  # the version customers get now (one per key)
    SUPERSEDED = "superseded"  # was published; a rollback can bring its content back
    WITHDRAWN = "withdrawn"  # a draft dropped by its editor


class AuditAction(StrEnum):
    IMPORT = "import"
    EDIT = "edit"
    SUBMIT = "submit"
    REJECT = "reject"
    WITHDRAW = "withdraw"
    PUBLISH = "publish"
    ROLLBACK = "rollback"
    VOICE = "voice"
    RETRAIN = "retrain"


class JobStatus(StrEnum):
    RUNNING = "running"
    DEPLOYED = "deployed"  # passed the checks and serves customers
    ROLLED_BACK = "rolled_back"  # was deployed; the model it replaced serves again
    REFUSED = "refused"  # trained, but worse than the live model: not deployed
    FAILED = "failed"  # the data did not validate or training broke


class FaqEntry(Base):
    __tablename__ = "faq_entries"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    # Where the key's training questions live in `nlu_data/` (export writes them back there).
    source_file: Mapped[str] = mapped_column(String(128))
    # Order in its nlu file and among the domain's responses (export keeps both).
    file_position: Mapped[int] = mapped_column(Integer)
    position: Mapped[int] = mapped_column(Integer)
    live_version: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class FaqVersion(Base):
    """One version of a key's content. Questions are an ordered list of {text, language}
    (the order of the training file); answers, channel variants and quick replies per
    language."""

    __tablename__ = "faq_versions"
    __table_args__ = (
        UniqueConstraint("key", "number", name="uq_faq_versions_key_number"),
        Index("ix_faq_versions_status", "status", "key"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(ForeignKey("faq_entries.key"))
    number: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default=VersionStatus.DRAFT)
    questions: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    answers: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    variants: Mapped[dict[str, dict[str, str]]] = mapped_column(JSON, default=dict)
    quick_replies: Mapped[dict[str, list[str]]] = mapped_column(JSON, default=dict)
    based_on: Mapped[int | None] = mapped_column(Integer)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    approver_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    review_note: Mapped[str] = mapped_column(Text, default="")
    # Against the version it was based on, written when it is submitted.
    diff: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class FaqAudit(Base):
    """Who did what to the brand's content, when, with the content before and after."""

    __tablename__ = "faq_audit"
    __table_args__ = (Index("ix_faq_audit_key", "key", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    action: Mapped[str] = mapped_column(String(16))
    key: Mapped[str | None] = mapped_column(String(64))
    version: Mapped[int | None] = mapped_column(Integer)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    detail: Mapped[str] = mapped_column(Text, default="")


class BrandVoice(Base):
    """The brand's voice profile (agent/faq/voice.py), edited in the studio. No row: the
    default from agent/faq/voice.yml."""

    __tablename__ = "brand_voice"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    profile: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class TrainingJob(Base):
    __tablename__ = "training_jobs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    status: Mapped[str] = mapped_column(String(16), default=JobStatus.RUNNING)
    stage: Mapped[str] = mapped_column(String(16), default="queued")
    percent: Mapped[int] = mapped_column(Integer, default=0)
    message: Mapped[str] = mapped_column(Text, default="")
    requested_by: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    # The training questions this model learns (agent/faq/content.py: questions_fingerprint).
    fingerprint: Mapped[str] = mapped_column(String(64))
    model_path: Mapped[str | None] = mapped_column(String(512))
    # The model this one replaced (None: the one Rasa started with), kept for a rollback.
    replaced_path: Mapped[str | None] = mapped_column(String(512))
    replaced_fingerprint: Mapped[str | None] = mapped_column(String(64))
    accuracy: Mapped[float | None] = mapped_column()
    baseline_accuracy: Mapped[float | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ModelState(Base):
    """What the live Rasa model was trained on: the questions' fingerprint and the model file.
    Published questions with another fingerprint mean the model is stale."""

    __tablename__ = "faq_model_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    model_path: Mapped[str | None] = mapped_column(String(512))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
