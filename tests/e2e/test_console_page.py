"""The agent console in headless Chromium, on the real stack: an agent logs in, sees a critical
DM arrive live, claims it, links the customer's CRM record, replies through the platform,
resolves, and the customer is asked for a satisfaction score."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, expect

from scripts.stack import Stack
from tests.e2e.conftest import Customer
from tests.e2e.test_simulator_page import browser  # noqa: F401  (the shared Chromium fixture)

AGENT = "aiko@tsuyu.example"  # demo staff: product safety and orders & shipping
DEMO_PASSWORD = "tsuyu-demo"
CSAT_QUESTION = "1 (not at all) to 5"


def test_an_agent_works_a_critical_dm_from_arrival_to_satisfaction_score(
    browser: Browser,  # noqa: F811
    stack: Stack,
) -> None:
    page = browser.new_page()
    page.goto(f"{stack.app_url}/console")
    expect(page).to_have_url(re.compile(r"/console/login$"))  # logged out: the login page
    page.get_by_test_id("email").fill(AGENT)
    page.get_by_test_id("password").fill("not the password")
    page.get_by_test_id("login").click()
    expect(page.get_by_test_id("login-error")).to_be_visible()
    page.get_by_test_id("email").fill(AGENT)
    page.get_by_test_id("password").fill(DEMO_PASSWORD)
    page.get_by_test_id("login").click()
    expect(page).to_have_url(re.compile(r"/console$"))
    expect(page.get_by_test_id("who")).to_have_text("佐藤 愛子")
    expect(page.locator("body[data-live='1']")).to_have_count(1, timeout=10_000)

    # A customer writes; the queue shows it without a reload.
    customer = Customer(stack, "7200000000000001")
    customer.says("my son swallowed some of the cleansing oil, what should I do")
    row = page.get_by_test_id("queue-row").filter(has_text=customer.psid)
    expect(row).to_have_count(1, timeout=30_000)
    expect(row).to_contain_text("critical")
    expect(row.get_by_test_id("reasons")).to_contain_text("swallow")
    holding = customer.wait_replies(1)[0]
    assert "119" in holding  # the brand's safe holding reply went out at once
    page.screenshot(path=str(stack.run_dir / "console-queue.png"))

    row.get_by_test_id("claim").click()
    expect(page).to_have_url(re.compile(r"/console/conversations/\d+$"))
    expect(page.get_by_test_id("escalation-status")).to_have_text("assigned")
    expect(page.get_by_test_id("summary")).to_contain_text("swallowed")
    expect(page.get_by_test_id("customer-message")).to_contain_text("critical")

    # The CRM panel: unknown account, linked by the customer's e-mail.
    crm = page.get_by_test_id("crm")
    expect(crm).to_be_visible()
    page.get_by_test_id("link-query").fill("james.wilson@example.net")
    page.get_by_test_id("link").click()
    expect(page.get_by_test_id("crm-customer")).to_contain_text("James Wilson")
    expect(page.get_by_test_id("crm-order")).to_contain_text("TB-240433")

    # The reply goes out through the platform and shows in the transcript.
    page.get_by_test_id("reply-text").fill("Hello, this is Aiko from Tsuyu. I'm calling you now.")
    page.get_by_test_id("send-reply").click()
    expect(page.get_by_test_id("human-message")).to_contain_text("this is Aiko")
    assert "this is Aiko" in customer.wait_replies(2)[1]
    expect(page.get_by_test_id("human-message")).to_contain_text("sent", timeout=15_000)
    page.get_by_test_id("note-text").fill("Called the customer; the child is fine.")
    page.get_by_test_id("add-note").click()
    expect(page.get_by_test_id("note")).to_contain_text("the child is fine")
    page.screenshot(path=str(stack.run_dir / "console-conversation.png"), full_page=True)

    page.get_by_test_id("resolve").click()
    expect(page.get_by_test_id("escalation-status")).to_have_text("resolved")
    assert CSAT_QUESTION in customer.wait_replies(3)[2]
    customer.says("5")
    assert "Thank you for your rating" in customer.wait_replies(4)[3]
    page.reload()
    expect(page.get_by_test_id("escalation")).to_contain_text("5/5")

    # The console speaks Japanese to this agent; one click switches it to English, and back.
    expect(page.get_by_test_id("resolve")).to_have_count(0)
    expect(page.get_by_test_id("back")).to_have_text("キューに戻る")
    page.get_by_test_id("lang-toggle").click()
    expect(page.get_by_test_id("back")).to_have_text("Back to the queue")
    page.get_by_test_id("lang-toggle").click()
    expect(page.get_by_test_id("back")).to_have_text("キューに戻る")
    page.get_by_test_id("logout").click()
    expect(page).to_have_url(re.compile(r"/console/login$"))
    page.goto(f"{stack.app_url}/console")
    expect(page).to_have_url(re.compile(r"/console/login$"))
    page.close()
