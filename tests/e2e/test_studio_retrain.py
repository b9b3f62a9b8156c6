"""Retraining from the studio, on the real stack and the real Rasa: a new FAQ with questions in
both languages is written, approved and trained with live progress; the new model is checked
on the held-out set and loaded into the running Rasa, which then answers the new question
and the old ones. A broken training set is refused and the live model stays."""

from __future__ import annotations

import asyncio
import re
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from agent.db import create_engine, sessionmaker
from agent.faq.models import FaqEntry, FaqVersion, VersionStatus
from agent.handoff import models as _staff_table  # noqa: F401  (versions refer to staff)
from scripts.stack import Stack
from tests.e2e.conftest import BrandReplies, Customer
from tests.e2e.test_simulator_page import browser  # noqa: F401  (the shared Chromium fixture)
from tests.e2e.test_studio_page import APPROVER, EDITOR, _answer_of, _login

KEY = "kyoto_parking"
ANSWER_EN = (
    "Our Kyoto flagship store has no car park of its own. The nearest is Times Sanjo-Kawaramachi,"
    " a 2-minute walk away, and the store is 5 minutes from Kyoto-Kawaramachi Station."
)
ANSWER_JA = (
    "京都旗艦店には専用駐車場がございません。徒歩2分のタイムズ三条河原町をご利用ください。"
    "京都河原町駅からは徒歩5分です。"
)
QUESTIONS_EN = [
    "is there parking at the kyoto store?",
    "where can i park near your kyoto shop",
    "does the kyoto flagship have a car park",
    "can i drive to the kyoto store, is there parking?",
    "parking near tsuyu kyoto?",
    "any car park at your shop in kyoto",
    "where do I leave my car when visiting the Kyoto store",
    "is there somewhere to park for the kyoto boutique",
]
QUESTIONS_JA = [
    "京都店に駐車場はありますか？",
    "京都の店舗に車で行きたいのですが駐車場はありますか",
    "京都旗艦店の近くに駐車場ある？",
    "京都のお店に駐車場ってありますか",
    "京都店へ車で行く場合どこに停めればいいですか",
    "京都のショップの駐車場を教えてください",
    "京都店の近くのコインパーキングはどこですか",
    "車で京都の店舗に伺っても大丈夫ですか？駐車場は？",
]


def _job(stack: Stack, page: Page) -> dict[str, object]:
    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    data: dict[str, object] = httpx.get(
        f"{stack.app_url}/console/studio/api/jobs/latest", cookies=cookies, timeout=10
    ).json()
    return data


def _wait_job(stack: Stack, page: Page, timeout: float, after: int = 0) -> dict[str, object]:
    """The finished job newer than job `after`, and every (stage, percent) the page showed
    while it ran."""
    seen: list[tuple[str, int]] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        stage = page.get_by_test_id("job-stage").text_content() or ""
        percent = int((page.get_by_test_id("job-percent").text_content() or "0%").rstrip("%"))
        if not seen or seen[-1] != (stage, percent):
            seen.append((stage, percent))
        job = _job(stack, page)
        current = job["job"]
        if isinstance(current, dict) and current["id"] > after and current["status"] != "running":
            page.wait_for_timeout(1500)  # the page's next poll shows the end
            job["seen"] = seen
            return job
        time.sleep(0.5)
    raise AssertionError(f"training did not finish; the page showed {seen}\n")


def _model_file(stack: Stack) -> str:
    status = httpx.get(
        f"{stack.rasa_url}/status", params={"token": stack.secrets.rasa_token}, timeout=10
    ).json()
    return str(status["model_file"])


async def _break_training_set(database_url: str) -> None:
    """A key whose questions are another key's, as a bad import would leave it: the studio's
    own checks refuse this, so it is written straight to the store."""
    engine = create_engine(database_url)
    try:
        async with sessionmaker(engine)() as session:
            shipping = (
                await session.execute(
                    select(FaqVersion).where(
                        FaqVersion.key == "shipping_time",
                        FaqVersion.status == VersionStatus.PUBLISHED,
                    )
                )
            ).scalar_one()
            session.add(
                FaqEntry(
                    key="broken",
                    source_file="faq_more.yml",
                    file_position=9,
                    position=99,
                    live_version=1,
                )
            )
            await session.flush()
            session.add(
                FaqVersion(
                    key="broken",
                    number=1,
                    status=VersionStatus.PUBLISHED,
                    questions=shipping.questions,
                    answers={"en": "broken", "ja": "壊れた回答です。"},
                    variants={},
                    quick_replies={},
                )
            )
            await session.commit()
    finally:
        await engine.dispose()


def test_a_new_faq_is_retrained_checked_deployed_and_a_broken_set_is_refused(
    browser: Browser,  # noqa: F811
    stack: Stack,
    responses: BrandReplies,
) -> None:
    editor = _login(browser, stack, EDITOR)
    editor.goto(f"{stack.app_url}/console/studio/new?lang=en")
    editor.get_by_test_id("key").fill(KEY)
    editor.get_by_test_id("answer_en").fill(ANSWER_EN)
    editor.get_by_test_id("answer_ja").fill(ANSWER_JA)
    editor.get_by_test_id("questions_en").fill("\n".join(QUESTIONS_EN))
    editor.get_by_test_id("questions_ja").fill("\n".join(QUESTIONS_JA))
    editor.get_by_test_id("create").click()
    editor.wait_for_url(re.compile(rf"/console/studio/faq/{KEY}"))
    editor.get_by_test_id("submit").click()
    expect(editor.get_by_test_id("in-review")).to_be_visible()

    approver = _login(browser, stack, APPROVER)
    approver.goto(f"{stack.app_url}/console/studio/faq/{KEY}?lang=en")
    approver.get_by_test_id("approve").click()
    expect(approver.get_by_test_id("flash")).to_contain_text("retrain")
    approver.goto(f"{stack.app_url}/console/studio?lang=en")
    expect(approver.get_by_test_id("stale")).to_have_class("stale")
    live_before = _model_file(stack)

    approver.get_by_test_id("retrain").click()
    job = _wait_job(stack, approver, timeout=20 * 60)
    assert job["job"]["status"] == "deployed", job  # type: ignore[index]
    seen = job["seen"]
    stages = [stage for stage, _ in seen]  # type: ignore[union-attr]
    assert "train" in stages, seen
    percents = [p for _, p in seen]  # type: ignore[union-attr]
    assert percents == sorted(percents) and len(set(percents)) >= 3, seen
    accuracy = job["job"]["accuracy"]  # type: ignore[index]
    baseline = job["job"]["baseline_accuracy"]  # type: ignore[index]
    assert accuracy >= baseline - 0.05, job
    expect(approver.get_by_test_id("stale")).to_have_class("fresh")
    assert _model_file(stack) != live_before

    # The running Rasa answers the new question, worded as no training question was...
    first = Customer(stack, "7155500000000001")
    assert _answer_of(first, "is there a car park by the kyoto shop?") == responses.voiced(
        ANSWER_EN, "en"
    )
    second = Customer(stack, "7155500000000002")
    assert _answer_of(second, "京都のお店の近くに車を停められる場所はありますか？") == (
        responses.voiced(ANSWER_JA, "ja")
    )
    # ...and the old ones still.
    assert _answer_of(first, "how long does delivery take?") == responses.render(
        "utter_faq/shipping_time", "en"
    )

    # A broken training set: refused at validation, the live model untouched.
    deployed = _model_file(stack)
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, _break_training_set(stack.database_url)).result()
    approver.reload()
    approver.get_by_test_id("retrain").click()
    job = _wait_job(stack, approver, timeout=10 * 60, after=job["job"]["id"])  # type: ignore[index]
    assert job["job"]["status"] == "failed", job  # type: ignore[index]
    expect(approver.get_by_test_id("job-message")).to_contain_text("broken")
    assert _model_file(stack) == deployed
    assert _answer_of(second, "京都店に駐車場はありますか？") == ANSWER_JA

    # The model before the new FAQ was kept: restoring it serves it again, and the studio
    # says the published questions are not all learnt any more.
    approver.get_by_test_id("model-rollback").click()
    # Answered once Rasa has loaded it (about 6 s).
    expect(approver.get_by_test_id("flash")).to_contain_text("previous model", timeout=60_000)
    assert _model_file(stack) == live_before
    expect(approver.get_by_test_id("stale")).to_have_class("stale")
    editor.close()
    approver.close()
