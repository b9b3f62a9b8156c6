"""Brand-editable phrases that ask for a person (YAML): pure matching, no I/O beyond loading.

They back up the NLU's `human_handoff` intent, which misses requests worded around the bot
("自動返信じゃなくて人に見てほしい") or around something else ("I want to talk to your
supervisor about how I've been treated")."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from agent.errors import ConfigError
from agent.signals.rules import Matcher, compile_patterns, first_match, normalise, read_yaml

DEFAULT_PERSON_REQUESTS = Path(__file__).with_name("person_requests.yml")


@dataclass(frozen=True, slots=True)
class PersonRequests:
    patterns: tuple[Matcher, ...]
    ignore: tuple[Matcher, ...]


def load_person_requests(path: Path = DEFAULT_PERSON_REQUESTS) -> PersonRequests:
    data = read_yaml(path, "person requests")
    try:
        patterns = compile_patterns(data.get("patterns") or {}, path.name)
        ignore = compile_patterns(data.get("ignore") or {}, path.name)
    except (AttributeError, TypeError) as exc:
        raise ConfigError(f"{path.name} is malformed: {exc!r}") from exc
    if not patterns:
        raise ConfigError(f"{path} defines no patterns")
    return PersonRequests(patterns, ignore)


def asked_for_person(text: str, requests: PersonRequests) -> str | None:
    """The words with which `text` asks for a person, or None."""
    found = first_match(normalise(text), requests.patterns, requests.ignore)
    return found.group(0).strip() if found else None
