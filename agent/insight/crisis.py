"""Crisis detection: many different customers complaining about one subject at once (pure).

A subject is a word group ("term:rash"), a product ("product:cleansing_oil") or an urgency reason
("reason:health_safety"). Every few minutes the app passes the last window of messages and each
subject's history; a subject alarms when the distinct customers writing negative or urgent messages
about it in the window reach `threshold()`:

- distinct customers, never messages, so one angry customer writing twenty times is no crisis;
- at least `ratio` × the usual, so a busy subject must rise well above its own normal;
- at least the usual + `z_score` standard deviations, so a subject whose normal is uneven (busy
  every afternoon, quiet at night) does not alarm at its everyday peak;
- at least `min_customers`, so a quiet subject does not alarm on two or three messages.
"""

from __future__ import annotations

import functools
import math
import re
import statistics
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from agent.insight.config import CrisisConfig

HOUR = timedelta(hours=1)
EXAMPLE_CHARS = 300  # an example's text is cut here: enough to judge, short enough for a chat


@dataclass(frozen=True, slots=True)
class Observation:
    at: datetime  # tz-aware
    customer: str  # "channel:customer_id"
    message_id: int
    text: str
    urgency: str | None  # low / normal / high / critical
    sentiment_score: float | None  # -1 … 1
    reason_keys: tuple[str, ...] = ()  # the urgency reasons: health_safety, legal_threat, …


@dataclass(frozen=True, slots=True)
class Example:
    message_id: int
    customer: str
    text: str
    at: datetime


@dataclass(frozen=True, slots=True)
class Alert:
    subject: str
    window_start: datetime
    window_end: datetime
    customers: int  # distinct customers in the window
    messages: int
    baseline_mean: float  # distinct customers in a usual window
    threshold: float
    examples: tuple[Example, ...]  # one per customer, newest first
    # Who wrote them ("channel:id"): an incident is its customers, who keep writing as it
    # grows, while its first messages leave the window.
    customer_keys: frozenset[str] = frozenset()
    # Set when this is a known incident (an index into `recent`): not a new alarm.
    repeat_of: int | None = None
    # Other subjects in crisis through mostly the same messages ("term:rash" with
    # "product:cleansing_oil" and "reason:health_safety"): one incident, one alert.
    related: tuple[str, ...] = ()

    def as_payload(self) -> dict[str, Any]:
        """The alert as JSON-ready data: what the outgoing webhook sends."""
        return {
            "subject": self.subject,
            "related_subjects": list(self.related),
            "window_start": self.window_start.isoformat(),
            "window_end": self.window_end.isoformat(),
            "customers": self.customers,
            "messages": self.messages,
            "baseline_mean": round(self.baseline_mean, 3),
            "threshold": round(self.threshold, 3),
            "examples": [
                {
                    "message_id": example.message_id,
                    "customer": example.customer,
                    "text": example.text,
                    "at": example.at.isoformat(),
                }
                for example in self.examples
            ],
        }


def counts(obs: Observation, config: CrisisConfig) -> bool:
    """Whether the message is negative or urgent: only those can make a crisis."""
    negative = obs.sentiment_score is not None and obs.sentiment_score < config.negative_below
    return negative or (obs.urgency is not None and obs.urgency in config.urgent_levels)


def subjects_of(obs: Observation, config: CrisisConfig) -> frozenset[str]:
    """The subjects a counting message is about; none for a message that does not count."""
    if not counts(obs, config):
        return frozenset()
    text = unicodedata.normalize("NFKC", obs.text).lower()
    found = {f"reason:{key}" for key in obs.reason_keys if key}
    found.update(f"term:{name}" for name, words in config.terms.items() if _matches(words, text))
    found.update(
        f"product:{name}" for name, words in config.products.items() if _matches(words, text)
    )
    return frozenset(found)


def hourly_customers(
    observations: Iterable[Observation], config: CrisisConfig
) -> dict[tuple[datetime, str], int]:
    """Distinct customers per (UTC hour start, subject): the rollup the baseline is read from."""
    customers: dict[tuple[datetime, str], set[str]] = defaultdict(set)
    for obs in observations:
        hour = hour_start(obs.at)
        for subject in subjects_of(obs, config):
            customers[hour, subject].add(obs.customer)
    return {key: len(names) for key, names in customers.items()}


def baseline_series(
    hourly: Mapping[tuple[datetime, str], int],
    *,
    now: datetime,
    config: CrisisConfig,
    subjects: Iterable[str] | None = None,
) -> dict[str, list[int]]:
    """Each subject's hourly distinct customers over the `baseline_days` before the window.

    The hours end where the window's first hour begins, so a burst under way never raises its
    own baseline. Hours without a row are zeros. `subjects` defaults to every subject in `hourly`.
    """
    end = hour_start(now - config.window)
    hours = [end - HOUR * back for back in range(config.baseline_days * 24, 0, -1)]
    names = {subject for _, subject in hourly} if subjects is None else set(subjects)
    return {name: [hourly.get((hour, name), 0) for hour in hours] for name in names}


def threshold(baseline: Sequence[int], config: CrisisConfig) -> float:
    """Distinct customers a window must reach to alarm, given the subject's usual windows."""
    mean = statistics.fmean(baseline) if baseline else 0.0
    spread = statistics.pstdev(baseline) if len(baseline) > 1 else 0.0
    return max(
        float(config.min_customers),
        config.ratio * mean,
        mean + config.z_score * spread,
        float(poisson_rare(mean, config.chance)),
    )


def poisson_rare(rate: float, chance: float) -> int:
    """The smallest count k with P(X >= k) < `chance` for X ~ Poisson(`rate`): a window that
    ordinary traffic at that rate reaches more rarely than `chance`."""
    if rate <= 0:
        return 1
    term = math.exp(-rate)  # P(X = 0)
    below = 0.0  # P(X < k)
    k = 0
    while 1.0 - below - term >= chance:
        below += term
        k += 1
        term *= rate / k
    return k + 1


def detect(
    window: Sequence[Observation],
    baseline: Mapping[str, Sequence[int]],
    *,
    now: datetime,
    config: CrisisConfig,
    last_alert: Mapping[str, datetime],
    recent: Sequence[frozenset[str]] = (),
) -> list[Alert]:
    """The subjects in crisis at `now`, most customers first.

    `window` holds the observations of [now - window, now] (others are ignored); `baseline` maps
    a subject to its hourly distinct customers over the baseline days (`baseline_series`); a
    subject without one has never been complained about. A subject alerted within the cooldown
    (`last_alert`) is left out, and so is one mostly about customers already alerted on
    (`recent`); overlapping subjects become one alert (`merge_incidents`). One crisis sends
    one alert.
    """
    if now.tzinfo is None:
        raise ValueError("`now` must be timezone-aware")
    start = now - config.window
    about: dict[str, dict[int, Observation]] = defaultdict(dict)
    for obs in window:
        if start <= obs.at <= now:
            for subject in subjects_of(obs, config):
                about[subject][obs.message_id] = obs
    alerts = []
    for subject, messages in about.items():
        customers = {obs.customer for obs in messages.values()}
        if len(customers) < config.min_customers:
            continue  # below any threshold: spare the baseline arithmetic
        history = baseline.get(subject)
        usual = same_time_of_day(
            per_window(
                [0] * (config.baseline_days * 24) if history is None else history, config.window
            ),
            now=now,
            config=config,
        )
        limit = threshold(usual, config)
        if len(customers) >= limit:
            alerts.append(
                Alert(
                    subject=subject,
                    window_start=start,
                    window_end=now,
                    customers=len(customers),
                    messages=len(messages),
                    baseline_mean=statistics.fmean(usual) if usual else 0.0,
                    threshold=limit,
                    examples=_examples(messages.values(), config.examples),
                    customer_keys=frozenset(customers),
                )
            )
    ranked = sorted(alerts, key=lambda alert: (-alert.customers, alert.subject))
    # Subjects in their cooldown still take part in the merge, so a known incident keeps
    # gathering its customers; only a new alert made of cooled subjects alone is dropped.
    cutoff = now - config.cooldown

    def cooled(name: str) -> bool:
        last = last_alert.get(name)
        return last is not None and last > cutoff

    return [
        alert
        for alert in merge_incidents(ranked, recent=recent)
        if alert.repeat_of is not None or not all(map(cooled, (alert.subject, *alert.related)))
    ]


def same_time_of_day(usual: Sequence[int], *, now: datetime, config: CrisisConfig) -> list[int]:
    """The usual windows at this time of day (within an hour either side) on the baseline
    days. Complaints follow the day: a whole-day average is far below the afternoon peak, and
    the peak alone would alarm every afternoon. `usual` ends where the window begins, one
    entry per hour (`per_window`)."""
    if not usual:
        return []
    span = max(1, math.ceil(config.window / HOUR))
    first_start = hour_start(now - config.window) - HOUR * (len(usual) + span - 1)
    target = hour_start(now - config.window).hour
    kept = []
    for i, count in enumerate(usual):
        hour = (first_start + HOUR * i).hour
        if min((hour - target) % 24, (target - hour) % 24) <= 1:
            kept.append(count)
    return kept or list(usual)


def merge_incidents(
    alerts: Sequence[Alert], *, recent: Sequence[frozenset[str]] = (), overlap: float = 0.5
) -> list[Alert]:
    """One incident, one alert. An alert is folded into an earlier (larger) one when at least
    `overlap` of the smaller one's customers are shared: a burst of "rash from the cleansing
    oil" is not three alerts for the word, the product and the urgency reason. One that
    shares that much with an alert already sent (`recent`: the customers of alerts within the
    cooldown) comes back last, marked `repeat_of` (the index in `recent`): the caller adds its
    customers and subject to that alert instead of raising a new one, so the incident keeps
    up with its people as the first of them leave the window. `alerts` largest first."""
    kept: list[Alert] = []
    repeats: list[Alert] = []
    for alert in alerts:
        earlier = next(
            (i for i, seen in enumerate(recent) if _mostly(alert.customer_keys, seen, overlap)),
            None,
        )
        if earlier is not None:
            repeats.append(replace(alert, repeat_of=earlier))
            continue
        for i, lead in enumerate(kept):
            if _mostly(alert.customer_keys, lead.customer_keys, overlap):
                kept[i] = replace(lead, related=(*lead.related, alert.subject))
                break
        else:
            kept.append(alert)
    return kept + repeats


def _mostly(these: frozenset[str], those: frozenset[str], share: float) -> bool:
    """Whether two alerts are one incident: `share` of the smaller one's customers are in the
    other (an incident that grew since its alert still holds most of that alert's people)."""
    shared = len(these & those)
    return bool(these and those) and shared >= share * min(len(these), len(those))


def per_window(hourly: Sequence[int], window: timedelta) -> list[int]:
    """Hourly distinct customers as the distinct customers of window-long spans.

    A window of several hours sums that many consecutive hours; a customer who wrote in two of
    them is counted twice, which raises the threshold a little (the safe side). A window under an
    hour is compared with whole hours, also the safe side.
    """
    span = max(1, math.ceil(window / HOUR))
    if span == 1 or not hourly:
        return list(hourly)
    if len(hourly) <= span:
        return [sum(hourly)]
    sums = [sum(hourly[:span])]
    for i in range(span, len(hourly)):
        sums.append(sums[-1] + hourly[i] - hourly[i - span])
    return sums


def hour_start(at: datetime) -> datetime:
    """The start of the UTC hour `at` falls in."""
    return at.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def _examples(messages: Iterable[Observation], limit: int) -> tuple[Example, ...]:
    newest: dict[str, Observation] = {}
    for obs in messages:
        kept = newest.get(obs.customer)
        if kept is None or obs.at > kept.at:
            newest[obs.customer] = obs
    chosen = sorted(newest.values(), key=lambda obs: obs.at, reverse=True)[:limit]
    return tuple(
        Example(message_id=obs.message_id, customer=obs.customer, text=_cut(obs.text), at=obs.at)
        for obs in chosen
    )


def _cut(text: str) -> str:
    return text if len(text) <= EXAMPLE_CHARS else text[: EXAMPLE_CHARS - 1] + "…"


def _matches(words: tuple[str, ...], text: str) -> bool:
    return _pattern(words).search(text) is not None


@functools.lru_cache(maxsize=256)
def _pattern(words: tuple[str, ...]) -> re.Pattern[str]:
    """One pattern for a subject's words. English words must stand alone: the boundary is any
    non-letter or digit (not `\\b`, which sees Japanese as word characters, so "toner使って"
    would miss); spaces inside a phrase match any run of whitespace."""
    parts = []
    for word in words:
        if word.isascii():
            body = r"\s+".join(re.escape(piece) for piece in word.split())
            parts.append(rf"(?<![a-z0-9]){body}(?![a-z0-9])")
        else:
            parts.append(re.escape(word))
    return re.compile("|".join(parts) or r"(?!)")
