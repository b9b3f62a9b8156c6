"""Fill a database with a quarter of realistic customer messages, for the insight dashboard.

    .venv-app/bin/python -m scripts.insight_data --database-url postgresql://…/insight_bench \
        [--messages 1000000] [--days 90] [--customers N] [--seed 7] [--truncate] [--migrate]

Customers (one conversation each per channel account) write in short sessions that follow a
Tokyo day and week; every message gets the signals the app would have stored (the
`Signals.as_metadata()` JSON and the report columns), the bot's reply a second or two later,
and about 4 % of conversation-days an escalation with its team, due time, first reply,
resolution and satisfaction score, following the app's own urgency rules, escalation policy,
routing and service levels. A burst of rash reports about the cleansing oil from new customers
is added on the last afternoon in Tokyo (unless --no-crisis), and the app's crisis check is replayed
through it. Rows go in with COPY in batches; the rollups are then rebuilt a week at a time with
`agent.insight.rollup.refresh` and the tables analysed. The same --seed and --now give the same
data.

SQLite works for a small run (--allow-sqlite); a million rows need PostgreSQL.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import random
import re
import sys
import time
from bisect import bisect_right
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from enum import IntEnum
from operator import itemgetter
from typing import Any, Protocol
from zoneinfo import ZoneInfo

import httpx
import numpy as np
import numpy.typing as npt
from redis.asyncio import Redis
from sqlalchemy import Table, func, insert, select
from sqlalchemy import create_engine as create_sync_engine
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from agent.db import create_engine, sessionmaker, sync_url
from agent.escalation.policy import Decision, PolicyConfig, Reason, decide
from agent.handoff.config import HandoffConfig, load_handoff_config
from agent.handoff.models import EscalationEvent, EventKind
from agent.handoff.routing import due_at, reply_calendar, route
from agent.insight.config import CrisisConfig, load_insight_config
from agent.insight.jobs import InsightJob
from agent.insight.rollup import local_day_start, oldest_message, refresh
from agent.nlg.responses import Responses, load_responses
from agent.pipeline.turn import (
    ESCALATED_RESPONSE,
    HANDOFF_RESPONSE,
    HOLDING_DEFAULT,
    HOLDING_RESPONSES,
)
from agent.records.models import (
    Conversation,
    ConversationStatus,
    Direction,
    Escalation,
    EscalationStatus,
    Message,
    MessageStatus,
    as_utc,
)
from agent.settings import REPO_ROOT
from agent.signals.rules import UrgencyRule, load_rules, match_rules
from agent.signals.types import (
    Intent,
    Sentiment,
    SentimentLabel,
    Signals,
    TurnRecord,
    Urgency,
    UrgencyLevel,
)

# --- the shape of the traffic ------------------------------------------------------------------

CHANNELS = (  # channel, the demo account, share of customers
    ("messenger", "111222333444555", 0.50),
    ("instagram", "17841400000000001", 0.35),
    ("x", "4337869213", 0.15),
)
LANGUAGES = (("ja", 0.60), ("en", 0.40))
TIERS = ((None, 0.55), ("standard", 0.25), ("silver", 0.10), ("gold", 0.07), ("vip", 0.03))
# Relative volume per Tokyo hour: quiet before dawn, a lunch bump, the late-evening peak.
HOUR_WEIGHTS = (
    *(1.7, 1.0, 0.6, 0.4, 0.3, 0.4, 0.9, 1.8, 2.8, 3.4, 3.9, 4.3),
    *(5.2, 5.0, 4.2, 4.0, 4.1, 4.3, 4.7, 5.4, 6.0, 6.4, 5.7, 3.5),
)
WEEKDAY_WEIGHTS = (1.12, 1.0, 0.98, 1.0, 0.96, 0.86, 0.92)  # Monday catches up the weekend
GROWTH = 0.15  # the last day is this much busier than the first
SALE_DAY_FACTOR = 1.8  # one sale day, about 40 % into the range
MESSAGES_PER_SESSION_P = 0.42  # geometric: 2.4 messages a session on average
MAX_SESSION = 12
ESCALATED_SHARE = 0.04  # of conversation-days
CRITICAL_SHARE = 0.003  # of messages
FALLBACK_SHARE = 0.06  # of messages; a few more come from escalations for repeated fallback
CALM_HIGH_SHARE = 0.012  # high urgency, not negative: stays with the bot
OTHER_LANGUAGE_SHARE = 0.03
POLICY = PolicyConfig()  # the app's defaults (AGENT_ESCALATION_*)
POLICY_MEMORY = max(POLICY.sentiment_window, POLICY.fallbacks_in_a_row)


class Kind(IntEnum):
    """How a session ends up: with the bot, or escalated for one of the policy's reasons."""

    BOT = 0
    ASKED = 1  # asked for a person
    HIGH_NEGATIVE = 2
    CRITICAL = 3
    FALLBACKS = 4  # the bot could not answer twice in a row
    CRISIS = 5  # the synthetic burst: critical rash reports about one product


KIND_SHARES = ((Kind.ASKED, 0.45), (Kind.HIGH_NEGATIVE, 0.42), (Kind.FALLBACKS, 0.13))
CRITICAL_REASONS = (
    ("health_safety", 0.60),
    ("child_ingestion", 0.10),
    ("legal_threat", 0.08),
    ("account_takeover", 0.07),
    ("fraud", 0.08),
    ("press", 0.07),
)
HIGH_REASONS = (
    ("wrong_charge", 0.28),
    ("damaged_goods", 0.25),
    ("missing_goods", 0.25),
    ("repeated_contact", 0.12),
    ("public_threat", 0.10),
)
CSAT_WEIGHTS = (0.07, 0.06, 0.12, 0.28, 0.47)  # scores 1 … 5
CSAT_WEIGHTS_LATE = (0.20, 0.16, 0.22, 0.24, 0.18)

# --- what customers write ----------------------------------------------------------------------

PRODUCTS = (
    ("Mizu Hydrating Toner", "化粧水"),
    ("yuzu serum", "ゆず美容液"),
    ("green tea night cream", "ナイトクリーム"),
    ("rice bran cleansing oil", "クレンジングオイル"),
    ("hinoki body mist", "ボディミスト"),
    ("gel cream", "ジェルクリーム"),
    ("sakura lip balm", "リップバーム"),
)
PLACES = (("Osaka", "大阪"), ("Sapporo", "札幌"), ("Fukuoka", "福岡"), ("Okinawa", "沖縄"))
COUNTRIES = (("Taiwan", "台湾"), ("the US", "アメリカ"), ("Korea", "韓国"), ("France", "フランス"))
OUTLETS = (("Beauty Weekly", "ビューティー週報"), ("Kyoto Times", "京都タイムズ"))
FILLERS = {"product": PRODUCTS, "place": PLACES, "country": COUNTRIES, "outlet": OUTLETS}

# topic: weight among ordinary messages, sentiment mean and spread, the bot's response
TOPICS: dict[str, tuple[float, float, float, str]] = {
    "faq/order_status": (0.11, -0.02, 0.25, "utter_faq/order_status"),
    "faq/shipping_time": (0.08, 0.02, 0.2, "utter_faq/shipping_time"),
    "faq/shipping_cost": (0.05, 0.0, 0.2, "utter_faq/shipping_cost"),
    "faq/international_shipping": (0.04, 0.05, 0.2, "utter_faq/international_shipping"),
    "faq/cancel_order": (0.04, -0.1, 0.25, "utter_faq/cancel_order"),
    "faq/returns_refunds": (0.06, -0.12, 0.25, "utter_faq/returns_refunds"),
    "faq/payment_methods": (0.04, 0.02, 0.15, "utter_faq/payment_methods"),
    "faq/product_ingredients": (0.06, 0.05, 0.2, "utter_faq/product_ingredients"),
    "faq/product_usage": (0.07, 0.08, 0.2, "utter_faq/product_usage"),
    "faq/store_hours": (0.02, 0.03, 0.15, "utter_faq/store_hours"),
    "faq/account_password": (0.03, -0.15, 0.25, "utter_faq/account_password"),
    "faq/promo_codes": (0.05, -0.05, 0.3, "utter_faq/promo_codes"),
    "faq/subscription": (0.04, 0.0, 0.2, "utter_faq/subscription"),
    "faq/gift_wrapping": (0.03, 0.2, 0.2, "utter_faq/gift_wrapping"),
    "greet": (0.015, 0.3, 0.2, "utter_greet"),
    "thanks": (0.025, 0.7, 0.2, "utter_thanks"),
    "goodbye": (0.02, 0.3, 0.2, "utter_goodbye"),
    "compliment": (0.025, 0.8, 0.15, "utter_compliment"),
    "bot_challenge": (0.01, 0.0, 0.2, "utter_bot_challenge"),
    "complaint": (0.04, -0.6, 0.2, "utter_complaint"),
    "out_of_scope": (0.02, 0.0, 0.3, "utter_out_of_scope"),
    "inform": (0.045, 0.0, 0.1, "utter_order_status_shipped"),
}
CHITCHAT = frozenset({"greet", "thanks", "goodbye", "compliment", "bot_challenge"})

# What customers write: one wording a line under its section, by language; {product} {order}
# {place} {country} {outlet} are filled in. Sections: a topic; urgent:<reason>, wordings the
# urgency rules fire on for that reason (the tests check); crisis and crisis_follow_up, the
# burst; unanswered:<n>, questions the bot has no answer for, each worded a few ways so the
# dashboard can group them (earlier ones are asked more often); human_reply, a person's answer.
TEMPLATES = """
[faq/order_status]
en: where is my order?
en: has my order {order} shipped yet?
en: can you check the status of my order
en: what's the tracking number for {order}?
ja: 注文した商品の配送状況を知りたいです
ja: {order}はもう発送されましたか？
ja: 注文状況を確認したいです
ja: 追跡番号を教えてください
[faq/shipping_time]
en: how long does shipping take?
en: if I order today when will it arrive
en: how many days for delivery to {place}?
en: do you do next day delivery?
ja: 配送にはどのくらいかかりますか？
ja: 今日注文したらいつ届きますか
ja: {place}まで何日で届きますか？
ja: 発送までの日数を教えてください
[faq/shipping_cost]
en: how much is shipping?
en: is shipping free over a certain amount?
en: is there a fee for cash on delivery
ja: 送料はいくらですか？
ja: 送料無料になるのはいくらからですか
ja: 代引き手数料はかかりますか
[faq/international_shipping]
en: do you ship overseas?
en: can you ship to {country}?
en: do you deliver abroad
ja: 海外発送はできますか？
ja: {country}に送ってもらえますか
ja: 海外から注文できますか
[faq/cancel_order]
en: I want to cancel my order
en: can I cancel order {order}?
en: how do I cancel an order I just placed
ja: 注文をキャンセルしたいです
ja: {order}をキャンセルできますか
ja: さっきの注文を取り消したい
[faq/returns_refunds]
en: what is your return policy?
en: can I return the {product} if it doesn't suit me
en: how do I get a refund for an unopened item
ja: 返品したいのですが
ja: {product}が肌に合わなかったら返品できますか
ja: 未開封の商品の返金方法を教えてください
[faq/payment_methods]
en: can I pay with PayPay?
en: do you accept credit cards
en: what payment methods do you take
en: can I pay at a konbini
ja: 支払い方法は何がありますか
ja: PayPayは使えますか？
ja: コンビニ払いできますか
ja: クレジットカードは使えますか
[faq/product_ingredients]
en: what's in the {product}?
en: is the {product} fragrance free?
en: does the {product} contain alcohol
en: full ingredient list for the {product} please
ja: {product}の成分を教えてください
ja: {product}は無香料ですか？
ja: {product}にアルコールは入っていますか
[faq/product_usage]
en: how do I use the {product}?
en: should I use the {product} before or after toner
en: how much {product} should I use
en: can I use the {product} every day
ja: {product}の使い方を教えてください
ja: {product}は朝と夜どちらに使いますか
ja: {product}は毎日使えますか
ja: {product}はどのくらいの量を使えばいいですか
[faq/store_hours]
en: what are your opening hours?
en: is the Kyoto store open on Wednesday
en: when is chat support available
ja: 営業時間を教えてください
ja: 京都のお店は水曜日営業していますか
ja: チャットサポートは何時までですか
[faq/account_password]
en: I forgot my password
en: how do I reset my password
en: I can't log in
ja: パスワードを忘れました
ja: パスワードの再設定方法を教えてください
ja: ログインできません
[faq/promo_codes]
en: my promo code isn't working
en: do you have any discount codes
en: how do I use a coupon code
ja: クーポンコードが使えません
ja: 割引コードはありますか
ja: クーポンの使い方を教えてください
[faq/subscription]
en: how do I skip my subscription this month
en: can I change my subscription delivery date
en: how do I stop the subscription
ja: 定期便をスキップしたい
ja: 定期便のお届け日を変更できますか
ja: 定期便を解約したいです
[faq/gift_wrapping]
en: do you offer gift wrapping?
en: can I add a gift message
en: can you wrap the {product} as a present
ja: ギフトラッピングできますか
ja: メッセージカードを付けられますか
ja: {product}をプレゼント用に包んでもらえますか
[greet]
en: hi
en: hello
en: hey there
en: good morning
ja: こんにちは
ja: はじめまして
ja: おはようございます
ja: こんばんは
[thanks]
en: thank you!
en: thanks so much
en: great, thanks
en: perfect thank you
ja: ありがとうございます！
ja: 助かりました、ありがとうございます
ja: 了解しました。ありがとうございます
[goodbye]
en: bye
en: have a nice day
en: that's all, bye
ja: 失礼します
ja: 以上です
ja: また連絡します
[compliment]
en: I love the {product}!
en: your {product} is amazing
en: best skincare ever
ja: {product}とても気に入っています！
ja: {product}最高です
ja: いつも愛用しています
[bot_challenge]
en: am I talking to a bot?
en: are you a real person
en: is this a robot
ja: これはボットですか？
ja: 人間ですか？
ja: 自動返信ですか
[complaint]
en: I'm really disappointed with the {product}
en: the {product} didn't do anything for me
en: your customer service is so slow
en: the packaging was sloppy this time
ja: {product}にがっかりしました
ja: {product}の効果を全く感じません
ja: 対応が遅すぎます
ja: 今回の梱包が雑でした
[out_of_scope]
en: what's the weather in Kyoto
en: recommend a restaurant
en: tell me a joke
ja: 今日の天気は？
ja: おすすめのレストランを教えて
ja: 面白い話して
[inform]
en: {order}
en: my order number is {order}
en: it's {order}
ja: {order}です
ja: 注文番号は{order}です
[human_handoff]
en: can I talk to a person?
en: I want to speak to a human
en: agent please
en: connect me with customer service
ja: 担当者と話したいです
ja: 人と話せますか
ja: オペレーターにつないでください
ja: 担当者
[urgent:health_safety]
en: I got a rash after using the {product}
en: my face is burning after the {product}
en: the {product} made my skin break out and it's itchy
en: my eyes are red and swollen after using the {product}
ja: {product}を使ったら肌がかぶれました
ja: {product}を使ってから顔がヒリヒリします
ja: {product}で湿疹が出ました
ja: {product}のあと赤みとかゆみが止まりません
[urgent:child_ingestion]
en: my toddler swallowed some of the {product}
en: my dog licked the {product}
ja: 子どもが{product}を誤飲しました
ja: 犬が{product}を舐めてしまいました
[urgent:legal_threat]
en: I will contact my lawyer about this
en: I'm going to sue you
ja: 弁護士に相談します
ja: 消費者センターに通報します
[urgent:account_takeover]
en: someone hacked my account
en: my account was hacked and the email changed
ja: アカウントが乗っ取られました
ja: アカウントに不正ログインされました
[urgent:fraud]
en: I got a phishing email pretending to be you
en: is this fake Tsuyu account a scam?
ja: ツユを名乗る詐欺メールが来ました
ja: 偽アカウントから連絡が来ました
[urgent:press]
en: I'm a journalist at {outlet}, could I ask a few questions
en: press enquiry from {outlet} about the {product}
ja: {outlet}の記者です。取材をお願いできますか
ja: メディア取材のお願いです
[urgent:wrong_charge]
en: I was charged twice for order {order}
en: you charged my card after I cancelled
en: I still haven't received my refund
ja: {order}が二重請求されています
ja: キャンセルしたのに請求されました
ja: 返金がまだされていません
[urgent:damaged_goods]
en: the {product} arrived broken
en: the {product} bottle was leaking when it arrived
en: the box was crushed and the {product} is damaged
ja: {product}が割れて届きました
ja: 届いた{product}が液漏れしていました
ja: {product}が破損していました
[urgent:missing_goods]
en: my parcel never arrived
en: the {product} was missing from my order
en: tracking says delivered but I got nothing
ja: 追跡が止まったまま荷物が届きません
ja: 注文した商品が入っていませんでした
ja: 配達完了になっているのに届いてない
[urgent:repeated_contact]
en: this is the third time I'm messaging you
en: I've asked several times already
ja: 何度も問い合わせているのに返事がありません
ja: これで3回目の連絡です
[urgent:public_threat]
en: I'll post about this on Instagram
en: I'm going to leave a bad review
ja: 対応してくれないならSNSに書きます
ja: レビューに書きますよ
[crisis]
en: I got a rash from the rice bran cleansing oil
en: my face is itchy and red after the new cleansing oil
en: the cleansing oil is burning my skin, is something wrong with this batch?
en: broke out in hives after using the cleansing oil last night
ja: クレンジングオイルを使ったら顔がかぶれました
ja: 新しいクレンジングオイルで赤みとかゆみが出ています
ja: クレンジングオイルでヒリヒリします。ロットに問題はありませんか？
ja: 昨夜クレンジングオイルを使ってから湿疹が出ました
[crisis_follow_up]
en: any update? my skin is still itchy
en: still red and itchy, please reply
ja: まだかゆみが引きません
ja: 赤みがまだ残っています。返信をお願いします
[unanswered:01]
en: do you sell refills for the {product}?
en: is there a refill pack for the {product}
ja: {product}の詰め替え用はありますか？
ja: {product}のリフィルは販売していますか
[unanswered:02]
en: can I use the {product} while pregnant?
en: is the {product} ok during pregnancy
ja: 妊娠中でも{product}を使えますか
ja: 授乳中に{product}を使ってもいいですか
[unanswered:03]
en: how do I recycle the empty bottles?
en: can I send empty bottles back to you
ja: 空き容器はリサイクルできますか
ja: 使い終わったボトルを引き取ってもらえますか
[unanswered:04]
en: do you have a shop in {place}?
en: is there a store in {place} I can visit
ja: {place}に店舗はありますか
ja: {place}で実物を見られるお店はありますか
[unanswered:05]
en: do you have products for men?
en: is there a men's skincare line
ja: メンズ向けの商品はありますか
ja: 男性向けのシリーズはありますか
[unanswered:06]
en: can I use the {product} with retinol?
en: can I mix the {product} with vitamin c
ja: {product}はレチノールと一緒に使えますか
ja: {product}はビタミンCと併用できますか
[unanswered:07]
en: how long does the {product} last after opening?
en: shelf life of the {product}?
ja: {product}の開封後の使用期限は？
ja: {product}の使用期限はどこに書いてありますか
[unanswered:08]
en: can I get a sample of the {product}?
en: do you have trial sizes
ja: {product}のサンプルはもらえますか
ja: お試しサイズはありますか
[unanswered:09]
en: when will the {product} be back in stock?
en: the {product} is sold out, restock?
ja: {product}の再入荷はいつですか
ja: {product}が売り切れですが再販しますか
[unanswered:10]
en: do you have a points program?
en: how do I use my loyalty points
ja: ポイント制度はありますか
ja: ポイントの使い方が分かりません
[unanswered:11]
en: do you have a sunscreen?
en: which of your products has SPF
ja: 日焼け止めはありますか
ja: SPF入りの商品はありますか
[unanswered:12]
en: can I change the delivery address after ordering?
en: I typed the wrong address
ja: 注文後に届け先を変更できますか
ja: 住所を間違えて入力しました
[unanswered:13]
en: which product is best for oily skin?
en: what do you recommend for dry skin
ja: 脂性肌におすすめはどれですか
ja: 乾燥肌におすすめの商品を教えてください
[unanswered:14]
en: can I get a receipt for my order?
en: I need an invoice with my company name
ja: 領収書を発行してもらえますか
ja: 会社名で領収書が欲しいです
[unanswered:15]
en: are your products halal certified?
en: are you cruelty free
ja: ハラール認証はありますか
ja: 動物実験はしていますか
[unanswered:16]
en: do you sell gift cards?
en: can I buy an e-gift voucher
ja: ギフト券はありますか
ja: eギフトは購入できますか
[unanswered:17]
en: where are your products made?
en: is the {product} made in Japan
ja: どこで製造していますか
ja: {product}は日本製ですか
[unanswered:18]
en: do you offer wholesale for salons?
en: I'd like to stock your products in my shop
ja: サロンで取り扱いたいのですが卸はしていますか
ja: お店で販売したいです
[unanswered:19]
en: can tourists buy tax free at the Kyoto store?
en: is there duty free shopping
ja: 京都の店舗で免税できますか
ja: 免税で購入できますか
[unanswered:20]
en: is the packaging plastic free?
en: why is there so much plastic in the box
ja: プラスチックを使わない梱包にできますか
ja: 過剰包装をやめてほしいです
[unanswered:21]
en: can my 10 year old use the {product}?
en: is the {product} ok for teenagers
ja: 中学生でも{product}を使えますか
ja: 子どもにも{product}を使えますか
[unanswered:22]
en: will the sakura limited edition come back?
en: is there a spring limited set
ja: 桜の限定品は今年も出ますか
ja: 春の限定セットはありますか
[unanswered:23]
en: what's your phone number?
en: can I call you instead
ja: 電話番号を教えてください
ja: 電話で問い合わせできますか
[unanswered:24]
en: are you hiring?
en: can we collaborate? I'm a creator
ja: 求人はありますか
ja: インフルエンサーとしてコラボしたいです
[unanswered:25]
en: do you ship in eco packaging
en: can I skip the paper leaflet
ja: エコ包装にできますか
ja: チラシは入れないでほしいです
[unanswered:26]
en: is the {product} non comedogenic?
en: will the {product} clog pores
ja: {product}はノンコメドジェニックですか
ja: {product}で毛穴が詰まりませんか
[human_reply]
en: Hi, this is {agent} from Tsuyu Botanicals. I'm sorry for the trouble, let me look into it.
en: Thank you for waiting. I've checked your order and will update you shortly.
ja: ツユ・ボタニカルズの{agent}です。ご不便をおかけし申し訳ございません。確認いたします。
ja: お待たせいたしました。担当の{agent}です。詳しくお伺いできますでしょうか。
"""
AGENTS = ("Aoi", "Haruto", "Mei", "Sora", "Yuki")
# Said around a question by about a third of customers.
_BARE = ("",) * 10
OPENERS = {
    "en": (*_BARE, "hi, ", "hello! ", "hey ", "excuse me, ", "quick question: "),
    "ja": (*_BARE, "すみません、", "こんにちは。", "お世話になっております。", "あの、"),
}
CLOSERS = {
    "en": (*_BARE, " thanks", " thank you!", " pls", " 🙏", "?", " thx"),
    "ja": (*_BARE, "よろしくお願いします。", "🙏", "。", "教えてください。", "！"),
}
_VARIABLE = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


def parse_templates(text: str) -> dict[str, dict[str, tuple[str, ...]]]:
    """TEMPLATES as section -> language -> wordings."""
    found: dict[str, dict[str, list[str]]] = {}
    section: dict[str, list[str]] | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()  # noqa: PLW2901
        if not line:
            continue
        if line.startswith("[") and line.endswith("]"):
            section = found.setdefault(line[1:-1], {})
            continue
        language, sep, wording = line.partition(": ")
        if section is None or not sep or language not in ("en", "ja"):
            raise ValueError(f"template line {number} is not `en: …` or `ja: …` in a section")
        section.setdefault(language, []).append(wording)
    return {
        name: {lang: tuple(words) for lang, words in by_language.items()}
        for name, by_language in found.items()
    }


def _weights(pairs: Sequence[tuple[Any, float]]) -> tuple[list[Any], list[float]]:
    values = [value for value, _ in pairs]
    total = sum(weight for _, weight in pairs)
    return values, [weight / total for _, weight in pairs]


# --- the plan: who writes when (numpy, whole arrays) --------------------------------------------

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Plan:
    """Sessions sorted by start; session i's messages are message_at[offsets[i]:offsets[i + 1]]."""

    begin: float  # epoch seconds
    end: float
    session_start: Floats
    session_customer: Ints
    session_kind: Ints
    offsets: Ints
    message_at: Floats
    customer_channel: Ints  # index into CHANNELS
    customer_language: Ints  # index into LANGUAGES
    customer_tier: Ints  # index into TIERS
    crisis: tuple[float, float] | None  # the burst's first and last session start

    @property
    def sessions(self) -> int:
        return len(self.session_start)

    @property
    def messages(self) -> int:
        return len(self.message_at)


def day_starts(begin: datetime, end: datetime, tz: ZoneInfo) -> list[float]:
    """Epoch seconds of each local midnight from the day holding `begin` to the one after `end`."""
    day = as_utc(begin).astimezone(tz).date()
    last = as_utc(end).astimezone(tz).date()
    starts = []
    while day <= last + timedelta(days=1):
        starts.append(datetime(day.year, day.month, day.day, tzinfo=tz).timestamp())
        day += timedelta(days=1)
    return starts


def day_weights(starts: Sequence[float], tz: ZoneInfo) -> Floats:
    """Relative volume of each local day: weekday, slow growth and one sale day."""
    days = len(starts) - 1
    weights = np.empty(days)
    sale = int(days * 0.4)
    for i in range(days):
        weekday = datetime.fromtimestamp(starts[i], tz).weekday()
        weights[i] = WEEKDAY_WEIGHTS[weekday] * (1 + GROWTH * i / max(1, days - 1))
        if i == sale:
            weights[i] *= SALE_DAY_FACTOR
    normalised: Floats = weights / weights.sum()
    return normalised


def make_plan(
    *,
    messages: int,
    customers: int,
    days: int,
    end: datetime,
    tz: ZoneInfo,
    seed: int,
    crisis: bool = True,
) -> Plan:
    """Who writes when, and which sessions end with a person."""
    rng = np.random.default_rng(seed)
    end_s = as_utc(end).timestamp()
    begin_s = end_s - days * 86_400
    starts = day_starts(as_utc(end) - timedelta(days=days), as_utc(end), tz)

    channel = rng.choice(len(CHANNELS), customers, p=_weights([(c, w) for *c, w in CHANNELS])[1])
    language = rng.choice(len(LANGUAGES), customers, p=_weights(LANGUAGES)[1])
    tier = rng.choice(len(TIERS), customers, p=_weights(TIERS)[1])
    activity = rng.lognormal(0.0, 1.0, customers)

    burst_customers = min(50, max(12, messages // 20_000)) if crisis and days >= 10 else 0
    burst_lengths = 1 + (rng.random(burst_customers) < 0.35).astype(np.int64)
    regular = messages - int(burst_lengths.sum())
    if regular < 1:
        raise ValueError("too few messages for the plan")

    lengths = np.minimum(
        rng.geometric(MESSAGES_PER_SESSION_P, int(regular / 2.2) + 64), MAX_SESSION
    )
    while lengths.sum() < regular:
        more = rng.geometric(MESSAGES_PER_SESSION_P, int(regular / 2.2) + 64)
        lengths = np.concatenate([lengths, np.minimum(more, MAX_SESSION)])
    cut = int(np.searchsorted(np.cumsum(lengths), regular)) + 1
    lengths = lengths[:cut].copy()
    lengths[-1] -= int(lengths.sum()) - regular

    start = _session_starts(rng, len(lengths), starts, tz, begin_s, end_s)
    customer = rng.choice(customers, len(lengths), p=activity / activity.sum())
    kind = np.zeros(len(lengths), dtype=np.int64)

    window: tuple[float, float] | None = None
    if burst_customers:
        # 14:00 local on the last day that leaves three hours after it: recent, so the
        # dashboard's last week shows it and the crisis check replays it quickly.
        afternoons = [day + 14 * 3600 for day in starts if day + 17 * 3600 < end_s]
        burst_at = afternoons[-1] if afternoons else end_s
        if burst_at - 7 * 86_400 > begin_s:
            burst_start = burst_at + np.sort(rng.random(burst_customers)) * 80 * 60
            window = (float(burst_start[0]), float(burst_start[-1]))
            new = np.arange(customers, customers + burst_customers)
            channel = np.concatenate([channel, rng.choice(2, burst_customers)])
            language = np.concatenate(
                [language, (rng.random(burst_customers) < 0.3).astype(np.int64)]
            )
            tier = np.concatenate([tier, np.zeros(burst_customers, dtype=np.int64)])
            start = np.concatenate([start, burst_start])
            customer = np.concatenate([customer, new])
            lengths = np.concatenate([lengths, burst_lengths])
            kind = np.concatenate([kind, np.full(burst_customers, Kind.CRISIS, dtype=np.int64)])
        else:
            lengths[-1] += int(burst_lengths.sum())  # keep the total

    order = np.argsort(start, kind="stable")
    start, customer, lengths, kind = start[order], customer[order], lengths[order], kind[order]
    kind = _escalations(rng, kind, customer, start, lengths, starts, messages)

    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    gaps = np.clip(rng.lognormal(math.log(45.0), 0.9, int(offsets[-1])), 3.0, 1_500.0)
    gaps[offsets[:-1]] = 0.0
    running = np.cumsum(gaps)
    message_at = np.repeat(start, lengths) + running - np.repeat(running[offsets[:-1]], lengths)
    message_at = np.minimum(message_at, end_s - 5.0)
    return Plan(
        begin=begin_s,
        end=end_s,
        session_start=start,
        session_customer=customer.astype(np.int64),
        session_kind=kind,
        offsets=offsets,
        message_at=message_at,
        customer_channel=channel.astype(np.int64),
        customer_language=language.astype(np.int64),
        customer_tier=tier.astype(np.int64),
        crisis=window,
    )


def _session_starts(
    rng: np.random.Generator,
    count: int,
    starts: Sequence[float],
    tz: ZoneInfo,
    begin: float,
    end: float,
) -> Floats:
    day_p = day_weights(starts, tz)
    hour_p = np.array(HOUR_WEIGHTS) / sum(HOUR_WEIGHTS)
    base = np.array(starts[:-1])
    kept: list[Floats] = []
    have = 0
    while have < count:
        draw = int((count - have) * 1.1) + 100
        at = (
            base[rng.choice(len(base), draw, p=day_p)]
            + rng.choice(24, draw, p=hour_p) * 3600.0
            + rng.random(draw) * 3600.0
        )
        at = at[(at >= begin) & (at < end - 60.0)]
        kept.append(at)
        have += len(at)
    return np.sort(np.concatenate(kept)[:count])


def _escalations(
    rng: np.random.Generator,
    kind: Ints,
    customer: Ints,
    start: Floats,
    lengths: Ints,
    starts: Sequence[float],
    messages: int,
) -> Ints:
    """At most one escalation per conversation-day, raised in its first session."""
    day = np.searchsorted(np.array(starts), start, side="right") - 1
    key = customer * (len(starts) + 1) + day
    _, first = np.unique(key, return_index=True)
    eligible = np.zeros(len(kind), dtype=bool)
    eligible[first] = True
    chosen = np.flatnonzero(
        eligible & (kind == Kind.BOT) & (rng.random(len(kind)) < ESCALATED_SHARE)
    )
    kind = kind.copy()
    values, p = _weights(KIND_SHARES)
    kind[chosen] = rng.choice(np.array([int(v) for v in values]), len(chosen), p=p)
    burst = int(lengths[kind == Kind.CRISIS].sum())
    critical = min(len(chosen), max(0, round(CRITICAL_SHARE * messages) - burst))
    kind[rng.choice(chosen, critical, replace=False)] = Kind.CRITICAL
    kind[(kind == Kind.FALLBACKS) & (lengths < 2)] = Kind.ASKED
    return kind


# --- what each message says (python, one session at a time) ------------------------------------


@dataclass(frozen=True, slots=True)
class Said:
    """One customer message and what the app read in it."""

    text: str
    topic: str
    confidence: float
    fallback: bool
    score: float  # sentiment, -1 … 1
    level: str
    urgency_score: float
    reasons: tuple[str, ...] = ()
    reason_keys: tuple[str, ...] = ()
    reply: str | None = None  # the bot's response name

    @property
    def label(self) -> str:
        return sentiment_label(self.score)

    def signals(self, language: str) -> Signals:
        return Signals(
            language=language,
            sentiment=Sentiment(SentimentLabel(self.label), self.score),
            urgency=Urgency(
                UrgencyLevel(self.level), self.urgency_score, self.reasons, self.reason_keys
            ),
            intent=Intent(self.topic, self.confidence),
        )


def sentiment_label(score: float) -> str:
    if score < -0.2:
        return "negative"
    return "positive" if score > 0.2 else "neutral"


def signals_json(
    said: Said, language: str, *, escalate: bool, why: Sequence[str]
) -> dict[str, Any]:
    """What the worker stores: `Signals.as_metadata()` plus the escalation decision."""
    return {
        "language": language,
        "sentiment": {"label": said.label, "score": said.score},
        "urgency": {
            "level": said.level,
            "score": said.urgency_score,
            "reasons": list(said.reasons),
            "reason_keys": list(said.reason_keys),
        },
        "intent": {"name": said.topic, "confidence": said.confidence},
        "escalate": escalate,
        "escalation_reasons": list(why),
    }


def _columns(names: str) -> tuple[str, ...]:
    return tuple(names.split())


MESSAGE_COLUMNS = _columns(
    """
    id conversation_id channel account_id direction author status kind text language
    platform_message_id platform_timestamp_ms idempotency_key reply_to_id attempts
    created_at sent_at story_reply signals urgency sentiment_score fallback topic
    """
)
CONVERSATION_COLUMNS = _columns(
    """
    id channel account_id customer_id status language last_customer_message_at created_at
    updated_at
    """
)
ESCALATION_COLUMNS = _columns(
    """
    id conversation_id message_id reasons reason_keys urgency sentiment status created_at
    team tier intent due_at assigned_at first_reply_at closed_at csat_score
    """
)
EVENT_COLUMNS = ("id", "escalation_id", "kind", "detail", "created_at")
JSON_COLUMNS = frozenset({"signals", "reasons", "reason_keys", "detail"})


_MESSAGE_DEFAULTS: dict[str, Any] = dict.fromkeys(MESSAGE_COLUMNS) | {
    "kind": "text",
    "attempts": 0,
    "story_reply": False,
    "fallback": False,
}


_MESSAGE_ORDER = itemgetter(*MESSAGE_COLUMNS)


def message_row(**values: Any) -> tuple[Any, ...]:
    """A messages row in MESSAGE_COLUMNS order; a column not given takes its default."""
    row = _MESSAGE_DEFAULTS | values
    if len(row) != len(_MESSAGE_DEFAULTS):
        raise KeyError(f"not columns of messages: {sorted(row.keys() - _MESSAGE_DEFAULTS)}")
    ordered: tuple[Any, ...] = _MESSAGE_ORDER(row)
    return ordered


@dataclass
class Batch:
    messages: list[tuple[Any, ...]] = field(default_factory=list)
    escalations: list[tuple[Any, ...]] = field(default_factory=list)
    events: list[tuple[Any, ...]] = field(default_factory=list)
    inbound: int = 0


@dataclass(frozen=True, slots=True)
class Session:
    conversation_id: int
    channel: str
    account_id: str
    language: str
    tier: str | None
    times: Sequence[float]
    kind: Kind


def _at(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


def _platform_id(channel: str, mid: int) -> str:
    """A platform-like message id, unique per channel account as the table requires."""
    if channel == "x":
        return str(1_860_000_000_000_000_000 + mid)
    prefix = "aWdf" if channel == "instagram" else "m_"
    return f"{prefix}{mid:012x}"


@dataclass(frozen=True, slots=True)
class Outcome:
    status: str
    assigned_at: datetime | None = None
    first_reply_at: datetime | None = None
    closed_at: datetime | None = None
    csat: int | None = None


class Writer:
    """Turns sessions into rows: the customer's messages, the bot's replies, escalations and
    their history. Ids are handed out here, in the order the rows are made."""

    def __init__(
        self,
        *,
        seed: int,
        now: datetime,
        handoff: HandoffConfig,
        responses: Responses,
        rules: tuple[UrgencyRule, ...],
        first_ids: tuple[int, int, int] = (1, 1, 1),
    ) -> None:
        self.rnd = random.Random(seed)
        self.now = as_utc(now)
        self.handoff = handoff
        self.responses = responses
        self.rules = rules
        self.next_message, self.next_escalation, self.next_event = first_ids
        self.batch = Batch()
        self._rendered: dict[tuple[str, str], str] = {}
        # The last customer turns of each conversation: what the policy remembers.
        self._history: dict[int, tuple[TurnRecord, ...]] = {}
        topics = [(name, spec[0]) for name, spec in TOPICS.items()]
        self._topics, self._topic_p = _weights(topics)
        self._topic_cum = list(np.cumsum(self._topic_p))
        self.texts = parse_templates(TEMPLATES)
        questions = sorted(name for name in self.texts if name.startswith("unanswered:"))
        zipf = [(name, 1.0 / (i + 1) ** 0.9) for i, name in enumerate(questions)]
        self._unanswered, p = _weights(zipf)
        self._unanswered_cum = list(np.cumsum(p))
        self._critical = _weights(CRITICAL_REASONS)
        self._high = _weights(HIGH_REASONS)

    # words

    def _fill(self, template: str, language: str) -> str:
        if "{" not in template:
            return template
        ja = language == "ja"
        pick = self.rnd.choice
        values = {
            name: pick(FILLERS[name])[ja] if name in FILLERS else self._order()
            for name in _VARIABLE.findall(template)
        }
        return template.format(**values)

    def _order(self) -> str:
        return f"TB-{self.rnd.randrange(100_000, 1_000_000)}"

    def _vary(self, text: str, language: str) -> str:
        """The same question as different customers type it."""
        rnd = self.rnd
        text = rnd.choice(OPENERS[language]) + text + rnd.choice(CLOSERS[language])
        if language == "en":
            roll = rnd.random()
            if roll < 0.3:
                text = text.lower()
            elif roll < 0.4:
                text = text[:1].upper() + text[1:]
        return text.strip()

    def _words(self, options: Sequence[str], language: str) -> str:
        return self._vary(self._fill(self.rnd.choice(options), language), language)

    def _score(self, mean: float, spread: float, low: float = -1.0, high: float = 1.0) -> float:
        return round(min(high, max(low, self.rnd.gauss(mean, spread))), 3)

    # what a message is

    def ordinary(self, language: str, topic: str | None = None) -> Said:
        rnd = self.rnd
        if topic is None:
            topic = self._topics[bisect_right(self._topic_cum, rnd.random())]
        _, mean, spread, reply = TOPICS[topic]
        level = "low" if topic in CHITCHAT else "normal"
        if topic == "out_of_scope" and rnd.random() < 0.5:
            level = "low"
        return Said(
            text=self._words(self.texts[topic][language], language),
            topic=topic,
            confidence=round(rnd.uniform(0.62, 0.995), 3),
            fallback=False,
            score=self._score(mean, spread),
            level=level,
            urgency_score=self._urgency_score(level),
            reply=reply,
        )

    def unanswered(self, language: str) -> Said:
        """A question the bot had no answer for: NLU fallback, or an FAQ it was unsure of."""
        rnd = self.rnd
        group = self._unanswered[bisect_right(self._unanswered_cum, rnd.random())]
        unsure = rnd.random() < 0.25
        level = "normal" if rnd.random() < 0.7 else "low"
        return Said(
            text=self._words(self.texts[group][language], language),
            topic=rnd.choice(self._topics[:14]) if unsure else "nlu_fallback",
            confidence=round(rnd.uniform(0.3, 0.49) if unsure else rnd.uniform(0.15, 0.4), 3),
            fallback=True,
            score=self._score(-0.02, 0.2),
            level=level,
            urgency_score=self._urgency_score(level),
            reply="utter_default",
        )

    def urgent(
        self,
        language: str,
        reason: str,
        *,
        negative: bool,
        section: str | None = None,
    ) -> Said:
        """A message the urgency rules fire on for `reason`; its level and reasons are the
        rules' own. `section` replaces the reason's usual wordings."""
        rnd = self.rnd
        options = self.texts[section or f"urgent:{reason}"][language]
        for _ in range(5):
            text = self._words(options, language)
            hits = match_rules(text, self.rules, language=language)
            if hits and hits[0].reason == reason:
                break
        else:
            raise ValueError(f"the urgency rules do not fire on the {reason} texts: {text!r}")
        level = hits[0].level.value
        top = [hit for hit in hits if hit.level is hits[0].level]
        mean, spread = (-0.7, 0.2) if negative else (0.0, 0.1)
        if reason == "press":
            mean, spread = 0.05, 0.15
        score = self._score(mean, spread, high=-0.25) if negative else self._score(mean, spread)
        if not negative:
            score = max(score, -0.19)
        topic = "complaint" if negative or rnd.random() < 0.5 else "faq/order_status"
        return Said(
            text=text,
            topic=topic,
            confidence=round(rnd.uniform(0.55, 0.97), 3),
            fallback=False,
            score=score,
            level=level,
            urgency_score=self._urgency_score(level),
            reasons=tuple(f"{hit.explanation} (“{hit.matched.strip()}”)" for hit in top),
            reason_keys=tuple(hit.reason for hit in top),
            reply=TOPICS[topic][3],
        )

    def _urgency_score(self, level: str) -> float:
        low, high = {
            "low": (0.02, 0.24),
            "normal": (0.25, 0.49),
            "high": (0.7, 0.95),
            "critical": (0.95, 1.0),
        }[level]
        return round(self.rnd.uniform(low, high), 3)

    # a session

    def session(self, s: Session) -> None:
        """Write one session. The conversation's earlier turns carry over, as they do for
        the escalation policy: a bot-only session never gives it a reason to escalate, and
        an escalated one gives it one at its trigger message."""
        rnd = self.rnd
        n = len(s.times)
        main = self._topics[bisect_right(self._topic_cum, rnd.random())]
        history = self._history.get(s.conversation_id, ())
        trigger = self._trigger_position(s.kind, n, history)
        escalation: tuple[int, Said, datetime, Decision] | None = None
        for i, at in enumerate(s.times):
            language = s.language
            if rnd.random() < OTHER_LANGUAGE_SHARE:
                language = "en" if language == "ja" else "ja"
            previous_fallback = bool(history) and history[-1].fallback
            said = self._message(s, i, n, trigger, main, language, previous_fallback)
            if i != trigger and said.label == "negative" and history:
                # A sharp fall in sentiment is a reason to escalate: keep it for triggers.
                best = max(turn.sentiment_score for turn in history[-POLICY.sentiment_window :])
                said = replace(said, score=max(said.score, round(best - 0.95, 3)))
            decision = None
            if i == trigger:
                decision = decide(
                    said.signals(language), fallback=said.fallback, history=history, config=POLICY
                )
                if not decision.escalate:
                    raise AssertionError(f"the policy does not escalate {s.kind!r}: {said!r}")
            history = (*history, TurnRecord(said.score, said.fallback))[-POLICY_MEMORY:]
            for_person = escalation is not None
            why = decision.reasons if decision else ()
            inbound_id = self._inbound(s, at, said, language, for_person, decision, why)
            if decision is not None:
                escalation = (inbound_id, said, _at(at), decision)
                reply: str | None = self._escalation_reply(decision, said)
            else:
                reply = None if for_person else said.reply
            if reply is not None:
                self._bot_reply(s, at, inbound_id, reply, language)
        self._history[s.conversation_id] = history
        if escalation is not None:
            self._escalate(s, *escalation)

    def _trigger_position(self, kind: Kind, n: int, history: Sequence[TurnRecord]) -> int:
        if kind == Kind.BOT:
            return -1
        if kind in (Kind.CRISIS, Kind.CRITICAL) or n == 1:
            return 0
        if kind == Kind.FALLBACKS:
            # The first message is already the second fallback in a row after a fallback.
            return 0 if history and history[-1].fallback else self.rnd.randrange(1, n)
        return 0 if self.rnd.random() < 0.5 else self.rnd.randrange(n)

    def _message(
        self,
        s: Session,
        i: int,
        n: int,
        trigger: int,
        main: str,
        language: str,
        previous_fallback: bool,
    ) -> Said:
        rnd = self.rnd
        if i == trigger or (s.kind == Kind.FALLBACKS and i == trigger - 1):
            return self._trigger_message(s.kind, language)
        if s.kind == Kind.CRISIS:
            return self.urgent(language, "health_safety", negative=True, section="crisis_follow_up")
        roll = rnd.random()
        if i == 0 and roll < 0.15:
            return self.ordinary(language, "greet")
        if i == n - 1 and n > 1 and roll < 0.3:
            return self.ordinary(language, "thanks" if roll < 0.24 else "goodbye")
        roll = rnd.random()
        # Greetings and thanks above are never fallbacks: ask more often among the rest.
        # A session escalated for repeated fallbacks has its two at the trigger, no others.
        can_fail = not previous_fallback and s.kind != Kind.FALLBACKS
        if roll < FALLBACK_SHARE * 1.25 and can_fail:
            return self.unanswered(language)
        if roll < FALLBACK_SHARE * 1.25 + CALM_HIGH_SHARE:
            reason = rnd.choices(self._high[0], self._high[1])[0]
            return self.urgent(language, reason, negative=False)
        return self.ordinary(language, main if rnd.random() < 0.55 else None)

    def _trigger_message(self, kind: Kind, language: str) -> Said:
        rnd = self.rnd
        if kind == Kind.CRISIS:
            return self.urgent(language, "health_safety", negative=True, section="crisis")
        if kind == Kind.CRITICAL:
            reason = rnd.choices(self._critical[0], self._critical[1])[0]
            return self.urgent(language, reason, negative=reason != "press")
        if kind == Kind.HIGH_NEGATIVE:
            reason = rnd.choices(self._high[0], self._high[1])[0]
            return self.urgent(language, reason, negative=True)
        if kind == Kind.FALLBACKS:
            said = self.unanswered(language)
            return replace(said, score=self._score(-0.35, 0.25))
        return Said(
            text=self._words(self.texts["human_handoff"][language], language),
            topic="human_handoff",
            confidence=round(rnd.uniform(0.7, 0.99), 3),
            fallback=False,
            score=self._score(-0.3, 0.3),
            level="normal",
            urgency_score=self._urgency_score("normal"),
            reply=HANDOFF_RESPONSE,
        )

    def _escalation_reply(self, decision: Decision, said: Said) -> str:
        if decision.critical:
            return next(
                (HOLDING_RESPONSES[k] for k in said.reason_keys if k in HOLDING_RESPONSES),
                HOLDING_DEFAULT,
            )
        asked = decision.reason_keys == (Reason.ASKED_FOR_PERSON,)
        return HANDOFF_RESPONSE if asked else ESCALATED_RESPONSE

    # rows

    def _take_message_id(self) -> int:
        self.next_message += 1
        return self.next_message - 1

    def _inbound(
        self,
        s: Session,
        at: float,
        said: Said,
        language: str,
        for_person: bool,
        decision: Decision | None,
        why: Sequence[str],
    ) -> int:
        mid = self._take_message_id()
        story = s.channel == "instagram" and said.topic == "compliment" and self.rnd.random() < 0.5
        self.batch.messages.append(
            message_row(
                id=mid,
                conversation_id=s.conversation_id,
                channel=s.channel,
                account_id=s.account_id,
                direction=Direction.INBOUND.value,
                status=(MessageStatus.FOR_AGENT if for_person else MessageStatus.ANSWERED).value,
                text=said.text,
                language=language,
                platform_message_id=_platform_id(s.channel, mid),
                platform_timestamp_ms=int(at * 1000),
                created_at=_at(at),
                story_reply=story,
                signals=signals_json(said, language, escalate=decision is not None, why=why),
                urgency=said.level,
                sentiment_score=said.score,
                fallback=said.fallback,
                topic=said.topic,
            )
        )
        self.batch.inbound += 1
        return mid

    def _bot_reply(self, s: Session, at: float, inbound_id: int, name: str, language: str) -> None:
        rnd = self.rnd
        delay = rnd.lognormvariate(math.log(1.5), 0.45)
        if rnd.random() < 0.01:  # a Rasa restart or a platform retry
            delay += rnd.uniform(8.0, 400.0)
        text = self._render(name, language)
        mid = self._take_message_id()
        self.batch.messages.append(
            message_row(
                id=mid,
                conversation_id=s.conversation_id,
                channel=s.channel,
                account_id=s.account_id,
                direction=Direction.OUTBOUND.value,
                author="bot",
                status=MessageStatus.SENT.value,
                text=text,
                language=language,
                platform_message_id=_platform_id(s.channel, mid),
                idempotency_key=f"{inbound_id}:0",
                reply_to_id=inbound_id,
                attempts=1,
                created_at=_at(at + delay * 0.85),
                sent_at=_at(at + delay),
            )
        )

    def _render(self, name: str, language: str) -> str:
        key = (name, language)
        if key not in self._rendered:
            text = self.responses.render(name, language) or ""
            values = {"when": "10:00" if language == "en" else "10時", "order_number": "TB-482913"}
            self._rendered[key] = _VARIABLE.sub(lambda m: values.get(m.group(1), "—"), text)
        return self._rendered[key]

    def _escalate(
        self, s: Session, message_id: int, said: Said, trigger_at: datetime, decision: Decision
    ) -> None:
        rnd = self.rnd
        created_at = trigger_at + timedelta(seconds=rnd.uniform(0.3, 2.0))
        team = route(self.handoff, urgency_reasons=list(said.reason_keys), intent=said.topic)
        due = due_at(self.handoff, team, urgency=said.level, since=created_at).astimezone(UTC)
        outcome = self.outcome(created=created_at, due=due, team_key=team.key, level=said.level)
        eid = self.next_escalation
        self.next_escalation += 1
        self.batch.escalations.append(
            (
                eid,
                s.conversation_id,
                message_id,
                list(decision.reasons),
                [key.value for key in decision.reason_keys],
                said.level,
                said.label,
                outcome.status,
                created_at,
                team.key,
                s.tier,
                said.topic,
                due,
                outcome.assigned_at,
                outcome.first_reply_at,
                outcome.closed_at,
                outcome.csat,
            )
        )
        self._event(eid, EventKind.CREATED, {}, created_at)
        if outcome.assigned_at is not None:
            self._event(eid, EventKind.CLAIMED, {}, outcome.assigned_at)
        if outcome.first_reply_at is not None:
            self._event(eid, EventKind.REPLIED, {}, outcome.first_reply_at)
            self._human_reply(s, outcome.first_reply_at)
        if outcome.closed_at is not None:
            closed = (
                EventKind.RESOLVED
                if outcome.status == EscalationStatus.RESOLVED
                else EventKind.RETURNED
            )
            self._event(eid, closed, {}, outcome.closed_at)
        if outcome.csat is not None and outcome.closed_at is not None:
            answered = outcome.closed_at + timedelta(minutes=rnd.uniform(1, 90))
            self._event(eid, EventKind.CSAT, {"score": outcome.csat}, answered)

    def outcome(self, *, created: datetime, due: datetime, team_key: str, level: str) -> Outcome:
        """When a person took it, replied and closed it: mostly within the service level, a
        tenth late; whatever lies after `now` has not happened yet."""
        rnd = self.rnd
        team = self.handoff.team(team_key)
        calendar = reply_calendar(self.handoff, team, level)
        allowed = self.handoff.service_levels[level].first_reply
        late = rnd.random() < 0.10
        share = 1.0 + rnd.uniform(0.05, 1.2) if late else rnd.betavariate(1.6, 2.6)
        reply = calendar.add_business_time(created, allowed * share).astimezone(UTC)
        reply = max(reply, created + timedelta(seconds=30))
        assigned = created + (reply - created) * rnd.uniform(0.15, 0.9)
        work = timedelta(seconds=rnd.lognormvariate(math.log(40 * 60), 1.1))
        closed = calendar.add_business_time(reply, work).astimezone(UTC)
        returned = rnd.random() < 0.06
        if assigned > self.now:
            return Outcome(EscalationStatus.WAITING.value)
        if reply > self.now:
            return Outcome(EscalationStatus.ASSIGNED.value, assigned)
        if closed > self.now:
            return Outcome(EscalationStatus.ASSIGNED.value, assigned, reply)
        csat = None
        if not returned and rnd.random() < 0.4:
            weights = CSAT_WEIGHTS_LATE if late else CSAT_WEIGHTS
            csat = rnd.choices(range(1, 6), weights)[0]
        status = EscalationStatus.RETURNED if returned else EscalationStatus.RESOLVED
        return Outcome(status.value, assigned, reply, closed, csat)

    def _event(
        self, escalation_id: int, kind: EventKind, detail: dict[str, Any], at: datetime
    ) -> None:
        self.batch.events.append((self.next_event, escalation_id, kind.value, detail, at))
        self.next_event += 1

    def _human_reply(self, s: Session, at: datetime) -> None:
        template = self.rnd.choice(self.texts["human_reply"][s.language])
        mid = self._take_message_id()
        self.batch.messages.append(
            message_row(
                id=mid,
                conversation_id=s.conversation_id,
                channel=s.channel,
                account_id=s.account_id,
                direction=Direction.OUTBOUND.value,
                author="human",
                status=MessageStatus.SENT.value,
                text=template.format(agent=self.rnd.choice(AGENTS)),
                language=s.language,
                platform_message_id=_platform_id(s.channel, mid),
                idempotency_key=f"human:{mid}",
                attempts=1,
                created_at=at,
                sent_at=at,
            )
        )

    def take(self) -> Batch:
        batch, self.batch = self.batch, Batch()
        return batch


# --- the database ------------------------------------------------------------------------------

FILLED_TABLES = (
    "escalation_events",
    "escalations",
    "notes",
    "messages",
    "conversations",
    "insight_message_hourly",
    "insight_contact_daily",
    "insight_subject_hourly",
    "insight_rollup_state",
    "crisis_alerts",
)
_TABLES: dict[str, Table] = {
    "conversations": Conversation.__table__,  # type: ignore[dict-item]
    "messages": Message.__table__,  # type: ignore[dict-item]
    "escalations": Escalation.__table__,  # type: ignore[dict-item]
    "escalation_events": EscalationEvent.__table__,  # type: ignore[dict-item]
}


class Sink(Protocol):
    def write(self, table: str, columns: Sequence[str], rows: Iterable[tuple[Any, ...]]) -> int: ...
    def commit(self) -> None: ...
    def is_empty(self, table: str) -> bool: ...
    def truncate(self) -> None: ...
    def finish(self) -> None: ...
    def close(self) -> None: ...


class PostgresSink:
    """COPY into PostgreSQL; JSON values are dumped here, ids are ours (sequences set after)."""

    def __init__(self, url: str) -> None:
        import psycopg

        conninfo = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
        self.conn = psycopg.connect(conninfo)

    def write(self, table: str, columns: Sequence[str], rows: Iterable[tuple[Any, ...]]) -> int:
        from psycopg import sql

        dumped = [i for i, name in enumerate(columns) if name in JSON_COLUMNS]
        statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
            sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, columns))
        )
        count = 0
        with self.conn.cursor() as cursor, cursor.copy(statement) as copy:
            for row in rows:
                if dumped:
                    values = list(row)
                    for i in dumped:
                        if values[i] is not None:
                            values[i] = json.dumps(values[i], ensure_ascii=False)
                    row = tuple(values)  # noqa: PLW2901
                copy.write_row(row)
                count += 1
        return count

    def commit(self) -> None:
        self.conn.commit()

    def is_empty(self, table: str) -> bool:
        from psycopg import sql

        query = sql.SQL("SELECT NOT EXISTS (SELECT 1 FROM {})").format(sql.Identifier(table))
        row = self.conn.execute(query).fetchone()
        return bool(row and row[0])

    def truncate(self) -> None:
        from psycopg import sql

        # CASCADE: notes and anything else pointing at these rows goes with them.
        names = sql.SQL(", ").join(map(sql.Identifier, FILLED_TABLES))
        self.conn.execute(sql.SQL("TRUNCATE {} RESTART IDENTITY CASCADE").format(names))
        self.conn.commit()

    def finish(self) -> None:
        """Point the id sequences past our ids, mark open conversations, analyse."""
        from psycopg import sql

        for table in _TABLES:
            self.conn.execute(
                sql.SQL(
                    "SELECT setval(pg_get_serial_sequence(%s, 'id'), "
                    "coalesce((SELECT max(id) FROM {}), 0) + 1, false)"
                ).format(sql.Identifier(table)),
                (table,),
            )
        self.conn.execute(_OPEN_CONVERSATIONS)
        self.conn.commit()

    def close(self) -> None:
        self.conn.close()


_OPEN_CONVERSATIONS = (
    "UPDATE conversations SET status = 'needs_human' WHERE id IN "
    "(SELECT conversation_id FROM escalations WHERE status IN ('waiting', 'assigned'))"
)


class SqliteSink:
    """Plain inserts through SQLAlchemy Core, which stores dates and JSON as the app reads them."""

    def __init__(self, url: str) -> None:
        from sqlalchemy import event

        self.engine = create_sync_engine(sync_url(url))
        event.listen(self.engine, "connect", _foreign_keys)
        self.conn = self.engine.connect()

    def write(self, table: str, columns: Sequence[str], rows: Iterable[tuple[Any, ...]]) -> int:
        values = [dict(zip(columns, row, strict=True)) for row in rows]
        if values:
            self.conn.execute(insert(_TABLES[table]), values)
        return len(values)

    def commit(self) -> None:
        self.conn.commit()

    def is_empty(self, table: str) -> bool:
        return self.conn.execute(select(func.count()).select_from(_TABLES[table])).scalar() == 0

    def truncate(self) -> None:
        from sqlalchemy import text

        # Checking each deleted message against messages.reply_to_id (not indexed) would take
        # minutes: the checks are off while everything goes. The PRAGMA must run outside a
        # transaction, which pysqlite opens only for the DELETEs.
        self.conn.commit()
        self.conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
        for table in FILLED_TABLES:
            self.conn.execute(text(f'DELETE FROM "{table}"'))  # our own table names
        self.conn.commit()
        self.conn.exec_driver_sql("PRAGMA foreign_keys=ON")

    def finish(self) -> None:
        from sqlalchemy import text

        self.conn.execute(text(_OPEN_CONVERSATIONS))
        self.conn.commit()

    def close(self) -> None:
        self.conn.close()
        self.engine.dispose()


def _foreign_keys(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.execute("PRAGMA foreign_keys=ON")


def customer_id(channel: str, index: int) -> str:
    """A platform-like id for the customer: Messenger PSID, Instagram IGSID, X user id."""
    base = {"messenger": 6_100_000_000_000_000, "instagram": 9_100_000_000_000_000}
    return str(base.get(channel, 1_580_000_000) + index)


def conversation_rows(plan: Plan) -> tuple[list[tuple[Any, ...]], dict[int, int]]:
    """One conversation per customer who wrote, numbered in order of their first message;
    returns the rows and customer index -> conversation id."""
    seen, first_session = np.unique(plan.session_customer, return_index=True)
    by_first = np.argsort(first_session)
    per_message = np.repeat(plan.session_customer, np.diff(plan.offsets))
    last = np.full(len(plan.customer_channel), -np.inf)
    np.maximum.at(last, per_message, plan.message_at)
    ids: dict[int, int] = {}
    rows = []
    for number, k in enumerate(by_first, start=1):
        c = int(seen[k])
        ids[c] = number
        channel, account, _ = CHANNELS[plan.customer_channel[c]]
        first = _at(float(plan.session_start[first_session[k]]))
        rows.append(
            (
                number,
                channel,
                account,
                customer_id(channel, c),
                ConversationStatus.BOT.value,
                LANGUAGES[plan.customer_language[c]][0],
                _at(float(last[c])),
                first,
                _at(float(last[c])),
            )
        )
    return rows, ids


def migrate(url: str) -> None:
    """`python -m agent migrate` for this URL, without the app's other settings."""
    from alembic import command
    from alembic.config import Config

    config = Config(str(REPO_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(REPO_ROOT / "agent" / "migrations"))
    config.set_main_option("sqlalchemy.url", sync_url(url).replace("%", "%%"))
    command.upgrade(config, "head")


def sessions_of(plan: Plan, ids: dict[int, int]) -> Iterable[Session]:
    for i in range(plan.sessions):
        c = int(plan.session_customer[i])
        channel, account, _ = CHANNELS[plan.customer_channel[c]]
        yield Session(
            conversation_id=ids[c],
            channel=channel,
            account_id=account,
            language=LANGUAGES[plan.customer_language[c]][0],
            tier=TIERS[plan.customer_tier[c]][0],
            times=plan.message_at[plan.offsets[i] : plan.offsets[i + 1]].tolist(),
            kind=Kind(int(plan.session_kind[i])),
        )


@dataclass
class Counts:
    conversations: int = 0
    inbound: int = 0
    messages: int = 0
    escalations: int = 0
    events: int = 0

    def rows(self) -> int:
        return self.conversations + self.messages + self.escalations + self.events


def load(
    sink: Sink,
    plan: Plan,
    writer: Writer,
    *,
    batch: int,
    say: Callable[[str], None] = print,
) -> Counts:
    """Write the plan: conversations first, then messages with their escalations, a batch
    (about `batch` customer messages) per transaction."""
    counts = Counts()
    started = time.perf_counter()
    conversations, ids = conversation_rows(plan)
    counts.conversations = sink.write("conversations", CONVERSATION_COLUMNS, conversations)
    sink.commit()

    def flush() -> None:
        rows = writer.take()
        if not rows.messages:
            return
        counts.inbound += rows.inbound
        counts.messages += sink.write("messages", MESSAGE_COLUMNS, rows.messages)
        counts.escalations += sink.write("escalations", ESCALATION_COLUMNS, rows.escalations)
        counts.events += sink.write("escalation_events", EVENT_COLUMNS, rows.events)
        sink.commit()
        elapsed = time.perf_counter() - started
        rate = counts.rows() / elapsed
        say(
            f"  {counts.inbound:>10,} / {plan.messages:,} customer messages"
            f"  {counts.rows():>11,} rows  {elapsed:7.1f} s  ({rate:,.0f} rows/s)"
        )

    for session in sessions_of(plan, ids):
        writer.session(session)
        if writer.batch.inbound >= batch:
            flush()
    flush()
    sink.finish()
    return counts


async def rebuild(
    url: str,
    *,
    begin: datetime | None,
    now: datetime,
    tz: ZoneInfo,
    crisis: CrisisConfig,
    burst: tuple[float, float] | None,
    chunk_days: int = 7,
    say: Callable[[str], None] = print,
) -> int:
    """Recompute the rollups a few days at a time (a commit each) from `begin` (unset: the
    oldest message), then replay the crisis check through the burst. Returns the alerts."""
    engine = create_engine(url)
    sessions = sessionmaker(engine)
    started = time.perf_counter()
    try:
        if begin is None:
            async with sessions() as db:
                begin = await oldest_message(db)
            if begin is None:
                return 0
        start = local_day_start(begin, tz)
        while start <= now:
            until: datetime | None = start + timedelta(days=chunk_days)
            if until is not None and until > now:
                until = None
            async with sessions() as db:
                await refresh(db, since=start, until=until, now=now, tz=tz, crisis=crisis)
                await db.commit()
            say(
                f"  rollups from {start.astimezone(tz).date()}"
                f"  {time.perf_counter() - started:7.1f} s"
            )
            if until is None:
                break
            start = until
        return await replay_crisis(sessions, burst, tz=tz) if burst else 0
    finally:
        await engine.dispose()


def insight_job(sessions: async_sessionmaker[AsyncSession], tz: ZoneInfo) -> InsightJob:
    """The app's insight job, for its database steps only: no webhook, and its Redis and HTTP
    clients are never used (nor connect)."""
    return InsightJob(
        sessions=sessions,
        redis=Redis(),
        http=httpx.AsyncClient(),
        config=load_insight_config(),
        time_zone=tz,
        lookback=timedelta(hours=6),
    )


async def replay_crisis(
    sessions: async_sessionmaker[AsyncSession], burst: tuple[float, float], *, tz: ZoneInfo
) -> int:
    """Run the job's crisis check through the burst every five minutes until its last
    messages leave the window. The app checks every minute, but each check here reads every
    message from its window's start to now (the burst is hours old): a minute apart would
    take minutes on a million messages. Returns the alerts raised."""
    job = insight_job(sessions, tz)
    raised = 0
    try:
        at = _at(burst[0])
        while at <= _at(burst[1]) + job.config.crisis.window + timedelta(minutes=10):
            raised += len(await job.detect_crises(at))
            at += timedelta(minutes=5)
    finally:
        await job.http.aclose()
        await job.redis.aclose()
    return raised


async def analyze(url: str) -> None:
    from sqlalchemy import text

    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            await conn.execute(text("ANALYZE"))
            await conn.commit()
    finally:
        await engine.dispose()


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m scripts.insight_data", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--database-url", default=os.environ.get("AGENT_DATABASE_URL"))
    parser.add_argument("--messages", type=int, default=1_000_000, help="customer messages")
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument(
        "--customers",
        type=int,
        help="customers to draw from; about nine in ten write (default: 6.6 %% of --messages)",
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--now", help="ISO time the data ends at (default: now)")
    parser.add_argument("--batch", type=int, default=50_000, help="customer messages a commit")
    parser.add_argument("--truncate", action="store_true", help="empty the tables filled here")
    parser.add_argument("--migrate", action="store_true", help="run the migrations first")
    parser.add_argument("--allow-sqlite", action="store_true", help="for a small run only")
    parser.add_argument("--no-crisis", action="store_true", help="leave out the crisis burst")
    parser.add_argument(
        "--rollups-only", action="store_true", help="only rebuild the rollups of what is there"
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if not args.database_url:
        print("no database: pass --database-url or set AGENT_DATABASE_URL", file=sys.stderr)
        return 2
    backend = make_url(args.database_url).get_backend_name()
    if backend not in ("postgresql", "sqlite"):
        print(f"unsupported database: {backend}", file=sys.stderr)
        return 2
    if backend == "sqlite" and not args.allow_sqlite:
        print("refusing SQLite: pass --allow-sqlite (for a small run)", file=sys.stderr)
        return 2
    if args.messages < 100 or args.days < 1:
        print("--messages must be at least 100 and --days at least 1", file=sys.stderr)
        return 2
    now = as_utc(datetime.fromisoformat(args.now)) if args.now else datetime.now(UTC)
    handoff = load_handoff_config()
    tz = handoff.calendar.time_zone
    crisis = load_insight_config().crisis
    if args.migrate:
        migrate(args.database_url)
    started = time.perf_counter()
    burst = None
    begin = None if args.rollups_only else now - timedelta(days=args.days)
    if not args.rollups_only:
        sink: Sink = (
            PostgresSink(args.database_url)
            if backend == "postgresql"
            else SqliteSink(args.database_url)
        )
        try:
            if args.truncate:
                sink.truncate()
                print(f"emptied the tables in {time.perf_counter() - started:.1f} s")
            elif not (sink.is_empty("messages") and sink.is_empty("conversations")):
                print("the tables already hold messages: pass --truncate", file=sys.stderr)
                return 2
            started = time.perf_counter()
            customers = args.customers or max(50, round(args.messages * 0.066))
            plan = make_plan(
                messages=args.messages,
                customers=customers,
                days=args.days,
                end=now,
                tz=tz,
                seed=args.seed,
                crisis=not args.no_crisis,
            )
            burst = plan.crisis
            print(
                f"plan: {plan.messages:,} customer messages in {plan.sessions:,} sessions"
                f" from {len(np.unique(plan.session_customer)):,} customers"
                f" ({time.perf_counter() - started:.1f} s)"
            )
            writer = Writer(
                seed=args.seed,
                now=now,
                handoff=handoff,
                responses=load_responses(REPO_ROOT / "domain.yml"),
                rules=load_rules(),
            )
            counts = load(sink, plan, writer, batch=args.batch)
        finally:
            sink.close()
        loaded = time.perf_counter() - started
        print(
            f"inserted {counts.rows():,} rows in {loaded:.1f} s: {counts.conversations:,}"
            f" conversations, {counts.messages:,} messages ({counts.inbound:,} from customers),"
            f" {counts.escalations:,} escalations, {counts.events:,} escalation events"
        )
    step = time.perf_counter()
    alerts = asyncio.run(
        rebuild(args.database_url, begin=begin, now=now, tz=tz, crisis=crisis, burst=burst)
    )
    print(f"rollups rebuilt in {time.perf_counter() - step:.1f} s; {alerts} crisis alerts")
    step = time.perf_counter()
    asyncio.run(analyze(args.database_url))
    total = time.perf_counter() - started
    print(f"ANALYZE in {time.perf_counter() - step:.1f} s; total {total:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
