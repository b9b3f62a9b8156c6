"""Fixtures for the actions: a tracker built like Rasa's for a customer's latest message, a
CollectingDispatcher, and a fake CRM that answers like the app's CRM API for demo orders."""

from __future__ import annotations

from typing import Any

import pytest
from fakes import STRANGER, FakeCrm, FakeOrder, TrackerFor, user_message
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.contract import Carrier, OrderStatus


@pytest.fixture
def crm() -> FakeCrm:
    return FakeCrm(
        orders={
            "TB-240392": FakeOrder(
                OrderStatus.SHIPPED, carrier=Carrier.YAMATO, tracking_number="4921-3390-1264"
            ),
            "TB-240405": FakeOrder(OrderStatus.PAID),
            "TB-240377": FakeOrder(OrderStatus.PACKED),
            "TB-240118": FakeOrder(OrderStatus.DELIVERED, carrier=Carrier.YAMATO),
            "TB-240290": FakeOrder(OrderStatus.CANCELLED),
            "TB-239950": FakeOrder(OrderStatus.RETURNED),
            "TB-240411": FakeOrder(OrderStatus.PENDING),
        }
    )


@pytest.fixture
def dispatcher() -> CollectingDispatcher:
    return CollectingDispatcher()


@pytest.fixture
def tracker_for() -> TrackerFor:
    """A tracker whose latest message is `text`, read by the NLU as `intent` (and FAQ `key`)."""

    def build(
        text: str,
        intent: str = "faq",
        key: str | None = None,
        *,
        identity: str | None = STRANGER,
        language: str = "en",
        slots: dict[str, Any] | None = None,
        earlier: list[dict[str, Any]] | None = None,
        entities: list[dict[str, Any]] | None = None,
    ) -> Tracker:
        metadata: dict[str, Any] = {"language": language}
        if identity is not None:
            channel, customer_id = identity.split(":")
            metadata.update(channel=channel, customer_id=customer_id)
        latest = user_message(text, intent, key, metadata=metadata, entities=entities)
        events = [*(earlier or []), latest]
        return Tracker(
            sender_id="messenger:1:2",
            slots={"language": language, **(slots or {})},
            latest_message=latest["parse_data"],
            events=events,
            paused=False,
            followup_action=None,
            active_loop={},
            latest_action_name="action_listen",
        )

    return build
