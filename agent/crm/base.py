"""The CRM interface the bot and support staff use. Backends: `sql.SqlCrm` (the app's own
database) and `http.HttpCrm` (an external CRM over REST; `connectors.fakes.crm` is its fake).

Every backend raises only the errors of `agent.crm.errors`, and answers alike: the contract
suite in tests/integration/test_crm.py runs against each."""

from __future__ import annotations

from abc import ABC, abstractmethod

from agent.crm.types import CancellationResult, Customer, Identity, Note, Order, Profile

# The author of notes the CRM writes itself (a cancellation request).
BOT_AUTHOR = "bot"


class Crm(ABC):
    @abstractmethod
    async def find_by_identity(self, channel: str, external_id: str) -> Customer | None:
        """The customer a social account (PSID, IGSID, X user id) is linked to."""

    @abstractmethod
    async def find_by_email(self, email: str) -> Customer | None:
        """Case-insensitive, surrounding spaces ignored."""

    @abstractmethod
    async def find_order(self, number: str) -> Order | None:
        """`number` as a customer typed it: see `policy.normalise_order_number`."""

    @abstractmethod
    async def profile(self, customer_id: str) -> Profile:
        """Raises CustomerNotFound."""

    @abstractmethod
    async def link_identity(self, customer_id: str, identity: Identity) -> None:
        """Idempotent. Raises CustomerNotFound, and IdentityConflict when the identity is
        linked to another customer (never moved silently)."""

    @abstractmethod
    async def add_note(self, customer_id: str, *, author: str, text: str) -> Note:
        """Raises CustomerNotFound."""

    @abstractmethod
    async def request_cancellation(self, order_number: str, *, reason: str) -> CancellationResult:
        """Apply `policy.decide_cancellation` and leave a note for staff when something changed.
        Raises OrderNotFound."""
