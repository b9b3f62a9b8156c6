"""The insight dashboard in headless Chromium, on the real stack: two weeks of history, an
analyst reads the figures and charts (checked on a screenshot), filters, downloads a CSV and
starts an FAQ draft; then a burst of rash complaints from different customers, sent through
the fake platform and the whole pipeline, raises a crisis alert on the dashboard, in an
agent's console and at the brand's webhook."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import re
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from playwright.sync_api import Browser, Page, expect

from agent.db import create_engine, sessionmaker
from scripts.stack import ROOT, Stack
from tests.e2e.conftest import Customer
from tests.e2e.png import share_near
from tests.e2e.test_simulator_page import browser  # noqa: F401  (the shared Chromium fixture)
from tests.integration.insight_helpers import Seeder

TOKYO = ZoneInfo("Asia/Tokyo")
DAYS = 14
PER_DAY = 20
CHART_BLUE = (0x00, 0x72, 0xB2)  # the charts' first colour
ANALYST = "mei@tsuyu.example"
AGENT = "aiko@tsuyu.example"
PASSWORD = "tsuyu-demo"
TOPICS = ["faq/shipping_cost", "faq/returns_refunds", "order_status", "greet"]
KYOTO = ["do you have a shop in Kyoto?", "is there a Tsuyu shop in Kyoto", "any shop in Kyoto??"]


def _today() -> date:
    return datetime.now(UTC).astimezone(TOKYO).date()


async def _seed_history(database_url: str) -> None:
    """DAYS days before today, PER_DAY customers a day at Tokyo noon onwards; every third
    customer on Instagram; a Kyoto shop question the bot could not answer every other day."""
    engine = create_engine(database_url)
    try:
        async with sessionmaker(engine)() as session:
            seed = Seeder(session)
            for back in range(1, DAYS + 1):
                day = _today() - timedelta(days=back)
                noon = datetime(day.year, day.month, day.day, 12, tzinfo=TOKYO).astimezone(UTC)
                for i in range(PER_DAY):
                    channel = ("messenger", "instagram", "x")[i % 3]
                    language = "ja" if i % 2 else "en"
                    c = await seed.conversation(
                        f"hist-{back}-{i}", channel=channel, language=language
                    )
                    at = noon + timedelta(minutes=i)
                    kyoto = i == 0 and back % 2 == 0
                    m = await seed.message(
                        c,
                        at,
                        KYOTO[back % 3] if kyoto else "how much is shipping",
                        topic="nlu_fallback" if kyoto else TOPICS[i % 4],
                        language=language,
                        score=(-0.6, 0.0, 0.7)[i % 3],
                        label=("negative", "neutral", "positive")[i % 3],
                        fallback=kyoto,
                        reply_after=timedelta(seconds=1 + i % 4),
                    )
                    if i % 7 == 3:
                        await seed.escalation(
                            c,
                            m,
                            at,
                            replied=timedelta(minutes=20 + i),
                            closed=timedelta(hours=2),
                            csat=1 + i % 5,
                        )
            await session.commit()
    finally:
        await engine.dispose()


def _rebuild(stack: Stack) -> None:
    subprocess.run(
        [sys.executable, "-m", "agent", "insight-rebuild"], cwd=ROOT, env=stack.env(), check=True
    )


def _subjects(alert: dict[str, Any]) -> list[str]:
    return [alert["subject"], *alert["related_subjects"]]


def _login(page: Page, stack: Stack, email: str) -> None:
    page.goto(f"{stack.app_url}/console/login")
    page.get_by_test_id("email").fill(email)
    page.get_by_test_id("password").fill(PASSWORD)
    page.get_by_test_id("login").click()


def test_an_analyst_reads_the_dashboard_and_a_burst_of_complaints_raises_a_crisis_alert(
    browser: Browser,  # noqa: F811
    stack: Stack,
) -> None:
    # Playwright's sync API runs an event loop in this thread: seed from another one.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, _seed_history(stack.database_url)).result()
    _rebuild(stack)
    first, last = _today() - timedelta(days=DAYS), _today() - timedelta(days=1)
    span = f"from={first.isoformat()}&to={last.isoformat()}"

    page = browser.new_page(viewport={"width": 1280, "height": 900})
    _login(page, stack, ANALYST)
    expect(page).to_have_url(re.compile(r"/console/insight$"))  # analysts land on it
    expect(page.locator("html")).to_have_attribute("lang", "ja")  # the analyst reads Japanese
    page.goto(f"{stack.app_url}/console/insight?{span}")
    expect(page.get_by_test_id("kpi-messages")).to_contain_text("お客様のメッセージ")
    page.screenshot(path=str(stack.run_dir / "insight-dashboard-ja.png"), full_page=True)
    page.goto(f"{stack.app_url}/console/insight?{span}&lang=en")
    expect(page.get_by_test_id("kpi-messages")).to_contain_text(f"{DAYS * PER_DAY}")
    daily = page.locator('svg[data-chart="daily"] .mark')
    expect(daily).to_have_count(DAYS)
    assert {daily.nth(i).get_attribute("data-value") for i in range(DAYS)} == {str(PER_DAY)}
    channels = page.locator('svg[data-chart="channels"] .mark')
    expect(channels).to_have_count(3)
    # The charts really drew: the bars' blue covers a good part of the chart's screenshot.
    shot = page.locator('svg[data-chart="channels"]').screenshot()
    assert share_near(shot, CHART_BLUE) > 0.05
    assert share_near(page.locator('svg[data-chart="hours"]').screenshot(), CHART_BLUE) > 0.005
    page.screenshot(path=str(stack.run_dir / "insight-dashboard.png"), full_page=True)

    # Filters: Instagram only (every third customer).
    page.get_by_test_id("channel").select_option("instagram")
    page.get_by_test_id("apply").click()
    instagram = sum(1 for i in range(PER_DAY) if i % 3 == 1) * DAYS
    expect(page.get_by_test_id("kpi-messages")).to_contain_text(str(instagram))
    page.get_by_test_id("channel").select_option("")
    page.get_by_test_id("apply").click()

    # A table downloads as CSV.
    page.get_by_test_id("table-daily").locator("summary").click()
    with page.expect_download() as download:
        page.get_by_test_id("csv-daily").click()
    rows = download.value.path().read_text(encoding="utf-8-sig").splitlines()
    assert len(rows) == DAYS + 1 and rows[1].startswith(f"{first.isoformat()},{PER_DAY},")

    # The Kyoto question, asked in three wordings, is one group: it starts an FAQ draft.
    row = page.get_by_test_id("unanswered-row").filter(has_text="Kyoto")
    expect(row).to_have_count(1)
    expect(row.locator("td").nth(1)).to_have_text(str(DAYS // 2))
    row.get_by_test_id("start-draft").click()
    expect(row.get_by_test_id("draft-started")).to_contain_text("FAQ draft #")
    expect(page.get_by_test_id("no-alerts")).to_be_visible()

    # Six different customers complain of a rash within minutes.
    for n in range(6):
        text = (
            "顔に赤いかぶれが出てしまいました" if n % 2 else "I got a rash after using your toner"
        )
        Customer(stack, f"72000000000009{n:02d}").says(text)
    deadline = time.monotonic() + 60
    alert = page.get_by_test_id("alert").filter(has_text="term:rash")

    def all_six_counted() -> bool:
        # The alert is raised as soon as enough customers complain; the last of the six may be
        # counted a check later.
        return alert.count() == 1 and "6 Customers" in alert.inner_text()

    while time.monotonic() < deadline and not all_six_counted():
        time.sleep(2)
        page.goto(f"{stack.app_url}/console/insight?lang=en")
    expect(alert).to_have_count(1)
    expect(alert).to_contain_text("6 Customers")
    expect(alert.locator(".examples li")).to_have_count(5)

    # An agent's console shows it too.
    console = browser.new_page()
    _login(console, stack, AGENT)
    expect(console.get_by_test_id("crisis-alert").filter(has_text="term:rash")).to_have_count(1)

    # The brand's webhook received it, signed.
    hooks = httpx.get(f"{stack.fake_url}/_fake/hooks", timeout=10).json()
    [hook] = [h for h in hooks if "term:rash" in _subjects(json.loads(h["body"]))]
    secret = stack.secrets.crisis_webhook_secret.encode()
    signature = "sha256=" + hmac.new(secret, hook["body"].encode(), hashlib.sha256).hexdigest()
    assert hook["headers"]["x-tsuyu-signature"] == signature

    # Acknowledged on the dashboard: the console's banner goes.
    alert.get_by_test_id("ack").click()
    expect(alert).to_have_class(re.compile(r"\bdone\b"))
    expect(console.get_by_test_id("crisis-alert").filter(has_text="term:rash")).to_have_count(
        0, timeout=15_000
    )
