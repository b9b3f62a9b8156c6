"""The demo brand's customers (demo_customers.yml): for the local stack, the fake CRM and tests.

Run: `python -m agent.crm.demo` seeds the database of AGENT_DATABASE_URL (migrated first)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from agent.crm.models import CrmCustomer, CrmIdentity, CrmNote, CrmOrder
from agent.crm.policy import normalise_email, normalise_order_number
from agent.crm.types import (
    Carrier,
    Customer,
    Identity,
    Note,
    Order,
    OrderLine,
    OrderStatus,
    Profile,
    Tier,
)
from agent.errors import ConfigError
from agent.records.models import as_utc

DEMO_PATH = Path(__file__).with_name("demo_customers.yml")


@dataclass(frozen=True, slots=True)
class DemoData:
    """One profile per customer (no past conversations: those are the app's own)."""

    profiles: tuple[Profile, ...]


def load_demo(path: Path = DEMO_PATH) -> DemoData:
    """Raises ConfigError when the file is missing or malformed."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        return DemoData(profiles=tuple(_profile(item) for item in raw["customers"]))
    except (OSError, yaml.YAMLError, KeyError, TypeError, ValueError) as exc:
        raise ConfigError(f"demo customers {path}: {exc!r}") from exc


def _profile(item: dict[str, Any]) -> Profile:
    customer = Customer(
        id=str(item["id"]),
        name=str(item["name"]),
        email=normalise_email(item["email"]),
        tier=Tier(item["tier"]),
        postcode=str(item["postcode"]),
        language=str(item["language"]),
    )
    orders = sorted(
        (_order(customer, order) for order in item.get("orders") or ()),
        key=lambda order: order.placed_at,
        reverse=True,
    )
    notes = sorted(
        (
            Note(author=str(n["author"]), text=str(n["text"]), created_at=_when(n["created_at"]))
            for n in item.get("notes") or ()
        ),
        key=lambda note: note.created_at,
        reverse=True,
    )
    return Profile(
        customer=customer,
        identities=tuple(Identity.parse(str(value)) for value in item.get("identities") or ()),
        orders=tuple(orders),
        notes=tuple(notes),
        past_conversations=(),
    )


def _order(customer: Customer, item: dict[str, Any]) -> Order:
    return Order(
        number=normalise_order_number(str(item["number"])),
        customer_id=customer.id,
        status=OrderStatus(item["status"]),
        placed_at=_when(item["placed_at"]),
        total_jpy=int(item["total_jpy"]),
        lines=tuple(
            OrderLine(sku=str(line["sku"]), name=str(line["name"]), quantity=int(line["quantity"]))
            for line in item["lines"]
        ),
        carrier=Carrier(item["carrier"]) if item.get("carrier") else None,
        tracking_number=str(item["tracking_number"]) if item.get("tracking_number") else None,
        postcode=str(item.get("postcode") or customer.postcode),
        email=normalise_email(item.get("email") or customer.email),
    )


def _when(value: object) -> datetime:
    # YAML reads an ISO timestamp as a datetime already; a quoted one stays a string.
    when = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    if when.tzinfo is None:
        raise ValueError(f"timestamp without an offset: {value!r}")
    # In UTC like every datetime the app stores: SQLite keeps the wall time and drops the offset.
    return when.astimezone(UTC)


async def seed_demo(sessions: async_sessionmaker[AsyncSession], data: DemoData) -> int:
    """Add what is missing of `data`; never changes what is there (an order a demo cancelled
    stays cancelled). Returns how many rows were added: 0 the second time."""
    added = 0
    async with sessions() as session:
        for profile in data.profiles:
            added += await _seed_profile(session, profile=profile)
        await session.commit()
    return added


async def _seed_profile(session: AsyncSession, *, profile: Profile) -> int:
    customer = profile.customer
    added = 0
    if await session.get(CrmCustomer, customer.id) is None:
        session.add(
            CrmCustomer(
                id=customer.id,
                name=customer.name,
                email=customer.email,
                tier=customer.tier,
                postcode=customer.postcode,
                language=customer.language,
            )
        )
        await session.flush()  # before the rows that refer to it
        added = 1
    rows: list[object] = []
    linked = {
        (channel, external_id)
        for channel, external_id in await session.execute(
            select(CrmIdentity.channel, CrmIdentity.external_id)
        )
    }
    rows.extend(
        CrmIdentity(customer_id=customer.id, channel=i.channel, external_id=i.external_id)
        for i in profile.identities
        if (i.channel, i.external_id) not in linked
    )
    numbers = set(
        await session.scalars(
            select(CrmOrder.number).where(CrmOrder.number.in_([o.number for o in profile.orders]))
        )
    )
    rows.extend(_order_row(order) for order in profile.orders if order.number not in numbers)
    noted = {
        (author, text, as_utc(created_at))
        for author, text, created_at in await session.execute(
            select(CrmNote.author, CrmNote.text, CrmNote.created_at).where(
                CrmNote.customer_id == customer.id
            )
        )
    }
    rows.extend(
        CrmNote(customer_id=customer.id, author=n.author, text=n.text, created_at=n.created_at)
        for n in profile.notes
        if (n.author, n.text, n.created_at) not in noted
    )
    session.add_all(rows)
    return added + len(rows)


def _order_row(order: Order) -> CrmOrder:
    return CrmOrder(
        number=order.number,
        customer_id=order.customer_id,
        status=order.status,
        placed_at=order.placed_at,
        total_jpy=order.total_jpy,
        lines=[{"sku": li.sku, "name": li.name, "quantity": li.quantity} for li in order.lines],
        carrier=order.carrier,
        tracking_number=order.tracking_number,
        postcode=order.postcode,
        email=order.email,
    )


async def _seed_configured_database() -> int:
    from agent.__main__ import migrate
    from agent.db import create_engine, sessionmaker
    from agent.settings import Settings

    settings = Settings()  # type: ignore[call-arg]  # read from the environment
    migrate(settings)
    engine = create_engine(settings.database_url)
    try:
        return await seed_demo(sessionmaker(engine), load_demo())
    finally:
        await engine.dispose()


def main() -> None:
    added = asyncio.run(_seed_configured_database())
    print(f"demo customers seeded: {added} rows added")


if __name__ == "__main__":
    main()
