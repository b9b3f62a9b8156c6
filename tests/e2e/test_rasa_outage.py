"""Rasa down: the message waits in the stream and is answered once Rasa is back."""

from __future__ import annotations

import time

import httpx
import pytest

from scripts.stack import Stack
from tests.e2e.conftest import BrandReplies, Customer

pytestmark = pytest.mark.e2e


def test_a_message_sent_while_rasa_is_down_is_answered_when_it_returns(
    stack: Stack, customer: Customer, responses: BrandReplies
) -> None:
    stack.stop("rasa")
    try:
        customer.says("What payment methods do you accept?")
        time.sleep(4)
        assert customer.replies() == []
        health = httpx.get(f"{stack.app_url}/healthz")
        assert health.status_code == 503 and health.json()["checks"]["rasa"] is False
    finally:
        stack.start_rasa()
    assert customer.wait_replies(1, timeout=60) == [
        responses.first("utter_faq/payment_methods", "en")
    ]
