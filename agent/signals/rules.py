"""Brand-editable urgency rules (YAML): pure matching, no I/O beyond loading the file."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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


def read_yaml(path: Path, what: str) -> dict[str, Any]:
    """A brand-edited YAML file; unreadable, it stops start-up with a clear error."""
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"cannot read {what} {path}: {exc}") from exc


def load_rules(path: Path = DEFAULT_RULES) -> tuple[UrgencyRule, ...]:
    data = read_yaml(path, "urgency rules")
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


def first_match(
    folded: str, patterns: Iterable[re.Pattern[str]], ignore: Iterable[re.Pattern[str]]
) -> re.Match[str] | None:
    """The first pattern that matches `folded` (already `normalise`d) once every `ignore`
    pattern's words are taken out."""
    for pattern in ignore:
        folded = pattern.sub(" ", folded)
    return next((m for p in patterns if (m := p.search(folded))), None)


def match_rules(text: str, rules: tuple[UrgencyRule, ...], *, language: str) -> list[RuleHit]:
    """Every rule that fires on `text`, most urgent first.

    Both languages' patterns are tried whatever the detected language: customers mix them
    ("the serum 使ったら rash"), and a miss costs more than a second regex pass."""
    folded = normalise(text)
    explain_in = language if language in _LANGUAGES else "en"
    hits: list[RuleHit] = []
    for rule in rules:
        found = first_match(
            folded,
            (p for group in rule.patterns.values() for p in group),
            (p for group in rule.ignore.values() for p in group),
        )
        if found:
            hits.append(RuleHit(rule.reason, rule.level, rule.explain[explain_in], found.group(0)))
    hits.sort(key=lambda hit: -hit.level.rank)
    return hits


def silenced_rules(
    text: str, rules: tuple[UrgencyRule, ...], *, level: UrgencyLevel, language: str
) -> list[RuleHit]:
    """The rules of `level` whose patterns match `text` only until their `ignore` guards take
    words out: the message reads both like a report and like a look-alike a guard is there for
    ("it didn't sting at first, but now my eyes are swollen"). `matched` holds the words the
    rule would have fired on."""
    folded = normalise(text)
    explain_in = language if language in _LANGUAGES else "en"
    out: list[RuleHit] = []
    for rule in rules:
        if rule.level is not level:
            continue
        patterns = tuple(p for group in rule.patterns.values() for p in group)
        raw = first_match(folded, patterns, ())
        if raw and not first_match(folded, patterns, (p for g in rule.ignore.values() for p in g)):
            out.append(RuleHit(rule.reason, rule.level, rule.explain[explain_in], raw.group(0)))
    return out
