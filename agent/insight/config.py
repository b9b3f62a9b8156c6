"""The brand's insight settings (agent/insight/insight.yml): crisis detection and its webhook."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import yaml

INSIGHT_CONFIG = Path(__file__).with_name("insight.yml")
URGENCY_LEVELS = frozenset({"low", "normal", "high", "critical"})
_SUBJECT_NAME = re.compile(r"[a-z0-9_]+")


class InsightConfigError(ValueError):
    """The insight file is wrong; the message names the key."""


@dataclass(frozen=True, slots=True)
class CrisisConfig:
    """When a rise in negative or urgent messages about one subject is a crisis.

    `terms` and `products` map a bare subject name ("rash", "cleansing_oil") to its lowercase
    words; the detector calls them "term:rash" and "product:cleansing_oil". English (ASCII) words
    match whole words only, so list every form ("burn", "burned", "burning": not "burnt", which
    is mostly a colour); Japanese words match anywhere, as Japanese has no spaces.
    """

    window: timedelta = timedelta(hours=1)
    baseline_days: int = 7
    min_customers: int = 5
    ratio: float = 3.0
    z_score: float = 3.0
    # And a count that ordinary traffic reaches less often than this (Poisson, at the usual
    # rate): with dozens of subjects checked every minute, "3 standard deviations" alone
    # happens somewhere every day.
    chance: float = 1e-6
    cooldown: timedelta = timedelta(hours=6)
    negative_below: float = -0.3
    urgent_levels: frozenset[str] = frozenset({"high", "critical"})
    terms: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    products: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    examples: int = 5


@dataclass(frozen=True, slots=True)
class InsightConfig:
    crisis: CrisisConfig = field(default_factory=CrisisConfig)
    webhook_max_attempts: int = 8
    webhook_backoff_s: float = 30.0  # first retry; doubles each time up to the cap
    webhook_backoff_cap_s: float = 3600.0

    def webhook_retry_delay(self, attempts: int) -> float:
        """Seconds to wait after the `attempts`-th failed delivery."""
        return min(self.webhook_backoff_cap_s, self.webhook_backoff_s * 2.0 ** max(0, attempts - 1))


def load_insight_config(path: Path = INSIGHT_CONFIG) -> InsightConfig:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return parse_insight_config(data)


def parse_insight_config(data: Any) -> InsightConfig:
    """The settings from the file's parsed YAML; unknown keys are refused, as a typo would
    otherwise silently leave a default in force."""
    root = _section(data, "", {"crisis", "webhook"})
    crisis = _section(root.get("crisis", {}), "crisis", _CRISIS_KEYS)
    webhook = _section(
        root.get("webhook", {}),
        "webhook",
        {"max_attempts", "backoff_seconds", "backoff_cap_seconds"},
    )
    defaults = InsightConfig()
    backoff = _number(webhook, "webhook.backoff_seconds", defaults.webhook_backoff_s, above=0)
    cap = _number(webhook, "webhook.backoff_cap_seconds", defaults.webhook_backoff_cap_s, above=0)
    if cap < backoff:
        raise InsightConfigError(
            "`webhook.backoff_cap_seconds` must not be below `webhook.backoff_seconds`"
        )
    return InsightConfig(
        crisis=_crisis(crisis),
        webhook_max_attempts=_integer(
            webhook, "webhook.max_attempts", defaults.webhook_max_attempts, least=1
        ),
        webhook_backoff_s=backoff,
        webhook_backoff_cap_s=cap,
    )


_CRISIS_KEYS = {
    "window_minutes",
    "baseline_days",
    "min_customers",
    "ratio",
    "z_score",
    "chance",
    "cooldown_hours",
    "negative_below",
    "urgent_levels",
    "terms",
    "products",
    "examples",
}


def _crisis(data: Mapping[str, Any]) -> CrisisConfig:
    d = CrisisConfig()
    window = _number(data, "crisis.window_minutes", d.window.total_seconds() / 60, above=0)
    cooldown = _number(data, "crisis.cooldown_hours", d.cooldown.total_seconds() / 3600, least=0)
    negative_below = _number(data, "crisis.negative_below", d.negative_below, least=-1)
    if negative_below > 1:
        raise InsightConfigError("`crisis.negative_below` must be a score from -1 to 1")
    levels = data.get("urgent_levels", sorted(d.urgent_levels))
    if not isinstance(levels, list) or not set(levels) <= URGENCY_LEVELS:
        raise InsightConfigError(
            f"`crisis.urgent_levels` must list some of {sorted(URGENCY_LEVELS)}: {levels!r}"
        )
    return CrisisConfig(
        window=timedelta(minutes=window),
        baseline_days=_integer(data, "crisis.baseline_days", d.baseline_days, least=1),
        # One customer is never a crisis, however often they write.
        min_customers=_integer(data, "crisis.min_customers", d.min_customers, least=2),
        ratio=_number(data, "crisis.ratio", d.ratio, least=1),
        z_score=_number(data, "crisis.z_score", d.z_score, least=0),
        chance=_chance(data, d.chance),
        cooldown=timedelta(hours=cooldown),
        negative_below=negative_below,
        urgent_levels=frozenset(levels),
        terms=_words(data.get("terms", {}), "crisis.terms"),
        products=_words(data.get("products", {}), "crisis.products"),
        examples=_integer(data, "crisis.examples", d.examples, least=1),
    )


def _chance(data: Mapping[str, Any], default: float) -> float:
    value = _number(data, "crisis.chance", default, above=0)
    if value >= 1:
        raise InsightConfigError(f"`crisis.chance` must be a probability below 1: {value!r}")
    return value


def _section(data: Any, name: str, known: set[str]) -> Mapping[str, Any]:
    label = f"`{name}`" if name else "the file"
    if not isinstance(data, Mapping):
        raise InsightConfigError(f"{label} must be a mapping")
    for key in data:
        if key not in known:
            raise InsightConfigError(f"unknown key `{f'{name}.' if name else ''}{key}`")
    return data


def _number(
    data: Mapping[str, Any],
    key: str,
    default: float,
    *,
    above: float | None = None,
    least: float | None = None,
) -> float:
    value = data.get(key.rsplit(".", 1)[-1], default)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InsightConfigError(f"`{key}` must be a number: {value!r}")
    if above is not None and value <= above:
        raise InsightConfigError(f"`{key}` must be above {above}: {value!r}")
    if least is not None and value < least:
        raise InsightConfigError(f"`{key}` must be at least {least}: {value!r}")
    return float(value)


def _integer(data: Mapping[str, Any], key: str, default: int, *, least: int) -> int:
    value = data.get(key.rsplit(".", 1)[-1], default)
    if isinstance(value, bool) or not isinstance(value, int) or value < least:
        raise InsightConfigError(f"`{key}` must be a whole number of at least {least}: {value!r}")
    return value


def _words(data: Any, key: str) -> dict[str, tuple[str, ...]]:
    """Subject name -> its words, lowercased and NFKC-normalised like the text they match."""
    if not isinstance(data, Mapping):
        raise InsightConfigError(f"`{key}` must map subject names to lists of words")
    words: dict[str, tuple[str, ...]] = {}
    for name, values in data.items():
        if not isinstance(name, str) or not _SUBJECT_NAME.fullmatch(name):
            raise InsightConfigError(f"`{key}`: {name!r} is not a name of a-z, 0-9 and _")
        if not isinstance(values, list) or not values:
            raise InsightConfigError(f"`{key}.{name}` must be a non-empty list of words")
        if not all(isinstance(value, str) and value.strip() for value in values):
            raise InsightConfigError(f"`{key}.{name}` has an empty or non-text word")
        words[name] = tuple(
            unicodedata.normalize("NFKC", value).strip().lower() for value in values
        )
    return words
