"""Business hours for a brand: when a person can answer, and how to tell the customer.

Opening hours are wall-clock times in the calendar's zone. Each bound becomes an instant on its
own date, so a day that DST shortens or lengthens has that much less or more open time, and a wall
time that a DST jump skips counts as the moment of the jump. All arithmetic is on UTC instants:
wall-clock subtraction across a transition is off by the shift.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DAY_MINUTES = 24 * 60
# Longer than any real closure, short enough that a calendar that never opens fails fast.
_MAX_DAYS = 3660
_INTERVAL = re.compile(r"(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})")
_TOKYO = "Asia/Tokyo"
_EN_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_EN_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_JA_WEEKDAYS = "月火水木金土日"

Interval = tuple[int, int]  # minutes after local midnight, [start, end); end may be 24:00
Weekly = tuple[tuple[Interval, ...], ...]  # seven days, indexed by date.weekday()
_Span = tuple[datetime, datetime]  # UTC instants, [start, end)


class CalendarConfigError(ValueError):
    """A business-hours setting that cannot be used; the message names the bad value."""


@dataclass(frozen=True, slots=True)
class BusinessCalendar:
    """Weekly opening hours in one zone, minus public holidays and the brand's closures."""

    time_zone: ZoneInfo
    weekly_hours: Weekly
    closed_dates: frozenset[date] = frozenset()
    open_dates: frozenset[date] = frozenset()  # open although a public holiday
    country: str | None = None  # public holidays of this country (ISO code), if any
    public_holidays: holidays.HolidayBase | None = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        if len(self.weekly_hours) != len(WEEKDAYS) or not any(self.weekly_hours):
            raise CalendarConfigError(
                f"weekly_hours has no open hours at all: {self.weekly_hours!r}"
            )
        if both := self.closed_dates & self.open_dates:
            listed = ", ".join(sorted(day.isoformat() for day in both))
            raise CalendarConfigError(f"dates listed as both closed and open: {listed}")
        lookup = None
        if self.country is not None:
            try:
                # Expands years lazily on lookup, so no range of years needs choosing here.
                lookup = holidays.country_holidays(self.country)
            except NotImplementedError as exc:
                raise CalendarConfigError(f"unknown holiday country {self.country!r}") from exc
        object.__setattr__(self, "public_holidays", lookup)

    def with_weekly_hours(self, weekly: Mapping[str, Sequence[str]]) -> BusinessCalendar:
        """The same zone and holidays with other opening hours (a team's own)."""
        return replace(self, weekly_hours=parse_weekly_hours(weekly))

    def is_business_day(self, day: date) -> bool:
        """Whether `day` has opening hours and is neither a closure nor a public holiday."""
        if not self.weekly_hours[day.weekday()] or day in self.closed_dates:
            return False
        if day in self.open_dates or self.public_holidays is None:
            return True
        return day not in self.public_holidays

    def is_open(self, at: datetime) -> bool:
        instant = _utc(at)
        day = instant.astimezone(self.time_zone).date()
        return any(start <= instant < end for start, end in self._spans(day))

    def next_open(self, at: datetime) -> datetime:
        """`at` if open, else the start of the next opening."""
        start, _ = next(self._spans_from(_utc(at)))
        return start.astimezone(self.time_zone)

    def add_business_time(self, start: datetime, duration: timedelta) -> datetime:
        """The moment `duration` of open time has passed since `start`.

        Ends exactly at a closing time when the duration runs out there; zero means next_open.
        """
        if duration < timedelta(0):
            raise ValueError(f"duration must not be negative: {duration}")
        remaining = duration
        spans = self._spans_from(_utc(start))
        while True:
            begin, end = next(spans)
            if remaining <= end - begin:
                return (begin + remaining).astimezone(self.time_zone)
            remaining -= end - begin

    def business_time_between(self, start: datetime, end: datetime) -> timedelta:
        """Open time within [start, end); zero when end is not after start."""
        begin, finish = _utc(start), _utc(end)
        total = timedelta(0)
        if finish <= begin:
            return total
        for low, high in self._spans_from(begin):
            if low >= finish:
                break
            total += min(high, finish) - low
        return total

    def _spans(self, day: date) -> list[_Span]:
        if not self.is_business_day(day):
            return []
        spans = [
            (_instant(day, start, self.time_zone), _instant(day, end, self.time_zone))
            for start, end in self.weekly_hours[day.weekday()]
        ]
        # An interval wholly inside a DST gap never happens that day.
        return [(start, end) for start, end in spans if end > start]

    def _spans_from(self, instant: datetime) -> Iterator[_Span]:
        """Open spans ending after `instant`, the first clipped to start no earlier."""
        day = instant.astimezone(self.time_zone).date()
        for _ in range(_MAX_DAYS):
            for start, end in self._spans(day):
                if end > instant:
                    yield max(start, instant), end
            day += timedelta(days=1)
        raise ValueError(f"the calendar is not open within {_MAX_DAYS} days after {instant}")


def always_open(time_zone: ZoneInfo) -> BusinessCalendar:
    """Open around the clock with no holidays (on-call cover for critical messages)."""
    whole_day: tuple[Interval, ...] = ((0, _DAY_MINUTES),)
    return BusinessCalendar(time_zone, (whole_day,) * len(WEEKDAYS))


def parse_calendar(data: Mapping[str, Any]) -> BusinessCalendar:
    """Read a brand's business-hours settings (a mapping loaded from YAML)."""
    _reject_unknown_keys(data, {"time_zone", "weekly_hours", "holidays"}, "calendar")
    days_off = data.get("holidays") or {}
    if not isinstance(days_off, Mapping):
        raise CalendarConfigError(f"holidays must be a mapping, not {days_off!r}")
    _reject_unknown_keys(days_off, {"country", "closed", "open"}, "holidays")
    country = days_off.get("country")
    if country is not None and not isinstance(country, str):
        raise CalendarConfigError(f"holidays.country must be a country code, not {country!r}")
    return BusinessCalendar(
        time_zone=_parse_zone(data.get("time_zone")),
        weekly_hours=parse_weekly_hours(data.get("weekly_hours") or {}),
        closed_dates=_parse_dates(days_off.get("closed"), "closed"),
        open_dates=_parse_dates(days_off.get("open"), "open"),
        country=country,
    )


def parse_weekly_hours(weekly: Mapping[str, Sequence[str]]) -> Weekly:
    """Opening intervals for mon..sun from lists of "HH:MM-HH:MM"; a missing day is closed."""
    if not isinstance(weekly, Mapping):
        raise CalendarConfigError(f"weekly_hours must be a mapping of mon..sun, not {weekly!r}")
    for key in weekly:
        if key not in WEEKDAYS:
            raise CalendarConfigError(f"unknown weekday {key!r} in weekly_hours (use mon..sun)")
    return tuple(_parse_day(name, weekly.get(name) or []) for name in WEEKDAYS)


def describe_reply_time(at: datetime, *, now: datetime, language: str, time_zone: ZoneInfo) -> str:
    """When a person will reply, for the customer: "tomorrow at 10:00 JST", "明日10:00".

    `at` is rounded up to the minute so the promise is never earlier than the estimate.
    """
    instant = _utc(at)
    if instant.second or instant.microsecond:
        instant = instant.replace(second=0, microsecond=0) + timedelta(minutes=1)
    local = instant.astimezone(time_zone)
    today = _utc(now).astimezone(time_zone).date()
    day, clock = local.date(), f"{local:%H:%M}"
    zone_name = local.tzname() or time_zone.key
    if language == "ja":
        # Japanese customers read a bare time as Japan time; name any other zone.
        suffix = "" if time_zone.key == _TOKYO else f" {zone_name}"
        if day == today:
            return f"本日{clock}{suffix}"
        if day == today + timedelta(days=1):
            return f"明日{clock}{suffix}"
        year = f"{day.year}年" if day.year != today.year else ""
        weekday = _JA_WEEKDAYS[day.weekday()]
        return f"{year}{day.month}月{day.day}日({weekday}){clock}{suffix}"
    if day == today:
        when = "today"
    elif day == today + timedelta(days=1):
        when = "tomorrow"
    else:
        year = f" {day.year}" if day.year != today.year else ""
        when = f"{_EN_WEEKDAYS[day.weekday()]} {day.day} {_EN_MONTHS[day.month - 1]}{year}"
    return f"{when} at {clock} {zone_name}"


def _utc(at: datetime) -> datetime:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"a naive datetime has no instant: {at.isoformat()}")
    return at.astimezone(UTC)


def _instant(day: date, minute: int, zone: ZoneInfo) -> datetime:
    """The UTC instant of a wall time on `day` (24:00 is the next midnight).

    An ambiguous wall time (DST ends) means its first occurrence; a skipped one (DST starts)
    means the jump itself, so that later wall times never map to earlier instants.
    """
    if minute == _DAY_MINUTES:
        day, minute = day + timedelta(days=1), 0
    local = datetime.combine(day, time(minute // 60, minute % 60), tzinfo=zone)
    instant = local.astimezone(UTC)
    if instant.astimezone(zone).replace(tzinfo=None) == local.replace(tzinfo=None):
        return instant
    # Skipped: the two readings of the wall time (old and new offset) bracket the jump.
    low, high = sorted(int(t.timestamp()) for t in (local, local.replace(fold=1)))
    after = datetime.fromtimestamp(high, UTC).astimezone(zone).utcoffset()
    while high - low > 1:
        middle = (low + high) // 2
        if datetime.fromtimestamp(middle, UTC).astimezone(zone).utcoffset() == after:
            high = middle
        else:
            low = middle
    return datetime.fromtimestamp(high, UTC)


def _parse_zone(name: object) -> ZoneInfo:
    if not isinstance(name, str) or not name:
        raise CalendarConfigError(f"time_zone must be an IANA zone name, not {name!r}")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise CalendarConfigError(f"unknown time zone {name!r}") from exc


def _parse_day(name: str, specs: object) -> tuple[Interval, ...]:
    if isinstance(specs, str) or not isinstance(specs, Sequence):
        raise CalendarConfigError(
            f"weekly_hours.{name} must be a list of 'HH:MM-HH:MM', not {specs!r}"
        )
    parsed = sorted((_parse_interval(name, spec), spec) for spec in specs)
    for (earlier, earlier_spec), (later, later_spec) in pairwise(parsed):
        if later[0] < earlier[1]:
            raise CalendarConfigError(
                f"overlapping intervals on {name}: {earlier_spec!r} and {later_spec!r}"
            )
    return tuple(interval for interval, _ in parsed)


def _parse_interval(name: str, spec: object) -> Interval:
    match = _INTERVAL.fullmatch(spec.strip()) if isinstance(spec, str) else None
    if match is None:
        raise CalendarConfigError(f"bad interval {spec!r} on {name}: expected 'HH:MM-HH:MM'")
    start_h, start_m, end_h, end_m = (int(part) for part in match.groups())
    if start_h > 23 or start_m > 59 or end_m > 59 or end_h > 24 or (end_h == 24 and end_m):
        raise CalendarConfigError(f"bad interval {spec!r} on {name}: no such time of day")
    start, end = start_h * 60 + start_m, end_h * 60 + end_m
    if end <= start:
        raise CalendarConfigError(f"interval {spec!r} on {name} does not end after it starts")
    return start, end


def _parse_dates(values: object, key: str) -> frozenset[date]:
    if values is None:
        return frozenset()
    if isinstance(values, str) or not isinstance(values, Sequence):
        raise CalendarConfigError(f"holidays.{key} must be a list of dates, not {values!r}")
    days = set()
    for value in values:
        # YAML turns an unquoted 2026-12-29 into a date already; a datetime is not a day.
        if isinstance(value, date) and not isinstance(value, datetime):
            days.add(value)
            continue
        try:
            days.add(date.fromisoformat(value if isinstance(value, str) else ""))
        except ValueError as exc:
            raise CalendarConfigError(f"bad date {value!r} in holidays.{key}") from exc
    return frozenset(days)


def _reject_unknown_keys(data: Mapping[Any, Any], known: set[str], where: str) -> None:
    # A misspelt key would otherwise be ignored silently, leaving the brand with default hours.
    for key in data:
        if key not in known:
            raise CalendarConfigError(f"unknown key {key!r} in {where}")
