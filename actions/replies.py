"""The replies `action_order` can choose. Each is a value of the `order_outcome` slot, and a
rule in nlu_data/rules.yml says the response of that name (`utter_order_<value>`, or the
general response named in GENERAL). A test checks that domain, rules and this list agree."""

from __future__ import annotations

from enum import Enum

from actions.contract import CancellationOutcome, Carrier, OrderStatus


class Outcome(str, Enum):
    # The order's status, told to its verified owner.
    STATUS_PENDING = "status_pending"
    STATUS_PAID = "status_paid"
    STATUS_PACKED = "status_packed"
    STATUS_PACKED_CANCEL_REQUESTED = "status_packed_cancel_requested"
    STATUS_SHIPPED = "status_shipped"
    STATUS_SHIPPED_UNTRACKED = "status_shipped_untracked"
    STATUS_DELIVERED = "status_delivered"
    STATUS_CANCELLED = "status_cancelled"
    STATUS_RETURNED = "status_returned"
    # Who is asking, and which order.
    VERIFY = "verify"  # asks for the order's e-mail address or delivery postcode
    VERIFY_FAILED = "verify_failed"  # the same whether the order exists or not
    ASK_NUMBER = "ask_number"
    CRM_UNAVAILABLE = "crm_unavailable"
    # Cancelling: asked first, then done or explained.
    CANCEL_CONFIRM = "cancel_confirm"
    CANCEL_CONFIRM_PACKED = "cancel_confirm_packed"
    CANCEL_DONE = "cancel_done"
    CANCEL_REQUESTED = "cancel_requested"
    CANCEL_ALREADY_REQUESTED = "cancel_already_requested"
    CANCEL_RETURN_INSTEAD = "cancel_return_instead"
    CANCEL_ALREADY_CANCELLED = "cancel_already_cancelled"
    CANCEL_ALREADY_RETURNED = "cancel_already_returned"
    CANCEL_KEPT = "cancel_kept"
    # Not about an order after all: the bot's usual answers.
    AFFIRMED = "affirmed"  # a yes or no when nothing was asked
    DENIED = "denied"
    FAQ = "faq"
    NOT_UNDERSTOOD = "not_understood"
    OUT_OF_SCOPE = "out_of_scope"

    @property
    def response(self) -> str:
        return GENERAL.get(self, f"utter_order_{self.value}")


GENERAL = {
    Outcome.AFFIRMED: "utter_affirm",
    Outcome.DENIED: "utter_deny",
    Outcome.FAQ: "utter_faq",
    Outcome.NOT_UNDERSTOOD: "utter_default",
    Outcome.OUT_OF_SCOPE: "utter_out_of_scope",
}

STATUS_REPLIES = {
    OrderStatus.PENDING: Outcome.STATUS_PENDING,
    OrderStatus.PAID: Outcome.STATUS_PAID,
    OrderStatus.PACKED: Outcome.STATUS_PACKED,
    OrderStatus.SHIPPED: Outcome.STATUS_SHIPPED,
    OrderStatus.DELIVERED: Outcome.STATUS_DELIVERED,
    OrderStatus.CANCELLED: Outcome.STATUS_CANCELLED,
    OrderStatus.RETURNED: Outcome.STATUS_RETURNED,
}

# What the customer is told after the CRM acted on their confirmed request.
CANCELLATION_REPLIES = {
    CancellationOutcome.CANCELLED: Outcome.CANCEL_DONE,
    CancellationOutcome.REQUESTED: Outcome.CANCEL_REQUESTED,
    CancellationOutcome.RETURN_INSTEAD: Outcome.CANCEL_RETURN_INSTEAD,
    CancellationOutcome.ALREADY_CANCELLED: Outcome.CANCEL_ALREADY_CANCELLED,
    CancellationOutcome.ALREADY_RETURNED: Outcome.CANCEL_ALREADY_RETURNED,
}

# Carriers by name in the customer's language (English for any other).
CARRIER_NAMES = {
    Carrier.YAMATO: {"en": "Yamato Transport", "ja": "ヤマト運輸"},
    Carrier.SAGAWA: {"en": "Sagawa Express", "ja": "佐川急便"},
    Carrier.JAPAN_POST: {"en": "Japan Post", "ja": "日本郵便"},
}


def carrier_name(carrier: Carrier, language: str) -> str:
    names = CARRIER_NAMES[carrier]
    return names.get(language, names["en"])
