"""The action server cannot import `agent` (it runs on Python 3.10 next to Rasa), so it keeps
its own copy of the CRM API's values (`actions.contract`). They must match the app's."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from actions import contract
from agent.crm.bot import BotDisclosure, OrderSummary
from agent.crm.policy import DisclosureDecision, VerifiedBy
from agent.crm.routes import disclosure_to_wire
from agent.crm.types import CancellationOutcome, Carrier, Order, OrderLine, OrderStatus


@pytest.mark.parametrize(
    ("theirs", "ours"),
    [
        (contract.OrderStatus, OrderStatus),
        (contract.CancellationOutcome, CancellationOutcome),
        (contract.Carrier, Carrier),
    ],
)
def test_the_enums_have_the_same_values(theirs: type, ours: type) -> None:
    assert [m.value for m in theirs] == [m.value for m in ours]  # type: ignore[attr-defined]


def test_the_decisions_are_the_policys() -> None:
    assert {contract.DISCLOSE, contract.ASK_TO_VERIFY} == {d.value for d in DisclosureDecision}


@pytest.mark.parametrize("status", list(OrderStatus))
def test_what_the_app_sends_the_actions_read(status: OrderStatus) -> None:
    shipped = status in (OrderStatus.SHIPPED, OrderStatus.DELIVERED, OrderStatus.RETURNED)
    order = Order(
        number="TB-240392",
        customer_id="C0001",
        status=status,
        placed_at=datetime(2026, 11, 17, 12, 5, tzinfo=UTC),
        total_jpy=5500,
        lines=(OrderLine(sku="GT-CRM-050", name="Green Tea Night Cream 50g", quantity=1),),
        carrier=Carrier.YAMATO if shipped else None,
        tracking_number="4921-3390-1264" if shipped else None,
        postcode="150-0001",
        email="misaki.sato@example.com",
    )
    sent = disclosure_to_wire(
        BotDisclosure(DisclosureDecision.DISCLOSE, OrderSummary.of(order), VerifiedBy.EMAIL)
    )
    read = contract.disclosure_from_wire(sent)
    assert read.order is not None
    assert read.order.status.value == status.value
    assert read.order.tracking_number == order.tracking_number
    refusal = disclosure_to_wire(
        BotDisclosure(DisclosureDecision.ASK_TO_VERIFY, proof_rejected=True)
    )
    assert contract.disclosure_from_wire(refusal) == contract.Disclosure(None, proof_rejected=True)
