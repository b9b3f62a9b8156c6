"""The escalation policy: pure decisions with their reasons."""

from dataclasses import replace

import pytest

from agent.escalation.policy import PolicyConfig, Reason, decide
from agent.settings import Settings
from agent.signals.loader import policy_config
from agent.signals.types import (
    Intent,
    Sentiment,
    SentimentLabel,
    Signals,
    TurnRecord,
    Urgency,
    UrgencyLevel,
)
from tests.conftest import make_settings


def signals(
    intent: str = "faq/shipping_time",
    urgency: UrgencyLevel = UrgencyLevel.NORMAL,
    sentiment: float = 0.0,
    reasons: tuple[str, ...] = (),
) -> Signals:
    label = (
        SentimentLabel.NEGATIVE
        if sentiment <= -0.3
        else SentimentLabel.POSITIVE
        if sentiment >= 0.3
        else SentimentLabel.NEUTRAL
    )
    return Signals(
        language="en",
        sentiment=Sentiment(label, sentiment),
        urgency=Urgency(urgency, 0.5, reasons),
        intent=Intent(intent, 0.9),
    )


def test_an_ordinary_question_stays_with_the_bot() -> None:
    decision = decide(signals(), fallback=False)
    assert not decision.escalate and decision.reasons == ()


def test_asking_for_a_person_escalates() -> None:
    decision = decide(signals(intent="human_handoff"), fallback=False)
    assert decision.escalate and decision.reason_keys == (Reason.ASKED_FOR_PERSON,)
    assert not decision.critical


def test_a_request_phrase_escalates_whatever_the_intent_with_the_words() -> None:
    # Rasa read "is there an actual human i can chat with? the bot keeps sending me the same
    # link" as a question about the bot.
    base = signals(intent="bot_challenge")
    assert not decide(base, fallback=False).escalate
    asked = replace(base, asked_for_person="i can chat with")
    decision = decide(asked, fallback=False)
    assert decision.escalate and decision.reason_keys == (Reason.ASKED_FOR_PERSON,)
    assert "“i can chat with”" in decision.reasons[0]
    # Said twice (the intent and the phrase), it is one reason.
    both = replace(asked, intent=Intent("human_handoff", 0.9))
    assert decide(both, fallback=False).reason_keys == (Reason.ASKED_FOR_PERSON,)


def test_critical_escalates_at_once_with_the_rules_reasons() -> None:
    decision = decide(
        signals(urgency=UrgencyLevel.CRITICAL, reasons=("reports a skin reaction (“rash”)",)),
        fallback=False,
    )
    assert decision.escalate and decision.critical
    assert decision.reasons == ("critical: reports a skin reaction (“rash”)",)


def test_high_urgency_escalates_only_when_the_customer_is_upset() -> None:
    calm = decide(signals(urgency=UrgencyLevel.HIGH, sentiment=0.0), fallback=False)
    upset = decide(signals(urgency=UrgencyLevel.HIGH, sentiment=-0.8), fallback=False)
    assert not calm.escalate
    assert upset.escalate and upset.reason_keys == (Reason.HIGH_NEGATIVE,)
    off = decide(
        signals(urgency=UrgencyLevel.HIGH, sentiment=-0.8),
        fallback=False,
        config=PolicyConfig(escalate_high_negative=False),
    )
    assert not off.escalate


def test_high_urgency_of_a_configured_kind_escalates_whatever_the_tone() -> None:
    unanswered = replace(
        signals(urgency=UrgencyLevel.HIGH, sentiment=0.0),
        urgency=Urgency(
            UrgencyLevel.HIGH, 0.6, ("contacted several times",), ("repeated_contact",)
        ),
    )
    damaged = replace(
        unanswered,
        urgency=Urgency(UrgencyLevel.HIGH, 0.6, ("damaged goods",), ("damaged_goods",)),
    )
    config = PolicyConfig(high_always=frozenset({"repeated_contact", "public_threat"}))
    assert not decide(unanswered, fallback=False).escalate  # none by default
    decision = decide(unanswered, fallback=False, config=config)
    assert decision.escalate and decision.reason_keys == (Reason.HIGH_ALWAYS,)
    assert decision.reasons == (
        "high urgency that needs a person whatever the tone: contacted several times",
    )
    assert not decide(damaged, fallback=False, config=config).escalate
    # Upset customers keep the usual reason; critical urgency is not "high".
    upset = replace(unanswered, sentiment=Sentiment(SentimentLabel.NEGATIVE, -0.8))
    assert decide(upset, fallback=False, config=config).reason_keys == (Reason.HIGH_NEGATIVE,)


def test_two_fallbacks_in_a_row_escalate() -> None:
    fell_back = TurnRecord(sentiment_score=0.0, fallback=True)
    answered = TurnRecord(sentiment_score=0.0, fallback=False)
    assert not decide(signals(), fallback=True, history=[]).escalate
    assert not decide(signals(), fallback=True, history=[fell_back, answered]).escalate
    decision = decide(signals(), fallback=True, history=[answered, fell_back])
    assert decision.reason_keys == (Reason.FALLBACKS,)
    three = PolicyConfig(fallbacks_in_a_row=3)
    assert not decide(
        signals(), fallback=True, history=[answered, fell_back], config=three
    ).escalate
    assert decide(signals(), fallback=True, history=[fell_back, fell_back], config=three).escalate


def test_sentiment_turning_sharply_negative_escalates() -> None:
    history = [TurnRecord(0.6), TurnRecord(0.2)]
    decision = decide(signals(sentiment=-0.7), fallback=False, history=history)
    assert decision.reason_keys == (Reason.SENTIMENT_DROP,)
    assert "+0.60 → -0.70" in decision.reasons[0]
    # Negative from the start is not a turn; a mild dip is not sharp.
    steady = [TurnRecord(-0.6), TurnRecord(-0.5)]
    assert not decide(signals(sentiment=-0.7), fallback=False, history=steady).escalate
    assert not decide(signals(sentiment=-0.3), fallback=False, history=[TurnRecord(0.3)]).escalate


def test_order_status_and_cancellation_stay_with_the_bot_unless_a_rule_fires() -> None:
    for intent in ("faq/order_status", "faq/cancel_order"):
        assert not decide(signals(intent=intent, sentiment=-0.4), fallback=False).escalate
        urgent = decide(
            signals(intent=intent, urgency=UrgencyLevel.HIGH, sentiment=-0.8), fallback=False
        )
        assert urgent.escalate


def test_every_reason_is_reported_together() -> None:
    decision = decide(
        signals(intent="human_handoff", urgency=UrgencyLevel.CRITICAL, sentiment=-0.9),
        fallback=False,
        history=[TurnRecord(0.5)],
    )
    assert decision.reason_keys == (
        Reason.ASKED_FOR_PERSON,
        Reason.CRITICAL,
        Reason.SENTIMENT_DROP,
    )


def test_the_kinds_that_always_escalate_come_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def settings() -> Settings:
        return make_settings(database_url="sqlite://", redis_url="redis://unused")

    assert policy_config(settings()).high_always == frozenset()
    monkeypatch.setenv("AGENT_ESCALATION_HIGH_ALWAYS", '["repeated_contact", "public_threat"]')
    assert policy_config(settings()).high_always == {"repeated_contact", "public_threat"}
