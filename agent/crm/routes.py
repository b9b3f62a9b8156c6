"""The app's CRM over REST at /crm/v1: the contract of `agent.crm.http`, served from the CRM the
app uses (its own SQL CRM, or the external one it is configured with), plus the two endpoints
the bot's action server calls, which apply the disclosure policy here (`agent.crm.bot`).

Every request needs `Authorization: Bearer <AGENT_CRM_API_TOKEN>`; without that setting the
API is off (503). CRM errors become HTTP answers in `CrmRoute`, in one place."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel, ConfigDict, Field

from agent.crm.base import Crm
from agent.crm.bot import BotDisclosure, cancel_for_customer, disclose_order
from agent.crm.errors import (
    CrmRejected,
    CrmUnavailable,
    CustomerNotFound,
    IdentityConflict,
    OrderNotFound,
)
from agent.crm.http import to_wire
from agent.crm.types import Identity
from agent.settings import Settings

PREFIX = "/crm/v1"


class CrmRoute(APIRoute):
    """Maps the CRM's typed errors to the contract's HTTP answers."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def handle(request: Request) -> Response:
            try:
                return await handler(request)
            except (CustomerNotFound, OrderNotFound) as exc:
                return JSONResponse({"detail": str(exc)}, status_code=404)
            except IdentityConflict as exc:
                return JSONResponse(
                    {"detail": str(exc), "linked_to": exc.linked_to}, status_code=409
                )
            except CrmUnavailable as exc:
                return JSONResponse({"detail": str(exc)}, status_code=503)
            except CrmRejected as exc:
                # The external CRM refused the app: the app's configuration, not the caller's.
                return JSONResponse({"detail": str(exc)}, status_code=502)

        return handle


def require_token(request: Request) -> None:
    settings: Settings = request.app.state.settings
    if settings.crm_api_token is None:
        raise HTTPException(503, "the CRM API is off: set AGENT_CRM_API_TOKEN")
    expected = f"Bearer {settings.crm_api_token.get_secret_value()}".encode()
    if not secrets.compare_digest(request.headers.get("authorization", "").encode(), expected):
        raise HTTPException(401, "bad token", headers={"WWW-Authenticate": "Bearer"})


def get_crm(request: Request) -> Crm:
    return request.app.state.runtime.crm()  # type: ignore[no-any-return]


CrmDep = Annotated[Crm, Depends(get_crm)]
router = APIRouter(prefix=PREFIX, route_class=CrmRoute, dependencies=[Depends(require_token)])


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class IdentityIn(Body):
    channel: str
    external_id: str


class NoteIn(Body):
    author: str = Field(min_length=1, max_length=200)
    text: str = Field(min_length=1, max_length=10_000)


class CancellationIn(Body):
    reason: str = Field(max_length=1000)


class DisclosureIn(Body):
    """Who asks: the social identity they write from ("messenger:123"), and what they typed to
    prove the order is theirs (its e-mail address or delivery postcode)."""

    identity: str | None = None
    proof: str | None = Field(default=None, max_length=320)


class CustomerCancellationIn(DisclosureIn):
    reason: str = Field(max_length=1000)


def _identity(value: str | None) -> Identity | None:
    if value is None:
        return None
    try:
        return Identity.parse(value)
    except ValueError as exc:
        raise HTTPException(400, str(exc)) from exc


def disclosure_to_wire(disclosure: BotDisclosure) -> dict[str, Any]:
    if disclosure.order is None:
        # Nothing about the order, not even whether it exists.
        return {"decision": disclosure.decision, "proof_rejected": disclosure.proof_rejected}
    return {
        "decision": disclosure.decision,
        "verified_by": disclosure.verified_by,
        "order": to_wire(disclosure.order),
    }


# --- the contract of agent.crm.http ----------------------------------------------------------


@router.get("/customers")
async def find_customer(
    crm: CrmDep, identity: Annotated[str | None, Query()] = None, email: str | None = None
) -> Any:
    if (identity is None) == (email is None):
        raise HTTPException(400, "give exactly one of identity and email")
    if identity is not None:
        parsed = _identity(identity)
        assert parsed is not None
        customer = await crm.find_by_identity(parsed.channel, parsed.external_id)
    else:
        customer = await crm.find_by_email(email or "")
    if customer is None:
        raise HTTPException(404, "no such customer")
    return to_wire(customer)


@router.get("/orders/{number}")
async def get_order(crm: CrmDep, number: str) -> Any:
    order = await crm.find_order(number)
    if order is None:
        raise HTTPException(404, f"no order {number}")
    return to_wire(order)


@router.get("/customers/{customer_id}/profile")
async def get_profile(crm: CrmDep, customer_id: str) -> Any:
    return to_wire(await crm.profile(customer_id))


@router.post("/customers/{customer_id}/identities")
async def link_identity(crm: CrmDep, customer_id: str, body: IdentityIn) -> JSONResponse:
    identity = _identity(f"{body.channel}:{body.external_id}")
    assert identity is not None
    owner = await crm.find_by_identity(identity.channel, identity.external_id)
    await crm.link_identity(customer_id, identity)
    linked_before = owner is not None and owner.id == customer_id
    return JSONResponse(to_wire(identity), status_code=200 if linked_before else 201)


@router.post("/customers/{customer_id}/notes", status_code=201)
async def add_note(crm: CrmDep, customer_id: str, body: NoteIn) -> Any:
    return to_wire(await crm.add_note(customer_id, author=body.author, text=body.text))


@router.post("/orders/{number}/cancellation")
async def cancel(crm: CrmDep, number: str, body: CancellationIn) -> Any:
    return to_wire(await crm.request_cancellation(number, reason=body.reason))


# --- for the bot: the policy applied here --------------------------------------------------


@router.post("/orders/{number}/disclosure")
async def disclosure(crm: CrmDep, number: str, body: DisclosureIn) -> dict[str, Any]:
    found = await disclose_order(crm, number, identity=_identity(body.identity), proof=body.proof)
    return disclosure_to_wire(found)


@router.post("/orders/{number}/customer-cancellation")
async def customer_cancellation(
    crm: CrmDep, number: str, body: CustomerCancellationIn
) -> dict[str, Any]:
    found, result = await cancel_for_customer(
        crm, number, identity=_identity(body.identity), proof=body.proof, reason=body.reason
    )
    if result is None:
        return disclosure_to_wire(found)
    return {"decision": found.decision, "verified_by": found.verified_by, "result": to_wire(result)}
