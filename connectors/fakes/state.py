"""What the fake platforms remember: threads per customer, sends, injected failures."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any


@dataclass
class ThreadItem:
    direction: str  # "in" (customer → page) or "out" (page → customer)
    text: str
    mid: str
    timestamp_ms: int
    messaging_type: str | None = None
    tag: str | None = None


@dataclass
class Injected:
    status: int
    body: dict[str, Any]


@dataclass
class FakeState:
    threads: dict[str, list[ThreadItem]] = field(default_factory=dict)
    sent: list[dict[str, Any]] = field(default_factory=list)
    sender_actions: list[dict[str, Any]] = field(default_factory=list)
    last_customer_ms: dict[str, int] = field(default_factory=dict)
    customer_channel: dict[str, str] = field(default_factory=dict)  # id -> messenger/instagram
    failures: list[Injected] = field(default_factory=list)
    deliveries: list[dict[str, Any]] = field(default_factory=list)
    # Posts to the brand's own endpoints (the crisis alert webhook), with their headers.
    hooks: list[dict[str, Any]] = field(default_factory=list)
    changed: asyncio.Condition = field(default_factory=asyncio.Condition)

    async def record_out(self, customer_id: str, item: ThreadItem) -> None:
        """A message the brand sent reached the platform; wake long-polling readers."""
        self.threads.setdefault(customer_id, []).append(item)
        async with self.changed:
            self.changed.notify_all()
