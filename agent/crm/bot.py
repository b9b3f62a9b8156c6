"""What the bot may do for a customer writing about an order, decided here, next to the CRM.

The action server asks on the customer's behalf with the identity they write from and any proof
they typed; `policy.order_disclosure` decides, and an order is handed over only when it may be
shown, cut down to what a status reply needs. So the action server never holds another
customer's order, e-mail or postcode, whatever it does with an answer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from agent.crm.base import Crm
from agent.crm.policy import (
    DisclosureDecision,
    VerifiedBy,
    decide_cancellation,
    order_disclosure,
)
from agent.crm.types import (
    CancellationOutcome,
    CancellationResult,
    Carrier,
    Identity,
    Order,
    OrderStatus,
)


@dataclass(frozen=True, slots=True)
class OrderSummary:
    """An order as the bot may describe it to a verified customer: no contact details, no
    lines or prices."""

    number: str
    status: OrderStatus
    placed_at: datetime
    carrier: Carrier | None
    tracking_number: str | None
    cancellation_requested: bool
    # What asking to cancel it would do now (`policy.decide_cancellation`), so that the bot can
    # say so before the customer confirms.
    cancellation: CancellationOutcome

    @classmethod
    def of(cls, order: Order) -> OrderSummary:
        return cls(
            number=order.number,
            status=order.status,
            placed_at=order.placed_at,
            carrier=order.carrier,
            tracking_number=order.tracking_number,
            cancellation_requested=order.cancellation_requested_at is not None,
            cancellation=decide_cancellation(order).outcome,
        )


@dataclass(frozen=True, slots=True)
class BotDisclosure:
    """`policy.Disclosure` with the order cut down to an `OrderSummary`."""

    decision: DisclosureDecision
    order: OrderSummary | None = None
    verified_by: VerifiedBy | None = None
    proof_rejected: bool = False

    @property
    def disclosed(self) -> bool:
        return self.decision is DisclosureDecision.DISCLOSE


async def disclose_order(
    crm: Crm, number: str, *, identity: Identity | None, proof: str | None
) -> BotDisclosure:
    """May the customer writing from `identity` (None: unknown) see order `number`, with the
    `proof` they gave (an e-mail address or delivery postcode), if any? An unknown order is
    answered like someone else's, so that guessing numbers learns nothing."""
    order = await crm.find_order(number)
    requester = (
        await crm.find_by_identity(identity.channel, identity.external_id) if identity else None
    )
    decided = order_disclosure(order, requester=requester, proof=proof)
    if decided.order is None:
        return BotDisclosure(decided.decision, proof_rejected=decided.proof_rejected)
    return BotDisclosure(decided.decision, OrderSummary.of(decided.order), decided.verified_by)


async def cancel_for_customer(
    crm: Crm, number: str, *, identity: Identity | None, proof: str | None, reason: str
) -> tuple[BotDisclosure, CancellationResult | None]:
    """Ask to cancel order `number` for the customer writing, only when it is theirs by the
    same rule as `disclose_order`; otherwise nothing changes and no result is given."""
    disclosure = await disclose_order(crm, number, identity=identity, proof=proof)
    if disclosure.order is None:
        return disclosure, None
    result = await crm.request_cancellation(disclosure.order.number, reason=reason)
    return disclosure, result
