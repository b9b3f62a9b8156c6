"""insight: message topics, report indexes, rollups, crisis alerts, FAQ drafts

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-22 22:50:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("topic", sa.String(length=64), nullable=True))
    op.create_index("ix_messages_created", "messages", ["created_at"])
    op.create_index("ix_messages_fallback_created", "messages", ["fallback", "created_at"])
    op.create_index("ix_escalations_created", "escalations", ["created_at"])
    op.create_table(
        "insight_message_hourly",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("hour", _TZ, nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("topic", sa.String(length=64), nullable=False),
        sa.Column("messages", sa.Integer(), nullable=False),
        sa.Column("negative", sa.Integer(), nullable=False),
        sa.Column("neutral", sa.Integer(), nullable=False),
        sa.Column("positive", sa.Integer(), nullable=False),
        sa.Column("sentiment_sum", sa.Float(), nullable=False),
        sa.Column("scored", sa.Integer(), nullable=False),
        sa.Column("urgent", sa.Integer(), nullable=False),
        sa.Column("critical", sa.Integer(), nullable=False),
        sa.Column("fallback", sa.Integer(), nullable=False),
        sa.Column("bot_replied", sa.Integer(), nullable=False),
        sa.Column("reply_ms_sum", sa.BigInteger(), nullable=False),
        sa.Column("reply_le_2s", sa.Integer(), nullable=False),
        sa.Column("reply_le_5s", sa.Integer(), nullable=False),
        sa.Column("reply_le_15s", sa.Integer(), nullable=False),
        sa.Column("reply_le_60s", sa.Integer(), nullable=False),
        sa.Column("reply_le_300s", sa.Integer(), nullable=False),
        sa.Column("reply_over_300s", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("hour", "channel", "language", "topic", name="uq_insight_hourly"),
    )
    op.create_index("ix_insight_hourly_channel_hour", "insight_message_hourly", ["channel", "hour"])
    op.create_table(
        "insight_contact_daily",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("conversations", sa.Integer(), nullable=False),
        sa.Column("escalated", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("day", "channel", "language", name="uq_insight_daily"),
    )
    op.create_index("ix_insight_contact_daily_day", "insight_contact_daily", ["day"])
    op.create_table(
        "insight_subject_hourly",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("hour", _TZ, nullable=False),
        sa.Column("subject", sa.String(length=64), nullable=False),
        sa.Column("customers", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("hour", "subject", name="uq_insight_subject"),
    )
    op.create_index("ix_insight_subject_hourly_hour", "insight_subject_hourly", ["hour"])
    op.create_table(
        "insight_rollup_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("refreshed_at", _TZ, nullable=True),
        sa.Column("covered_from", _TZ, nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "crisis_alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject", sa.String(length=64), nullable=False),
        sa.Column("related", sa.JSON(), nullable=False),
        sa.Column("customer_keys", sa.JSON(), nullable=False),
        sa.Column("window_start", _TZ, nullable=False),
        sa.Column("window_end", _TZ, nullable=False),
        sa.Column("customers", sa.Integer(), nullable=False),
        sa.Column("messages", sa.Integer(), nullable=False),
        sa.Column("baseline_mean", sa.Float(), nullable=False),
        sa.Column("threshold", sa.Float(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("created_at", _TZ, nullable=False),
        sa.Column("acknowledged_by", sa.Integer(), nullable=True),
        sa.Column("acknowledged_at", _TZ, nullable=True),
        sa.Column("webhook_status", sa.String(length=16), nullable=False),
        sa.Column("webhook_attempts", sa.Integer(), nullable=False),
        sa.Column("webhook_next_at", _TZ, nullable=True),
        sa.Column("webhook_error", sa.Text(), nullable=True),
        sa.Column("delivered_at", _TZ, nullable=True),
        sa.ForeignKeyConstraint(["acknowledged_by"], ["staff.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_crisis_alerts_created", "crisis_alerts", ["created_at"])
    op.create_index(
        "ix_crisis_alerts_webhook", "crisis_alerts", ["webhook_status", "webhook_next_at"]
    )
    op.create_table(
        "faq_drafts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("questions", sa.JSON(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", _TZ, nullable=False),
        sa.ForeignKeyConstraint(["created_by"], ["staff.id"]),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    op.drop_table("faq_drafts")
    op.drop_index("ix_crisis_alerts_webhook", table_name="crisis_alerts")
    op.drop_index("ix_crisis_alerts_created", table_name="crisis_alerts")
    op.drop_table("crisis_alerts")
    op.drop_table("insight_rollup_state")
    op.drop_index("ix_insight_subject_hourly_hour", table_name="insight_subject_hourly")
    op.drop_table("insight_subject_hourly")
    op.drop_index("ix_insight_contact_daily_day", table_name="insight_contact_daily")
    op.drop_table("insight_contact_daily")
    op.drop_index("ix_insight_hourly_channel_hour", table_name="insight_message_hourly")
    op.drop_table("insight_message_hourly")
    op.drop_index("ix_escalations_created", table_name="escalations")
    op.drop_index("ix_messages_fallback_created", table_name="messages")
    op.drop_index("ix_messages_created", table_name="messages")
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_column("topic")
