"""Order questions end to end: the trained model, the action server and the app's CRM API (the
demo customers of agent/crm/demo_customers.yml), through the fake platforms."""

from __future__ import annotations

import httpx
import pytest

from agent.nlg.responses import fill_variables
from scripts.stack import Stack
from tests.e2e.conftest import BrandReplies, Customer

pytestmark = pytest.mark.e2e

MISAKI_IGSID = "17841470000000001"  # Misaki's Instagram account: she owns TB-240392
SHIPPED = {
    "order_number": "TB-240392",
    "order_tracking_number": "4921-3390-1264",
}


def reply(customer: Customer, text: str, channel: str = "messenger") -> str:
    """The bot's one reply to `text`."""
    before = len(customer.replies())
    customer.says(text, channel=channel)
    replies = customer.wait_replies(before + 1)
    return replies[before]


def expected(
    responses: BrandReplies,
    name: str,
    language: str,
    *,
    first: bool = False,
    channel: str = "messenger",
    **values: str,
) -> str:
    """The reply; a conversation's first one carries the brand voice's greeting."""
    text = responses.render(name, language)
    assert text is not None
    filled = fill_variables(text, values)
    return responses.voiced(filled, language, channel) if first else filled


def test_a_customer_gets_the_status_of_their_own_order(
    stack: Stack, responses: BrandReplies
) -> None:
    misaki = Customer(stack, MISAKI_IGSID)
    answer = reply(misaki, "ＴＢ－２４０３９２の配送状況を教えてください", channel="instagram")
    assert answer == expected(
        responses,
        "utter_order_status_shipped",
        "ja",
        first=True,
        channel="instagram",
        **SHIPPED,
        order_carrier="ヤマト運輸",
    )


def test_a_stranger_must_verify_and_then_gets_the_status(
    stack: Stack, responses: BrandReplies
) -> None:
    stranger = Customer(stack, "7188800000000001")
    answer = reply(stranger, "hi, where is my order #TB-240392?")
    assert answer == expected(
        responses, "utter_order_verify", "en", first=True, order_number="TB-240392"
    )
    assert "4921-3390-1264" not in answer and "Yamato" not in answer
    answer = reply(stranger, "〒150-0001")
    assert answer == expected(
        responses, "utter_order_status_shipped", "en", **SHIPPED, order_carrier="Yamato Transport"
    )


def test_a_stranger_with_the_wrong_postcode_learns_nothing(
    stack: Stack, responses: BrandReplies
) -> None:
    stranger = Customer(stack, "7188800000000002")
    reply(stranger, "where is my order TB-240392")
    answer = reply(stranger, "106-0032")
    assert answer == expected(
        responses, "utter_order_verify_failed", "en", order_number="TB-240392"
    )


def test_an_order_is_cancelled_after_verifying_and_confirming(
    stack: Stack, responses: BrandReplies
) -> None:
    stranger = Customer(stack, "7188800000000003")
    number = {"order_number": "TB-240433"}  # James's, paid: he has no linked account
    assert reply(stranger, "please cancel order tb240433") == expected(
        responses, "utter_order_verify", "en", first=True, **number
    )
    assert reply(stranger, "james.wilson@example.net") == expected(
        responses, "utter_order_cancel_confirm", "en", **number
    )
    assert _status(stack, "TB-240433") == "paid"  # nothing changes before the yes
    assert reply(stranger, "yes") == expected(responses, "utter_order_cancel_done", "en", **number)
    assert _status(stack, "TB-240433") == "cancelled"


def test_a_general_question_about_orders_still_gets_the_faq_answer(
    stack: Stack, customer: Customer, responses: BrandReplies
) -> None:
    answer = reply(customer, "how do i check my order status")
    assert answer == responses.first("utter_faq/order_status", "en")


def _status(stack: Stack, number: str) -> str:
    response = httpx.get(
        f"{stack.app_url}/crm/v1/orders/{number}",
        headers={"Authorization": f"Bearer {stack.secrets.crm_api_token}"},
        timeout=10,
    )
    response.raise_for_status()
    return str(response.json()["status"])
