"""Brand-editable urgency rules (YAML): pure matching, no I/O beyond loading the file."""

from __future__ import annotations

import re
import re._parser as _re_parser  # type: ignore[import-not-found]  # re's own parser; no stub
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import yaml

from agent.errors import ConfigError
from agent.signals.types import UrgencyLevel

DEFAULT_RULES = Path(__file__).with_name("urgency_rules.yml")
_LANGUAGES = ("en", "ja")
# A pattern that ends in "and nothing like this anywhere later" (or "and this somewhere later").
_TAIL_CONDITIONS = {"(?!(?s:.)*": True, "(?=(?s:.)*": False}
_WHOLE_FLAGS = re.compile(r"\(\?[aiLmsux]+\)")
# Comments and verbose mode hide what a parenthesis or a `|` is to the scan below.
_UNSCANNABLE = re.compile(r"\(\?#|\(\?[aiLmsu-]*x")
# Backreferences and conditionals: `later` on its own would not know the groups of `words`.
_REFERENCE = re.compile(r"\\\d|\(\?P=|\(\?\(")


class Matcher(Protocol):
    """What the rules need of a compiled pattern; `re.Pattern` is one."""

    def search(self, string: str) -> re.Match[str] | None: ...

    def sub(self, repl: str, string: str) -> str: ...


@dataclass(frozen=True, slots=True)
class TailCondition:
    """`words(?!(?s:.)*later)` (or `(?=…)`), read in time linear in the message.

    As a plain regex, every place `words` matches scans the rest of the message for `later`, so
    a message that repeats the words costs the square of its length (over a second per message
    at the API's 20,000 characters). Here `later`'s last start is found once and each match of
    `words` only compares its end with it. One difference: where the match of `words` at a place
    fails the condition, the next one is looked for from the following character, where a regex
    would first try the other lengths `words` can take at that place. That matters only when
    `later` begins inside the longer one, and can then take out or fire on other words than the
    regex would. On every known text the file's rules read the same either way (see the
    README)."""

    words: re.Pattern[str]
    later: re.Pattern[str]
    absent: bool  # `(?!…)`: `later` must not occur after the words; `(?=…)`: it must

    def search(self, string: str) -> re.Match[str] | None:
        return next(self._matches(string), None)

    def sub(self, repl: str, string: str) -> str:
        parts: list[str] = []
        kept = 0
        for match in self._matches(string):
            parts += [string[kept : match.start()], repl]
            kept = match.end()
        parts.append(string[kept:])
        return "".join(parts)

    def _matches(self, string: str) -> Iterator[re.Match[str]]:
        """Non-overlapping matches that meet the condition, left to right."""
        last_later: int | None = None
        pos = 0
        while pos <= len(string) and (match := self.words.search(string, pos)):
            if last_later is None:  # only messages with the words pay for this
                last_later = _last_start(self.later, string)
            if (match.end() > last_later) is self.absent:
                yield match
                pos = match.end() if match.end() > match.start() else match.end() + 1
            else:
                pos = match.start() + 1


def _last_start(pattern: re.Pattern[str], string: str) -> int:
    """Where the last match of `pattern` in `string` starts (-1: none), overlapping ones
    counted: a lookahead sees every place the pattern matches."""
    last, pos = -1, 0
    # `search` reads a position past the end as the end: a pattern that matches there (`$`)
    # would be found again and again.
    while pos <= len(string) and (match := pattern.search(string, pos)):
        last = pos = match.start()
        pos += 1
    return last


def _split_tail(source: str) -> tuple[str, str, bool] | None:
    """`(words, later, absent)` when `source` is `words` followed by a last top-level group
    `(?!(?s:.)*later)` or `(?=(?s:.)*later)`, with no top-level `|` (which would give the
    condition to the last branch only), and both parts plain enough to be read this way."""
    if _WHOLE_FLAGS.match(source) or _UNSCANNABLE.search(source):
        return None
    groups = _top_level(source)
    if groups is None or groups[0] <= 0 or groups[1] != len(source) - 1:
        return None
    words, tail = source[: groups[0]], source[groups[0] :]
    for prefix, absent in _TAIL_CONDITIONS.items():
        later = tail[len(prefix) : -1]
        if (
            tail.startswith(prefix)
            and not later.startswith(("?", "+"))  # `(?s:.)*?` or `*+`: another look
            and not _REFERENCE.search(later)
            and _top_level(later) is not None  # `(?!(?s:.)*c|d)`: "d" is looked for right here
            and _re_parser.parse(words).getwidth()[0] > 0  # an empty match moves on differently
        ):
            return words, later, absent
    return None


def _top_level(source: str) -> tuple[int, int] | None:
    """Where the last top-level group of `source` opens and where the last one closes, or None
    when `source` has a top-level `|`."""
    depth, i, last_open, last_close, in_class = 0, 0, -1, -1, False
    while i < len(source):
        char = source[i]
        if char == "\\":
            i += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
            i += 2 if source[i + 1 : i + 2] == "^" else 1
            i += 1 if source[i : i + 1] == "]" else 0  # "[]" and "[^]": "]" is a member
            continue
        elif char == "(":
            last_open = i if depth == 0 else last_open
            depth += 1
        elif char == ")":
            depth -= 1
            last_close = i if depth == 0 else last_close
        elif char == "|" and depth == 0:
            return None
        i += 1
    return last_open, last_close


@dataclass(frozen=True, slots=True)
class UrgencyRule:
    reason: str
    level: UrgencyLevel
    explain: dict[str, str]
    # Both languages' patterns, in file order: every message is tried against all of them
    # (customers mix languages: "the serum 使ったら rash"), so the grouping is only the file's.
    patterns: tuple[Matcher, ...]
    ignore: tuple[Matcher, ...]


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


def compile_patterns(raw: dict[str, list[str]], where: str) -> tuple[Matcher, ...]:
    """The patterns of every language of a `{language: [pattern, ...]}` block, in file order."""
    out: list[Matcher] = []
    for lang, patterns in raw.items():
        try:
            # NFKC only: lower-casing would turn `\S` into `\s`; case is ignored anyway.
            out.extend(compile_pattern(unicodedata.normalize("NFKC", p)) for p in patterns or ())
        except re.error as exc:
            raise ConfigError(f"{where}: bad pattern for {lang}: {exc}") from exc
    return tuple(out)


def compile_pattern(source: str) -> Matcher:
    """The regex, checked whole, or a `TailCondition` when it ends in one."""
    whole = re.compile(source, re.IGNORECASE)
    if (split := _split_tail(source)) is None:
        return whole
    words, later, absent = split
    return TailCondition(re.compile(words, re.IGNORECASE), re.compile(later, re.IGNORECASE), absent)


def first_match(
    folded: str, patterns: Iterable[Matcher], ignore: Iterable[Matcher]
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
