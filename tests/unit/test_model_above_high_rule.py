"""A high rule sets a floor, not a ceiling: the learned model may still raise the message to
critical, at the bar it needs to raise a message no rule caught."""

import pytest

from agent.signals.analyzer import HIGH_RULE_CRITICAL_MIN, MODEL_CRITICAL_MIN
from agent.signals.loader import build_analyzer
from agent.signals.rules import match_rules
from agent.signals.types import UrgencyLevel
from tests.conftest import make_settings
from tests.unit.test_guarded_urgency import RULES, FixedModel, analyzer

# A fraud that reads like a wrong charge; a legal threat that reads like repeated contact.
CHARGE = "charged twice for one order and the card company told me to check with you first"
THREAT = (
    "this is my fourth message about the refund. next you will hear from the woman who handles "
    "my disputes professionally"
)
CHARGE_JA = "カード明細に御社名義の請求が2件あるんですが、今年は一度も買ってません"


def test_the_messages_fire_a_high_rule_only() -> None:
    for text, language in ((CHARGE, "en"), (THREAT, "en"), (CHARGE_JA, "ja")):
        hits = match_rules(text, RULES, language=language)
        assert hits and {h.level for h in hits} == {UrgencyLevel.HIGH}, text


async def test_the_model_raises_a_high_rule_to_critical_at_its_own_bar() -> None:
    urgency = (await analyzer(MODEL_CRITICAL_MIN).judge(CHARGE)).signals.urgency
    assert urgency.level is UrgencyLevel.CRITICAL
    # The rule's reason and words stay first, for the person and the routing; the model's
    # reason says why it is critical.
    assert urgency.reason_keys == ("wrong_charge", "model")
    assert "charged twice" in urgency.reasons[0]
    assert "model, 60% sure" in urgency.reasons[1]
    # Scored as the model's own critical reading, below a critical rule's 0.95.
    assert 0.75 <= urgency.score < 0.95


async def test_below_the_bar_the_high_rule_decides() -> None:
    urgency = (await analyzer(MODEL_CRITICAL_MIN - 0.05).judge(CHARGE)).signals.urgency
    assert urgency.level is UrgencyLevel.HIGH
    assert urgency.reason_keys == ("wrong_charge",)


async def test_repeated_contact_is_raised_the_same_way() -> None:
    urgency = (await analyzer(0.7).judge(THREAT)).signals.urgency
    assert urgency.level is UrgencyLevel.CRITICAL
    assert urgency.reason_keys == ("repeated_contact", "model")


async def test_a_critical_rule_is_not_restated_by_the_model() -> None:
    text = "my face swelled up after the serum and my eyes are puffy"
    urgency = (await analyzer(0.95).judge(text)).signals.urgency
    assert urgency.level is UrgencyLevel.CRITICAL
    assert "model" not in urgency.reason_keys


async def test_japanese_staff_read_the_models_reason_in_japanese() -> None:
    urgency = (await analyzer(0.8).judge(CHARGE_JA)).signals.urgency
    assert urgency.level is UrgencyLevel.CRITICAL
    assert urgency.reason_keys == ("wrong_charge", "model")
    assert "モデル判定、確度80%" in urgency.reasons[1]


def test_the_default_bar_is_the_models_own() -> None:
    assert HIGH_RULE_CRITICAL_MIN == MODEL_CRITICAL_MIN


async def test_a_bar_of_one_lets_a_high_rule_cap_the_level() -> None:
    urgency = (await analyzer(1.0, high_rule_min=1.0).judge(CHARGE)).signals.urgency
    assert urgency.level is UrgencyLevel.HIGH
    assert urgency.reason_keys == ("wrong_charge",)
    raised = (await analyzer(0.5, high_rule_min=0.45).judge(CHARGE)).signals.urgency
    assert raised.level is UrgencyLevel.CRITICAL


async def test_the_app_builds_its_analyzer_with_the_setting(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The model is 70% sure: above the default bar, below the brand's 0.8.
    monkeypatch.setattr("agent.signals.loader.load_model", lambda settings: FixedModel(0.7))
    default = make_settings(database_url="sqlite://", redis_url="redis://unused")
    urgency = (await build_analyzer(default, intents=None).judge(CHARGE)).signals.urgency
    assert urgency.level is UrgencyLevel.CRITICAL
    monkeypatch.setenv("AGENT_SIGNALS_HIGH_RULE_CRITICAL_MIN", "0.8")
    stricter = make_settings(database_url="sqlite://", redis_url="redis://unused")
    urgency = (await build_analyzer(stricter, intents=None).judge(CHARGE)).signals.urgency
    assert urgency.level is UrgencyLevel.HIGH
