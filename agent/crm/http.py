"""The CRM as an external REST service. `connectors.fakes.crm` serves this contract locally.

Every request carries `Authorization: Bearer <token>`. Bodies are JSON; datetimes ISO 8601
with an offset; enums by value (`types.Tier`, `OrderStatus`, `Carrier`, `CancellationOutcome`).

    GET  /customers?identity=messenger:123   200 Customer | 404
    GET  /customers?email=a@example.com      200 Customer | 404   (case-insensitive)
    GET  /orders/{number}                    200 Order | 404      (number normalised by both)
    GET  /customers/{id}/profile             200 Profile | 404
    POST /customers/{id}/identities          {"channel", "external_id"}
                                             201 linked | 200 already linked to this customer
                                             | 404 | 409 {"detail", "linked_to"} another's
    POST /customers/{id}/notes               {"author", "text"}  201 Note | 404
    POST /orders/{number}/cancellation       {"reason"}  200 CancellationResult | 404
                                             (`policy.decide_cancellation`; a note is left for
                                             staff when something changed)

Objects are the dataclasses of `agent.crm.types`, field for field (`to_wire`).

The app serves this contract itself at /crm/v1 (`agent.crm.routes`) from whichever CRM it uses,
for the bot's action server, with two more endpoints that apply `policy.order_disclosure` on the
server, so that the caller never receives an order it may not show. `identity` is the social
account writing ("messenger:123", or null); `proof` what the customer typed to prove the order
is theirs (its e-mail address or delivery postcode, or null):

    POST /orders/{number}/disclosure             {"identity", "proof"}
        200 {"decision": "disclose", "verified_by", "order": OrderSummary}
          | {"decision": "ask_to_verify", "proof_rejected"}      (nothing else: an order that
                                                                  is not theirs, or no order)
    POST /orders/{number}/customer-cancellation  {"identity", "proof", "reason"}
        200 {"decision": "disclose", "verified_by", "result": CancellationResult}
          | {"decision": "ask_to_verify", "proof_rejected"}      (nothing changed)

`OrderSummary` (`agent.crm.bot`): number, status, placed_at, carrier, tracking_number,
cancellation_requested, and cancellation: the outcome asking to cancel would have now. A
malformed identity is a 400. An external CRM need not serve these two.

Errors: 401/403 → CrmRejected (a wrong token is a configuration error: never retried); other
4xx → CrmRejected; 429, 5xx, timeouts and connection errors → CrmUnavailable (retried); an
answer that is not the contract's JSON → CrmUnavailable (proxies answer HTML error pages)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields, is_dataclass
from datetime import datetime
from typing import Any, TypeVar
from urllib.parse import quote

import httpx

from agent.crm.base import Crm
from agent.crm.errors import (
    CrmRejected,
    CrmUnavailable,
    CustomerNotFound,
    IdentityConflict,
    OrderNotFound,
)
from agent.crm.policy import normalise_order_number
from agent.crm.types import (
    CancellationOutcome,
    CancellationResult,
    Carrier,
    Customer,
    Identity,
    Note,
    Order,
    OrderLine,
    OrderStatus,
    PastConversation,
    Profile,
    Tier,
)

T = TypeVar("T")


class HttpCrm(Crm):
    def __init__(self, client: httpx.AsyncClient, *, base_url: str, token: str) -> None:
        self._http = client
        self._base = base_url.rstrip("/")
        self._token = token

    async def find_by_identity(self, channel: str, external_id: str) -> Customer | None:
        try:
            identity = Identity(channel=channel, external_id=external_id)
        except ValueError:
            return None  # no customer can be linked to it
        response = await self._request("GET", "/customers", params={"identity": str(identity)})
        return None if response.status_code == 404 else _decode(customer_from_wire, response)

    async def find_by_email(self, email: str) -> Customer | None:
        response = await self._request("GET", "/customers", params={"email": email.strip()})
        return None if response.status_code == 404 else _decode(customer_from_wire, response)

    async def find_order(self, number: str) -> Order | None:
        response = await self._request("GET", f"/orders/{_segment(number)}")
        return None if response.status_code == 404 else _decode(order_from_wire, response)

    async def profile(self, customer_id: str) -> Profile:
        response = await self._request("GET", f"/customers/{quote(customer_id, safe='')}/profile")
        if response.status_code == 404:
            raise CustomerNotFound(customer_id)
        return _decode(profile_from_wire, response)

    async def link_identity(self, customer_id: str, identity: Identity) -> None:
        response = await self._request(
            "POST",
            f"/customers/{quote(customer_id, safe='')}/identities",
            json=to_wire(identity),
        )
        if response.status_code == 404:
            raise CustomerNotFound(customer_id)
        if response.status_code == 409:
            linked_to = _json(response).get("linked_to")
            raise IdentityConflict(
                channel=identity.channel,
                external_id=identity.external_id,
                linked_to=str(linked_to) if linked_to else None,
            )
        _expect(response, 200, 201)

    async def add_note(self, customer_id: str, *, author: str, text: str) -> Note:
        response = await self._request(
            "POST",
            f"/customers/{quote(customer_id, safe='')}/notes",
            json={"author": author, "text": text},
        )
        if response.status_code == 404:
            raise CustomerNotFound(customer_id)
        return _decode(note_from_wire, response)

    async def request_cancellation(self, order_number: str, *, reason: str) -> CancellationResult:
        response = await self._request(
            "POST", f"/orders/{_segment(order_number)}/cancellation", json={"reason": reason}
        )
        if response.status_code == 404:
            raise OrderNotFound(normalise_order_number(order_number))
        return _decode(cancellation_from_wire, response)

    async def _request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, str] | None = None,
        json: dict[str, Any] | None = None,
    ) -> httpx.Response:
        """The response when the CRM answered something other than a failure of its own."""
        try:
            response = await self._http.request(
                method,
                f"{self._base}{path}",
                params=params,
                json=json,
                headers={"Authorization": f"Bearer {self._token}"},
            )
        except httpx.TimeoutException as exc:
            raise CrmUnavailable(f"CRM timed out: {method} {path}") from exc
        except httpx.TransportError as exc:
            raise CrmUnavailable(f"CRM unreachable: {exc!r}") from exc
        status = response.status_code
        if status == 429 or status >= 500:
            raise CrmUnavailable(f"CRM answered {status} to {method} {path}")
        if status in (401, 403):
            raise CrmRejected(
                f"CRM refused our credentials ({status}): check the CRM token", status_code=status
            )
        return response


def _segment(number: str) -> str:
    return quote(normalise_order_number(number), safe="")


def _expect(response: httpx.Response, *statuses: int) -> None:
    if response.status_code not in statuses:
        raise CrmRejected(
            f"CRM answered {response.status_code}: {response.text[:200]}",
            status_code=response.status_code,
        )


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError as exc:
        status = response.status_code
        raise CrmUnavailable(f"CRM answered something that is not JSON ({status})") from exc
    if not isinstance(body, dict):
        raise CrmUnavailable("CRM answered JSON that is not an object")
    return body


def _decode(parse: Callable[[dict[str, Any]], T], response: httpx.Response) -> T:
    _expect(response, 200, 201)
    try:
        return parse(_json(response))
    except (KeyError, TypeError, ValueError) as exc:
        raise CrmUnavailable(f"CRM answer does not follow the contract: {exc!r}") from exc


def to_wire(value: Any) -> Any:
    """A CRM value as JSON-ready data: dataclasses as objects, datetimes as ISO 8601."""
    if is_dataclass(value) and not isinstance(value, type):
        return {field.name: to_wire(getattr(value, field.name)) for field in fields(value)}
    if isinstance(value, tuple | list):
        return [to_wire(item) for item in value]
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def customer_from_wire(data: dict[str, Any]) -> Customer:
    return Customer(
        id=str(data["id"]),
        name=str(data["name"]),
        email=str(data["email"]),
        tier=Tier(data["tier"]),
        postcode=str(data["postcode"]),
        language=str(data["language"]),
    )


def order_from_wire(data: dict[str, Any]) -> Order:
    requested = data.get("cancellation_requested_at")
    return Order(
        number=str(data["number"]),
        customer_id=str(data["customer_id"]),
        status=OrderStatus(data["status"]),
        placed_at=datetime.fromisoformat(data["placed_at"]),
        total_jpy=int(data["total_jpy"]),
        lines=tuple(
            OrderLine(sku=str(line["sku"]), name=str(line["name"]), quantity=int(line["quantity"]))
            for line in data["lines"]
        ),
        carrier=Carrier(data["carrier"]) if data.get("carrier") else None,
        tracking_number=data.get("tracking_number"),
        postcode=str(data["postcode"]),
        email=str(data["email"]),
        cancellation_requested_at=datetime.fromisoformat(requested) if requested else None,
    )


def note_from_wire(data: dict[str, Any]) -> Note:
    return Note(
        author=str(data["author"]),
        text=str(data["text"]),
        created_at=datetime.fromisoformat(data["created_at"]),
    )


def profile_from_wire(data: dict[str, Any]) -> Profile:
    return Profile(
        customer=customer_from_wire(data["customer"]),
        identities=tuple(
            Identity(channel=item["channel"], external_id=item["external_id"])
            for item in data["identities"]
        ),
        orders=tuple(order_from_wire(item) for item in data["orders"]),
        notes=tuple(note_from_wire(item) for item in data["notes"]),
        past_conversations=tuple(
            PastConversation(
                channel=str(item["channel"]),
                started_at=datetime.fromisoformat(item["started_at"]),
                summary=str(item["summary"]),
            )
            for item in data["past_conversations"]
        ),
    )


def cancellation_from_wire(data: dict[str, Any]) -> CancellationResult:
    return CancellationResult(
        order_number=str(data["order_number"]),
        outcome=CancellationOutcome(data["outcome"]),
        status=OrderStatus(data["status"]),
    )
