"""The customer simulator page in headless Chromium: write as a customer, see the bot's reply."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, expect, sync_playwright

from scripts.stack import Stack
from tests.e2e.conftest import BrandReplies

pytestmark = pytest.mark.e2e

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


def test_a_customer_writes_in_japanese_and_english_and_sees_the_replies(
    browser: Browser, stack: Stack, responses: BrandReplies
) -> None:
    page = browser.new_page()
    page.goto(f"{stack.fake_url}/")
    expect(page.get_by_test_id("psid")).to_have_text(re.compile(r"^\d{16}$"))
    bot = page.get_by_test_id("bot-message")

    def ask(text: str, response: str, language: str, channel: str = "messenger") -> None:
        """Write as the customer; the bot's newest reply must be `response` in `language`
        (with the brand's greeting when it is the first reply of the thread)."""
        before = bot.count()
        page.get_by_test_id("composer").fill(text)
        page.get_by_test_id("send").click()
        expect(bot).to_have_count(before + 1, timeout=30_000)
        answer = (
            responses.first(response, language, channel)
            if before == 0
            else responses.render(response, language)
        )
        expect(bot.nth(before)).to_have_text(answer or "")

    ask("返品はできますか？", "utter_faq/returns_refunds", "ja")
    ask("how do i use the serum?", "utter_faq/product_usage", "en")
    expect(page.get_by_test_id("customer-message")).to_have_count(2)
    expect(page.get_by_test_id("status")).to_have_text("")

    # The same person on Instagram, then on X, is another customer, in another thread.
    page.get_by_test_id("channel").select_option("instagram")
    expect(bot).to_have_count(0)
    ask("ギフト包装はお願いできますか", "utter_faq/gift_wrapping", "ja", "instagram")

    page.get_by_test_id("channel").select_option("x")
    expect(bot).to_have_count(0)
    ask("what are your customer service hours?", "utter_faq/store_hours", "en", "x")
    page.screenshot(path=str(stack.run_dir / "simulator.png"))
    page.close()
