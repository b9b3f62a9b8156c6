"""signals on inbound messages, escalations

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 17:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("signals", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("urgency", sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column("sentiment_score", sa.Float(), nullable=True))
        batch_op.add_column(
            sa.Column("fallback", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.create_table(
        "escalations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("reason_keys", sa.JSON(), nullable=False),
        sa.Column("urgency", sa.String(length=8), nullable=False),
        sa.Column("sentiment", sa.String(length=8), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["conversation_id"], ["conversations.id"]),
        sa.ForeignKeyConstraint(["message_id"], ["messages.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_escalations_conversation_id", "escalations", ["conversation_id"])
    op.create_index("ix_escalations_status_created", "escalations", ["status", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_escalations_status_created", table_name="escalations")
    op.drop_index("ix_escalations_conversation_id", table_name="escalations")
    op.drop_table("escalations")
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_column("fallback")
        batch_op.drop_column("sentiment_score")
        batch_op.drop_column("urgency")
        batch_op.drop_column("signals")
