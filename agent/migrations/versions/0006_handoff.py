"""staff, escalation routing and service levels, escalation history, notes, CSAT

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22 20:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "staff",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=255), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("teams", sa.JSON(), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("presence", sa.String(length=16), nullable=False),
        sa.Column("ui_language", sa.String(length=8), nullable=False),
        sa.Column("created_at", _TZ, nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("email"),
    )
    with op.batch_alter_table("escalations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("team", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("tier", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("intent", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("due_at", _TZ, nullable=True))
        batch_op.add_column(sa.Column("assignee_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("assigned_at", _TZ, nullable=True))
        batch_op.add_column(sa.Column("first_reply_at", _TZ, nullable=True))
        batch_op.add_column(sa.Column("closed_at", _TZ, nullable=True))
        batch_op.add_column(sa.Column("csat_score", sa.Integer(), nullable=True))
        batch_op.create_foreign_key("fk_escalations_assignee", "staff", ["assignee_id"], ["id"])
    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("csat_escalation_id", sa.Integer(), nullable=True))
    op.create_table(
        "escalation_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("escalation_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("created_at", _TZ, nullable=False),
        sa.ForeignKeyConstraint(["escalation_id"], ["escalations.id"]),
        sa.ForeignKeyConstraint(["actor_id"], ["staff.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_escalation_events_escalation", "escalation_events", ["escalation_id", "id"])
    op.create_table(
        "notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", _TZ, nullable=False),
        sa.ForeignKeyConstraint(["conversation_id"], ["conversations.id"]),
        sa.ForeignKeyConstraint(["author_id"], ["staff.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_notes_conversation", "notes", ["conversation_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_notes_conversation", table_name="notes")
    op.drop_table("notes")
    op.drop_index("ix_escalation_events_escalation", table_name="escalation_events")
    op.drop_table("escalation_events")
    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.drop_column("csat_escalation_id")
    with op.batch_alter_table("escalations", schema=None) as batch_op:
        batch_op.drop_constraint("fk_escalations_assignee", type_="foreignkey")
        for column in (
            "csat_score",
            "closed_at",
            "first_reply_at",
            "assigned_at",
            "assignee_id",
            "due_at",
            "intent",
            "tier",
            "team",
        ):
            batch_op.drop_column(column)
    op.drop_table("staff")
