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
    # Both languages' patterns, in file order: every message is tried against all of them
    # (customers mix languages: "the serum 使ったら rash"), so the grouping is only the file's.
    patterns: tuple[re.Pattern[str], ...]
    ignore: tuple[re.Pattern[str], ...]


@dataclass(frozen=True, slots=True)
class RuleHit:
    reason: str
    level: UrgencyLevel
    explanation: str
    matched: str  # the words that fired the rule, shown to support staff


@dataclass(frozen=True, slots=True)
class RuleReading:
    """What the rules make of one message."""

    hits: tuple[RuleHit, ...]  # the rules that fire, most urgent first
    # Rules of the level asked for whose patterns match only until their `ignore` guards take
    # words out: the message reads both like a report and like the look-alike a guard is there
    # for ("it didn't sting at first, but now my eyes are swollen"). `matched` holds the words
    # the rule would have fired on.
    silenced: tuple[RuleHit, ...]


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


def compile_patterns(raw: dict[str, list[str]], where: str) -> tuple[re.Pattern[str], ...]:
    """The patterns of every language of a `{language: [pattern, ...]}` block, in file order."""
    out: list[re.Pattern[str]] = []
    for lang, patterns in raw.items():
        try:
            out.extend(re.compile(normalise(p), re.IGNORECASE) for p in patterns or ())
        except re.error as exc:
            raise ConfigError(f"{where}: bad pattern for {lang}: {exc}") from exc
    return tuple(out)


def first_match(
    folded: str, patterns: Iterable[re.Pattern[str]], ignore: Iterable[re.Pattern[str]]
) -> re.Match[str] | None:
    """The first pattern that matches `folded` (already `normalise`d) once every `ignore`
    pattern's words are taken out."""
    for pattern in ignore:
        folded = pattern.sub(" ", folded)
    return next((m for p in patterns if (m := p.search(folded))), None)


def read_rules(
    text: str,
    rules: tuple[UrgencyRule, ...],
    *,
    language: str,
    silenced_level: UrgencyLevel | None = None,
) -> RuleReading:
    """Every rule that fires on `text`, most urgent first, and, if `silenced_level` is given,
    the rules of that level that a guard silenced. Explanations are in `language` (English for
    languages the brand file does not cover)."""
    folded = normalise(text)
    explain_in = language if language in _LANGUAGES else "en"
    hits: list[RuleHit] = []
    silenced: list[RuleHit] = []
    for rule in rules:
        explanation = rule.explain[explain_in]
        if found := first_match(folded, rule.patterns, rule.ignore):
            hits.append(RuleHit(rule.reason, rule.level, explanation, found.group(0)))
        elif (
            rule.level is silenced_level
            and rule.ignore
            and (raw := first_match(folded, rule.patterns, ()))
        ):
            silenced.append(RuleHit(rule.reason, rule.level, explanation, raw.group(0)))
    hits.sort(key=lambda hit: -hit.level.rank)
    return RuleReading(tuple(hits), tuple(silenced))


def match_rules(text: str, rules: tuple[UrgencyRule, ...], *, language: str) -> list[RuleHit]:
    """Every rule that fires on `text`, most urgent first."""
    return list(read_rules(text, rules, language=language).hits)
