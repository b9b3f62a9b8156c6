"""The app's CRM API (/crm/v1) as the action server calls it: the token, and the two endpoints
that apply the disclosure policy in the app, on SQLite (and PostgreSQL when DATABASE_URL is
set). The rest of the contract runs in test_crm.py's suite (backend "app")."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from agent.app import create_app
from agent.crm.bot import disclose_order
from agent.crm.demo import load_demo, seed_demo
from agent.crm.http import HttpCrm
from agent.crm.policy import DisclosureDecision
from agent.crm.types import Identity, OrderStatus
from agent.db import create_engine, sessionmaker
from agent.settings import Settings
from connectors.fakes.crm import create_fake_crm
from tests.integration.helpers import app_client

TOKEN = "test-crm-api-token"
MISAKI = "messenger:7100000000000001"  # owns TB-240392 (shipped) and TB-240118
EMILY = "messenger:7100000000000002"  # owns TB-240405 (paid)
STRANGER = "messenger:7199999999999999"
# What Misaki's shipped order would tell someone who may see it.
MISAKIS_DETAILS = ["4921-3390-1264", "yamato", "shipped", "150-0001", "misaki", "C0001", "5500"]


@pytest.fixture
async def api(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    engine = create_engine(settings.database_url)
    try:
        await seed_demo(sessionmaker(engine), load_demo())
    finally:
        await engine.dispose()
    configured = settings.model_copy(update={"crm_api_token": SecretStr(TOKEN)})
    async with app_client(create_app(configured)) as client:
        client.headers["Authorization"] = f"Bearer {TOKEN}"
        yield client


async def disclosure(
    api: httpx.AsyncClient, number: str, identity: str | None, proof: str | None = None
) -> httpx.Response:
    body = {"identity": identity, "proof": proof}
    return await api.post(f"/crm/v1/orders/{number}/disclosure", json=body)


async def order_status(api: httpx.AsyncClient, number: str) -> str:
    response = await api.get(f"/crm/v1/orders/{number}")
    assert response.status_code == 200
    return str(response.json()["status"])


# --- the token -----------------------------------------------------------------------------


@pytest.mark.parametrize("header", [None, "Bearer wrong", f"Basic {TOKEN}", TOKEN])
async def test_a_request_without_the_token_is_refused(
    api: httpx.AsyncClient, header: str | None
) -> None:
    headers = {"Authorization": header} if header else {}
    api.headers.pop("Authorization")
    response = await api.post(
        "/crm/v1/orders/TB-240392/disclosure", json={"identity": MISAKI}, headers=headers
    )
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert "4921" not in response.text


async def test_without_a_token_setting_the_api_is_off(settings: Settings) -> None:
    async with app_client(create_app(settings)) as client:
        response = await client.get(
            "/crm/v1/orders/TB-240392", headers={"Authorization": "Bearer "}
        )
    assert response.status_code == 503
    assert "AGENT_CRM_API_TOKEN" in response.json()["detail"]


# --- disclosure ----------------------------------------------------------------------------


async def test_the_owner_sees_the_order_summary(api: httpx.AsyncClient) -> None:
    response = await disclosure(api, "TB-240392", MISAKI)
    assert response.status_code == 200
    assert response.json() == {
        "decision": "disclose",
        "verified_by": "linked_identity",
        "order": {
            "number": "TB-240392",
            "status": "shipped",
            "placed_at": "2026-11-17T12:05:00+00:00",
            "carrier": "yamato",
            "tracking_number": "4921-3390-1264",
            "cancellation_requested": False,
            "cancellation": "return_instead",
        },
    }


async def test_the_summary_has_no_contact_details_or_basket(api: httpx.AsyncClient) -> None:
    order = (await disclosure(api, "TB-240392", MISAKI)).json()["order"]
    assert not {"email", "postcode", "customer_id", "lines", "total_jpy"} & set(order)


@pytest.mark.parametrize(
    ("identity", "proof"),
    [
        (STRANGER, None),
        (EMILY, None),  # a known customer, but not this order's
        (None, None),
        (STRANGER, ""),
        (STRANGER, "   "),
    ],
)
async def test_anyone_else_without_proof_gets_no_order_data_at_all(
    api: httpx.AsyncClient, identity: str | None, proof: str | None
) -> None:
    response = await disclosure(api, "TB-240392", identity, proof)
    assert response.status_code == 200
    assert response.json() == {"decision": "ask_to_verify", "proof_rejected": False}
    for detail in MISAKIS_DETAILS:
        assert detail not in response.text.lower()


@pytest.mark.parametrize(
    ("proof", "verified_by"),
    [
        ("misaki.sato@example.com", "email"),
        (" MISAKI.Sato@Example.com ", "email"),
        ("150-0001", "postcode"),
        ("〒１５０ー０００１", "postcode"),
    ],
)
async def test_the_orders_email_or_postcode_discloses_it(
    api: httpx.AsyncClient, proof: str, verified_by: str
) -> None:
    found = (await disclosure(api, "TB-240392", STRANGER, proof)).json()
    assert found["decision"] == "disclose" and found["verified_by"] == verified_by
    assert found["order"]["tracking_number"] == "4921-3390-1264"


async def test_a_gift_is_verified_by_its_delivery_postcode_not_the_buyers(
    api: httpx.AsyncClient,
) -> None:
    # Olivia's TB-240377 goes to her sister in Sendai (980-0021); Olivia lives in 060-0042.
    assert (await disclosure(api, "TB-240377", None, "980-0021")).json()["decision"] == "disclose"
    refused = (await disclosure(api, "TB-240377", None, "060-0042")).json()
    assert refused == {"decision": "ask_to_verify", "proof_rejected": True}


@pytest.mark.parametrize(
    ("number", "proof"),
    [
        ("TB-240392", "150-0000"),  # wrong postcode
        ("TB-240392", "emily.carter@example.org"),  # someone else's e-mail
        ("TB-999999", "150-0001"),  # no such order
        ("TB-999999", "misaki.sato@example.com"),
    ],
)
async def test_a_wrong_proof_or_an_unknown_order_are_answered_alike(
    api: httpx.AsyncClient, number: str, proof: str
) -> None:
    response = await disclosure(api, number, STRANGER, proof)
    assert response.json() == {"decision": "ask_to_verify", "proof_rejected": True}


async def test_an_unknown_order_is_not_a_404(api: httpx.AsyncClient) -> None:
    # Even for a linked customer: guessing numbers must not tell which ones exist.
    response = await disclosure(api, "TB-999999", MISAKI)
    assert response.status_code == 200
    assert response.json() == {"decision": "ask_to_verify", "proof_rejected": False}


@pytest.mark.parametrize(
    "body",
    [
        {"identity": "fax:123"},
        {"identity": "messenger:not-a-psid"},
        {"identity": "7100000000000001"},
    ],
)
async def test_a_malformed_identity_is_a_400(api: httpx.AsyncClient, body: dict[str, Any]) -> None:
    response = await api.post("/crm/v1/orders/TB-240392/disclosure", json=body)
    assert response.status_code == 400
    assert "4921" not in response.text


async def test_an_unexpected_field_is_refused(api: httpx.AsyncClient) -> None:
    body = {"identity": STRANGER, "customer_id": "C0001"}
    response = await api.post("/crm/v1/orders/TB-240392/disclosure", json=body)
    assert response.status_code == 422
    assert "4921" not in response.text


# --- cancellation for a customer -----------------------------------------------------------


async def test_the_owner_cancels_their_paid_order(api: httpx.AsyncClient) -> None:
    body = {"identity": EMILY, "proof": None, "reason": "asked in a messenger DM"}
    response = await api.post("/crm/v1/orders/TB-240405/customer-cancellation", json=body)
    assert response.status_code == 200
    assert response.json() == {
        "decision": "disclose",
        "verified_by": "linked_identity",
        "result": {"order_number": "TB-240405", "outcome": "cancelled", "status": "cancelled"},
    }
    assert await order_status(api, "TB-240405") == OrderStatus.CANCELLED
    notes = (await api.get("/crm/v1/customers/C0002/profile")).json()["notes"]
    assert notes[0]["author"] == "bot" and "asked in a messenger DM" in notes[0]["text"]


@pytest.mark.parametrize("proof", [None, "106-0000"])
async def test_nobody_else_can_cancel_an_order(api: httpx.AsyncClient, proof: str | None) -> None:
    body = {"identity": MISAKI, "proof": proof, "reason": "mischief"}
    response = await api.post("/crm/v1/orders/TB-240405/customer-cancellation", json=body)
    assert response.json() == {"decision": "ask_to_verify", "proof_rejected": proof is not None}
    assert await order_status(api, "TB-240405") == OrderStatus.PAID


async def test_a_verified_stranger_can_cancel_with_the_orders_postcode(
    api: httpx.AsyncClient,
) -> None:
    body = {"identity": STRANGER, "proof": "106-0032", "reason": "asked in an X DM"}
    response = await api.post("/crm/v1/orders/TB-240405/customer-cancellation", json=body)
    assert response.json()["verified_by"] == "postcode"
    assert response.json()["result"]["outcome"] == "cancelled"


@pytest.mark.parametrize(
    ("number", "identity", "outcome", "status"),
    [
        ("TB-240377", "x:1600000000000000004", "requested", "packed"),
        ("TB-240392", MISAKI, "return_instead", "shipped"),
        ("TB-240290", "x:1600000000000000005", "already_cancelled", "cancelled"),
        ("TB-239950", "x:1600000000000000004", "already_returned", "returned"),
    ],
)
async def test_the_outcome_follows_the_order_status(
    api: httpx.AsyncClient, number: str, identity: str, outcome: str, status: str
) -> None:
    body = {"identity": identity, "reason": "changed my mind"}
    response = await api.post(f"/crm/v1/orders/{number}/customer-cancellation", json=body)
    assert response.json()["result"] == {
        "order_number": number,
        "outcome": outcome,
        "status": status,
    }


async def test_a_packed_order_once_requested_shows_it(api: httpx.AsyncClient) -> None:
    olivia = "x:1600000000000000004"
    before = (await disclosure(api, "TB-240377", olivia)).json()["order"]
    assert before["cancellation_requested"] is False and before["cancellation"] == "requested"
    body = {"identity": olivia, "reason": "gift no longer needed"}
    await api.post("/crm/v1/orders/TB-240377/customer-cancellation", json=body)
    after = (await disclosure(api, "TB-240377", olivia)).json()["order"]
    assert after["cancellation_requested"] is True and after["status"] == "packed"


# --- the same rule over an external CRM ----------------------------------------------------


async def test_the_rule_is_the_same_over_an_external_crm() -> None:
    transport = httpx.ASGITransport(app=create_fake_crm("fake-token", load_demo()))
    async with httpx.AsyncClient(transport=transport, base_url="http://crm.test") as client:
        crm = HttpCrm(client, base_url="http://crm.test", token="fake-token")
        owner = await disclose_order(crm, "#tb-240392", identity=Identity.parse(MISAKI), proof=None)
        stranger = await disclose_order(
            crm, "TB-240392", identity=Identity.parse(STRANGER), proof=None
        )
    assert owner.decision is DisclosureDecision.DISCLOSE and owner.order is not None
    assert owner.order.tracking_number == "4921-3390-1264"
    assert stranger.decision is DisclosureDecision.ASK_TO_VERIFY and stranger.order is None
