"""The dashboard over HTTP: who may open it, filters, CSV exports and FAQ drafts."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy import select

from agent.app import create_app
from agent.handoff.models import Role
from agent.insight.models import CrisisAlert, FaqDraft
from agent.insight.routes import router as insight_router
from agent.records.models import Message, utcnow
from tests.integration.conftest import Harness
from tests.integration.handoff_helpers import PASSWORD, make_staff
from tests.integration.helpers import app_client
from tests.integration.test_insight import record  # noqa: F401  (the known record)

RANGE = {"from": "2026-11-19", "to": "2026-11-20"}


@pytest.fixture
async def client(record: Harness) -> AsyncIterator[httpx.AsyncClient]:  # noqa: F811
    service = record.runtime.handoff()
    await make_staff(service, "mei@example.com", teams=[], role=Role.ANALYST)
    await make_staff(service, "agent@example.com", teams=["billing"])
    async with app_client(create_app(record.runtime.settings)) as client:
        yield client


async def login(client: httpx.AsyncClient, email: str) -> httpx.Response:
    page = await client.get("/console/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token
    return await client.post(
        "/console/login",
        data={"email": email, "password": PASSWORD, "csrf_token": token.group(1)},
    )


async def csrf(client: httpx.AsyncClient) -> str:
    token: str = (await client.get("/console/api/me")).json()["csrf"]
    return token


async def test_analysts_land_on_the_dashboard_and_see_the_figures(
    client: httpx.AsyncClient,
) -> None:
    response = await login(client, "mei@example.com")
    assert response.headers["location"] == "/console/insight"
    page = await client.get("/console/insight", params=RANGE)
    assert page.status_code == 200
    html = page.text
    assert 'data-testid="kpi-messages"' in html
    assert re.search(r'data-testid="kpi-messages".*?<span class="value">6</span>', html)
    assert re.search(r'data-testid="kpi-containment".*?25\.0%', html)
    for chart in ("daily", "channels", "topics", "hours", "sentiment", "sla", "csat"):
        assert f'data-chart="{chart}"' in html, chart
    assert "recycle the empty bottle" in html
    japanese = await client.get("/console/insight", params={**RANGE, "lang": "ja"})
    assert "お客様のメッセージ" in japanese.text and 'lang="ja"' in japanese.text


async def test_the_dashboard_is_for_analysts_leads_and_admins_only(
    client: httpx.AsyncClient,
) -> None:
    assert (await client.get("/console/insight/api/alerts")).status_code == 401
    logged_out = await client.get("/console/insight")
    assert logged_out.status_code == 303 and logged_out.headers["location"] == "/console/login"
    await login(client, "agent@example.com")
    assert (await client.get("/console/insight")).status_code == 403
    assert (await client.get("/console/insight/export/topics.csv")).status_code == 403
    # Every console member sees open crisis alerts.
    assert (await client.get("/console/insight/api/alerts")).status_code == 200


def test_every_dashboard_route_needs_a_login() -> None:
    paths = {route.path for route in insight_router.routes}  # type: ignore[attr-defined]
    assert paths == {
        "/console/insight",
        "/console/insight/export/{key}.csv",
        "/console/insight/api/drafts",
        "/console/insight/api/alerts",
        "/console/insight/api/alerts/{alert_id}/acknowledge",
    }


@pytest.mark.parametrize(
    ("params", "reason"),
    [
        ({"from": "2026-13-01"}, "YYYY-MM-DD"),
        ({"from": "2026-11-20", "to": "2026-11-01"}, "after the end"),
        ({"from": "2024-01-01", "to": "2026-11-20"}, "at most"),
        ({"channel": "fax"}, "unknown channel"),
    ],
)
async def test_filters_it_cannot_use_get_a_400_with_the_reason(
    client: httpx.AsyncClient, params: dict[str, str], reason: str
) -> None:
    await login(client, "mei@example.com")
    response = await client.get("/console/insight", params=params)
    assert response.status_code == 400 and reason in response.json()["error"]


async def test_every_table_exports_as_csv(client: httpx.AsyncClient) -> None:
    await login(client, "mei@example.com")
    keys = [
        "daily",
        "channels",
        "languages",
        "topics",
        "hours",
        "weekdays",
        "reasons",
        "teams",
        "response_times",
        "sla",
        "csat",
        "unanswered",
        "alerts",
    ]
    for key in keys:
        response = await client.get(f"/console/insight/export/{key}.csv", params=RANGE)
        assert response.status_code == 200, key
        assert response.headers["content-type"].startswith("text/csv")
        assert f"{key}_2026-11-19_2026-11-20.csv" in response.headers["content-disposition"]
    daily = list(
        csv.reader(
            io.StringIO(
                (await client.get("/console/insight/export/daily.csv", params=RANGE)).text.lstrip(
                    "\ufeff"
                )
            )
        )
    )
    assert daily[1][:2] == ["2026-11-19", "2"] and daily[2][:2] == ["2026-11-20", "4"]
    unanswered = (await client.get("/console/insight/export/unanswered.csv", params=RANGE)).text
    # A customer's words never run as a spreadsheet formula.
    assert "'=HYPERLINK" in unanswered and ",=HYPERLINK" not in unanswered
    assert (await client.get("/console/insight/export/nope.csv")).status_code == 404


async def test_a_group_of_unanswered_questions_starts_an_faq_draft(
    client: httpx.AsyncClient,
    record: Harness,  # noqa: F811
) -> None:
    await login(client, "mei@example.com")
    async with record.runtime.sessions() as session:
        ids = list(
            (
                await session.execute(select(Message.id).where(Message.text.contains("recycle")))
            ).scalars()
        )
    body = {"message_ids": ids, "language": "en"}
    assert (await client.post("/console/insight/api/drafts", json=body)).status_code == 403
    response = await client.post(
        "/console/insight/api/drafts", json=body, headers={"X-CSRF-Token": await csrf(client)}
    )
    assert response.status_code == 201
    async with record.runtime.sessions() as session:
        draft = await session.get(FaqDraft, response.json()["id"])
    assert draft is not None and draft.status == "draft" and draft.language == "en"
    assert sorted(draft.questions) == [
        "can I recycle the empty bottles?",
        "how do I recycle the empty bottle",
    ]
    missing = await client.post(
        "/console/insight/api/drafts",
        json={"message_ids": [999999]},
        headers={"X-CSRF-Token": await csrf(client)},
    )
    assert missing.status_code == 404


async def test_alerts_are_listed_for_consoles_and_acknowledged_once(
    client: httpx.AsyncClient,
    record: Harness,  # noqa: F811
) -> None:
    async with record.runtime.sessions() as session:
        alert = CrisisAlert(
            subject="term:rash",
            window_start=utcnow(),
            window_end=utcnow(),
            customers=7,
            messages=9,
            baseline_mean=0.2,
            threshold=5,
            payload={"examples": [{"text": "rash!"}]},
        )
        session.add(alert)
        await session.commit()
        alert_id = alert.id
    await login(client, "mei@example.com")
    listed = (await client.get("/console/insight/api/alerts")).json()["alerts"]
    assert [(a["id"], a["subject"], a["customers"]) for a in listed] == [(alert_id, "term:rash", 7)]
    token = await csrf(client)
    url = f"/console/insight/api/alerts/{alert_id}/acknowledge"
    assert (await client.post(url, headers={"X-CSRF-Token": token})).status_code == 200
    assert (await client.get("/console/insight/api/alerts")).json()["alerts"] == []
    missing = "/console/insight/api/alerts/424242/acknowledge"
    assert (await client.post(missing, headers={"X-CSRF-Token": token})).status_code == 404
