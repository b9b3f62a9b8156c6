"""A Messenger DM answered end to end by the trained Rasa model, in the customer's language."""

from __future__ import annotations

import json
import re
import time

import httpx
import pytest
from redis import Redis

from connectors.fakes.meta_payloads import encode_like_meta, page_webhook, text_message_event
from connectors.meta.verify import sign_sha256
from scripts.stack import Stack
from tests.e2e.conftest import BrandReplies, Customer

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize(
    ("text", "response", "language"),
    [
        ("送料っていくらかかりますか？", "utter_faq/shipping_cost", "ja"),
        ("how much do u charge for delivery", "utter_faq/shipping_cost", "en"),
        ("海外にも発送してもらえますか", "utter_faq/international_shipping", "ja"),
        ("can i pay with paypay?", "utter_faq/payment_methods", "en"),
        ("ギフト包装はできますか？", "utter_faq/gift_wrapping", "ja"),
        ("I forgot my password and can't log in", "utter_faq/account_password", "en"),
    ],
)
def test_a_faq_gets_the_right_answer_in_the_customers_language(
    customer: Customer, responses: BrandReplies, text: str, response: str, language: str
) -> None:
    customer.says(text)
    assert customer.wait_replies(1) == [responses.first(response, language)]


@pytest.mark.parametrize(
    ("text", "response", "language"),
    [
        ("promo code STILL not working at checkout 😩 so annoying", "utter_faq/promo_codes", "en"),
        (
            "クーポンコード入れても全然使えないんだけど、ほんとイライラする",
            "utter_faq/promo_codes",
            "ja",
        ),
    ],
)
def test_an_upset_customer_hears_the_acknowledgment_before_the_faq_answer(
    customer: Customer, responses: BrandReplies, text: str, response: str, language: str
) -> None:
    customer.says(text)
    assert customer.wait_replies(1) == [responses.first(response, language, upset=True)]


@pytest.mark.parametrize(
    "text", ["asdfgh qwerty zxcv", "lorem ipsum dolor sit amet", "zzzzzz xxxxxx", "hjkl hjkl"]
)
def test_gibberish_gets_an_honest_not_sure_reply_not_a_guess(
    customer: Customer, responses: BrandReplies, text: str
) -> None:
    customer.says(text)
    assert customer.wait_replies(1) == [responses.first("utter_default", "en")]


def test_a_signed_webhook_posted_directly_is_answered(
    stack: Stack, responses: BrandReplies
) -> None:
    psid = "7199999999999001"
    now = int(time.time() * 1000)
    payload = page_webhook(
        stack.secrets.page_id,
        [
            text_message_event(
                page_id=stack.secrets.page_id,
                psid=psid,
                mid="m_direct_1",
                text="こんにちは！",
                timestamp_ms=now,
            )
        ],
        now,
    )
    httpx.post(f"{stack.fake_url}/_fake/register", json=payload).raise_for_status()
    body = encode_like_meta(payload)
    response = httpx.post(
        f"{stack.app_url}/webhooks/messenger",
        content=body,
        headers={
            "X-Hub-Signature-256": sign_sha256(stack.secrets.app_secret, body),
            "Content-Type": "application/json",
        },
    )
    assert response.status_code == 200
    replies = Customer(stack, psid).wait_replies(1)
    assert replies == [responses.first("utter_greet", "ja")]


def test_an_instagram_dm_is_answered_on_instagram(
    stack: Stack, customer: Customer, responses: BrandReplies
) -> None:
    customer.says("定期便ってスキップできますか？", channel="instagram")
    assert customer.wait_replies(1) == [
        responses.first("utter_faq/subscription", "ja", channel="instagram")
    ]
    [sent] = [
        s
        for s in httpx.get(f"{stack.fake_url}/_fake/sent").json()
        if s["recipient"]["id"] == customer.psid
    ]
    assert sent["messaging_type"] == "RESPONSE"


def test_an_x_dm_is_answered_on_x(
    stack: Stack, customer: Customer, responses: BrandReplies
) -> None:
    customer.says("do you ship internationally?", channel="x", duplicates=1)
    assert customer.wait_replies(1) == [
        responses.first("utter_faq/international_shipping", "en", channel="x")
    ]
    sent = [
        s
        for s in httpx.get(f"{stack.fake_url}/_fake/sent").json()
        if s["recipient"]["id"] == customer.psid
    ]
    assert [s["channel"] for s in sent] == ["x"]


def test_a_duplicate_delivery_never_produces_a_second_reply(customer: Customer) -> None:
    customer.says("do you do gift wrapping?", duplicates=2)
    customer.wait_replies(1)
    time.sleep(2)
    assert len(customer.replies()) == 1


def test_asking_for_a_person_is_answered_honestly(
    customer: Customer, responses: BrandReplies
) -> None:
    customer.says("人と話したいです。オペレーターに繋いでください")
    [reply] = customer.wait_replies(1)
    handoff = responses.render("utter_handoff", "ja") or ""
    assert reply.startswith(handoff)
    # Then when a person will reply, from the team's hours: within them or after them.
    assert re.search(
        r"(担当者より|担当者からのご返信は).+(までにご返信いたします|までとなります)", reply
    )


def test_rasa_keeps_only_the_last_turns_of_a_long_conversation(
    stack: Stack, customer: Customer, responses: BrandReplies
) -> None:
    for n in range(10):
        customer.says("how long does shipping take?" if n % 2 else "thank you!")
        customer.wait_replies(n + 1)
    assert customer.replies()[-1] == responses.render("utter_faq/shipping_time", "en")
    with Redis(port=stack.ports.redis, db=1) as redis:
        stored = redis.get(f"tracker:messenger:{stack.secrets.page_id}:{customer.psid}")
    assert stored is not None
    events = json.loads(stored)["events"]
    user_turns = [e for e in events if e["event"] == "user"]
    assert len(user_turns) == 6
    assert user_turns[-1]["text"] == "how long does shipping take?"


def test_health_reports_every_dependency_ready(stack: Stack) -> None:
    health = httpx.get(f"{stack.app_url}/healthz").json()
    assert health == {"ok": True, "checks": {"database": True, "redis": True, "rasa": True}}


def test_a_critical_message_gets_the_brands_holding_reply(
    customer: Customer, responses: BrandReplies
) -> None:
    customer.says("子どもがクレンジングオイルを少し飲んでしまいました、どうしたらいいですか")
    assert customer.wait_replies(1) == [responses.render("utter_holding_health", "ja")]


def test_the_analyze_api_reads_a_message_with_the_trained_model(stack: Stack) -> None:
    faq = httpx.post(
        f"{stack.app_url}/api/v1/analyze",
        json={"text": "how long does delivery take to osaka?", "channel": "messenger"},
    ).json()
    assert faq["intent"]["name"] == "faq/shipping_time" and faq["intent"]["confidence"] > 0.5
    assert faq["urgency"]["level"] == "normal" and faq["escalate"] is False
    critical = httpx.post(
        f"{stack.app_url}/api/v1/analyze",
        json={"text": "my face is burning and swollen after your serum", "channel": "instagram"},
    ).json()
    assert critical["urgency"]["level"] == "critical" and critical["escalate"] is True
    assert critical["sentiment"]["label"] == "negative"
    batch = httpx.post(
        f"{stack.app_url}/api/v1/analyze/batch",
        json={"items": [{"text": "ありがとう！", "channel": "x"}, {"text": "hi", "channel": "x"}]},
    ).json()
    assert [r["language"] for r in batch["results"]] == ["ja", "en"]
    assert batch["results"][0]["urgency"]["level"] == "low"
    # Worded around the bot, a request for a person still reaches one, with the words quoted.
    asked = httpx.post(
        f"{stack.app_url}/api/v1/analyze",
        json={"text": "自動返信じゃなくて人に見てほしい", "channel": "x"},
    ).json()
    assert asked["escalate"] is True and asked["urgency"]["level"] == "normal"
    assert any("人に見てほしい" in reason for reason in asked["escalation_reasons"])
