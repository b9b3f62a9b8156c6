"""Pure handoff rules: routing to teams, due times, queue order, priority levels, CSAT scores,
the brand's handoff file and the console's words."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import yaml

from agent.console.i18n import strings
from agent.handoff.config import (
    HANDOFF_CONFIG,
    HandoffConfigError,
    load_handoff_config,
    parse_handoff_config,
)
from agent.handoff.csat import parse_score
from agent.handoff.routing import due_at, priority, queue_rank, route

CONFIG = load_handoff_config()
JST = CONFIG.calendar.time_zone


def jst(*args: int) -> datetime:
    return datetime(*args, tzinfo=JST)  # type: ignore[misc]


@pytest.mark.parametrize(
    ("reasons", "intent", "team"),
    [
        (["child_ingestion"], None, "product_safety"),
        (["health_safety"], "faq/payment_methods", "product_safety"),  # what it is about wins
        (["press"], None, "press_pr"),
        (["legal_threat"], None, "press_pr"),
        (["fraud"], None, "billing"),
        (["wrong_charge", "damaged_goods"], None, "billing"),  # the first reason decides
        (["damaged_goods"], "faq/payment_methods", "orders_shipping"),
        ([], "faq/payment_methods", "billing"),
        ([], "faq/product_ingredients", "product_safety"),
        ([], "faq/shipping_time", "orders_shipping"),
        ([], "human_handoff", "orders_shipping"),  # the default team
        ([], None, "orders_shipping"),
    ],
)
def test_routing(reasons: list[str], intent: str | None, team: str) -> None:
    assert route(CONFIG, urgency_reasons=reasons, intent=intent).key == team


def test_critical_is_due_in_15_minutes_around_the_clock() -> None:
    team = CONFIG.team("product_safety")
    sunday_night = jst(2026, 11, 22, 23, 50)
    assert due_at(CONFIG, team, urgency="critical", since=sunday_night) == sunday_night + timedelta(
        minutes=15
    )


def test_high_is_due_in_one_business_hour_across_a_weekend_and_a_holiday() -> None:
    team = CONFIG.team("orders_shipping")
    # Friday 23:59; Monday 23 November 2026 is Labor Thanksgiving Day: Tuesday 11:00.
    due = due_at(CONFIG, team, urgency="high", since=jst(2026, 11, 20, 23, 59))
    assert due == jst(2026, 11, 24, 11, 0)
    # Friday 17:30: half an hour on Friday, the rest on Tuesday.
    due = due_at(CONFIG, team, urgency="high", since=jst(2026, 11, 20, 17, 30))
    assert due == jst(2026, 11, 24, 10, 30)


def test_normal_is_due_in_eight_business_hours_and_teams_keep_their_own_hours() -> None:
    monday = jst(2026, 11, 30, 9, 0)
    assert due_at(CONFIG, CONFIG.team("billing"), urgency="normal", since=monday) == jst(
        2026, 11, 30, 18, 0
    )
    # Product safety works 09:00-20:00.
    assert due_at(CONFIG, CONFIG.team("product_safety"), urgency="normal", since=monday) == jst(
        2026, 11, 30, 17, 0
    )


def test_year_end_closures_push_the_due_time_into_january() -> None:
    due = due_at(CONFIG, CONFIG.team("billing"), urgency="high", since=jst(2026, 12, 28, 17, 30))
    # 29-31 Dec and 2-3 Jan are brand closures, 1 Jan a public holiday, 4 Jan a Monday.
    assert due == jst(2027, 1, 4, 10, 30)


def test_queue_rank_orders_by_due_time_with_a_head_start_for_higher_tiers() -> None:
    due = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)
    standard = queue_rank(CONFIG, due=due, tier="standard")
    vip = queue_rank(CONFIG, due=due, tier="vip")
    unknown = queue_rank(CONFIG, due=due, tier=None)
    assert vip == standard - 3600 and unknown == standard
    assert queue_rank(CONFIG, due=due - timedelta(minutes=5), tier=None) < standard


def test_priority_rises_with_urgency_tier_and_waiting() -> None:
    created = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)
    due = created + timedelta(hours=1)

    def level(urgency: str, tier: str | None, waited_min: int) -> str:
        now = created + timedelta(minutes=waited_min)
        return priority(urgency=urgency, tier=tier, created=created, due=due, now=now).label

    assert level("critical", None, 0) == "P1"
    assert level("high", None, 0) == "P2"
    assert level("normal", None, 0) == "P3"
    assert level("low", None, 0) == "P4"
    assert level("normal", "gold", 0) == "P2"
    assert level("normal", None, 31) == "P2"  # more than half the time to due has gone
    assert level("normal", "vip", 31) == "P1"
    assert level("critical", "vip", 90) == "P1"  # never above P1
    late = priority(urgency="high", tier=None, created=created, due=due, now=due + timedelta(1))
    assert late.overdue and late.remaining_s < 0


@pytest.mark.parametrize(
    ("text", "score"),
    [
        ("5", 5),
        ("５", 5),
        (" 4 ", 4),
        ("3!", 3),
        ("4/5", 4),
        ("2 stars", 2),
        ("1 star", 1),
        ("4点", 4),
        ("★★★", 3),
        ("⭐️⭐️⭐️⭐️⭐️", 5),
        ("0", None),
        ("6", None),
        ("10", None),
        ("5 bottles of toner please", None),
        ("my order TB-240392", None),
        ("", None),
        ("★★★★★★", None),
    ],
)
def test_csat_scores(text: str, score: int | None) -> None:
    assert parse_score("", text) == score


def test_a_tapped_score_is_read_from_its_payload() -> None:
    assert parse_score("CSAT:4", "4") == 4
    assert parse_score("CSAT:4", "whatever the title said") == 4
    assert parse_score("CSAT:9", "9") is None
    assert parse_score("OTHER", "5") == 5


def _config_data() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(HANDOFF_CONFIG.read_text(encoding="utf-8"))
    return data


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.pop("calendar"), "calendar"),
        (lambda d: d["sla"].pop("high"), "sla.high"),
        (lambda d: d["sla"].update(low={"hours": 0}), "sla.low"),
        (lambda d: d.update(teams=[]), "teams"),
        (lambda d: d["teams"][0].pop("key"), "no key"),
        (lambda d: d.update(default_team="nobody"), "nobody"),
    ],
)
def test_a_wrong_handoff_file_is_refused_with_the_reason(change: Any, message: str) -> None:
    data = _config_data()
    change(data)
    with pytest.raises(HandoffConfigError, match=message):
        parse_handoff_config(data)


def test_the_console_has_every_word_in_both_languages() -> None:
    english, japanese = strings("en"), strings("ja")
    assert english.keys() == japanese.keys()
    assert all(english.values()) and all(japanese.values())
    assert strings("fr") == english
