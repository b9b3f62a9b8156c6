"""The FAQ studio in headless Chromium, on the real stack: an editor rewrites the Japanese
answer to shipping_cost, the voice check flags a casual sentence, the editor fixes it and
submits; an approver reads the diff and approves; the next customer message, through the
fake platform, Rasa and the NLG endpoint, gets the new answer. Restoring the old version
brings the old answer back, and "try it" shows the answer per channel."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, Page, expect

from scripts.stack import Stack
from tests.e2e.conftest import BrandReplies, Customer
from tests.e2e.test_simulator_page import browser  # noqa: F401  (the shared Chromium fixture)

EDITOR = "sora@tsuyu.example"
APPROVER = "grace@tsuyu.example"
PASSWORD = "tsuyu-demo"
CASUAL = "5,000円以上なら送料無料だよ！5,000円未満は送料550円です。"
POLITE = "5,000円以上のご注文で送料無料です。5,000円未満の場合は送料550円を頂戴しております。"
QUESTION = "送料はいくらかかりますか？"


def _login(chromium: Browser, stack: Stack, email: str) -> Page:
    page = chromium.new_context().new_page()
    page.goto(f"{stack.app_url}/console/login")
    page.get_by_test_id("email").fill(email)
    page.get_by_test_id("password").fill(PASSWORD)
    page.get_by_test_id("login").click()
    page.wait_for_url(re.compile(r"/console/studio"))
    return page


def _answer_of(customer: Customer, text: str) -> str:
    before = len(customer.replies())
    customer.says(text)
    return customer.wait_replies(before + 1)[before]


def test_an_edit_is_checked_approved_published_live_and_rolled_back(
    browser: Browser,  # noqa: F811
    stack: Stack,
    responses: BrandReplies,
) -> None:
    old = responses.render("utter_faq/shipping_cost", "ja") or ""
    editor = _login(browser, stack, EDITOR)
    expect(editor.get_by_test_id("faq-row")).to_have_count(14)
    editor.get_by_role("link", name="shipping_cost").click()
    expect(editor.get_by_test_id("faq-key")).to_contain_text("shipping_cost")

    answer = editor.get_by_test_id("answer_ja")
    expect(answer).to_have_value(old)
    answer.fill(CASUAL)
    editor.get_by_test_id("save").click()
    finding = editor.get_by_test_id("finding").filter(has_text="だよ")
    expect(finding).to_have_count(1)
    expect(finding).to_have_attribute("data-code", "casual_register")
    editor.screenshot(path=str(stack.run_dir / "studio-findings.png"), full_page=True)
    editor.get_by_test_id("submit").click()
    expect(editor.get_by_test_id("flash")).to_contain_text("直して")  # refused: fix first
    expect(editor.get_by_test_id("faq-status")).to_contain_text("公開中")

    answer.fill(POLITE)
    editor.get_by_test_id("save").click()
    expect(editor.get_by_test_id("no-findings")).to_be_visible()
    editor.get_by_test_id("submit").click()
    expect(editor.get_by_test_id("in-review")).to_be_visible()
    expect(editor.get_by_test_id("approve")).to_have_count(0)  # editors do not publish

    # Until it is approved, customers get the published answer.
    before = Customer(stack, "7166600000000001")
    assert _answer_of(before, QUESTION) == responses.voiced(old, "ja")

    approver = _login(browser, stack, APPROVER)
    approver.goto(f"{stack.app_url}/console/studio/faq/shipping_cost?lang=en")
    diff = approver.get_by_test_id("diff")
    expect(diff.locator(".add")).to_contain_text(["+" + POLITE])
    expect(diff.locator(".del")).to_contain_text(["-" + old])
    # "Approve, publish and retrain" publishes; only the answer changed, so no training.
    approver.get_by_test_id("approve-retrain").click()
    approver.wait_for_url(re.compile(r"/console/studio\?lang=en$"))
    expect(approver.get_by_test_id("flash")).to_contain_text("Published")
    expect(approver.get_by_test_id("stale")).to_have_class("fresh")
    expect(approver.get_by_test_id("job")).to_have_text("")
    approver.goto(f"{stack.app_url}/console/studio/faq/shipping_cost?lang=en")
    expect(approver.get_by_test_id("faq-status")).to_have_text("published")

    # The very next message gets it: no retraining, no restart.
    after = Customer(stack, "7166600000000002")
    assert _answer_of(after, QUESTION) == responses.voiced(POLITE, "ja")
    assert _answer_of(before, QUESTION) == POLITE  # a later reply: no greeting again

    # Roll back: version 1 is restored as version 3.
    approver.get_by_test_id("rollback-1").click()
    expect(approver.get_by_test_id("flash")).to_contain_text("Restored")
    rows = approver.get_by_test_id("version-row")
    expect(rows.first).to_have_attribute("data-number", "3")
    expect(rows.first).to_have_attribute("data-status", "published")
    again = Customer(stack, "7166600000000003")
    assert _answer_of(again, QUESTION) == responses.voiced(old, "ja")

    approver.get_by_test_id("audit").locator("..").locator("summary").click()
    actions = approver.get_by_test_id("audit-row")
    expect(actions.first).to_have_attribute("data-action", "rollback")
    expect(approver.get_by_test_id("audit-row").filter(has_text="Grace Ito")).to_have_count(2)

    # Try it: the live model reads the question; the answer per channel, voice applied.
    approver.goto(f"{stack.app_url}/console/studio?lang=en")
    approver.get_by_test_id("try-text").fill("how much is delivery?")
    approver.get_by_test_id("try-ask").click()
    expect(approver.get_by_test_id("try-intent")).to_have_attribute("data-key", "shipping_cost")
    english = responses.render("utter_faq/shipping_cost", "en") or ""
    expect(approver.get_by_test_id("try-x").locator(".bubble").first).to_have_text(
        responses.voiced(english, "en", "x")
    )
    expect(approver.get_by_test_id("try-instagram").locator(".bubble").nth(1)).to_have_text(english)
    # An upset customer's question: the answer opens with the brand's acknowledgment.
    annoyed = "promo code STILL not working at checkout 😩 so annoying"
    approver.get_by_test_id("try-text").fill(annoyed)
    approver.get_by_test_id("try-ask").click()
    expect(approver.get_by_test_id("try-intent")).to_have_attribute("data-key", "promo_codes")
    promo = responses.render("utter_faq/promo_codes", "en") or ""
    expect(approver.get_by_test_id("try-instagram").locator(".bubble").nth(1)).to_have_text(
        f"Sorry for the trouble. {promo}"
    )

    # The brand voice, edited in its form: the persona's new name is in the next first reply.
    approver.get_by_test_id("voice").locator("summary").click()
    persona = approver.get_by_test_id("voice-persona_en")
    expect(persona).to_have_value("Shizuku")
    expect(approver.get_by_test_id("voice-acknowledgment_ja")).to_have_value(
        "ご不便をおかけして申し訳ございません。"
    )
    # The voice's own texts pass its own check: a banned word in the acknowledgment is refused
    # and shown under the form.
    acknowledgment = approver.get_by_test_id("voice-acknowledgment_en")
    acknowledgment.fill("Sorry, we guarantee a fix.")
    with approver.expect_response(lambda r: r.url.endswith("/api/voice")) as refused:
        approver.get_by_test_id("save-voice").click()
    assert refused.value.status == 422
    expect(approver.get_by_test_id("flash")).to_contain_text("The voice's own texts break")
    finding = approver.get_by_test_id("voice-findings").get_by_test_id("finding")
    expect(finding).to_have_count(1)
    expect(finding).to_have_attribute("data-code", "banned_word")
    expect(finding).to_contain_text("In the acknowledgment (English)")
    acknowledgment.fill("Sorry for the trouble.")
    persona.fill("Hana")
    with approver.expect_response(lambda r: r.url.endswith("/api/voice")) as saved:
        approver.get_by_test_id("save-voice").click()
    assert saved.value.status == 200
    expect(approver.get_by_test_id("flash")).to_have_text("Saved.")
    expect(approver.get_by_test_id("voice-findings").get_by_test_id("finding")).to_have_count(0)
    approver.get_by_test_id("try-ask").click()
    expect(approver.get_by_test_id("try-x").locator(".bubble").first).to_contain_text(
        "Hi, this is Hana from Tsuyu Botanicals."
    )
    approver.screenshot(path=str(stack.run_dir / "studio.png"), full_page=True)
    persona.fill("Shizuku")  # as the other tests expect it
    with approver.expect_response(lambda r: r.url.endswith("/api/voice")) as saved:
        approver.get_by_test_id("save-voice").click()
    assert saved.value.status == 200
    approver.get_by_test_id("try-ask").click()
    expect(approver.get_by_test_id("try-x").locator(".bubble").first).to_contain_text(
        "Hi, this is Shizuku from Tsuyu Botanicals."
    )
    editor.close()
    approver.close()
