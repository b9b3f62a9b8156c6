"""Creating staff accounts (the demo's, and from scripts and tests)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from agent.console.auth import hash_password
from agent.handoff.models import Role, Staff

DEMO_STAFF = Path(__file__).with_name("demo_staff.yml")


async def add_staff(
    session: AsyncSession,
    *,
    email: str,
    name: str,
    password: str,
    role: Role = Role.AGENT,
    teams: list[str] | None = None,
    capacity: int = 5,
    ui_language: str = "en",
) -> Staff:
    staff = Staff(
        email=email.strip().lower(),
        name=name,
        password_hash=hash_password(password),
        role=role,
        teams=list(teams or []),
        capacity=capacity,
        ui_language=ui_language,
    )
    session.add(staff)
    await session.flush()
    return staff


def load_demo_staff(path: Path = DEMO_STAFF) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return data


async def seed_demo_staff(session: AsyncSession, data: dict[str, Any]) -> int:
    """Create the demo accounts that do not exist yet. Returns how many were created."""
    existing = set((await session.execute(select(Staff.email))).scalars())
    created = 0
    for spec in data["staff"]:
        if spec["email"] in existing:
            continue
        await add_staff(
            session,
            email=spec["email"],
            name=spec["name"],
            password=data["password"],
            role=Role(spec.get("role", "agent")),
            teams=spec.get("teams") or [],
            capacity=int(spec.get("capacity", 5)),
            ui_language=spec.get("ui_language", "en"),
        )
        created += 1
    return created
