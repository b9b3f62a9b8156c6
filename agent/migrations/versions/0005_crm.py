"""CRM: customers, their social identities, orders and notes

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22 18:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "crm_customers",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("tier", sa.String(length=16), nullable=False),
        sa.Column("postcode", sa.String(length=16), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("email", name="uq_crm_customers_email"),
    )
    op.create_table(
        "crm_identities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.String(length=32), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("external_id", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["customer_id"], ["crm_customers.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("channel", "external_id", name="uq_crm_identities_channel_external"),
    )
    op.create_index("ix_crm_identities_customer_id", "crm_identities", ["customer_id"])
    op.create_table(
        "crm_orders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=32), nullable=False),
        sa.Column("customer_id", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("placed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("total_jpy", sa.Integer(), nullable=False),
        sa.Column("lines", sa.JSON(), nullable=False),
        sa.Column("carrier", sa.String(length=16), nullable=True),
        sa.Column("tracking_number", sa.String(length=64), nullable=True),
        sa.Column("postcode", sa.String(length=16), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("cancellation_reason", sa.Text(), nullable=True),
        sa.Column("cancellation_requested_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["customer_id"], ["crm_customers.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("number", name="uq_crm_orders_number"),
    )
    op.create_index("ix_crm_orders_customer_id", "crm_orders", ["customer_id"])
    op.create_table(
        "crm_notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.String(length=32), nullable=False),
        sa.Column("author", sa.String(length=64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["customer_id"], ["crm_customers.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_crm_notes_customer_created", "crm_notes", ["customer_id", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_crm_notes_customer_created", table_name="crm_notes")
    op.drop_table("crm_notes")
    op.drop_index("ix_crm_orders_customer_id", table_name="crm_orders")
    op.drop_table("crm_orders")
    op.drop_index("ix_crm_identities_customer_id", table_name="crm_identities")
    op.drop_table("crm_identities")
    op.drop_table("crm_customers")
