"""The crisis detector: bursts alarm, one angry customer and a normal week do not."""

from __future__ import annotations

import bisect
import math
import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from agent.insight.config import (
    INSIGHT_CONFIG,
    CrisisConfig,
    InsightConfig,
    load_insight_config,
)
from agent.insight.crisis import (
    Alert,
    Observation,
    baseline_series,
    counts,
    detect,
    hourly_customers,
    per_window,
    poisson_rare,
    subjects_of,
    threshold,
)

CONFIG = load_insight_config().crisis
JST = timezone(timedelta(hours=9), "JST")
NOW = datetime(2026, 3, 11, 5, 40, tzinfo=UTC)  # a Wednesday, 14:40 in Tokyo
M, H, D = timedelta(minutes=1), timedelta(hours=1), timedelta(days=1)
WEEK = 7 * 24
RASH, OIL, HEALTH = "term:rash", "product:cleansing_oil", "reason:health_safety"


def said(
    text: str,
    at: datetime,
    customer: str,
    message_id: int,
    *,
    score: float | None = -0.7,
    urgency: str | None = "normal",
    reasons: tuple[str, ...] = (),
) -> Observation:
    return Observation(at, customer, message_id, text, urgency, score, reasons)


def quiet(subjects: set[str] | None = None) -> dict[str, list[int]]:
    return {subject: [0] * WEEK for subject in subjects or ()}


# --- what counts, and about what ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("score", "urgency", "expected"),
    [
        (-0.7, "normal", True),
        (-0.3, "normal", False),  # "below" is strict
        (-0.31, None, True),
        (0.8, "high", True),
        (0.8, "critical", True),
        (0.0, "normal", False),
        (None, "low", False),
        (None, None, False),
    ],
)
def test_counts_negative_or_urgent(
    score: float | None, urgency: str | None, expected: bool
) -> None:
    assert counts(said("x", NOW, "x:1", 1, score=score, urgency=urgency), CONFIG) is expected


@pytest.mark.parametrize(
    ("text", "subjects"),
    [
        ("I got a rash from the cleansing oil", {RASH, OIL}),
        ("クレンジングオイルを使ったら顔が赤みとかゆみが出ました", {RASH, OIL}),
        ("化粧水でかぶれました", {RASH, "product:toner"}),
        ("toner使ったら赤みが", {RASH, "product:toner"}),  # English word next to Japanese
        ("ＲＡＳＨ from the Serum!!", {RASH, "product:serum"}),  # full-width letters
        ("It's burning and stinging", {"term:burn"}),
        ("I burned my face", {"term:burn"}),
        ("The burnt orange colour of the box is awful", set()),  # burnt: a colour, not a burn
        ("heartburn, awful", set()),
        ("the bottle   smells  off", {"term:contamination"}),  # any whitespace inside a phrase
        ("防腐剤が入っていて最悪", set()),  # 腐 alone would be contamination
        (
            "my lip balm arrived as a broken bottle?? leaking everywhere",
            {"product:lip_balm", "term:breakage"},
        ),
        (
            "Are you recalling the gel cream? is there a recall",
            {"term:recall", "product:gel_cream"},
        ),
        ("Hinoki body-mist is fine", set()),  # body-mist: not the phrase "body mist"
    ],
)
def test_subjects_of_negative_text(text: str, subjects: set[str]) -> None:
    assert subjects_of(said(text, NOW, "x:1", 1), CONFIG) == subjects


def test_subjects_include_urgency_reasons_and_nothing_for_positive_messages() -> None:
    urgent = said("help", NOW, "x:1", 1, score=0.2, urgency="critical", reasons=("health_safety",))
    assert subjects_of(urgent, CONFIG) == {HEALTH}
    happy = said("No rash at all with the cleansing oil, love it", NOW, "x:1", 1, score=0.9)
    assert subjects_of(happy, CONFIG) == frozenset()


def test_hourly_customers_counts_distinct_customers_per_utc_hour() -> None:
    hour = datetime(2026, 3, 10, 14, tzinfo=UTC)
    observations = [
        said("rash", hour + 5 * M, "messenger:1", 1),
        said("rash again", hour + 9 * M, "messenger:1", 2),
        said("かぶれ", (hour + 30 * M).astimezone(JST), "instagram:2", 3),
        said("rash", hour + 61 * M, "x:3", 4),
        said("rash but fine", hour, "x:4", 5, score=0.5),
    ]
    assert hourly_customers(observations, CONFIG) == {(hour, RASH): 2, (hour + H, RASH): 1}


# --- thresholds ------------------------------------------------------------------------------


def test_threshold_floor_ratio_and_spread() -> None:
    assert threshold([0] * WEEK, CONFIG) == 5
    assert threshold([], CONFIG) == 5
    loose = replace(CONFIG, chance=0.5)  # the Poisson rule out of the way
    steady = [4, 5, 6] * 56  # mean 5, std 0.8: the ratio rules
    assert threshold(steady, loose) == pytest.approx(15)
    spiky = ([0] * 23 + [12]) * 7  # mean 0.5, std 2.4: the spread rules
    assert threshold(spiky, loose) == pytest.approx(0.5 + 3 * (0.25 * 23) ** 0.5)
    # With the shipped chance (one in a million) the Poisson rule is the strictest.
    assert threshold(steady, CONFIG) == poisson_rare(5, CONFIG.chance) == 20


@pytest.mark.parametrize(
    ("rate", "chance", "expected"),
    [(0.0, 1e-6, 1), (2.0, 1e-4, 10), (2.0, 1e-6, 13), (0.5, 1e-6, 8), (5.0, 0.5, 6)],
)
def test_poisson_rare_is_the_first_count_rarer_than_the_chance(
    rate: float, chance: float, expected: int
) -> None:
    k = poisson_rare(rate, chance)
    assert k == expected

    def at_least(n: int) -> float:
        return 1 - sum(math.exp(-rate) * rate**i / math.factorial(i) for i in range(n))

    if rate:
        assert at_least(k) < chance <= at_least(k - 1)


def test_per_window_sums_hours_for_longer_windows() -> None:
    assert per_window([1, 2, 3, 4], H) == [1, 2, 3, 4]
    assert per_window([1, 2, 3, 4], 30 * M) == [1, 2, 3, 4]
    assert per_window([1, 2, 3, 4], 2 * H) == [3, 5, 7]
    assert per_window([1, 2], 3 * H) == [3]


# --- detection -------------------------------------------------------------------------------

BURST = [
    ("Rice bran cleansing oil gave me a rash all over my cheeks", "messenger:101"),
    ("クレンジングオイルを使ったら湿疹が出ました", "instagram:102"),
    ("my face is red and itchy after the cleansing oil", "x:103"),
    ("クレンジングオイルでかぶれて赤みが引きません", "messenger:104"),
    ("hives after the new cleansing oil batch?!", "instagram:105"),
    ("クレンジングオイルのせいで痒みがひどい", "x:106"),
    ("Still itchy. Rash is worse", "messenger:101"),  # the first customer again, no product
    ("肌が赤みでかゆい、何が入っていますか", "instagram:107"),  # no product named
    ("broke out in hives, face swollen", "x:108"),  # no product named
]


def burst(start: datetime, first_id: int = 1) -> list[Observation]:
    """8 customers within 40 minutes; 6 name the cleansing oil; three flagged for health."""
    return [
        said(
            text,
            start + 5 * M * i,
            customer,
            first_id + i,
            score=-0.8,
            urgency="high" if i % 3 == 0 else "normal",
            reasons=("health_safety",) if i % 3 == 0 else (),
        )
        for i, (text, customer) in enumerate(BURST)
    ]


def test_burst_of_customers_alarms_with_counts_and_examples() -> None:
    start = NOW - 40 * M
    window = burst(start)
    alerts = detect(window, quiet({RASH}), now=NOW, config=CONFIG, last_alert={})
    # The product's six messages are all rash messages: one incident, one alert.
    assert [(a.subject, a.customers, a.messages, a.related) for a in alerts] == [
        (RASH, 8, 9, (OIL,))
    ]
    rash = alerts[0]
    assert rash.customer_keys == {c for _, c in BURST}
    assert (rash.window_start, rash.window_end) == (NOW - H, NOW)
    assert rash.baseline_mean == 0 and rash.threshold == 5
    assert [e.message_id for e in rash.examples] == [9, 8, 7, 6, 5]  # newest first
    assert len({e.customer for e in rash.examples}) == 5
    payload = rash.as_payload()
    assert payload["subject"] == RASH and payload["customers"] == 8
    assert payload["related_subjects"] == [OIL]
    assert payload["window_end"] == "2026-03-11T05:40:00+00:00"
    assert payload["examples"][0] == {
        "message_id": 9,
        "customer": "x:108",
        "text": "broke out in hives, face swollen",
        "at": (start + 40 * M).isoformat(),
    }


def test_observations_outside_the_window_are_ignored() -> None:
    window = burst(NOW - 2 * H)
    assert detect(window, {}, now=NOW, config=CONFIG, last_alert={}) == []


def test_one_angry_customer_is_no_crisis() -> None:
    window = [
        said(
            f"RASH from your cleansing oil!!! ({n})",
            NOW - 55 * M + n * 2 * M,
            "x:666",
            n,
            score=-0.95,
            urgency="critical",
            reasons=("health_safety", "legal_threat"),
        )
        for n in range(20)
    ]
    assert detect(window, {}, now=NOW, config=CONFIG, last_alert={}) == []


def test_positive_messages_about_a_product_are_no_crisis() -> None:
    rng = random.Random(7)
    window = [
        said(
            rng.choice(
                ["Love the cleansing oil!", "クレンジングオイル最高です", "no rash, great oil"]
            ),
            NOW - rng.randrange(60) * M,
            f"instagram:{n}",
            n,
            score=rng.uniform(0.4, 1.0),
            urgency="low",
        )
        for n in range(30)
    ]
    assert detect(window, {}, now=NOW, config=CONFIG, last_alert={}) == []


def test_naturally_busy_subject_alarms_only_well_above_its_normal() -> None:
    rng = random.Random(11)
    baseline = {"term:breakage": [rng.randint(4, 6) for _ in range(WEEK)]}

    def leaks(customers: int) -> list[Observation]:
        return [
            said(
                ("the bottle is leaking", "中身が漏れていました")[n % 2],
                NOW - n * 2 * M,
                f"x:{n}",
                n,
            )
            for n in range(customers)
        ]

    assert detect(leaks(6), baseline, now=NOW, config=CONFIG, last_alert={}) == []
    assert detect(leaks(12), baseline, now=NOW, config=CONFIG, last_alert={}) == []
    alerts = detect(leaks(25), baseline, now=NOW, config=CONFIG, last_alert={})
    assert [a.subject for a in alerts] == ["term:breakage"]
    assert alerts[0].baseline_mean == pytest.approx(5, abs=0.3)
    usual = alerts[0].baseline_mean
    assert alerts[0].threshold == max(3 * usual, poisson_rare(usual, CONFIG.chance))


def test_cooldown_holds_back_a_second_alert_for_the_same_subject() -> None:
    first = detect(burst(NOW - 40 * M), {}, now=NOW, config=CONFIG, last_alert={})
    last = {name: NOW for alert in first for name in (alert.subject, *alert.related)}
    later = NOW + 10 * M
    more = burst(NOW - 30 * M) + burst(later - 5 * M, first_id=100)
    assert detect(more, {}, now=later, config=CONFIG, last_alert=last) == []
    assert detect(more, {}, now=later, config=CONFIG, last_alert={RASH: NOW}) != []
    after_cooldown = NOW + CONFIG.cooldown
    again = detect(
        burst(after_cooldown - 40 * M), {}, now=after_cooldown, config=CONFIG, last_alert=last
    )
    assert [(a.subject, a.related) for a in again] == [(RASH, (OIL,))]


def test_a_facet_crossing_its_threshold_later_is_the_same_incident() -> None:
    """The rash alert went out; minutes later the health-flagged messages of the same burst
    reach five customers: already alerted, no new alarm. A new burst is a new alarm."""
    first = burst(NOW - 40 * M)
    [alert] = detect(first, {}, now=NOW, config=CONFIG, last_alert={})
    flagged = [  # three of the burst's customers write again, now flagged for their health
        said(
            "face swollen",
            NOW + m * M,
            who,
            300 + m,
            urgency="critical",
            reasons=("health_safety",),
        )
        for m, who in enumerate(["instagram:102", "x:103", "instagram:105"])
    ]
    later = NOW + 5 * M
    cooled = {RASH: NOW, OIL: NOW}
    window = first + flagged
    # Without the memory of the incident, the health flag crossing its threshold would alarm.
    [again] = detect(window, {}, now=later, config=CONFIG, last_alert=cooled)
    assert HEALTH in {again.subject, *again.related} and again.repeat_of is None
    incidents = [alert.customer_keys]
    repeats = detect(window, {}, now=later, config=CONFIG, last_alert=cooled, recent=incidents)
    # The same incident, not a new one: each crossing subject comes back as a repeat of it.
    assert {a.repeat_of for a in repeats} == {0}
    assert HEALTH in {a.subject for a in repeats}
    fresh = [
        said("my lips are burning after the lip balm", NOW + m * M, f"instagram:{400 + m}", 400 + m)
        for m in range(6)
    ]
    found = detect(
        window + fresh, {}, now=later, config=CONFIG, last_alert=cooled, recent=incidents
    )
    [new] = [alert for alert in found if alert.repeat_of is None]
    assert {new.subject, *new.related} == {"term:burn", "product:lip_balm"}


def test_naive_now_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone"):
        detect([], {}, now=NOW.replace(tzinfo=None), config=CONFIG, last_alert={})


def test_longer_windows_compare_with_summed_hours() -> None:
    config = replace(CONFIG, window=3 * H, chance=0.5)
    baseline = {RASH: [1] * WEEK}  # one customer an hour: three a window
    window = [said("rash", NOW - n * 10 * M, f"x:{n}", n) for n in range(8)]
    assert detect(window, baseline, now=NOW, config=config, last_alert={}) == []
    window += [said("rash", NOW - n * 10 * M, f"x:{n}", n) for n in range(8, 12)]
    [alert] = detect(window, baseline, now=NOW, config=config, last_alert={})
    assert (alert.customers, alert.baseline_mean, alert.threshold) == (12, 3, 9)


# --- a simulated fortnight -------------------------------------------------------------------

WEEK_START = datetime(2026, 3, 1, 15, tzinfo=UTC)  # Monday 2 March, midnight in Tokyo
PRODUCTS = [
    ("toner", "化粧水"),
    ("yuzu serum", "美容液"),
    ("night cream", "ナイトクリーム"),
    ("cleansing oil", "クレンジングオイル"),
    ("body mist", "ボディミスト"),
    ("gel cream", "ジェルクリーム"),
    ("lip balm", "リップバーム"),
]
# (English, Japanese, urgency reason when flagged); {p} is a product or "it"/"これ".
COMPLAINTS = [
    ("I got a rash after the {p}", "{p}でかぶれました", "health_safety"),
    ("my skin is itchy since using the {p}", "{p}を使ってからかゆいです", "health_safety"),
    ("the {p} is stinging, it burns", "{p}がしみるしヒリヒリします", "health_safety"),
    ("I think I'm allergic to the {p}", "{p}でアレルギーが出たみたい", "health_safety"),
    ("my {p} arrived leaking", "{p}が漏れていました", "damaged_goods"),
    ("the {p} smells off", "{p}から異臭がします", "health_safety"),
    ("is the {p} being recalled??", "{p}はリコール対象ですか", "health_safety"),
    ("my order still hasn't arrived, terrible", "注文がまだ届きません、ひどい", "missing_goods"),
    ("I was charged twice for my order", "二重に請求されています", "wrong_charge"),
    ("nobody answers, this service is awful", "対応が遅すぎます", None),
]
CALM = [
    "Where is my order?",
    "Does the {p} contain alcohol?",
    "Is the {p} OK for itchy, sensitive skin?",  # a subject word, but not a complaint
    "I love the {p}!",
    "{p}の使い方を教えてください",
    "{p}はいつ再入荷しますか",
    "{p}最高です、リピートします",
    "送料はいくらですか",
]
NUDGES = ["hello??", "any update?", "返事ください", "まだですか？"]
# Messages an hour by hour of the day in Tokyo: quiet nights, busy evenings (~560 a day).
RATE_BY_HOUR = [
    6,
    4,
    3,
    2,
    2,
    3,
    6,
    12,
    18,
    22,
    26,
    28,
    30,
    28,
    26,
    26,
    28,
    30,
    34,
    38,
    40,
    38,
    30,
    16,
]


class Traffic:
    """Customer messages built from a seed: conversations of a few messages each."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.messages: list[Observation] = []

    def say(
        self,
        at: datetime,
        customer: str,
        text: str,
        score: float,
        urgency: str,
        reasons: tuple[str, ...] = (),
    ) -> None:
        self.messages.append(
            said(
                text,
                at,
                customer,
                len(self.messages) + 1,
                score=score,
                urgency=urgency,
                reasons=reasons,
            )
        )

    def week(self, start: datetime, busy_day: int | None = None) -> None:
        """A week of ordinary traffic; `busy_day` has a sale and half as much again."""
        rng = self.rng
        for hour in range(WEEK):
            at = start + hour * H
            rate = RATE_BY_HOUR[at.astimezone(JST).hour] * (1.5 if hour // 24 == busy_day else 1)
            for _ in range(_poisson(rng, rate / 2.5)):  # ~2.5 messages a conversation
                self.conversation(at + rng.uniform(0, 60) * M)

    def conversation(self, at: datetime) -> None:
        """1–5 messages from one customer on one matter: a complaint stays a complaint."""
        rng = self.rng
        customer = f"{rng.choice(['messenger', 'instagram', 'x'])}:{rng.randrange(20_000)}"
        japanese = rng.random() < 0.6
        named = rng.random() < 0.5
        product = rng.choice(PRODUCTS)[japanese] if named else ("これ" if japanese else "it")
        kind, length = rng.random(), rng.choice([1, 1, 2, 2, 3, 3, 4, 5])
        english, ja, reason = rng.choice(COMPLAINTS)
        urgent = (
            reason is not None and rng.random() < 0.33
        )  # the reason flagged a third of the time
        for n in range(length):
            if kind < 0.10:  # a complaint, then the complaint again or a nudge
                text = (ja if japanese else english).format(p=product)
                if n and rng.random() < 0.5:
                    text = rng.choice(NUDGES)
                level, reasons = ("high", (reason,)) if urgent and reason else ("normal", ())
                self.say(at, customer, text, rng.uniform(-0.95, -0.35), level, reasons)
            elif kind < 0.12:  # urgent without being angry
                text = f"I was charged twice for the {product}?"
                self.say(at, customer, text, rng.uniform(-0.25, 0.1), "high", ("wrong_charge",))
            else:
                text = rng.choice(CALM).format(p=product)
                self.say(
                    at, customer, text, rng.uniform(-0.25, 0.95), rng.choice(["low", "normal"])
                )
            at += rng.uniform(1, 8) * M

    def angry(self, at: datetime, customer: str, text: str, times: int) -> None:
        """An isolated complaint: one customer writing again and again."""
        for n in range(times):
            self.say(at + n * 3 * M, customer, text, -0.9, "critical", ("health_safety",))

    def burst(self, start: datetime) -> None:
        for obs in burst(start):
            self.say(obs.at, obs.customer, obs.text, -0.8, "high", ("health_safety",))


def _poisson(rng: random.Random, mean: float) -> int:
    limit, n, product = pow(2.718281828459045, -mean), 0, rng.random()
    while product > limit:
        n += 1
        product *= rng.random()
    return n


def fortnight(seed: int) -> Traffic:
    traffic = Traffic(seed)
    traffic.week(WEEK_START)
    traffic.week(WEEK_START + 7 * D, busy_day=2)
    traffic.angry(WEEK_START + 8 * D + 3 * H, "x:999001", "RASH from the cleansing oil!!!", 20)
    traffic.angry(
        WEEK_START + 10 * D + 12 * H, "messenger:999002", "漏れてる!! 化粧水が全部漏れた", 12
    )
    traffic.angry(WEEK_START + 12 * D + 5 * H, "instagram:999003", "recall this serum, it burns", 8)
    return traffic


def every_ten_minutes(
    messages: list[Observation],
    first: datetime,
    last: datetime,
    subjects: dict[int, set[str]] | None = None,
) -> list[tuple[datetime, Alert]]:
    """What the app would alert across [first, last], the baseline rolled up by the hour.
    `subjects` collects each alert's subjects, those of its later repeats included."""
    subjects = {} if subjects is None else subjects
    messages = sorted(messages, key=lambda obs: obs.at)
    times = [obs.at for obs in messages]
    hourly = hourly_customers(messages, CONFIG)
    alerted: dict[str, datetime] = {}
    incidents: list[frozenset[str]] = []
    fired = []
    now = first
    while now <= last:
        window = messages[
            bisect.bisect_left(times, now - CONFIG.window) : bisect.bisect_right(times, now)
        ]
        baseline = baseline_series(hourly, now=now, config=CONFIG)
        for alert in detect(
            window, baseline, now=now, config=CONFIG, last_alert=alerted, recent=incidents
        ):
            for name in (alert.subject, *alert.related):
                alerted[name] = now
            if alert.repeat_of is not None:  # a known incident: it grows, nobody is alerted
                incidents[alert.repeat_of] |= alert.customer_keys
                subjects[alert.repeat_of].update((alert.subject, *alert.related))
                continue
            subjects[len(incidents)] = {alert.subject, *alert.related}
            incidents.append(alert.customer_keys)
            fired.append((now, alert))
        now += 10 * M
    return fired


@pytest.mark.parametrize("seed", [1, 2])
def test_a_normal_week_raises_no_alarm(seed: int) -> None:
    traffic = fortnight(seed)
    second_week = WEEK_START + 7 * D
    per_day = sum(1 for obs in traffic.messages if obs.at >= second_week) / 7
    assert 300 < per_day < 800
    negative = sum(1 for obs in traffic.messages if counts(obs, CONFIG)) / len(traffic.messages)
    assert 0.07 < negative < 0.15
    assert every_ten_minutes(traffic.messages, second_week, second_week + 7 * D) == []


@pytest.mark.parametrize("seed", [1, 2])
def test_a_burst_in_a_normal_week_raises_one_alert_on_time(seed: int) -> None:
    traffic = fortnight(seed)
    start = datetime(2026, 3, 12, 14, 3, tzinfo=JST)  # Thursday afternoon of the second week
    traffic.burst(start)
    burst_ids = {obs.message_id for obs in traffic.messages[-len(BURST) :]}
    second_week = WEEK_START + 7 * D
    subjects: dict[int, set[str]] = {}
    fired = every_ten_minutes(traffic.messages, second_week, second_week + 7 * D, subjects)
    # One incident, one alert: the product, the rash and the health flag are its subjects,
    # whether they crossed their thresholds at the same check or later.
    assert len(fired) == 1
    assert subjects == {0: {RASH, OIL, HEALTH}}
    fifth_customer = start + 20 * M  # the burst reaches the floor of 5 customers here
    for at, alert in fired:
        assert start < at <= fifth_customer + 10 * M  # the first check after it, or sooner
        assert alert.customers >= 5 and alert.threshold == 5
        # Mostly the burst; an ordinary complaint about the same subject may be among them.
        assert len(burst_ids & {example.message_id for example in alert.examples}) >= 3


# --- configuration ---------------------------------------------------------------------------


def test_shipped_config_loads_with_the_documented_defaults() -> None:
    config = load_insight_config(INSIGHT_CONFIG)
    assert config == InsightConfig(
        crisis=replace(CrisisConfig(), terms=config.crisis.terms, products=config.crisis.products)
    )
    assert {"rash", "burn", "recall", "contamination", "allergy", "breakage"} <= set(
        config.crisis.terms
    )
    assert "かぶれ" in config.crisis.terms["rash"] and "burnt" not in config.crisis.terms["burn"]
    assert (
        len(config.crisis.products) == 7
        and "クレンジングオイル" in config.crisis.products["cleansing_oil"]
    )
    assert [config.webhook_retry_delay(n) for n in (1, 2, 3, 8, 20)] == [30, 60, 120, 3600, 3600]


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("crisis: {min_customers: five}", "crisis.min_customers"),
        ("crisis: {min_customers: 1}", "crisis.min_customers"),
        ("crisis: {min_customers: true}", "crisis.min_customers"),
        ("crisis: {window_minutes: 0}", "crisis.window_minutes"),
        ("crisis: {ratio: 0.5}", "crisis.ratio"),
        ("crisis: {negative_below: 2}", "crisis.negative_below"),
        ("crisis: {urgent_levels: [urgent]}", "crisis.urgent_levels"),
        ("crisis: {windw_minutes: 30}", "crisis.windw_minutes"),
        ("crisis: {terms: {rash: itchy}}", "crisis.terms.rash"),
        ("crisis: {terms: {Rash Words: [rash]}}", "crisis.terms"),
        ("crisis: {products: [toner]}", "crisis.products"),
        ("webhook: {max_attempts: 0}", "webhook.max_attempts"),
        ("webhook: {backoff_seconds: 60, backoff_cap_seconds: 30}", "webhook.backoff_cap_seconds"),
        ("crisis: []", "crisis"),
        ("alerts: {}", "alerts"),
    ],
)
def test_bad_config_names_the_key(tmp_path: Path, text: str, key: str) -> None:
    path = tmp_path / "insight.yml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match=f"`{key}`"):
        load_insight_config(path)


def test_config_words_are_normalised(tmp_path: Path) -> None:
    path = tmp_path / "insight.yml"
    path.write_text("crisis: {terms: {rash: [' RASH ', 'ｶﾌﾞﾚ']}}", encoding="utf-8")
    assert load_insight_config(path).crisis.terms == {"rash": ("rash", "カブレ")}
