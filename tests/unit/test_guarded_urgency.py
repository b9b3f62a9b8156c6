"""A message a critical rule's guard silenced goes to the learned model at a lower bar."""

from collections.abc import Sequence

import pytest
from pydantic import ValidationError

from agent.settings import Settings
from agent.signals.analyzer import (
    GUARDED_CRITICAL_MIN,
    HIGH_RULE_CRITICAL_MIN,
    MODEL_CRITICAL_MIN,
    Analyzer,
)
from agent.signals.rules import RuleHit, load_rules, match_rules, read_rules
from agent.signals.types import UrgencyLevel
from tests.conftest import make_settings

RULES = load_rules()


def silenced(text: str, language: str = "en") -> tuple[RuleHit, ...]:
    reading = read_rules(text, RULES, language=language, silenced_level=UrgencyLevel.CRITICAL)
    return reading.silenced


# Each reads like a report and, to a guard, like a harmless message: "didn't sting at first"
# is taken out as good news, an ingredient that "stings" as talk about acids in general.
GUARDED_REPORTS = [
    (
        "it didn't sting at first but an hour later my whole face is covered in bumps",
        "health_safety",
    ),
    ("The AHA stings so bad, I had to wash it off straight away", "health_safety"),
]


class FixedModel:
    """Stands in for the learned model: the same urgency reading for every text."""

    def __init__(self, critical: float) -> None:
        rest = (1.0 - critical) / 3
        self.urgency = {"low": rest, "normal": rest, "high": rest, "critical": critical}

    def predict(self, texts: Sequence[str]) -> list[dict[str, dict[str, float]]]:
        neutral = {"negative": 0.2, "neutral": 0.6, "positive": 0.2}
        return [{"sentiment": neutral, "urgency": dict(self.urgency)} for _ in texts]


def analyzer(
    critical: float,
    guarded_min: float = GUARDED_CRITICAL_MIN,
    high_rule_min: float = HIGH_RULE_CRITICAL_MIN,
) -> Analyzer:
    return Analyzer(
        model=FixedModel(critical),  # type: ignore[arg-type]  # duck-typed: only predict()
        rules=RULES,
        intents=None,
        faq_min_confidence=0.5,
        guarded_critical_min=guarded_min,
        high_rule_critical_min=high_rule_min,
    )


@pytest.mark.parametrize(("text", "reason"), GUARDED_REPORTS)
def test_a_guarded_report_names_the_silenced_rule_and_its_words(text: str, reason: str) -> None:
    found = silenced(text)
    assert [hit.reason for hit in found] == [reason]
    assert found[0].matched.strip() and found[0].matched.strip() in text.lower()


def test_a_message_that_fires_or_never_matched_is_not_silenced() -> None:
    fired = "my face is swollen and burning after the toner"
    for text in (fired, "where is my order? it's been a week"):
        assert silenced(text) == ()


def test_silenced_rules_are_looked_for_only_when_asked() -> None:
    text, _ = GUARDED_REPORTS[0]
    reading = read_rules(text, RULES, language="en")
    assert reading.silenced == ()
    assert not any(hit.level is UrgencyLevel.CRITICAL for hit in reading.hits)


@pytest.mark.parametrize(("text", "reason"), GUARDED_REPORTS)
async def test_the_model_decides_a_guarded_report_at_the_lower_bar(text: str, reason: str) -> None:
    sure_enough = GUARDED_CRITICAL_MIN + 0.05
    assert sure_enough < MODEL_CRITICAL_MIN  # below the bar at which the model decides alone
    urgency = (await analyzer(sure_enough).judge(text)).signals.urgency
    assert urgency.level is UrgencyLevel.CRITICAL
    # The reason key picks the brand's holding reply; staff see the words and the doubt.
    assert urgency.reason_keys == (reason,)
    assert "harmless" in urgency.reasons[0] and "35%" in urgency.reasons[0]


async def test_below_the_lower_bar_the_guard_stands() -> None:
    text, _ = GUARDED_REPORTS[0]
    urgency = (await analyzer(GUARDED_CRITICAL_MIN - 0.05).judge(text)).signals.urgency
    assert urgency.level is not UrgencyLevel.CRITICAL


async def test_a_bar_of_one_lets_every_guard_stand() -> None:
    text, _ = GUARDED_REPORTS[0]
    urgency = (await analyzer(0.55, guarded_min=1.0).judge(text)).signals.urgency
    assert urgency.level is not UrgencyLevel.CRITICAL


@pytest.mark.parametrize(
    ("variable", "field", "default"),
    [
        (
            "AGENT_SIGNALS_GUARDED_CRITICAL_MIN",
            "signals_guarded_critical_min",
            GUARDED_CRITICAL_MIN,
        ),
        # Where a high rule fired (tests/unit/test_model_above_high_rule.py).
        (
            "AGENT_SIGNALS_HIGH_RULE_CRITICAL_MIN",
            "signals_high_rule_critical_min",
            HIGH_RULE_CRITICAL_MIN,
        ),
    ],
)
def test_the_bars_are_settings(
    monkeypatch: pytest.MonkeyPatch, variable: str, field: str, default: float
) -> None:
    def settings() -> Settings:
        return make_settings(database_url="sqlite://", redis_url="redis://unused")

    assert getattr(settings(), field) == default
    monkeypatch.setenv(variable, "0.45")
    assert getattr(settings(), field) == 0.45
    for wrong in ("1.5", "-0.1"):
        monkeypatch.setenv(variable, wrong)
        with pytest.raises(ValidationError):
            settings()


async def test_an_unguarded_message_needs_the_models_own_bar() -> None:
    text = "what time do you open tomorrow? want to pick up a gift"
    below = (await analyzer(MODEL_CRITICAL_MIN - 0.05).judge(text)).signals.urgency
    assert below.level is not UrgencyLevel.CRITICAL


async def test_a_guarded_critical_outranks_a_high_rule() -> None:
    # The charge fires the high rule; the guarded reaction is what a person must see first.
    text = "charged twice for the serum, and it didn't sting at first but now my face is all bumps"
    assert [h.reason for h in match_rules(text, RULES, language="en")] == ["wrong_charge"]
    urgency = (await analyzer(0.4).judge(text)).signals.urgency
    assert urgency.level is UrgencyLevel.CRITICAL
    assert urgency.reason_keys == ("health_safety",)


async def test_japanese_staff_read_the_doubt_in_japanese() -> None:
    text = "赤みが出たらすぐやめたんですが、3日経っても引きません"
    assert silenced(text, "ja")
    urgency = (await analyzer(0.5).judge(text)).signals.urgency
    assert urgency.level is UrgencyLevel.CRITICAL
    assert "モデルは報告と判定" in urgency.reasons[0]
