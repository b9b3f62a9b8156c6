"""The insight data generator (scripts/insight_data.py): its wordings, its plan and its rows,
checked against the app's own urgency rules, escalation policy and signals format."""

from __future__ import annotations

import itertools
from collections import Counter, defaultdict
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pytest

from agent.escalation.policy import decide
from agent.handoff.config import HandoffConfig, load_handoff_config
from agent.nlg.responses import load_responses
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
from scripts import insight_data as data

NOW = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)
MESSAGES = 20_000
COLUMN = {name: i for i, name in enumerate(data.MESSAGE_COLUMNS)}


@pytest.fixture(scope="module")
def handoff() -> HandoffConfig:
    return load_handoff_config()


@pytest.fixture(scope="module")
def rules() -> tuple[UrgencyRule, ...]:
    return load_rules()


@pytest.fixture(scope="module")
def templates() -> dict[str, dict[str, tuple[str, ...]]]:
    return data.parse_templates(data.TEMPLATES)


@pytest.fixture(scope="module")
def plan(handoff: HandoffConfig) -> data.Plan:
    return data.make_plan(
        messages=MESSAGES,
        customers=1_200,
        days=90,
        end=NOW,
        tz=handoff.calendar.time_zone,
        seed=3,
    )


@pytest.fixture(scope="module")
def batch(plan: data.Plan, handoff: HandoffConfig, rules: tuple[UrgencyRule, ...]) -> data.Batch:
    writer = data.Writer(
        seed=3,
        now=NOW,
        handoff=handoff,
        responses=load_responses(REPO_ROOT / "domain.yml"),
        rules=rules,
    )
    _, ids = data.conversation_rows(plan)
    for session in data.sessions_of(plan, ids):
        writer.session(session)
    return writer.take()


def filled(template: str, language: str) -> list[str]:
    """The template with every product (the other fillers' first value)."""
    ja = language == "ja"
    return sorted(
        {
            template.format(
                product=product[ja],
                place=data.PLACES[0][ja],
                country=data.COUNTRIES[0][ja],
                outlet=data.OUTLETS[0][ja],
                order="TB-123456",
                agent="Aoi",
            )
            for product in data.PRODUCTS
        }
    )


def inbound(batch: data.Batch) -> list[dict[str, Any]]:
    return [
        dict(zip(data.MESSAGE_COLUMNS, row, strict=True))
        for row in batch.messages
        if row[COLUMN["direction"]] == "inbound"
    ]


# --- wordings -----------------------------------------------------------------------------------


def test_every_section_has_both_languages(templates: dict[str, dict[str, tuple[str, ...]]]) -> None:
    for name, by_language in templates.items():
        assert set(by_language) == {"en", "ja"}, name
    assert len([name for name in templates if name.startswith("unanswered:")]) >= 20


def test_every_topic_has_wordings_and_a_reply(
    templates: dict[str, dict[str, tuple[str, ...]]],
) -> None:
    responses = load_responses(REPO_ROOT / "domain.yml")
    for topic, (_, _, _, reply) in data.TOPICS.items():
        assert topic in templates
        assert responses.render(reply, "ja"), reply
    faq_keys = {name.removeprefix("utter_faq/") for name in responses.texts if "faq/" in name}
    assert {t.removeprefix("faq/") for t in data.TOPICS if t.startswith("faq/")} == faq_keys


def test_urgent_wordings_fire_their_own_rule(
    templates: dict[str, dict[str, tuple[str, ...]]], rules: tuple[UrgencyRule, ...]
) -> None:
    for name, by_language in templates.items():
        if name.startswith("urgent:"):
            want = name.removeprefix("urgent:")
        elif name.startswith("crisis"):
            want = "health_safety"
        else:
            continue
        for language, wordings in by_language.items():
            for text in itertools.chain.from_iterable(filled(w, language) for w in wordings):
                hits = match_rules(text, rules, language=language)
                assert hits, text
                assert hits[0].reason == want, (text, [h.reason for h in hits])


def test_ordinary_wordings_fire_no_rule(
    templates: dict[str, dict[str, tuple[str, ...]]], rules: tuple[UrgencyRule, ...]
) -> None:
    for name, by_language in templates.items():
        if name.startswith(("urgent:", "crisis", "human_reply")):
            continue
        for language, wordings in by_language.items():
            for text in itertools.chain.from_iterable(filled(w, language) for w in wordings):
                assert match_rules(text, rules, language=language) == [], (name, text)


def test_a_wording_outside_a_section_is_refused() -> None:
    with pytest.raises(ValueError, match="line 1"):
        data.parse_templates("en: hello")
    with pytest.raises(ValueError, match="line 2"):
        data.parse_templates("[greet]\nfr: bonjour")


# --- the plan -----------------------------------------------------------------------------------


def test_the_same_seed_makes_the_same_plan(plan: data.Plan, handoff: HandoffConfig) -> None:
    again = data.make_plan(
        messages=MESSAGES, customers=1_200, days=90, end=NOW, tz=handoff.calendar.time_zone, seed=3
    )
    assert np.array_equal(again.message_at, plan.message_at)
    assert np.array_equal(again.session_kind, plan.session_kind)
    other = data.make_plan(
        messages=MESSAGES, customers=1_200, days=90, end=NOW, tz=handoff.calendar.time_zone, seed=4
    )
    assert not np.array_equal(other.message_at, plan.message_at)


def test_the_plan_has_every_message_in_range(plan: data.Plan) -> None:
    assert plan.messages == MESSAGES
    assert plan.offsets[-1] == MESSAGES
    assert np.all(np.diff(plan.offsets) >= 1)
    assert np.all(np.diff(plan.session_start) >= 0)
    assert plan.message_at.min() >= plan.begin
    assert plan.message_at.max() < plan.end


def test_channels_and_languages_have_their_shares(plan: data.Plan) -> None:
    per_message = np.repeat(plan.session_customer, np.diff(plan.offsets))
    channels = np.bincount(plan.customer_channel[per_message], minlength=3) / MESSAGES
    languages = np.bincount(plan.customer_language[per_message], minlength=2) / MESSAGES
    # Heavy writers make the shares of messages drift from the shares of customers.
    for share, (*_, expected) in zip(channels, data.CHANNELS, strict=True):
        assert abs(share - expected) < 0.08
    assert abs(languages[0] - 0.6) < 0.08


def test_tokyo_nights_are_quiet(plan: data.Plan, handoff: HandoffConfig) -> None:
    tz = handoff.calendar.time_zone
    hours = Counter(datetime.fromtimestamp(t, tz).hour for t in plan.session_start)
    assert sum(hours[h] for h in (2, 3, 4, 5)) * 5 < sum(hours[h] for h in (19, 20, 21, 22))


def test_about_four_percent_of_conversation_days_escalate_once(
    plan: data.Plan, handoff: HandoffConfig
) -> None:
    tz = handoff.calendar.time_zone
    days = [
        (int(c), datetime.fromtimestamp(t, tz).date())
        for c, t in zip(plan.session_customer, plan.session_start, strict=True)
    ]
    escalated = [day for day, kind in zip(days, plan.session_kind, strict=True) if kind]
    assert len(escalated) == len(set(escalated))
    assert 0.03 < len(escalated) / len(set(days)) < 0.05


def test_the_crisis_is_new_customers_within_the_hour_and_a_half(plan: data.Plan) -> None:
    burst = plan.session_kind == data.Kind.CRISIS
    assert plan.crisis is not None
    assert 12 <= burst.sum() <= 50
    starts = plan.session_start[burst]
    assert starts.max() - starts.min() <= 80 * 60
    others = set(plan.session_customer[~burst].tolist())
    assert not others & set(plan.session_customer[burst].tolist())


# --- the rows -----------------------------------------------------------------------------------


def test_signals_are_what_the_worker_stores(batch: data.Batch) -> None:
    reference = Signals(
        language="ja",
        sentiment=Sentiment(SentimentLabel.NEUTRAL, 0.0),
        urgency=Urgency(UrgencyLevel.LOW, 0.1),
        intent=Intent("greet", 0.9),
    ).as_metadata()
    for row in inbound(batch)[:2_000]:
        signals = row["signals"]
        assert set(signals) == {*reference, "escalate", "escalation_reasons"}
        for key in ("sentiment", "urgency", "intent"):
            assert set(signals[key]) == set(reference[key])
        assert signals["language"] == row["language"]
        assert signals["urgency"]["level"] == row["urgency"]
        assert signals["sentiment"]["score"] == row["sentiment_score"]
        assert signals["intent"]["name"] == row["topic"]
        assert -1 <= row["sentiment_score"] <= 1


def test_shares_of_fallbacks_and_critical_messages(batch: data.Batch) -> None:
    rows = inbound(batch)
    assert len(rows) == MESSAGES
    fallback = sum(row["fallback"] for row in rows) / len(rows)
    critical = sum(row["urgency"] == "critical" for row in rows) / len(rows)
    assert 0.05 < fallback < 0.07
    assert 0.002 < critical < 0.005


def test_each_answered_message_has_one_bot_reply_after_it(batch: data.Batch) -> None:
    replies: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for values in batch.messages:
        if values[COLUMN["author"]] == "bot":
            replies[values[COLUMN["reply_to_id"]]].append(
                dict(zip(data.MESSAGE_COLUMNS, values, strict=True))
            )
    for row in inbound(batch):
        got = replies.get(row["id"], [])
        if row["status"] == "for_agent":
            assert got == []
            continue
        assert row["status"] == "answered"
        assert len(got) == 1
        assert row["created_at"] < got[0]["created_at"] <= got[0]["sent_at"]
        assert got[0]["idempotency_key"] == f"{row['id']}:0"


def test_the_policy_escalates_exactly_the_trigger_messages(batch: data.Batch) -> None:
    """Replay the app's escalation policy over each conversation's messages."""
    history: dict[int, list[TurnRecord]] = defaultdict(list)
    triggers = {row[data.ESCALATION_COLUMNS.index("message_id")] for row in batch.escalations}
    for row in inbound(batch):
        s = row["signals"]
        signals = Signals(
            language=s["language"],
            sentiment=Sentiment(SentimentLabel(s["sentiment"]["label"]), s["sentiment"]["score"]),
            urgency=Urgency(
                UrgencyLevel(s["urgency"]["level"]),
                s["urgency"]["score"],
                tuple(s["urgency"]["reasons"]),
                tuple(s["urgency"]["reason_keys"]),
            ),
            intent=Intent(s["intent"]["name"], s["intent"]["confidence"]),
        )
        past = history[row["conversation_id"]]
        decision = decide(signals, fallback=row["fallback"], history=past[-3:])
        past.append(TurnRecord(row["sentiment_score"], row["fallback"]))
        if row["status"] == "for_agent":
            continue  # a person has it: the policy may raise its urgency, never open another
        assert decision.escalate == (row["id"] in triggers), row
        assert s["escalate"] == decision.escalate
        if decision.escalate:
            assert s["escalation_reasons"] == list(decision.reasons)


def test_escalations_happen_in_order_and_mostly_on_time(batch: data.Batch) -> None:
    rows = [dict(zip(data.ESCALATION_COLUMNS, values, strict=True)) for values in batch.escalations]
    assert rows
    late = 0
    for e in rows:
        assert e["due_at"] > e["created_at"]
        assert e["team"] in {"product_safety", "press_pr", "billing", "orders_shipping"}
        moments = [e[k] for k in ("created_at", "assigned_at", "first_reply_at", "closed_at")]
        known = [m for m in moments if m is not None]
        assert known == sorted(known)
        assert known[-1] <= NOW
        assert (e["closed_at"] is None) == (e["status"] in ("waiting", "assigned"))
        if e["csat_score"] is not None:
            assert e["status"] == "resolved"
            assert 1 <= e["csat_score"] <= 5
        if e["first_reply_at"] is not None and e["first_reply_at"] > e["due_at"]:
            late += 1
    assert 0.04 < late / len(rows) < 0.2
    resolved = [e for e in rows if e["status"] == "resolved"]
    rated = sum(e["csat_score"] is not None for e in resolved) / len(resolved)
    assert 0.3 < rated < 0.5
