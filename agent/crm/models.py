"""The CRM's tables, for `sql.SqlCrm` (migration 0005)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from agent.db import Base
from agent.records.models import utcnow


class CrmCustomer(Base):
    __tablename__ = "crm_customers"
    __table_args__ = (UniqueConstraint("email", name="uq_crm_customers_email"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    # Stored normalised (`policy.normalise_email`) so that the unique constraint means one
    # customer per address whatever its case.
    email: Mapped[str] = mapped_column(String(320))
    tier: Mapped[str] = mapped_column(String(16))
    postcode: Mapped[str] = mapped_column(String(16))
    language: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class CrmIdentity(Base):
    __tablename__ = "crm_identities"
    __table_args__ = (
        UniqueConstraint("channel", "external_id", name="uq_crm_identities_channel_external"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("crm_customers.id"), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class CrmOrder(Base):
    __tablename__ = "crm_orders"
    __table_args__ = (UniqueConstraint("number", name="uq_crm_orders_number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(32))  # `policy.normalise_order_number`
    customer_id: Mapped[str] = mapped_column(ForeignKey("crm_customers.id"), index=True)
    status: Mapped[str] = mapped_column(String(16))
    placed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    total_jpy: Mapped[int] = mapped_column(Integer)
    # [{"sku", "name", "quantity"}]: always read and written whole with the order.
    lines: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    carrier: Mapped[str | None] = mapped_column(String(16))
    tracking_number: Mapped[str | None] = mapped_column(String(64))
    postcode: Mapped[str] = mapped_column(String(16))
    email: Mapped[str] = mapped_column(String(320))
    cancellation_reason: Mapped[str | None] = mapped_column(Text)
    cancellation_requested_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class CrmNote(Base):
    __tablename__ = "crm_notes"
    __table_args__ = (Index("ix_crm_notes_customer_created", "customer_id", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("crm_customers.id"))
    author: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
