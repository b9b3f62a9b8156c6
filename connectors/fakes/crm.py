"""A fake of the brand's external CRM: the REST contract of `agent.crm.http`, in memory.

It refuses a wrong bearer token with 401 like the real one. Tests add the past conversations
the CRM would know about with `POST /_fake/conversations` (no token: it is not the contract).

Run: `python -m connectors.fakes.crm` (FAKE_CRM_TOKEN, FAKE_CRM_PORT; the demo customers)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from pydantic_settings import BaseSettings, SettingsConfigDict

from agent.crm.base import BOT_AUTHOR
from agent.crm.demo import DemoData, load_demo
from agent.crm.http import to_wire
from agent.crm.policy import (
    cancellation_note,
    decide_cancellation,
    normalise_email,
    normalise_order_number,
)
from agent.crm.types import (
    CancellationOutcome,
    Customer,
    Identity,
    Note,
    Order,
    PastConversation,
    Profile,
)


@dataclass
class CrmState:
    customers: dict[str, Customer] = field(default_factory=dict)
    # (channel, external id) → customer id, in the order they were linked.
    identities: dict[tuple[str, str], str] = field(default_factory=dict)
    orders: dict[str, Order] = field(default_factory=dict)
    notes: dict[str, list[Note]] = field(default_factory=dict)  # oldest first
    conversations: dict[tuple[str, str], list[PastConversation]] = field(default_factory=dict)

    @classmethod
    def from_demo(cls, data: DemoData) -> CrmState:
        state = cls()
        for profile in data.profiles:
            customer = profile.customer
            state.customers[customer.id] = customer
            for identity in profile.identities:
                state.identities[(identity.channel, identity.external_id)] = customer.id
            state.orders.update((order.number, order) for order in profile.orders)
            state.notes[customer.id] = sorted(profile.notes, key=lambda note: note.created_at)
        return state

    def customer(self, customer_id: str) -> Customer:
        found = self.customers.get(customer_id)
        if found is None:
            raise HTTPException(404, f"no customer {customer_id}")
        return found

    def order(self, number: str) -> Order:
        found = self.orders.get(normalise_order_number(number))
        if found is None:
            raise HTTPException(404, f"no order {number}")
        return found

    def profile(self, customer: Customer) -> Profile:
        identities = tuple(
            Identity(channel=channel, external_id=external_id)
            for (channel, external_id), owner in self.identities.items()
            if owner == customer.id
        )
        orders = [order for order in self.orders.values() if order.customer_id == customer.id]
        past = [
            conversation
            for identity in identities
            for conversation in self.conversations.get((identity.channel, identity.external_id), [])
        ]
        return Profile(
            customer=customer,
            identities=identities,
            orders=tuple(sorted(orders, key=lambda order: order.placed_at, reverse=True)),
            # Reversed first so that notes written in the same instant still come newest first.
            notes=tuple(
                sorted(
                    reversed(self.notes.get(customer.id, [])),
                    key=lambda note: note.created_at,
                    reverse=True,
                )
            ),
            past_conversations=tuple(sorted(past, key=lambda c: c.started_at, reverse=True)),
        )


class IdentityIn(BaseModel):
    channel: str
    external_id: str


class NoteIn(BaseModel):
    author: str
    text: str


class CancellationIn(BaseModel):
    reason: str


class ConversationIn(BaseModel):
    channel: str
    external_id: str
    started_at: datetime
    summary: str


def create_fake_crm(token: str, data: DemoData) -> FastAPI:
    state = CrmState.from_demo(data)
    app = FastAPI(title="Fake CRM")
    app.state.crm = state

    def require_token(request: Request) -> None:
        given = request.headers.get("authorization", "")
        if not secrets.compare_digest(given.encode(), f"Bearer {token}".encode()):
            raise HTTPException(401, "bad token", headers={"WWW-Authenticate": "Bearer"})

    api = APIRouter(dependencies=[Depends(require_token)])

    @api.get("/customers")
    async def find_customer(identity: str | None = None, email: str | None = None) -> Any:
        if (identity is None) == (email is None):
            raise HTTPException(400, "give exactly one of identity and email")
        if identity is not None:
            try:
                parsed = Identity.parse(identity)
            except ValueError as exc:
                raise HTTPException(400, str(exc)) from exc
            owner = state.identities.get((parsed.channel, parsed.external_id))
            return to_wire(state.customer(owner or ""))
        wanted = normalise_email(email or "")
        for customer in state.customers.values():
            if normalise_email(customer.email) == wanted:
                return to_wire(customer)
        raise HTTPException(404, "no customer with that e-mail")

    @api.get("/orders/{number}")
    async def get_order(number: str) -> Any:
        return to_wire(state.order(number))

    @api.get("/customers/{customer_id}/profile")
    async def get_profile(customer_id: str) -> Any:
        return to_wire(state.profile(state.customer(customer_id)))

    @api.post("/customers/{customer_id}/identities")
    async def link_identity(customer_id: str, body: IdentityIn) -> JSONResponse:
        state.customer(customer_id)
        try:
            identity = Identity(channel=body.channel, external_id=body.external_id)
        except ValueError as exc:
            raise HTTPException(400, str(exc)) from exc
        key = (identity.channel, identity.external_id)
        owner = state.identities.get(key)
        if owner is not None and owner != customer_id:
            return JSONResponse(
                {"detail": f"{identity} is linked to another customer", "linked_to": owner},
                status_code=409,
            )
        state.identities[key] = customer_id
        return JSONResponse(to_wire(identity), status_code=200 if owner else 201)

    @api.post("/customers/{customer_id}/notes", status_code=201)
    async def add_note(customer_id: str, body: NoteIn) -> Any:
        state.customer(customer_id)
        note = Note(author=body.author, text=body.text, created_at=datetime.now(UTC))
        state.notes.setdefault(customer_id, []).append(note)
        return to_wire(note)

    @api.post("/orders/{number}/cancellation")
    async def cancel(number: str, body: CancellationIn) -> Any:
        order = state.order(number)
        result = decide_cancellation(order)
        note = cancellation_note(order, result, body.reason)
        if result.outcome in (CancellationOutcome.CANCELLED, CancellationOutcome.REQUESTED):
            state.orders[order.number] = replace(
                order,
                status=result.status,
                cancellation_requested_at=order.cancellation_requested_at or datetime.now(UTC),
            )
        if note is not None:
            state.notes.setdefault(order.customer_id, []).append(
                Note(author=BOT_AUTHOR, text=note, created_at=datetime.now(UTC))
            )
        return to_wire(result)

    @app.post("/_fake/conversations", status_code=201)
    async def add_conversation(body: ConversationIn) -> dict[str, str]:
        """A conversation the CRM has on record for a social identity."""
        conversation = PastConversation(
            channel=body.channel, started_at=body.started_at, summary=body.summary
        )
        state.conversations.setdefault((body.channel, body.external_id), []).append(conversation)
        return {"status": "recorded"}

    app.include_router(api)
    return app


class FakeCrmSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="FAKE_CRM_")

    token: str
    host: str = "127.0.0.1"
    port: int = 8095


def main() -> None:
    import uvicorn

    settings = FakeCrmSettings()  # type: ignore[call-arg]  # read from the environment
    uvicorn.run(
        create_fake_crm(settings.token, load_demo()),
        host=settings.host,
        port=settings.port,
        log_level="warning",
    )


if __name__ == "__main__":
    main()
