"""Which team gets an escalation, when a person's reply is due, and its place in the queue.
Pure functions of the handoff settings."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from agent.handoff.calendar import BusinessCalendar
from agent.handoff.config import HandoffConfig, Team


def route(config: HandoffConfig, *, urgency_reasons: Sequence[str], intent: str | None) -> Team:
    """What the message is about decides first (its urgency reasons, most urgent first), then
    what the customer asked (the intent), then the default team."""
    for reason in urgency_reasons:
        for team in config.teams:
            if reason in team.urgency_reasons:
                return team
    if intent:
        for team in config.teams:
            if intent in team.intents:
                return team
    return config.team(config.default_team)


def reply_calendar(config: HandoffConfig, team: Team, urgency: str) -> BusinessCalendar:
    """The hours the reply is counted in: on call around the clock, or the team's hours."""
    level = config.service_levels[urgency]
    return config.on_call if level.around_the_clock else team.calendar


def due_at(config: HandoffConfig, team: Team, *, urgency: str, since: datetime) -> datetime:
    """When a person's first reply is due: the service level's span of working time."""
    calendar = reply_calendar(config, team, urgency)
    return calendar.add_business_time(since, config.service_levels[urgency].first_reply)


def queue_rank(config: HandoffConfig, *, due: datetime, tier: str | None) -> float:
    """The queue's order (smallest first): the due time, earlier for higher CRM tiers. As time
    passes every waiting conversation gets closer to due, so priority rises with waiting."""
    head_start = config.tier_head_start.get(tier or "", timedelta(0))
    return (due - head_start).timestamp()


@dataclass(frozen=True, slots=True)
class Priority:
    level: int  # 1 is the highest
    overdue: bool
    remaining_s: float  # until due; negative once overdue

    @property
    def label(self) -> str:
        return f"P{self.level}"


_BASE_LEVEL = {"critical": 1, "high": 2, "normal": 3, "low": 4}
_TOP_TIERS = frozenset({"gold", "vip"})


def base_priority(urgency: str, tier: str | None) -> int:
    """The level an escalation starts at: from urgency, one higher for top CRM tiers."""
    level = _BASE_LEVEL.get(urgency, 3)
    if tier in _TOP_TIERS:
        level -= 1
    return max(1, level)


def priority(
    *, urgency: str, tier: str | None, created: datetime, due: datetime, now: datetime
) -> Priority:
    """A level for people to read: the base level, one higher once more than half the time to
    the due reply has gone."""
    level = base_priority(urgency, tier)
    span = (due - created).total_seconds()
    if span > 0 and (now - created).total_seconds() > span / 2:
        level -= 1
    remaining = (due - now).total_seconds()
    return Priority(level=max(1, level), overdue=remaining < 0, remaining_s=remaining)
