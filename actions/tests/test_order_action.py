"""action_order as a function: a tracker for the customer's latest message, a dispatcher, and a
fake CRM. The replies are the `order_outcome` the action sets (the rules say them)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from fakes import OWNER, STRANGER, FakeCrm, TrackerFor, bot_action, user_message
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.contract import OrderStatus
from actions.orders import ActionOrder


def run(crm: FakeCrm, dispatcher: CollectingDispatcher, tracker: Tracker) -> dict[str, Any]:
    """The slots the action set, by name."""
    events = asyncio.run(ActionOrder(crm).run(dispatcher, tracker, DOMAIN))
    assert all(event["event"] == "slot" for event in events)
    assert dispatcher.messages == []  # every reply is a domain response, said by a rule
    return {event["name"]: event["value"] for event in events}


def status(crm: FakeCrm, number: str) -> OrderStatus:
    return crm.orders[number].status


def waiting_for_proof(number: str, topic: str = "order_status") -> dict[str, Any]:
    return {"order_number": number, "order_topic": topic, "order_awaiting": "proof"}


def asked_to_confirm(number: str, proof: str | None = None) -> dict[str, Any]:
    return {
        "order_number": number,
        "order_topic": "cancel_order",
        "order_awaiting": "cancel_confirmation",
        "order_proof": proof,
    }


# The action reads no domain: every reply is named by its outcome.
DOMAIN: DomainDict = {
    "intents": [],
    "entities": [],
    "slots": {},
    "responses": {},
    "actions": [],
    "forms": {},
}

CONFIRMATION_ASKED = [
    user_message("cancel TB-240405", "faq", "cancel_order"),
    bot_action("action_order"),
    bot_action("utter_order_cancel_confirm"),
    bot_action("action_listen"),
]


# --- order_status --------------------------------------------------------------------------


def test_the_owner_gets_the_status_with_carrier_and_tracking_number(
    crm: FakeCrm, dispatcher: CollectingDispatcher, tracker_for: TrackerFor
) -> None:
    tracker = tracker_for("where is my order TB-240392?", "faq", "order_status", identity=OWNER)
    slots = run(crm, dispatcher, tracker)
    assert slots["order_outcome"] == "status_shipped"
    assert slots["order_number"] == "TB-240392"
    assert slots["order_carrier"] == "Yamato Transport"
    assert slots["order_tracking_number"] == "4921-3390-1264"
    assert slots["order_awaiting"] is None
    assert crm.calls == [("disclosure", "TB-240392", OWNER, None)]


def test_the_carrier_is_named_in_the_customers_language(
    crm: FakeCrm, dispatcher: CollectingDispatcher, tracker_for: TrackerFor
) -> None:
    tracker = tracker_for(
        "ＴＢ－２４０３９２の配送状況を教えて", "faq", "order_status", identity=OWNER, language="ja"
    )
    slots = run(crm, dispatcher, tracker)
    assert slots["order_outcome"] == "status_shipped"
    assert slots["order_number"] == "TB-240392"
    assert slots["order_carrier"] == "ヤマト運輸"


@pytest.mark.parametrize("typed", ["TB-240392", "tb240392", "#TB-240392", "ＴＢ－２４０３９２"])
def test_an_order_number_is_read_however_it_was_typed(
    crm: FakeCrm, dispatcher: CollectingDispatcher, tracker_for: TrackerFor, typed: str
) -> None:
    run(crm, dispatcher, tracker_for(f"status of {typed} pls", "faq", "order_status"))
    assert crm.calls[0][1] == "TB-240392"


def test_a_stranger_is_asked_to_verify_and_told_nothing(
    crm: FakeCrm, dispatcher: CollectingDispatcher, tracker_for: TrackerFor
) -> None:
    slots = run(crm, dispatcher, tracker_for("where is TB-240392", "faq", "order_status"))
    assert slots["order_outcome"] == "verify"
    assert slots == {
        **waiting_for_proof("TB-240392"),
        "order_proof": None,
        "order_outcome": "verify",
    }
    assert crm.calls == [("disclosure", "TB-240392", STRANGER, None)]


def test_without_an_identity_everyone_is_asked_to_verify(
    crm: FakeCrm, dispatcher: CollectingDispatcher, tracker_for: TrackerFor
) -> None:
    tracker = tracker_for("where is TB-240392", "faq", "order_status", identity=None)
    assert run(crm, dispatcher, tracker)["order_outcome"] == "verify"
    assert crm.calls == [("disclosure", "TB-240392", None, None)]


@pytest.mark.parametrize(
    ("text", "proof"),
    [
        ("〒150-0001", "150-0001"),
        ("郵便番号は１５０ー０００１です", "150-0001"),
        ("my email is Misaki.Sato@example.com", "Misaki.Sato@example.com"),
    ],
)
def test_the_right_proof_alone_then_gets_the_status(
    crm: FakeCrm, dispatcher: CollectingDispatcher, tracker_for: TrackerFor, text: str, proof: str
) -> None:
    tracker = tracker_for(text, "inform", slots=waiting_for_proof("TB-240392"))
    slots = run(crm, dispatcher, tracker)
    assert slots["order_outcome"] == "status_shipped"
    assert slots["order_tracking_number"] == "4921-3390-1264"
    assert crm.calls == [("disclosure", "TB-240392", STRANGER, proof)]


def test_a_wrong_proof_is_refused_and_asked_again(
    crm: FakeCrm, dispatcher: CollectingDispatcher, tracker_for: TrackerFor
) -> None:
    tracker = tracker_for("150-0000", "inform", slots=waiting_for_proof("TB-240392"))
    slots = run(crm, dispatcher, tracker)
    assert slots["order_outcome"] == "verify_failed"
    assert slots["order_awaiting"] == "proof"
    assert "order_tracking_number" not in slots


def test_an_unknown_order_is_answered_like_someone_elses(
    crm: FakeCrm, dispatcher: CollectingDispatcher, tracker_for: TrackerFor
) -> None:
    tracker = tracker_for("where is TB-999999", "faq", "order_status", identity=OWNER)
    assert run(crm, dispatcher, tracker)["order_outcome"] == "verify"
    tracker = tracker_for(
        "150-0001", "inform", identity=OWNER, slots=waiting_for_proof("TB-999999")
    )
    assert run(crm, dispatcher, tracker)["order_outcome"] == "verify_failed"


@pytest.mark.parametrize(
    ("number", "outcome"),
    [
        ("TB-240411", "status_pending"),
        ("TB-240405", "status_paid"),
        ("TB-240377", "status_packed"),
        ("TB-240118", "status_delivered"),
        ("TB-240290", "status_cancelled"),
        ("TB-239950", "status_returned"),
    ],
)
def test_every_status_has_its_reply(
    crm: FakeCrm,
    dispatcher: CollectingDispatcher,
    tracker_for: TrackerFor,
    number: str,
    outcome: str,
) -> None:
    tracker = tracker_for(f"status of {number}?", "faq", "order_status", identity=OWNER)
    assert run(crm, dispatcher, tracker)["order_outcome"] == outcome


def test_a_shipped_order_without_tracking_says_where_to_find_it(
    crm: FakeCrm, dispatcher: CollectingDispatcher, tracker_for: TrackerFor
) -> None:
    crm.orders["TB-240392"].tracking_number = None
    tracker = tracker_for("TB-240392?", "faq", "order_status", identity=OWNER)
    slots = run(crm, dispatcher, tracker)
    assert slots["order_outcome"] == "status_shipped_untracked"
    assert slots["order_tracking_number"] is None


def test_a_packed_order_with_a_cancellation_request_says_so(
    crm: FakeCrm, dispatcher: CollectingDispatcher, tracker_for: TrackerFor
) -> None:
    crm.orders["TB-240377"].cancellation_requested = True
    tracker = tracker_for("TB-240377 status", "faq", "order_status", identity=OWNER)
    assert run(crm, dispatcher, tracker)["order_outcome"] == "status_packed_cancel_requested"


def test_a_bare_number_is_about_the_status_unless_the_customer_asked_to_cancel(
    crm: FakeCrm, dispatcher: CollectingDispatcher, tracker_for: TrackerFor
) -> None:
    bare = tracker_for("TB-240405", "inform", identity=OWNER)
    assert run(crm, dispatcher, bare)["order_outcome"] == "status_paid"
    after_faq = tracker_for(
        "TB-240405",
        "inform",
        identity=OWNER,
        earlier=[
            user_message("how do i cancel my order?", "faq", "cancel_order"),
            bot_action("utter_faq"),
            bot_action("action_listen"),
        ],
    )
    assert run(crm, dispatcher, after_faq)["order_outcome"] == "cancel_confirm"


def test_a_number_found_only_by_the_entity_extractor_is_used(
    crm: FakeCrm, dispatcher: CollectingDispatcher, tracker_for: TrackerFor
) -> None:
    entity = {"entity": "order_number", "value": "ｔｂ２４０３９２", "start": 0, "end": 8}
    tracker = tracker_for("…", "nlu_fallback", identity=OWNER, entities=[entity])
    assert run(crm, dispatcher, tracker)["order_outcome"] == "status_shipped"


def test_another_faq_naming_an_order_gets_that_faq_answer(
    crm: FakeCrm, dispatcher: CollectingDispatcher, tracker_for: TrackerFor
) -> None:
    tracker = tracker_for("can i return TB-240118?", "faq", "returns_refunds", identity=OWNER)
    assert run(crm, dispatcher, tracker) == {"order_outcome": "faq"}
    assert crm.calls == []


def test_an_email_read_as_another_faq_is_still_the_proof_asked_for(
    crm: FakeCrm, dispatcher: CollectingDispatcher, tracker_for: TrackerFor
) -> None:
    tracker = tracker_for(
        "my account email is misaki.sato@example.com",
        "faq",
        "account_password",
        slots=waiting_for_proof("TB-240392"),
    )
    assert run(crm, dispatcher, tracker)["order_outcome"] == "status_shipped"


@pytest.mark.parametrize(
    ("intent", "outcome"),
    [("inform", "verify"), ("nlu_fallback", "not_understood"), ("out_of_scope", "out_of_scope")],
)
def test_no_proof_while_waiting_for_one(
    crm: FakeCrm,
    dispatcher: CollectingDispatcher,
    tracker_for: TrackerFor,
    intent: str,
    outcome: str,
) -> None:
    tracker = tracker_for("hmm what", intent, slots=waiting_for_proof("TB-240392"))
    assert run(crm, dispatcher, tracker)["order_outcome"] == outcome
    assert crm.calls == []


def test_details_without_an_order_ask_for_its_number(
    crm: FakeCrm, dispatcher: CollectingDispatcher, tracker_for: TrackerFor
) -> None:
    assert run(crm, dispatcher, tracker_for("150-0001", "inform")) == {
        "order_outcome": "ask_number"
    }


def test_a_crm_that_is_down_is_said_honestly(
    crm: FakeCrm, dispatcher: CollectingDispatcher, tracker_for: TrackerFor
) -> None:
    crm.down = True
    tracker = tracker_for("TB-240392?", "faq", "order_status", identity=OWNER)
    slots = run(crm, dispatcher, tracker)
    assert slots["order_outcome"] == "crm_unavailable"
    assert slots["order_number"] == "TB-240392"


# --- cancel_order --------------------------------------------------------------------------


def test_an_unshipped_order_is_cancelled_only_after_a_yes(
    crm: FakeCrm, dispatcher: CollectingDispatcher, tracker_for: TrackerFor
) -> None:
    asked = tracker_for("can i still cancel TB-240405?", "faq", "cancel_order", identity=OWNER)
    slots = run(crm, dispatcher, asked)
    assert slots["order_outcome"] == "cancel_confirm"
    assert slots["order_awaiting"] == "cancel_confirmation"
    assert status(crm, "TB-240405") is OrderStatus.PAID

    yes = tracker_for(
        "yes",
        "affirm",
        identity=OWNER,
        slots=asked_to_confirm("TB-240405"),
        earlier=CONFIRMATION_ASKED,
    )
    slots = run(crm, dispatcher, yes)
    assert slots == {"order_awaiting": None, "order_outcome": "cancel_done"}
    assert status(crm, "TB-240405") is OrderStatus.CANCELLED


def test_yes_cancel_it_read_as_the_cancel_faq_confirms(
    crm: FakeCrm, dispatcher: CollectingDispatcher, tracker_for: TrackerFor
) -> None:
    tracker = tracker_for(
        "はい、キャンセルしてください",
        "faq",
        "cancel_order",
        identity=OWNER,
        slots=asked_to_confirm("TB-240405"),
        earlier=CONFIRMATION_ASKED,
    )
    assert run(crm, dispatcher, tracker)["order_outcome"] == "cancel_done"


def test_no_keeps_the_order(
    crm: FakeCrm, dispatcher: CollectingDispatcher, tracker_for: TrackerFor
) -> None:
    tracker = tracker_for(
        "no",
        "deny",
        identity=OWNER,
        slots=asked_to_confirm("TB-240405"),
        earlier=CONFIRMATION_ASKED,
    )
    assert run(crm, dispatcher, tracker) == {"order_awaiting": None, "order_outcome": "cancel_kept"}
    assert status(crm, "TB-240405") is OrderStatus.PAID
    assert [call[0] for call in crm.calls] == []


def test_a_yes_long_after_the_question_cancels_nothing(
    crm: FakeCrm, dispatcher: CollectingDispatcher, tracker_for: TrackerFor
) -> None:
    later = [
        *CONFIRMATION_ASKED,
        user_message("thanks", "thanks"),
        bot_action("utter_thanks"),
        bot_action("action_listen"),
    ]
    tracker = tracker_for(
        "yes", "affirm", identity=OWNER, slots=asked_to_confirm("TB-240405"), earlier=later
    )
    assert run(crm, dispatcher, tracker) == {"order_outcome": "affirmed"}
    assert crm.calls == []


def test_another_question_drops_the_unconfirmed_cancellation(
    crm: FakeCrm, dispatcher: CollectingDispatcher, tracker_for: TrackerFor
) -> None:
    tracker = tracker_for(
        "how much is shipping?",
        "faq",
        "shipping_cost",
        identity=OWNER,
        slots=asked_to_confirm("TB-240405"),
        earlier=CONFIRMATION_ASKED,
    )
    assert run(crm, dispatcher, tracker) == {"order_awaiting": None, "order_outcome": "faq"}


def test_a_packed_order_is_requested_for_a_person_to_confirm(
    crm: FakeCrm, dispatcher: CollectingDispatcher, tracker_for: TrackerFor
) -> None:
    asked = tracker_for("cancel TB-240377 pls", "faq", "cancel_order", identity=OWNER)
    assert run(crm, dispatcher, asked)["order_outcome"] == "cancel_confirm_packed"
    earlier = [*CONFIRMATION_ASKED[:2], bot_action("utter_order_cancel_confirm_packed")]
    yes = tracker_for(
        "はい", "affirm", identity=OWNER, slots=asked_to_confirm("TB-240377"), earlier=earlier
    )
    assert run(crm, dispatcher, yes)["order_outcome"] == "cancel_requested"
    again = tracker_for("cancel TB-240377", "faq", "cancel_order", identity=OWNER)
    assert run(crm, dispatcher, again)["order_outcome"] == "cancel_already_requested"


@pytest.mark.parametrize(
    ("number", "outcome"),
    [
        ("TB-240392", "cancel_return_instead"),
        ("TB-240118", "cancel_return_instead"),
        ("TB-240290", "cancel_already_cancelled"),
        ("TB-239950", "cancel_already_returned"),
    ],
)
def test_what_cannot_be_cancelled_is_explained_without_asking(
    crm: FakeCrm,
    dispatcher: CollectingDispatcher,
    tracker_for: TrackerFor,
    number: str,
    outcome: str,
) -> None:
    tracker = tracker_for(f"cancel {number}", "faq", "cancel_order", identity=OWNER)
    slots = run(crm, dispatcher, tracker)
    assert slots["order_outcome"] == outcome
    assert slots["order_awaiting"] is None
    assert [call[0] for call in crm.calls] == ["disclosure"]


def test_a_stranger_verifies_then_confirms_with_the_same_proof(
    crm: FakeCrm, dispatcher: CollectingDispatcher, tracker_for: TrackerFor
) -> None:
    asked = tracker_for("please cancel #TB-240405", "faq", "cancel_order")
    assert run(crm, dispatcher, asked)["order_outcome"] == "verify"
    proof = tracker_for(
        "misaki.sato@example.com", "inform", slots=waiting_for_proof("TB-240405", "cancel_order")
    )
    slots = run(crm, dispatcher, proof)
    assert slots["order_outcome"] == "cancel_confirm"
    assert slots["order_proof"] == "misaki.sato@example.com"
    yes = tracker_for(
        "yes",
        "affirm",
        slots=asked_to_confirm("TB-240405", proof="misaki.sato@example.com"),
        earlier=CONFIRMATION_ASKED,
    )
    assert run(crm, dispatcher, yes)["order_outcome"] == "cancel_done"
    assert crm.calls[-1] == ("cancel", "TB-240405", STRANGER, "misaki.sato@example.com")


def test_a_cancellation_the_crm_refuses_asks_to_verify_again(
    crm: FakeCrm, dispatcher: CollectingDispatcher, tracker_for: TrackerFor
) -> None:
    # Confirmed without a proof the CRM accepts (the identity was unlinked meanwhile, say).
    yes = tracker_for(
        "yes", "affirm", slots=asked_to_confirm("TB-240405"), earlier=CONFIRMATION_ASKED
    )
    slots = run(crm, dispatcher, yes)
    assert slots["order_outcome"] == "verify"
    assert slots["order_awaiting"] == "proof"
    assert status(crm, "TB-240405") is OrderStatus.PAID


def test_a_crm_down_at_confirmation_keeps_the_question_open(
    crm: FakeCrm, dispatcher: CollectingDispatcher, tracker_for: TrackerFor
) -> None:
    crm.down = True
    yes = tracker_for(
        "yes",
        "affirm",
        identity=OWNER,
        slots=asked_to_confirm("TB-240405"),
        earlier=CONFIRMATION_ASKED,
    )
    assert run(crm, dispatcher, yes) == {"order_outcome": "crm_unavailable"}


def test_a_yes_or_no_with_nothing_asked(
    crm: FakeCrm, dispatcher: CollectingDispatcher, tracker_for: TrackerFor
) -> None:
    assert run(crm, dispatcher, tracker_for("ok", "affirm")) == {"order_outcome": "affirmed"}
    assert run(crm, dispatcher, tracker_for("no", "deny")) == {"order_outcome": "denied"}


@pytest.mark.parametrize(
    ("text", "intent", "key"),
    [
        ("don't cancel it", "faq", "cancel_order"),
        ("キャンセルしないでください", "faq", "cancel_order"),
        ("yes... no wait, keep it", "affirm", None),
    ],
)
def test_a_no_read_as_a_yes_or_as_the_cancel_faq_cancels_nothing(
    crm: FakeCrm,
    dispatcher: CollectingDispatcher,
    tracker_for: TrackerFor,
    text: str,
    intent: str,
    key: str | None,
) -> None:
    tracker = tracker_for(
        text,
        intent,
        key,
        identity=OWNER,
        slots=asked_to_confirm("TB-240405"),
        earlier=CONFIRMATION_ASKED,
    )
    assert run(crm, dispatcher, tracker) == {"order_awaiting": None, "order_outcome": "cancel_kept"}
    assert crm.calls == []
