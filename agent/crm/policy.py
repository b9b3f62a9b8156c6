"""What the bot may say about an order, and what asking to cancel one does. Pure: no I/O.

Customers type order numbers, e-mails and postcodes with a Japanese IME as often as not, so
every comparison is made on NFKC-normalised text (full-width "ＴＢ－１０２３" is "TB-1023")."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum

from agent.crm.types import (
    CancellationOutcome,
    CancellationResult,
    Customer,
    Order,
    OrderStatus,
)

# Dashes people put in postcodes, after NFKC: hyphen, the U+2010…2015 dashes, minus, and the
# katakana long-vowel mark an IME gives for "-" in Japanese mode. "〒" is the postal mark.
_POSTCODE_NOISE = re.compile(r"[\s\-\u2010-\u2015\u2212\u30fc〒]")


def normalise_order_number(value: str) -> str:
    """NFKC, trimmed, one optional leading '#', upper-case: " ＃ｔｂ－１０２３ " is "TB-1023"."""
    text = unicodedata.normalize("NFKC", value).strip()
    return text.removeprefix("#").strip().upper()


def normalise_email(value: str) -> str:
    return unicodedata.normalize("NFKC", value).strip().lower()


def normalise_postcode(value: str) -> str:
    """Without the postal mark, spaces and dashes: "〒150-0001", "１５０ー０００１" → "1500001"."""
    # Repeated until stable: removing a space can bring a letter and a combining mark together
    # ("U ̈" → "Ü"), and normalising twice must give what normalising once gave.
    current = value
    for _ in range(4):
        cleaned = _POSTCODE_NOISE.sub("", unicodedata.normalize("NFKC", current))
        if cleaned == current:
            break
        current = cleaned
    return current


class DisclosureDecision(StrEnum):
    DISCLOSE = "disclose"
    ASK_TO_VERIFY = "ask_to_verify"


class VerifiedBy(StrEnum):
    LINKED_IDENTITY = "linked_identity"  # the requester's social account is the order's owner's
    EMAIL = "email"
    POSTCODE = "postcode"


@dataclass(frozen=True, slots=True)
class Disclosure:
    """The decision, and the order only when it may be disclosed.

    `proof_rejected`: proof was given and matched nothing. The same answer whether the order
    exists or not, and whichever part was wrong, so that guessing learns nothing."""

    decision: DisclosureDecision
    order: Order | None = None
    verified_by: VerifiedBy | None = None
    proof_rejected: bool = False

    def __post_init__(self) -> None:
        disclosing = self.decision is DisclosureDecision.DISCLOSE
        if disclosing != (self.order is not None) or disclosing != (self.verified_by is not None):
            raise ValueError("a disclosure carries the order and its basis, a refusal neither")
        if disclosing and self.proof_rejected:
            raise ValueError("a disclosure cannot have rejected proof")


def order_disclosure(
    order: Order | None, *, requester: Customer | None, proof: str | None
) -> Disclosure:
    """May the bot tell `requester` about `order`?

    `order`: the order the number they gave names, None when there is no such order (answered
    exactly like a wrong proof). `requester`: the customer linked to the social identity
    writing, if any. `proof`: what they gave to prove it is theirs (the order's e-mail or
    delivery postcode), if anything."""
    if order is not None and requester is not None and requester.id == order.customer_id:
        return Disclosure(DisclosureDecision.DISCLOSE, order, VerifiedBy.LINKED_IDENTITY)
    if proof is None or not proof.strip():
        return Disclosure(DisclosureDecision.ASK_TO_VERIFY)
    if order is not None:
        basis = _proof_matches(order, proof)
        if basis is not None:
            return Disclosure(DisclosureDecision.DISCLOSE, order, basis)
    return Disclosure(DisclosureDecision.ASK_TO_VERIFY, proof_rejected=True)


def _proof_matches(order: Order, proof: str) -> VerifiedBy | None:
    email = normalise_email(proof)
    if "@" in email and email == normalise_email(order.email):
        return VerifiedBy.EMAIL
    postcode = normalise_postcode(proof)
    if postcode and postcode == normalise_postcode(order.postcode):
        return VerifiedBy.POSTCODE
    return None


_CANCELLATION: dict[OrderStatus, tuple[CancellationOutcome, OrderStatus]] = {
    OrderStatus.PENDING: (CancellationOutcome.CANCELLED, OrderStatus.CANCELLED),
    OrderStatus.PAID: (CancellationOutcome.CANCELLED, OrderStatus.CANCELLED),
    # Boxed at the warehouse: it may already be on the truck, so a person checks first.
    OrderStatus.PACKED: (CancellationOutcome.REQUESTED, OrderStatus.PACKED),
    OrderStatus.SHIPPED: (CancellationOutcome.RETURN_INSTEAD, OrderStatus.SHIPPED),
    OrderStatus.DELIVERED: (CancellationOutcome.RETURN_INSTEAD, OrderStatus.DELIVERED),
    OrderStatus.CANCELLED: (CancellationOutcome.ALREADY_CANCELLED, OrderStatus.CANCELLED),
    OrderStatus.RETURNED: (CancellationOutcome.ALREADY_RETURNED, OrderStatus.RETURNED),
}


def decide_cancellation(order: Order) -> CancellationResult:
    """What asking to cancel `order` does, by its status."""
    outcome, status = _CANCELLATION[order.status]
    return CancellationResult(order_number=order.number, outcome=outcome, status=status)


def cancellation_note(order: Order, result: CancellationResult, reason: str) -> str | None:
    """The note left on the customer for support staff, or None when nothing changed."""
    if result.outcome is CancellationOutcome.CANCELLED:
        return f"Order {order.number} cancelled at the customer's request. Reason: {reason}"
    if result.outcome is CancellationOutcome.REQUESTED and order.cancellation_requested_at is None:
        return (
            f"Customer asked to cancel order {order.number} (packed): confirm with the warehouse"
            f" before it ships. Reason: {reason}"
        )
    return None
