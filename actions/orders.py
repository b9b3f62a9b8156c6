"""`action_order`: a customer's order question, answered from the CRM (`order_flow`).

One action for both `order_status` and `cancel_order`: Rasa's rules see a retrieval intent
only as `faq`, never its key, so they cannot choose between two actions. The action reads the
key itself, and sets `order_outcome`, which the rules turn into the reply."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import reading
from actions.crm_client import CrmClient, OrderCrm
from actions.order_flow import (
    FAQ_TOPICS,
    ORDER_AWAITING,
    ORDER_NUMBER,
    ORDER_OUTCOME,
    ORDER_PROOF,
    ORDER_TOPIC,
    Awaiting,
    Pending,
    Topic,
    Turn,
    answer,
)
from actions.settings import ActionSettings

# How many earlier customer messages may say what a bare order number is about.
TOPIC_LOOKBACK = 3
# A yes or no counts for a cancellation only right after the bot asked it.
CONFIRMATION_QUESTIONS = frozenset(
    {"utter_order_cancel_confirm", "utter_order_cancel_confirm_packed"}
)
# Actions that are not an answer to the customer.
_BOOKKEEPING = frozenset({"action_listen", "action_extract_slots"})


class ActionOrder(Action):
    def __init__(self, crm: OrderCrm | None = None) -> None:
        # rasa-sdk builds actions without arguments: the CRM client is then made from the
        # settings on first use (the server checked them at start-up).
        self._crm = crm

    def name(self) -> str:
        return "action_order"

    def crm(self) -> OrderCrm:
        if self._crm is None:
            self._crm = CrmClient.from_settings(ActionSettings.from_env())
        return self._crm

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        reply = await answer(
            read_turn(tracker),
            read_pending(tracker),
            self.crm(),
            recent_topic=recent_topic(tracker.events),
        )
        events = [SlotSet(name, value) for name, value in reply.slots.items()]
        return [*events, SlotSet(ORDER_OUTCOME, reply.outcome.value)]


def read_turn(tracker: Tracker) -> Turn:
    latest = tracker.latest_message or {}
    metadata = latest.get("metadata") or {}
    text = str(latest.get("text") or "")
    channel, customer_id = metadata.get("channel"), metadata.get("customer_id")
    number = reading.order_number(text) or _entity_number(latest.get("entities") or [])
    return Turn(
        intent=str((latest.get("intent") or {}).get("name") or ""),
        faq_key=faq_key(latest),
        identity=f"{channel}:{customer_id}" if channel and customer_id else None,
        channel=str(channel) if channel else None,
        language=str(metadata.get("language") or tracker.get_slot("language") or "en"),
        number=number,
        proof=reading.proof(text),
        refuses=reading.refuses(text),
    )


def read_pending(tracker: Tracker) -> Pending:
    awaiting = _enum(Awaiting, tracker.get_slot(ORDER_AWAITING))
    if (
        awaiting is Awaiting.CANCEL_CONFIRMATION
        and last_answer(tracker.events) not in CONFIRMATION_QUESTIONS
    ):
        # Asked earlier, or in an earlier session: a "yes" now is not about that order.
        awaiting = None
    return Pending(
        number=tracker.get_slot(ORDER_NUMBER),
        topic=_enum(Topic, tracker.get_slot(ORDER_TOPIC)),
        awaiting=awaiting,
        proof=tracker.get_slot(ORDER_PROOF),
    )


def last_answer(events: list[dict[str, Any]]) -> str | None:
    """The last action the bot ran before the customer's latest message."""
    before_latest = False
    for event in reversed(events):
        kind = event.get("event")
        if kind == "user":
            if before_latest:
                return None  # the bot did not answer the message before
            before_latest = True
        elif kind == "action" and before_latest and event.get("name") not in _BOOKKEEPING:
            return str(event.get("name"))
    return None


def faq_key(parse: dict[str, Any]) -> str | None:
    """The FAQ the ResponseSelector picked for a message: "order_status" for faq/order_status."""
    selected = ((parse.get("response_selector") or {}).get("faq") or {}).get("response") or {}
    key = selected.get("intent_response_key")
    return str(key).split("/", 1)[-1] if key else None


def recent_topic(events: Iterable[dict[str, Any]]) -> Topic | None:
    """The order topic of the newest of the customer's previous few messages that had one."""
    users = [event for event in events if event.get("event") == "user"]
    for event in reversed(users[-1 - TOPIC_LOOKBACK : -1]):
        parse = event.get("parse_data") or {}
        if (parse.get("intent") or {}).get("name") == "faq":
            topic = FAQ_TOPICS.get(faq_key(parse) or "")
            if topic is not None:
                return topic
    return None


def _entity_number(entities: list[dict[str, Any]]) -> str | None:
    for entity in entities:
        if entity.get("entity") == ORDER_NUMBER:
            return reading.order_number(str(entity.get("value") or ""))
    return None


def _enum(kind: type[Topic] | type[Awaiting], value: Any) -> Any:
    try:
        return kind(value) if value is not None else None
    except ValueError:
        return None  # a value from an older version of the bot: start afresh
