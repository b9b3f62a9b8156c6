"""Several accounts per channel, each with its own token; unknown accounts are refused."""

from __future__ import annotations

import pytest
from redis.asyncio import Redis

from agent.app import create_app
from agent.settings import Settings
from tests.conftest import (
    APP_SECRET,
    IG_ACCOUNT_ID,
    PAGE_ID,
    PAGE_TOKEN,
    X_USER_ID,
    make_settings,
)
from tests.integration.conftest import EXTRA_PAGE_ID, EXTRA_PAGE_TOKEN, Harness
from tests.integration.helpers import app_client, message_event, signed_headers, webhook_body


@pytest.fixture
def settings(database_url: str, redis_port: int) -> Settings:
    return make_settings(
        database_url=database_url,
        redis_url=f"redis://127.0.0.1:{redis_port}/0",
        messenger_extra_pages=[{"id": EXTRA_PAGE_ID, "token": EXTRA_PAGE_TOKEN}],
        x_extra_accounts=[{"id": "5550001", "token": "second_handle_token"}],
    )


def test_every_configured_account_has_its_send_token(settings: Settings) -> None:
    tokens = {
        channel: {k: v.get_secret_value() for k, v in settings.send_tokens(channel).items()}
        for channel in ("messenger", "instagram", "x")
    }
    assert tokens["messenger"] == {PAGE_ID: PAGE_TOKEN, EXTRA_PAGE_ID: EXTRA_PAGE_TOKEN}
    assert tokens["instagram"] == {IG_ACCOUNT_ID: PAGE_TOKEN}
    assert set(tokens["x"]) == {X_USER_ID, "5550001"}
    assert settings.accounts("telegram") == set()


async def test_each_page_is_answered_with_its_own_token(harness: Harness, redis: Redis) -> None:
    other = message_event("m_other", "hi from the second page", psid="9100000000000001")
    other["recipient"] = {"id": EXTRA_PAGE_ID}
    await harness.deliver_to(EXTRA_PAGE_ID, other)
    await harness.deliver(message_event("m_main", "hi from the first page"))
    await harness.worker.run_once()
    sent = (await harness.fake.get("/_fake/sent")).json()
    by_text = {item["message"]["text"]: item["page_token"] for item in sent}
    assert by_text == {
        "echo: hi from the second page": EXTRA_PAGE_TOKEN,
        "echo: hi from the first page": PAGE_TOKEN,
    }


async def test_a_page_of_another_meta_app_is_verified_with_that_apps_secret(
    database_url: str, redis_port: int, redis: Redis
) -> None:
    settings = make_settings(
        database_url=database_url,
        redis_url=f"redis://127.0.0.1:{redis_port}/0",
        messenger_extra_pages=[
            {"id": EXTRA_PAGE_ID, "token": EXTRA_PAGE_TOKEN, "app_secret": "second_app_secret"}
        ],
    )
    assert settings.meta_app_secrets() == [APP_SECRET, "second_app_secret"]
    event = message_event("m_second_app", "hello", psid="9100000000000002")
    event["recipient"] = {"id": EXTRA_PAGE_ID}
    body = webhook_body(event, page_id=EXTRA_PAGE_ID)
    async with app_client(create_app(settings)) as client:
        ok = await client.post(
            "/webhooks/messenger", content=body, headers=signed_headers(body, "second_app_secret")
        )
        main = await client.post("/webhooks/messenger", content=body, headers=signed_headers(body))
        forged = await client.post(
            "/webhooks/messenger", content=body, headers=signed_headers(body, "not_an_app_secret")
        )
    assert ok.status_code == 200 and ok.json()["accepted"] == 1
    assert main.status_code == 200 and main.json()["duplicates"] == 1  # the main app's secret
    assert forged.status_code == 403
