"""A fake of the app's CRM API for the actions' tests, and builders for tracker events."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from rasa_sdk import Tracker

from actions.contract import (
    CancellationOutcome,
    CancellationReply,
    Carrier,
    Disclosure,
    OrderStatus,
    OrderSummary,
)
from actions.crm_client import CrmUnavailable

OWNER = "messenger:7100000000000001"  # owns every order of the fake
STRANGER = "messenger:7199999999999999"

# The `tracker_for` fixture: a tracker whose latest message is the given text.
TrackerFor = Callable[..., Tracker]

# What "cancelling now" would do, by status (agent.crm.policy.decide_cancellation).
PREVIEW = {
    OrderStatus.PENDING: CancellationOutcome.CANCELLED,
    OrderStatus.PAID: CancellationOutcome.CANCELLED,
    OrderStatus.PACKED: CancellationOutcome.REQUESTED,
    OrderStatus.SHIPPED: CancellationOutcome.RETURN_INSTEAD,
    OrderStatus.DELIVERED: CancellationOutcome.RETURN_INSTEAD,
    OrderStatus.CANCELLED: CancellationOutcome.ALREADY_CANCELLED,
    OrderStatus.RETURNED: CancellationOutcome.ALREADY_RETURNED,
}


@dataclass
class FakeOrder:
    status: OrderStatus
    owner: str = OWNER
    proofs: tuple[str, ...] = ("misaki.sato@example.com", "150-0001")
    carrier: Carrier | None = None
    tracking_number: str | None = None
    cancellation_requested: bool = False


@dataclass
class FakeCrm:
    """The app's disclosure rule, in miniature: the owner's identity or a matching proof."""

    orders: dict[str, FakeOrder] = field(default_factory=dict)
    down: bool = False
    calls: list[tuple[str, str, str | None, str | None]] = field(default_factory=list)

    def _allowed(self, number: str, identity: str | None, proof: str | None) -> bool:
        order = self.orders.get(number)
        if order is None:
            return False
        return identity == order.owner or (proof is not None and proof.lower() in order.proofs)

    async def disclosure(
        self, number: str, *, identity: str | None, proof: str | None
    ) -> Disclosure:
        self.calls.append(("disclosure", number, identity, proof))
        if self.down:
            raise CrmUnavailable("CRM answered 503")
        if not self._allowed(number, identity, proof):
            return Disclosure(order=None, proof_rejected=proof is not None)
        order = self.orders[number]
        return Disclosure(
            order=OrderSummary(
                number=number,
                status=order.status,
                carrier=order.carrier,
                tracking_number=order.tracking_number,
                cancellation_requested=order.cancellation_requested,
                cancellation=PREVIEW[order.status],
            )
        )

    async def cancel(
        self, number: str, *, identity: str | None, proof: str | None, reason: str
    ) -> CancellationReply:
        self.calls.append(("cancel", number, identity, proof))
        if self.down:
            raise CrmUnavailable("CRM answered 503")
        if not self._allowed(number, identity, proof):
            return CancellationReply(outcome=None, proof_rejected=proof is not None)
        order = self.orders[number]
        outcome = PREVIEW[order.status]
        if outcome is CancellationOutcome.CANCELLED:
            order.status = OrderStatus.CANCELLED
        elif outcome is CancellationOutcome.REQUESTED:
            order.cancellation_requested = True
        return CancellationReply(outcome=outcome)


def user_message(
    text: str,
    intent: str,
    key: str | None = None,
    *,
    metadata: dict[str, Any] | None = None,
    entities: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """A user event as Rasa sends it to the action server, parse data included."""
    parse: dict[str, Any] = {
        "text": text,
        "intent": {"name": intent, "confidence": 0.97},
        "entities": entities or [],
        "metadata": metadata or {},
    }
    if key is not None:
        parse["response_selector"] = {
            "faq": {"response": {"intent_response_key": f"faq/{key}", "confidence": 0.95}}
        }
    return {"event": "user", "text": text, "parse_data": parse, "metadata": metadata or {}}


def bot_action(name: str) -> dict[str, Any]:
    return {"event": "action", "name": name}
