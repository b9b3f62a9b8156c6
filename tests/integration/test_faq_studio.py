"""The FAQ studio over HTTP on the real database and Redis: the store imported from the Rasa
files, the workflow (draft → check → submit → approve → publish → rollback), who may do
what, the audit log, and the NLG endpoint serving what was published on the next reply."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis

from agent import redis_keys
from agent.app import create_app
from agent.handoff.models import Role
from agent.runtime import build_runtime
from agent.settings import REPO_ROOT, Settings
from tests.integration.handoff_helpers import PASSWORD, make_staff
from tests.integration.helpers import app_client

JA_COST = (
    "国内配送は、ご注文金額5,000円以上で送料無料、5,000円未満の場合は送料550円です。"
    "代金引換をご利用の場合は、別途手数料330円がかかります。"
)
CASUAL = "5,000円以上なら送料無料だよ！それ以外は550円かかるよ。"
POLITE = "5,000円以上のご注文で送料無料です。5,000円未満の場合は送料550円を頂戴しております。"


@pytest.fixture
async def client(settings: Settings, redis: Redis) -> AsyncIterator[httpx.AsyncClient]:
    runtime = build_runtime(settings)
    service = runtime.handoff()
    await make_staff(service, "editor@example.com", teams=[], role=Role.EDITOR)
    await make_staff(service, "editor2@example.com", teams=[], role=Role.EDITOR)
    await make_staff(service, "approver@example.com", teams=[], role=Role.APPROVER)
    await make_staff(service, "approver2@example.com", teams=[], role=Role.APPROVER)
    await make_staff(service, "agent@example.com", teams=["billing"])
    await make_staff(service, "analyst@example.com", teams=[], role=Role.ANALYST)
    await runtime.close()
    async with app_client(create_app(settings)) as client:
        yield client


async def login(client: httpx.AsyncClient, email: str) -> str:
    """Log in; the CSRF token for the session."""
    client.cookies.clear()
    page = await client.get("/console/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token
    response = await client.post(
        "/console/login",
        data={"email": email, "password": PASSWORD, "csrf_token": token.group(1)},
    )
    assert response.status_code == 303, response.text
    csrf: str = (await client.get("/console/api/me")).json()["csrf"]
    return csrf


def edit_of(version: dict[str, Any], **answers: str) -> dict[str, Any]:
    content = version["content"]
    return {
        "questions": {
            lang: [q["text"] for q in content["questions"] if q["language"] == lang]
            for lang in ("en", "ja")
        },
        "answers": {**content["answers"], **answers},
        "variants": content["variants"],
        "quick_replies": content["quick_replies"],
    }


async def live(client: httpx.AsyncClient, key: str) -> dict[str, Any]:
    versions = (await client.get(f"/console/studio/api/faq/{key}")).json()["versions"]
    return next(v for v in versions if v["status"] == "published")


def nlg_body(response: str, *, language: str, channel: str = "messenger") -> dict[str, Any]:
    tracker = {
        "sender_id": "messenger:1:2",
        "slots": {"language": language},
        "latest_message": {
            "text": "?",
            "intent": {"name": "faq", "confidence": 0.99},
            "response_selector": {
                "faq": {"response": {"confidence": 0.97, "intent_response_key": response}}
            },
            "metadata": {"channel": channel, "language": language},
        },
        "events": [
            {"event": "session_started"},
            {"event": "user", "text": "?"},
            {"event": "bot", "text": "an earlier reply"},
            {"event": "user", "text": "?"},
        ],
    }
    return {"response": f"utter_{response}", "tracker": tracker, "arguments": {}}


async def served(client: httpx.AsyncClient, key: str, language: str) -> str:
    response = await client.post("/nlg", json=nlg_body(f"faq/{key}", language=language))
    assert response.status_code == 200
    text: str = response.json()["text"]
    return text


async def test_the_store_starts_from_the_rasa_files_and_exports_them_unchanged(
    client: httpx.AsyncClient,
) -> None:
    await login(client, "editor@example.com")
    page = await client.get("/console/studio")
    assert page.status_code == 200
    keys = re.findall(r'data-testid="faq-row" data-key="([a-z_]+)"', page.text)
    assert len(keys) == 14 and "shipping_cost" in keys and "gift_wrapping" in keys
    assert (await live(client, "shipping_cost"))["content"]["answers"]["ja"] == JA_COST
    archive = await client.get("/console/studio/export.zip")
    assert archive.status_code == 200
    with zipfile.ZipFile(io.BytesIO(archive.content)) as files:
        names = sorted(files.namelist())
        assert "domain.yml" in names and "nlu_data/faq_shipping.yml" in names
        for name in names:
            assert files.read(name).decode() == (REPO_ROOT / name).read_text(), name
    # Nothing changed: the model that runs knows every published question.
    assert (await client.get("/console/studio/api/jobs/latest")).json()["stale"] is False


async def test_edit_check_submit_approve_publish_and_roll_back(
    client: httpx.AsyncClient,
) -> None:
    editor = await login(client, "editor@example.com")
    original = await live(client, "shipping_cost")
    assert JA_COST in await served(client, "shipping_cost", "ja")

    saved = await client.put(
        "/console/studio/api/faq/shipping_cost/draft",
        json=edit_of(original, ja=CASUAL),
        headers={"x-csrf-token": editor},
    )
    assert saved.status_code == 200
    codes = {f["code"] for f in saved.json()["findings"]}
    assert "casual_register" in codes
    refused = await client.post(
        "/console/studio/api/faq/shipping_cost/submit", headers={"x-csrf-token": editor}
    )
    assert refused.status_code == 422
    assert any(f["code"] == "casual_register" for f in refused.json()["findings"])
    # Until it is published, customers keep the old answer.
    assert JA_COST in await served(client, "shipping_cost", "ja")

    fixed = await client.put(
        "/console/studio/api/faq/shipping_cost/draft",
        json=edit_of(original, ja=POLITE),
        headers={"x-csrf-token": editor},
    )
    assert fixed.json()["findings"] == []
    submitted = await client.post(
        "/console/studio/api/faq/shipping_cost/submit", headers={"x-csrf-token": editor}
    )
    assert submitted.status_code == 200 and submitted.json()["version"]["status"] == "in_review"
    assert "+" + POLITE in submitted.json()["version"]["diff"]
    # An editor cannot publish, and nobody edits a version under review.
    no = await client.post(
        "/console/studio/api/faq/shipping_cost/approve", json={}, headers={"x-csrf-token": editor}
    )
    assert no.status_code == 403
    busy = await client.put(
        "/console/studio/api/faq/shipping_cost/draft",
        json=edit_of(original, ja=POLITE + "！"),
        headers={"x-csrf-token": editor},
    )
    assert busy.status_code == 409

    approver = await login(client, "approver@example.com")
    approved = await client.post(
        "/console/studio/api/faq/shipping_cost/approve",
        json={"note": "ok"},
        headers={"x-csrf-token": approver},
    )
    assert approved.status_code == 200, approved.text
    assert approved.json()["version"]["status"] == "published"
    assert approved.json()["stale"] is False  # the answer changed, not the questions
    # The very next reply: no retraining, no restart.
    text = await served(client, "shipping_cost", "ja")
    assert POLITE in text and JA_COST not in text
    assert "Shipping within Japan is free" in await served(client, "shipping_cost", "en")

    history = (await client.get("/console/studio/api/faq/shipping_cost")).json()["versions"]
    assert [v["status"] for v in history] == ["published", "superseded"]
    rolled = await client.post(
        "/console/studio/api/faq/shipping_cost/rollback",
        json={"version": 1},
        headers={"x-csrf-token": approver},
    )
    assert rolled.status_code == 200 and rolled.json()["version"]["number"] == 3
    assert JA_COST in await served(client, "shipping_cost", "ja")
    again = await client.post(
        "/console/studio/api/faq/shipping_cost/rollback",
        json={"version": 3},
        headers={"x-csrf-token": approver},
    )
    assert again.status_code == 409  # that one is live already

    audit = (await client.get("/console/studio/api/audit?key=shipping_cost")).json()["audit"]
    actions = [a["action"] for a in reversed(audit)]
    assert actions == ["import", "edit", "edit", "submit", "publish", "rollback"]
    publish = next(a for a in audit if a["action"] == "publish")
    assert publish["actor"] == "approver"
    assert publish["before"]["answers"]["ja"] == JA_COST
    assert publish["after"]["answers"]["ja"] == POLITE


async def test_nobody_approves_their_own_change(client: httpx.AsyncClient) -> None:
    approver = await login(client, "approver@example.com")
    original = await live(client, "gift_wrapping")
    changed = original["content"]["answers"]["en"].replace("¥300", "¥350")
    await client.put(
        "/console/studio/api/faq/gift_wrapping/draft",
        json=edit_of(original, en=changed),
        headers={"x-csrf-token": approver},
    )
    submitted = await client.post(
        "/console/studio/api/faq/gift_wrapping/submit", headers={"x-csrf-token": approver}
    )
    assert submitted.status_code == 200, submitted.text
    own = await client.post(
        "/console/studio/api/faq/gift_wrapping/approve",
        json={},
        headers={"x-csrf-token": approver},
    )
    assert own.status_code == 403 and "own" in own.json()["error"]
    other = await login(client, "approver2@example.com")
    sent_back = await client.post(
        "/console/studio/api/faq/gift_wrapping/reject",
        json={"note": "the price is still ¥300"},
        headers={"x-csrf-token": other},
    )
    assert sent_back.status_code == 200
    assert sent_back.json()["version"]["status"] == "draft"
    assert "¥300" in await served(client, "gift_wrapping", "en")
    page = await client.get("/console/studio/faq/gift_wrapping")
    assert "the price is still ¥300" in page.text


async def test_new_questions_make_the_model_stale_and_a_new_key_is_served(
    client: httpx.AsyncClient,
) -> None:
    editor = await login(client, "editor@example.com")
    body = {
        "key": "kyoto_parking",
        "questions": {
            "en": ["is there parking at the kyoto store", "where do i park for the kyoto shop"],
            "ja": ["京都店に駐車場はありますか", "京都の店舗に車で行けますか"],
        },
        "answers": {
            "en": "Our Kyoto store has no car park; the nearest is Times Sanjo, 2 minutes away.",
            "ja": "京都店には駐車場がございません。徒歩2分のタイムズ三条をご利用ください。",
        },
        "variants": {},
        "quick_replies": {"en": ["Store hours"], "ja": ["営業時間"]},
    }
    created = await client.post(
        "/console/studio/api/faq", json=body, headers={"x-csrf-token": editor}
    )
    assert created.status_code == 201, created.text
    assert created.json()["findings"] == []
    duplicate = await client.post(
        "/console/studio/api/faq", json=body, headers={"x-csrf-token": editor}
    )
    assert duplicate.status_code == 409
    await client.post(
        "/console/studio/api/faq/kyoto_parking/submit", headers={"x-csrf-token": editor}
    )
    approver = await login(client, "approver@example.com")
    approved = await client.post(
        "/console/studio/api/faq/kyoto_parking/approve", json={}, headers={"x-csrf-token": approver}
    )
    assert approved.status_code == 200 and approved.json()["stale"] is True
    reply = await client.post("/nlg", json=nlg_body("faq/kyoto_parking", language="ja"))
    assert "タイムズ三条" in reply.json()["text"]
    assert reply.json()["buttons"] == [{"title": "営業時間", "payload": "営業時間"}]
    # The export now carries the new key, in its own file and in the domain.
    archive = zipfile.ZipFile(io.BytesIO((await client.get("/console/studio/export.zip")).content))
    assert "京都店に駐車場はありますか" in archive.read("nlu_data/faq_more.yml").decode()
    assert "utter_faq/kyoto_parking:" in archive.read("domain.yml").decode()


async def test_a_question_of_another_faq_is_refused(client: httpx.AsyncClient) -> None:
    editor = await login(client, "editor@example.com")
    body = {
        "key": "delivery_days",
        "questions": {
            "en": ["how long does delivery take?", "delivery days?"],
            "ja": ["届くまで何日かかりますか？", "配送日数は？"],
        },
        "answers": {"en": "Two to four days.", "ja": "2〜4日でお届けします。"},
    }
    created = await client.post(
        "/console/studio/api/faq", json=body, headers={"x-csrf-token": editor}
    )
    messages = [f["message"] for f in created.json()["findings"]]
    assert any("shipping_time" in m for m in messages)
    submitted = await client.post(
        "/console/studio/api/faq/delivery_days/submit", headers={"x-csrf-token": editor}
    )
    assert submitted.status_code == 422


async def test_roles_on_every_studio_route(client: httpx.AsyncClient) -> None:
    assert (await client.get("/console/studio/api/jobs/latest")).status_code == 401
    logged_out = await client.get("/console/studio")
    assert logged_out.status_code == 303
    routes = [
        ("GET", "/console/studio", None),
        ("GET", "/console/studio/new", None),
        ("GET", "/console/studio/faq/shipping_cost", None),
        ("GET", "/console/studio/export.zip", None),
        ("GET", "/console/studio/api/faq/shipping_cost", None),
        ("GET", "/console/studio/api/audit", None),
        ("GET", "/console/studio/api/voice", None),
        ("GET", "/console/studio/api/jobs/latest", None),
        ("PUT", "/console/studio/api/faq/shipping_cost/draft", {"answers": {}}),
        ("POST", "/console/studio/api/faq", {"key": "abc"}),
        ("POST", "/console/studio/api/faq/shipping_cost/submit", None),
        ("POST", "/console/studio/api/faq/shipping_cost/withdraw", None),
        ("POST", "/console/studio/api/faq/shipping_cost/approve", {}),
        ("POST", "/console/studio/api/faq/shipping_cost/reject", {}),
        ("POST", "/console/studio/api/faq/shipping_cost/rollback", {"version": 1}),
        ("POST", "/console/studio/api/try", {"text": "hello"}),
        ("PUT", "/console/studio/api/voice", {"profile": {}}),
        ("POST", "/console/studio/api/retrain", None),
    ]
    for email in ("agent@example.com", "analyst@example.com"):
        csrf = await login(client, email)
        for method, path, body in routes:
            response = await client.request(method, path, json=body, headers={"x-csrf-token": csrf})
            assert response.status_code == 403, (email, method, path, response.status_code)
    editor = await login(client, "editor@example.com")
    for method, path, body in routes:
        if not path.endswith(("/approve", "/reject", "/rollback", "/retrain", "/voice")):
            continue
        if method == "GET":
            continue
        response = await client.request(method, path, json=body, headers={"x-csrf-token": editor})
        assert response.status_code == 403, (method, path)
    # The editor's CSRF token is required for changes.
    response = await client.put("/console/studio/api/faq/shipping_cost/draft", json={"answers": {}})
    assert response.status_code == 403


async def test_one_training_job_at_a_time(client: httpx.AsyncClient, redis: Redis) -> None:
    approver = await login(client, "approver@example.com")
    await redis.set(redis_keys.FAQ_TRAINING_LOCK, "another-job", ex=60)
    refused = await client.post("/console/studio/api/retrain", headers={"x-csrf-token": approver})
    assert refused.status_code == 409 and "already being trained" in refused.json()["error"]


async def test_the_voice_is_applied_to_replies_and_editable_by_approvers(
    client: httpx.AsyncClient,
) -> None:
    body = nlg_body("faq/shipping_time", language="en", channel="x")
    body["tracker"]["events"] = [{"event": "session_started"}, {"event": "user", "text": "?"}]
    first = (await client.post("/nlg", json=body)).json()["text"]
    assert first.startswith("Hi, this is Shizuku from Tsuyu Botanicals.")
    later = await served(client, "shipping_time", "en")
    assert not later.startswith("Hi, this is")
    approver = await login(client, "approver@example.com")
    profile = (await client.get("/console/studio/api/voice")).json()["profile"]
    profile["persona"]["en"] = "Hana"
    saved = await client.put(
        "/console/studio/api/voice", json={"profile": profile}, headers={"x-csrf-token": approver}
    )
    assert saved.status_code == 200
    assert (await client.post("/nlg", json=body)).json()["text"].startswith("Hi, this is Hana")
    bad = await client.put(
        "/console/studio/api/voice",
        json={"profile": {**profile, "emoji": {"x": "sometimes"}}},
        headers={"x-csrf-token": approver},
    )
    assert bad.status_code == 400


async def test_a_voice_whose_own_texts_break_its_rules_is_not_saved(
    client: httpx.AsyncClient,
) -> None:
    approver = await login(client, "approver@example.com")
    profile = (await client.get("/console/studio/api/voice")).json()["profile"]
    broken = {
        **profile,
        "greeting": {**profile["greeting"], "en": "Hi! Cheap prices, guaranteed."},
        "acknowledgment": {**profile["acknowledgment"], "ja": "ごめんね。"},
    }
    refused = await client.put(
        "/console/studio/api/voice", json={"profile": broken}, headers={"x-csrf-token": approver}
    )
    assert refused.status_code == 422
    findings = refused.json()["findings"]
    assert {(f["code"], f["language"], f["excerpt"]) for f in findings} >= {
        ("banned_word", "en", "cheap"),
        ("banned_word", "en", "guaranteed"),
        ("apology_not_humble", "ja", "ごめんね"),
    }
    assert any(f["message"].startswith("In the greeting (English):") for f in findings)
    assert any(f["message_ja"].startswith("日本語のお詫びの言葉：") for f in findings)
    # Nothing was saved: the stored voice is the one before.
    assert (await client.get("/console/studio/api/voice")).json()["profile"] == profile
