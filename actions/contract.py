"""The values of the app's CRM API the actions read (`agent.crm.http`, bot endpoints): kept
here because the action server cannot import `agent`; a test in the app's environment checks
that they match `agent.crm.types`. No I/O."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any


class OrderStatus(str, Enum):
    PENDING = "pending"
    PAID = "paid"
    PACKED = "packed"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"
    RETURNED = "returned"


class CancellationOutcome(str, Enum):
    CANCELLED = "cancelled"
    REQUESTED = "requested"
    RETURN_INSTEAD = "return_instead"
    ALREADY_CANCELLED = "already_cancelled"
    ALREADY_RETURNED = "already_returned"


class Carrier(str, Enum):
    YAMATO = "yamato"
    SAGAWA = "sagawa"
    JAPAN_POST = "japan_post"


DISCLOSE = "disclose"
ASK_TO_VERIFY = "ask_to_verify"


@dataclass(frozen=True)
class OrderSummary:
    number: str
    status: OrderStatus
    carrier: Carrier | None
    tracking_number: str | None
    cancellation_requested: bool
    cancellation: CancellationOutcome  # what asking to cancel would do now


@dataclass(frozen=True)
class Disclosure:
    """The CRM's answer to "may this customer see this order?": the order only when yes."""

    order: OrderSummary | None
    proof_rejected: bool = False


@dataclass(frozen=True)
class CancellationReply:
    """The outcome of a cancellation the customer was allowed to ask for; None when the CRM
    wants them to verify first (nothing changed)."""

    outcome: CancellationOutcome | None
    proof_rejected: bool = False


def disclosure_from_wire(data: dict[str, Any]) -> Disclosure:
    """Raises KeyError, TypeError or ValueError when `data` is not the contract's."""
    decision = data["decision"]
    if decision == ASK_TO_VERIFY:
        return Disclosure(order=None, proof_rejected=bool(data.get("proof_rejected")))
    if decision != DISCLOSE:
        raise ValueError(f"unknown decision {decision!r}")
    order = data["order"]
    return Disclosure(
        order=OrderSummary(
            number=str(order["number"]),
            status=OrderStatus(order["status"]),
            carrier=Carrier(order["carrier"]) if order.get("carrier") else None,
            tracking_number=str(order["tracking_number"]) if order.get("tracking_number") else None,
            cancellation_requested=bool(order["cancellation_requested"]),
            cancellation=CancellationOutcome(order["cancellation"]),
        )
    )


def cancellation_from_wire(data: dict[str, Any]) -> CancellationReply:
    """Raises KeyError, TypeError or ValueError when `data` is not the contract's."""
    decision = data["decision"]
    if decision == ASK_TO_VERIFY:
        return CancellationReply(outcome=None, proof_rejected=bool(data.get("proof_rejected")))
    if decision != DISCLOSE:
        raise ValueError(f"unknown decision {decision!r}")
    return CancellationReply(outcome=CancellationOutcome(data["result"]["outcome"]))
