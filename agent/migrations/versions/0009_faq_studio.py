"""FAQ studio: the FAQ store with every version, its audit log, the brand voice, retraining

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-23 03:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

_TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "faq_entries",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("source_file", sa.String(length=128), nullable=False),
        sa.Column("file_position", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("live_version", sa.Integer(), nullable=True),
        sa.Column("created_at", _TZ, nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_table(
        "faq_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("questions", sa.JSON(), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("variants", sa.JSON(), nullable=False),
        sa.Column("quick_replies", sa.JSON(), nullable=False),
        sa.Column("based_on", sa.Integer(), nullable=True),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("approver_id", sa.Integer(), nullable=True),
        sa.Column("review_note", sa.Text(), nullable=False),
        sa.Column("diff", sa.Text(), nullable=False),
        sa.Column("created_at", _TZ, nullable=False),
        sa.Column("updated_at", _TZ, nullable=False),
        sa.Column("submitted_at", _TZ, nullable=True),
        sa.Column("published_at", _TZ, nullable=True),
        sa.ForeignKeyConstraint(["key"], ["faq_entries.key"]),
        sa.ForeignKeyConstraint(["author_id"], ["staff.id"]),
        sa.ForeignKeyConstraint(["approver_id"], ["staff.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key", "number", name="uq_faq_versions_key_number"),
    )
    op.create_index("ix_faq_versions_status", "faq_versions", ["status", "key"])
    op.create_table(
        "faq_audit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", _TZ, nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=True),
        sa.Column("version", sa.Integer(), nullable=True),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["actor_id"], ["staff.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_faq_audit_key", "faq_audit", ["key", "id"])
    op.create_table(
        "brand_voice",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("profile", sa.JSON(), nullable=False),
        sa.Column("updated_by", sa.Integer(), nullable=True),
        sa.Column("updated_at", _TZ, nullable=False),
        sa.ForeignKeyConstraint(["updated_by"], ["staff.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "training_jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("stage", sa.String(length=16), nullable=False),
        sa.Column("percent", sa.Integer(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("requested_by", sa.Integer(), nullable=True),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("model_path", sa.String(length=512), nullable=True),
        sa.Column("replaced_path", sa.String(length=512), nullable=True),
        sa.Column("replaced_fingerprint", sa.String(length=64), nullable=True),
        sa.Column("accuracy", sa.Float(), nullable=True),
        sa.Column("baseline_accuracy", sa.Float(), nullable=True),
        sa.Column("created_at", _TZ, nullable=False),
        sa.Column("finished_at", _TZ, nullable=True),
        sa.ForeignKeyConstraint(["requested_by"], ["staff.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "faq_model_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("model_path", sa.String(length=512), nullable=True),
        sa.Column("updated_at", _TZ, nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    op.drop_table("faq_model_state")
    op.drop_table("training_jobs")
    op.drop_table("brand_voice")
    op.drop_index("ix_faq_audit_key", table_name="faq_audit")
    op.drop_table("faq_audit")
    op.drop_index("ix_faq_versions_status", table_name="faq_versions")
    op.drop_table("faq_versions")
    op.drop_table("faq_entries")
