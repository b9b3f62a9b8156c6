"""What to answer a customer writing about an order: `order_status` and `cancel_order`.

No Rasa here: `orders.ActionOrder` reads the turn and the pending state from the tracker, and
writes the result back as slots. The CRM decides what may be disclosed (`crm_client`); this
module picks the reply and remembers what the bot is waiting for:
- a proof (the order's e-mail address or delivery postcode) from someone who is not linked to
  the order's owner; the number stays remembered, so the proof alone is enough;
- a yes or no before an order is cancelled, so that "can I still cancel TB-240405?" never
  cancels anything by itself."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from actions.contract import CancellationOutcome, OrderStatus, OrderSummary
from actions.crm_client import CrmError, OrderCrm
from actions.replies import CANCELLATION_REPLIES, STATUS_REPLIES, Outcome, carrier_name

log = logging.getLogger(__name__)

# Slots (domain.yml); `order_outcome` is the one the rules read.
ORDER_NUMBER = "order_number"
ORDER_TOPIC = "order_topic"
ORDER_AWAITING = "order_awaiting"
ORDER_PROOF = "order_proof"
ORDER_CARRIER = "order_carrier"
ORDER_TRACKING_NUMBER = "order_tracking_number"
ORDER_OUTCOME = "order_outcome"


class Topic(str, Enum):
    STATUS = "order_status"
    CANCEL = "cancel_order"


class Awaiting(str, Enum):
    PROOF = "proof"
    CANCEL_CONFIRMATION = "cancel_confirmation"


# FAQ keys that, with an order number, ask about that order.
FAQ_TOPICS = {
    "order_status": Topic.STATUS,
    "shipping_time": Topic.STATUS,
    "cancel_order": Topic.CANCEL,
}
AFFIRM = "affirm"
DENY = "deny"
FAQ = "faq"
NLU_FALLBACK = "nlu_fallback"
OUT_OF_SCOPE = "out_of_scope"


@dataclass(frozen=True)
class Turn:
    """The customer's latest message, as read by Rasa and `reading`."""

    intent: str
    faq_key: str | None  # "order_status" for faq/order_status
    identity: str | None  # "messenger:<PSID>": who writes, from the worker's metadata
    channel: str | None
    language: str
    number: str | None  # an order number in the message
    proof: str | None  # an e-mail address or postcode in the message
    refuses: bool = False  # says no ("don't", "いいえ", …): never read as a yes


@dataclass(frozen=True)
class Pending:
    """What the conversation is in the middle of (the order slots)."""

    number: str | None = None
    topic: Topic | None = None
    awaiting: Awaiting | None = None
    proof: str | None = None  # a proof the CRM accepted for `number`


@dataclass(frozen=True)
class Reply:
    outcome: Outcome
    slots: dict[str, Any] = field(default_factory=dict)


async def answer(
    turn: Turn, pending: Pending, crm: OrderCrm, *, recent_topic: Topic | None = None
) -> Reply:
    """The reply to `turn`. `recent_topic`: what the customer's previous messages asked about
    (an FAQ answer invited them to send their order number)."""
    if turn.intent in (AFFIRM, DENY):
        if pending.awaiting is Awaiting.CANCEL_CONFIRMATION and pending.number:
            yes = turn.intent == AFFIRM and not turn.refuses
            return await _confirmed(turn, pending, crm, yes=yes)
        return Reply(Outcome.AFFIRMED if turn.intent == AFFIRM else Outcome.DENIED)
    # The order whose proof the bot asked for, if it did.
    proof_for = pending.number if pending.awaiting is Awaiting.PROOF else None
    if turn.intent == FAQ:
        topic = FAQ_TOPICS.get(turn.faq_key or "")
        if (
            topic is Topic.CANCEL
            and turn.number in (None, pending.number)
            and pending.awaiting is Awaiting.CANCEL_CONFIRMATION
        ):
            # "Yes, cancel it" reads as the cancel FAQ; so does "don't cancel it".
            return await _confirmed(turn, pending, crm, yes=not turn.refuses)
        if topic is not None and turn.number:
            return await _request(turn, pending, crm, turn.number, topic)
        if proof_for and (turn.proof or topic is not None):
            return await _request(turn, pending, crm, proof_for, topic or pending.topic)
        # Another question: answered as usual. A cancellation not confirmed is dropped, so
        # that a later "yes" to something else cancels nothing.
        moved_on = pending.awaiting is Awaiting.CANCEL_CONFIRMATION
        return Reply(Outcome.FAQ, {ORDER_AWAITING: None} if moved_on else {})
    if turn.number:
        if pending.awaiting is not None and pending.topic is not None:
            topic = pending.topic  # a corrected number for what they were asking
        else:
            topic = recent_topic or Topic.STATUS
        return await _request(turn, pending, crm, turn.number, topic)
    if proof_for:
        if turn.proof:
            return await _request(turn, pending, crm, proof_for, pending.topic)
        if turn.intent == NLU_FALLBACK:
            return Reply(Outcome.NOT_UNDERSTOOD)
        if turn.intent == OUT_OF_SCOPE:
            return Reply(Outcome.OUT_OF_SCOPE)
        return Reply(Outcome.VERIFY)  # asks again for the e-mail or postcode
    if turn.intent == NLU_FALLBACK:
        return Reply(Outcome.NOT_UNDERSTOOD)
    if turn.intent == OUT_OF_SCOPE:
        return Reply(Outcome.OUT_OF_SCOPE)
    return Reply(Outcome.ASK_NUMBER)


async def _request(
    turn: Turn, pending: Pending, crm: OrderCrm, number: str, topic: Topic | None
) -> Reply:
    topic = topic or Topic.STATUS
    same_order = number == pending.number
    proof = turn.proof or (pending.proof if same_order else None)
    asked = {ORDER_NUMBER: number, ORDER_TOPIC: topic.value}
    try:
        disclosure = await crm.disclosure(number, identity=turn.identity, proof=proof)
    except CrmError as exc:
        log.warning("order %s not looked up: %s", number, exc)
        return Reply(Outcome.CRM_UNAVAILABLE, asked)
    order = disclosure.order
    if order is None:
        outcome = Outcome.VERIFY_FAILED if disclosure.proof_rejected else Outcome.VERIFY
        return Reply(outcome, {**asked, ORDER_AWAITING: Awaiting.PROOF.value, ORDER_PROOF: None})
    verified = {**asked, ORDER_PROOF: proof}
    if topic is Topic.STATUS:
        return _status(order, turn.language, verified)
    return _cancel_preview(order, verified)


def _status(order: OrderSummary, language: str, slots: dict[str, Any]) -> Reply:
    outcome = STATUS_REPLIES[order.status]
    shown: dict[str, Any] = {ORDER_AWAITING: None, ORDER_CARRIER: None, ORDER_TRACKING_NUMBER: None}
    if order.status is OrderStatus.PACKED and order.cancellation_requested:
        outcome = Outcome.STATUS_PACKED_CANCEL_REQUESTED
    elif order.status is OrderStatus.SHIPPED:
        if order.carrier is None or order.tracking_number is None:
            outcome = Outcome.STATUS_SHIPPED_UNTRACKED
        else:
            shown[ORDER_CARRIER] = carrier_name(order.carrier, language)
            shown[ORDER_TRACKING_NUMBER] = order.tracking_number
    return Reply(outcome, {**slots, **shown})


def _cancel_preview(order: OrderSummary, slots: dict[str, Any]) -> Reply:
    """Before anything changes: what cancelling would do, asked to confirm where it acts."""
    if order.cancellation is CancellationOutcome.CANCELLED:
        return Reply(
            Outcome.CANCEL_CONFIRM,
            {**slots, ORDER_AWAITING: Awaiting.CANCEL_CONFIRMATION.value},
        )
    if order.cancellation is CancellationOutcome.REQUESTED:
        if order.cancellation_requested:
            return Reply(Outcome.CANCEL_ALREADY_REQUESTED, {**slots, ORDER_AWAITING: None})
        return Reply(
            Outcome.CANCEL_CONFIRM_PACKED,
            {**slots, ORDER_AWAITING: Awaiting.CANCEL_CONFIRMATION.value},
        )
    # Nothing to do: explained (shipped or delivered: return it; already cancelled or returned).
    return Reply(CANCELLATION_REPLIES[order.cancellation], {**slots, ORDER_AWAITING: None})


async def _confirmed(turn: Turn, pending: Pending, crm: OrderCrm, *, yes: bool) -> Reply:
    assert pending.number is not None
    if not yes:
        return Reply(Outcome.CANCEL_KEPT, {ORDER_AWAITING: None})
    reason = f"asked by the customer in a {turn.channel or 'chat'} direct message"
    try:
        done = await crm.cancel(
            pending.number, identity=turn.identity, proof=pending.proof, reason=reason
        )
    except CrmError as exc:
        # Still waiting for the answer: "yes" again tries again.
        log.warning("order %s not cancelled: %s", pending.number, exc)
        return Reply(Outcome.CRM_UNAVAILABLE)
    if done.outcome is None:
        outcome = Outcome.VERIFY_FAILED if done.proof_rejected else Outcome.VERIFY
        return Reply(
            outcome,
            {
                ORDER_TOPIC: Topic.CANCEL.value,
                ORDER_AWAITING: Awaiting.PROOF.value,
                ORDER_PROOF: None,
            },
        )
    return Reply(CANCELLATION_REPLIES[done.outcome], {ORDER_AWAITING: None})
