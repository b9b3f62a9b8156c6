"""CRM errors. The tree (AgentError and TransientError are in `agent.errors`):

AgentError
└── CrmError
    ├── CustomerNotFound       no customer with that id
    ├── OrderNotFound          no order with that number (cancellation)
    ├── IdentityConflict       the identity is linked to another customer
    ├── CrmRejected            the CRM refused the request for good (bad token, bad request)
    └── CrmUnavailable         also a TransientError: timeout, 5xx, 429, connection error
"""

from __future__ import annotations

from agent.errors import AgentError, TransientError


class CrmError(AgentError):
    """Base of every CRM error."""


class CustomerNotFound(CrmError):
    def __init__(self, customer_id: str) -> None:
        super().__init__(f"no customer {customer_id!r}")
        self.customer_id = customer_id


class OrderNotFound(CrmError):
    def __init__(self, number: str) -> None:
        super().__init__(f"no order {number!r}")
        self.number = number


class IdentityConflict(CrmError):
    """Linking would move an identity from one customer to another: a person decides."""

    def __init__(self, *, channel: str, external_id: str, linked_to: str | None) -> None:
        owner = f" (customer {linked_to})" if linked_to else ""
        super().__init__(f"{channel}:{external_id} is linked to another customer{owner}")
        self.channel = channel
        self.external_id = external_id
        self.linked_to = linked_to


class CrmRejected(CrmError):
    """A permanent refusal: retrying cannot help (a wrong token is a configuration error)."""

    def __init__(self, message: str, *, status_code: int) -> None:
        super().__init__(message)
        self.status_code = status_code


class CrmUnavailable(CrmError, TransientError):
    """The CRM could not answer now; the work is retried later."""
