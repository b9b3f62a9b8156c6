"""The console over HTTP: logging in, sessions and CSRF, and who may see and do what.
A logged-out request is refused on every console route."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi.routing import APIRoute

from agent.app import create_app
from agent.console.routes import router as console_router
from agent.handoff.models import Role
from agent.handoff.service import HandoffService
from tests.integration.conftest import Harness
from tests.integration.handoff_helpers import PASSWORD, make_escalation, make_staff
from tests.integration.helpers import app_client

PUBLIC = {("GET", "/console/login"), ("POST", "/console/login")}


@pytest.fixture
def handoff(harness: Harness) -> HandoffService:
    return harness.runtime.handoff()


@pytest.fixture
async def client(harness: Harness) -> AsyncIterator[httpx.AsyncClient]:
    async with app_client(create_app(harness.runtime.settings)) as client:
        yield client


async def login(client: httpx.AsyncClient, email: str, password: str = PASSWORD) -> str:
    """Log in through the form; returns the session's CSRF token."""
    page = await client.get("/console/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token, page.text
    response = await client.post(
        "/console/login",
        data={"email": email, "password": password, "csrf_token": token.group(1)},
    )
    assert response.status_code == 303
    if response.headers["location"] != "/console":
        return ""
    me = await client.get("/console/api/me")
    assert me.status_code == 200
    csrf: str = me.json()["csrf"]
    return csrf


def _console_routes() -> list[tuple[str, str]]:
    routes = []
    for route in console_router.routes:
        if isinstance(route, APIRoute) and route.path.startswith("/console"):
            for method in route.methods:
                if (method, route.path) not in PUBLIC:
                    routes.append((method, route.path))
    return sorted(routes)


async def test_every_console_route_refuses_a_logged_out_request(
    client: httpx.AsyncClient,
) -> None:
    routes = _console_routes()
    assert len(routes) >= 15  # the walk covers the whole console
    for method, path in routes:
        url = re.sub(r"\{[^}]+\}", "1", path)
        response = await client.request(method, url, json={})
        if method == "GET" and not path.startswith("/console/api/"):
            assert response.status_code == 303, (method, path)  # pages go to the login page
            assert response.headers["location"] == "/console/login"
        else:
            assert response.status_code == 401, (method, path, response.text)


async def test_a_wrong_password_or_a_forged_form_does_not_log_in(
    client: httpx.AsyncClient, handoff: HandoffService
) -> None:
    await make_staff(handoff, "aiko@tsuyu.example", teams=["orders_shipping"])
    assert await login(client, "aiko@tsuyu.example", "wrong password") == ""
    assert await login(client, "nobody@tsuyu.example") == ""
    forged = await client.post(
        "/console/login",
        data={"email": "aiko@tsuyu.example", "password": PASSWORD, "csrf_token": "forged"},
    )
    assert forged.status_code == 403
    assert (await client.get("/console/api/me")).status_code == 401


async def test_a_session_cookie_is_httponly_strict_and_csrf_guards_every_change(
    harness: Harness, handoff: HandoffService
) -> None:
    await make_staff(handoff, "aiko@tsuyu.example", teams=["orders_shipping"])
    settings = harness.runtime.settings.model_copy(update={"console_secure_cookies": True})
    async with app_client(create_app(settings)) as client:
        page = await client.get("/console/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert token
        assert "secure" in page.headers["set-cookie"].lower()
        # A Secure cookie is not sent back over plain HTTP: set it as an HTTPS browser would.
        client.cookies.set("console_login_csrf", token[1])
        response = await client.post(
            "/console/login",
            data={"email": "aiko@tsuyu.example", "password": PASSWORD, "csrf_token": token[1]},
        )
        cookie = response.headers["set-cookie"]
        assert "console_session=" in cookie
        for flag in ("HttpOnly", "Secure", "SameSite=strict", "Path=/console"):
            assert flag.lower() in cookie.lower()
    async with app_client(create_app(harness.runtime.settings)) as client:
        csrf = await login(client, "aiko@tsuyu.example")
        without = await client.post("/console/api/presence", json={"presence": "away"})
        assert without.status_code == 403
        wrong = await client.post(
            "/console/api/presence", json={"presence": "away"}, headers={"x-csrf-token": "x"}
        )
        assert wrong.status_code == 403
        right = await client.post(
            "/console/api/presence", json={"presence": "away"}, headers={"x-csrf-token": csrf}
        )
        assert right.status_code == 200
        await client.post("/console/api/logout", headers={"x-csrf-token": csrf})
        assert (await client.get("/console/api/me")).status_code == 401


async def test_an_agent_sees_only_their_teams_conversations_and_a_lead_sees_all(
    client: httpx.AsyncClient, handoff: HandoffService
) -> None:
    billing = await make_escalation(
        handoff, "9101", urgency="high", urgency_reasons=("wrong_charge",)
    )
    shipping = await make_escalation(handoff, "9102")
    await make_staff(handoff, "ship@tsuyu.example", teams=["orders_shipping"])
    await make_staff(handoff, "lead@tsuyu.example", teams=[], role=Role.LEAD)

    csrf = await login(client, "ship@tsuyu.example")
    queue = (await client.get("/console/api/queue")).json()
    assert [row["id"] for row in queue["waiting"]] == [shipping.id]
    assert queue["waiting"][0]["reasons"] and queue["waiting"][0]["priority"].startswith("P")
    seen = await client.get(f"/console/api/conversations/{shipping.conversation_id}")
    assert seen.status_code == 200
    assert seen.json()["summary"].endswith("“the bottle arrived broken”")
    hidden = await client.get(f"/console/api/conversations/{billing.conversation_id}")
    assert hidden.status_code == 403
    crm = await client.get(f"/console/api/conversations/{billing.conversation_id}/crm")
    assert crm.status_code == 403
    claim = await client.post(
        f"/console/api/escalations/{billing.id}/claim", headers={"x-csrf-token": csrf}
    )
    assert claim.status_code == 403
    note = await client.post(
        f"/console/api/conversations/{billing.conversation_id}/notes",
        json={"text": "peek"},
        headers={"x-csrf-token": csrf},
    )
    assert note.status_code == 403
    await client.post("/console/api/logout", headers={"x-csrf-token": csrf})

    await login(client, "lead@tsuyu.example")
    queue = (await client.get("/console/api/queue")).json()
    assert {row["id"] for row in queue["waiting"]} == {billing.id, shipping.id}
    assert (
        await client.get(f"/console/api/conversations/{billing.conversation_id}")
    ).status_code == 200


async def test_claim_reply_note_and_link_through_the_api(
    client: httpx.AsyncClient, handoff: HandoffService
) -> None:
    escalation = await make_escalation(handoff, "9201")
    await make_staff(handoff, "ship@tsuyu.example", teams=["orders_shipping"])
    csrf = await login(client, "ship@tsuyu.example")
    headers = {"x-csrf-token": csrf}
    claimed = await client.post(f"/console/api/escalations/{escalation.id}/claim", headers=headers)
    assert claimed.status_code == 200
    again = await client.post(f"/console/api/escalations/{escalation.id}/claim", headers=headers)
    assert again.status_code == 409
    cid = escalation.conversation_id
    reply = await client.post(
        f"/console/api/conversations/{cid}/reply",
        json={"text": "I'm on it.", "request_id": "req-00000001"},
        headers=headers,
    )
    assert reply.status_code == 200 and reply.json()["status"] == "pending"
    empty = await client.post(
        f"/console/api/conversations/{cid}/reply",
        json={"text": "", "request_id": "req-00000002"},
        headers=headers,
    )
    assert empty.status_code == 422
    await client.post(
        f"/console/api/conversations/{cid}/notes", json={"text": "VIP?"}, headers=headers
    )
    view = (await client.get(f"/console/api/conversations/{cid}")).json()
    assert [n["text"] for n in view["notes"]] == ["VIP?"]
    assert view["messages"][-1]["author"] == "human"
    assert view["window"] == {
        "can_reply": True,
        "tag": None,
        "refusal": None,
        "last_customer_message_at": view["window"]["last_customer_message_at"],
    }
    assert view["snippets"] and all(s["text"] for s in view["snippets"])
    assert (await client.get(f"/console/api/conversations/{cid}/crm")).json()["customer"] is None
    unknown = await client.post(
        f"/console/api/conversations/{cid}/link",
        json={"query": "nobody@x.example"},
        headers=headers,
    )
    assert unknown.status_code == 404
