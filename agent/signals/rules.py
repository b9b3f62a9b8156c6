"""Brand-editable urgency rules (YAML): pure matching, no I/O beyond loading the file."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import yaml

from agent.errors import ConfigError
from agent.signals.types import UrgencyLevel

DEFAULT_RULES = Path(__file__).with_name("urgency_rules.yml")
_LANGUAGES = ("en", "ja")


@dataclass(frozen=True, slots=True)
class UrgencyRule:
    reason: str
    level: UrgencyLevel
    explain: dict[str, str]
    patterns: dict[str, tuple[re.Pattern[str], ...]]
    ignore: dict[str, tuple[re.Pattern[str], ...]]


@dataclass(frozen=True, slots=True)
class RuleHit:
    reason: str
    level: UrgencyLevel
    explanation: str
    matched: str  # the words that fired the rule, shown to support staff


def normalise(text: str) -> str:
    """NFKC folds full-width letters and half-width katakana; lower-case for English."""
    return unicodedata.normalize("NFKC", text).lower()


def load_rules(path: Path = DEFAULT_RULES) -> tuple[UrgencyRule, ...]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"cannot read urgency rules {path}: {exc}") from exc
    rules = []
    for i, raw in enumerate(data.get("rules") or []):
        where = f"{path.name}: rule {i + 1}"
        try:
            level = UrgencyLevel(raw["level"])
            rules.append(
                UrgencyRule(
                    reason=str(raw["reason"]),
                    level=level,
                    explain={lang: str(raw["explain"][lang]) for lang in _LANGUAGES},
                    patterns=compile_patterns(raw.get("patterns") or {}, where),
                    ignore=compile_patterns(raw.get("ignore") or {}, where),
                )
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ConfigError(f"{where} is malformed: {exc!r}") from exc
    if not rules:
        raise ConfigError(f"{path} defines no urgency rules")
    return tuple(rules)


def compile_patterns(
    raw: dict[str, list[str]], where: str
) -> dict[str, tuple[re.Pattern[str], ...]]:
    out: dict[str, tuple[re.Pattern[str], ...]] = {}
    for lang, patterns in raw.items():
        try:
            out[str(lang)] = tuple(re.compile(normalise(p), re.IGNORECASE) for p in patterns or ())
        except re.error as exc:
            raise ConfigError(f"{where}: bad pattern for {lang}: {exc}") from exc
    return out


def match_rules(text: str, rules: tuple[UrgencyRule, ...], *, language: str) -> list[RuleHit]:
    """Every rule that fires on `text`, most urgent first.

    Both languages' patterns are tried whatever the detected language: customers mix them
    ("the serum 使ったら rash"), and a miss costs more than a second regex pass."""
    folded = normalise(text)
    explain_in = language if language in _LANGUAGES else "en"
    hits: list[RuleHit] = []
    for rule in rules:
        candidate = folded
        for patterns in rule.ignore.values():
            for pattern in patterns:
                candidate = pattern.sub(" ", candidate)
        for patterns in rule.patterns.values():
            found = next((m for p in patterns if (m := p.search(candidate))), None)
            if found:
                hits.append(
                    RuleHit(rule.reason, rule.level, rule.explain[explain_in], found.group(0))
                )
                break
    hits.sort(key=lambda hit: -hit.level.rank)
    return hits
