"""What the CRM knows about a customer: plain frozen values, the same from every backend."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from connectors.events import Channel

# PSIDs, IGSIDs and X user ids are all decimal strings.
_EXTERNAL_ID = re.compile(r"[0-9]{1,64}")


class Tier(StrEnum):
    STANDARD = "standard"
    SILVER = "silver"
    GOLD = "gold"
    VIP = "vip"


class OrderStatus(StrEnum):
    PENDING = "pending"  # placed, not paid yet (konbini / bank transfer)
    PAID = "paid"
    PACKED = "packed"  # at the warehouse, boxed, not handed to the carrier
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"
    RETURNED = "returned"


class Carrier(StrEnum):
    YAMATO = "yamato"
    SAGAWA = "sagawa"
    JAPAN_POST = "japan_post"

    @property
    def label(self) -> str:
        return _CARRIER_LABELS[self]


_CARRIER_LABELS = {
    Carrier.YAMATO: "Yamato Transport",
    Carrier.SAGAWA: "Sagawa Express",
    Carrier.JAPAN_POST: "Japan Post",
}


@dataclass(frozen=True, slots=True)
class Customer:
    id: str
    name: str
    email: str
    tier: Tier
    postcode: str
    language: str  # "ja" | "en": the language the brand writes to them in


@dataclass(frozen=True, slots=True)
class Identity:
    """One social account of a customer: a Messenger PSID, an Instagram IGSID or an X user id."""

    channel: str
    external_id: str

    def __post_init__(self) -> None:
        Channel(self.channel)  # ValueError for a channel the agent does not serve
        if not _EXTERNAL_ID.fullmatch(self.external_id):
            raise ValueError(f"external id must be digits: {self.external_id!r}")

    @classmethod
    def parse(cls, value: str) -> Identity:
        """`messenger:123` → Identity("messenger", "123"). Raises ValueError."""
        channel, sep, external_id = value.partition(":")
        if not sep:
            raise ValueError(f"identity must be channel:id, got {value!r}")
        return cls(channel=channel, external_id=external_id)

    def __str__(self) -> str:
        return f"{self.channel}:{self.external_id}"


@dataclass(frozen=True, slots=True)
class OrderLine:
    sku: str
    name: str
    quantity: int


@dataclass(frozen=True, slots=True)
class Order:
    number: str  # normalised: see `policy.normalise_order_number`
    customer_id: str
    status: OrderStatus
    placed_at: datetime
    total_jpy: int
    lines: tuple[OrderLine, ...]
    carrier: Carrier | None  # None until shipped
    tracking_number: str | None
    postcode: str  # the delivery postcode, as the customer wrote it
    email: str  # the contact e-mail the order was placed with
    # Set when the customer asked to cancel an order a person must confirm (it was packed).
    cancellation_requested_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Note:
    author: str
    text: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class PastConversation:
    channel: str
    started_at: datetime
    summary: str


@dataclass(frozen=True, slots=True)
class Profile:
    """Everything support staff see about one customer. Orders, notes and past conversations
    newest first."""

    customer: Customer
    identities: tuple[Identity, ...]
    orders: tuple[Order, ...]
    notes: tuple[Note, ...]
    past_conversations: tuple[PastConversation, ...]


class CancellationOutcome(StrEnum):
    CANCELLED = "cancelled"  # cancelled now
    REQUESTED = "requested"  # packed: recorded, a person confirms with the warehouse
    RETURN_INSTEAD = "return_instead"  # on its way or delivered: explain how to return it
    ALREADY_CANCELLED = "already_cancelled"
    ALREADY_RETURNED = "already_returned"


@dataclass(frozen=True, slots=True)
class CancellationResult:
    order_number: str
    outcome: CancellationOutcome
    status: OrderStatus  # the order's status after the request
