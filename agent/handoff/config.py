"""The brand's handoff settings (agent/handoff/handoff.yml): calendar, service levels, teams."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import yaml

from agent.handoff.calendar import BusinessCalendar, always_open, parse_calendar

HANDOFF_CONFIG = Path(__file__).with_name("handoff.yml")
URGENCY_LEVELS = ("critical", "high", "normal", "low")


class HandoffConfigError(ValueError):
    """The handoff file is wrong; the message names what."""


@dataclass(frozen=True, slots=True)
class ServiceLevel:
    first_reply: timedelta
    around_the_clock: bool = False


@dataclass(frozen=True, slots=True)
class Team:
    key: str
    names: Mapping[str, str]
    urgency_reasons: frozenset[str]
    intents: frozenset[str]
    calendar: BusinessCalendar

    def name(self, language: str) -> str:
        return self.names.get(language) or self.names.get("en") or self.key


@dataclass(frozen=True, slots=True)
class HandoffConfig:
    calendar: BusinessCalendar
    on_call: BusinessCalendar  # around the clock: critical messages
    service_levels: Mapping[str, ServiceLevel]
    tier_head_start: Mapping[str, timedelta]
    teams: tuple[Team, ...]
    default_team: str

    def team(self, key: str | None) -> Team:
        for team in self.teams:
            if team.key == key:
                return team
        return self.team(self.default_team) if key != self.default_team else self.teams[0]

    def team_keys(self) -> list[str]:
        return [team.key for team in self.teams]


def load_handoff_config(path: Path = HANDOFF_CONFIG) -> HandoffConfig:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return parse_handoff_config(data)


def parse_handoff_config(data: Mapping[str, Any]) -> HandoffConfig:
    calendar_data = data.get("calendar")
    if not isinstance(calendar_data, Mapping):
        raise HandoffConfigError("`calendar` is missing")
    calendar = parse_calendar(calendar_data)
    levels: dict[str, ServiceLevel] = {}
    for level in URGENCY_LEVELS:
        spec = (data.get("sla") or {}).get(level)
        if not isinstance(spec, Mapping):
            raise HandoffConfigError(f"`sla.{level}` is missing")
        span = timedelta(hours=float(spec.get("hours", 0)), minutes=float(spec.get("minutes", 0)))
        if span <= timedelta(0):
            raise HandoffConfigError(f"`sla.{level}` must give hours or minutes above zero")
        levels[level] = ServiceLevel(span, bool(spec.get("around_the_clock", False)))
    head_start = {
        str(tier): timedelta(minutes=float(minutes))
        for tier, minutes in (data.get("tier_head_start_minutes") or {}).items()
    }
    teams = []
    for spec in data.get("teams") or []:
        key = spec.get("key")
        if not isinstance(key, str) or not key:
            raise HandoffConfigError(f"a team has no key: {spec!r}")
        hours = spec.get("weekly_hours")
        teams.append(
            Team(
                key=key,
                names=dict(spec.get("name") or {}),
                urgency_reasons=frozenset(spec.get("urgency_reasons") or ()),
                intents=frozenset(spec.get("intents") or ()),
                calendar=calendar.with_weekly_hours(hours) if hours else calendar,
            )
        )
    if not teams:
        raise HandoffConfigError("`teams` is empty")
    default = data.get("default_team")
    if default not in {team.key for team in teams}:
        raise HandoffConfigError(f"`default_team` {default!r} is not one of the teams")
    return HandoffConfig(
        calendar=calendar,
        on_call=always_open(calendar.time_zone),
        service_levels=levels,
        tier_head_start=head_start,
        teams=tuple(teams),
        default_team=str(default),
    )
