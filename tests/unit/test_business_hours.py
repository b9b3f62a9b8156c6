"""Business hours, exhaustively: the demo brand's Tokyo calendar with JP holidays and closures,
DST in New York and Santiago, how reply times read to customers, and every config error."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import holidays
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agent.handoff.calendar import (
    WEEKDAYS,
    BusinessCalendar,
    CalendarConfigError,
    always_open,
    describe_reply_time,
    parse_calendar,
)

TOKYO = ZoneInfo("Asia/Tokyo")
NEW_YORK = ZoneInfo("America/New_York")
SANTIAGO = ZoneInfo("America/Santiago")
H, M, US = timedelta(hours=1), timedelta(minutes=1), timedelta(microseconds=1)
WEEKDAY = ["10:00-18:00"]
CLOSURES = ["2026-12-29", "2026-12-30", "2026-12-31", "2027-01-02", "2027-01-03"]


def demo_data(**holiday_settings: Any) -> dict[str, Any]:
    return {
        "time_zone": "Asia/Tokyo",
        "weekly_hours": {
            "mon": WEEKDAY,
            "tue": WEEKDAY,
            "wed": WEEKDAY,
            "thu": WEEKDAY,
            "fri": WEEKDAY,
            "sat": ["10:00-13:00"],
            "sun": [],
        },
        "holidays": {"country": "JP", "closed": CLOSURES, "open": [], **holiday_settings},
    }


def every_day(zone: str, *intervals: str) -> BusinessCalendar:
    return parse_calendar({"time_zone": zone, "weekly_hours": dict.fromkeys(WEEKDAYS, intervals)})


CAL = parse_calendar(demo_data())
NY = every_day("America/New_York", "09:00-17:00")
# Bounds inside and next to New York's DST jumps (02:00-03:00 skipped in March, repeated in Nov).
NY_NIGHT = every_day("America/New_York", "01:30-02:30", "02:30-03:30")
NY_GAP = every_day("America/New_York", "02:10-02:50")


def at_local(zone: ZoneInfo, *parts: int, fold: int = 0) -> datetime:
    year, month, day, *rest = parts
    hour, minute, second = (*rest, 0, 0, 0)[:3]
    return datetime(year, month, day, hour, minute, second, tzinfo=zone, fold=fold)


def jst(*parts: int) -> datetime:
    return at_local(TOKYO, *parts)


def nyc(*parts: int, fold: int = 0) -> datetime:
    return at_local(NEW_YORK, *parts, fold=fold)


def clt(*parts: int) -> datetime:
    return at_local(SANTIAGO, *parts)


def midnights(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The local midnights that begin and end `day`."""
    return (
        datetime.combine(day, datetime.min.time(), tzinfo=zone),
        datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=zone),
    )


# --- the holidays these tests rely on, checked against the `holidays` package, not guessed ---


def test_japanese_public_holidays_used_below() -> None:
    jp = holidays.country_holidays("JP")
    assert date(2026, 11, 23) in jp  # Labor Thanksgiving Day, a Monday
    assert date(2026, 11, 22).weekday() == 6
    assert date(2027, 1, 1) in jp
    golden_week = {day for day in (date(2027, 4, 28) + timedelta(n) for n in range(10))}
    assert {day for day in golden_week if day in jp} == {
        date(2027, 4, 29),
        date(2027, 5, 3),
        date(2027, 5, 4),
        date(2027, 5, 5),
    }
    assert date(2026, 12, 28) not in jp
    assert date(2027, 1, 4) not in jp


# --- is_open / is_business_day ---


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        (jst(2026, 11, 16, 9, 59, 59), False),  # Monday, before opening
        (jst(2026, 11, 16, 10, 0), True),
        (jst(2026, 11, 16, 12, 0), True),
        (jst(2026, 11, 16, 17, 59, 59), True),
        (jst(2026, 11, 16, 18, 0), False),  # closing time is closed
        (jst(2026, 11, 16, 23, 0), False),
        (jst(2026, 11, 16, 0, 0), False),
        (jst(2026, 11, 14, 9, 59), False),  # Saturday: short hours
        (jst(2026, 11, 14, 10, 0), True),
        (jst(2026, 11, 14, 12, 59, 59), True),
        (jst(2026, 11, 14, 13, 0), False),
        (jst(2026, 11, 14, 15, 0), False),
        (jst(2026, 11, 15, 12, 0), False),  # Sunday
        (jst(2026, 11, 23, 12, 0), False),  # Labor Thanksgiving Day
        (jst(2026, 11, 24, 12, 0), True),
        (jst(2026, 12, 28, 17, 59), True),
        (jst(2026, 12, 29, 12, 0), False),  # brand closure
        (jst(2026, 12, 31, 12, 0), False),
        (jst(2027, 1, 1, 12, 0), False),  # New Year's Day
        (jst(2027, 1, 2, 11, 0), False),  # a Saturday, but closed
        (jst(2027, 1, 4, 10, 0), True),
        (jst(2027, 5, 4, 12, 0), False),  # Golden Week
        (jst(2027, 5, 6, 12, 0), True),
        (datetime(2026, 11, 16, 1, 0, tzinfo=UTC), True),  # 10:00 JST
        (datetime(2026, 11, 16, 9, 0, tzinfo=UTC), False),  # 18:00 JST
        (datetime(2026, 11, 15, 23, 0, tzinfo=UTC), False),  # 08:00 JST Monday
    ],
)
def test_is_open(at: datetime, expected: bool) -> None:
    assert CAL.is_open(at) is expected


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 11, 16), True),
        (date(2026, 11, 21), True),  # Saturday
        (date(2026, 11, 22), False),  # Sunday
        (date(2026, 11, 23), False),  # public holiday
        (date(2026, 12, 28), True),
        *((day, False) for day in map(date.fromisoformat, CLOSURES)),
        (date(2027, 1, 1), False),
        (date(2027, 1, 4), True),
        (date(2027, 4, 29), False),
        (date(2027, 4, 30), True),
        (date(2027, 5, 1), True),
        (date(2027, 5, 2), False),
        (date(2027, 5, 3), False),
        (date(2027, 5, 5), False),
        (date(2027, 5, 6), True),
    ],
)
def test_is_business_day(day: date, expected: bool) -> None:
    assert CAL.is_business_day(day) is expected


# --- next_open ---


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        (jst(2026, 11, 16, 12, 0, 1), jst(2026, 11, 16, 12, 0, 1)),  # open: itself
        (jst(2026, 11, 16, 8, 0), jst(2026, 11, 16, 10, 0)),
        (jst(2026, 11, 16, 18, 0), jst(2026, 11, 17, 10, 0)),
        (jst(2026, 11, 20, 18, 0), jst(2026, 11, 21, 10, 0)),
        (jst(2026, 11, 21, 13, 0), jst(2026, 11, 24, 10, 0)),  # Sunday, then the holiday
        (jst(2026, 12, 28, 18, 0), jst(2027, 1, 4, 10, 0)),  # year-end closure
        (jst(2027, 5, 1, 13, 0), jst(2027, 5, 6, 10, 0)),  # Golden Week
        (datetime(2026, 11, 20, 9, 0, tzinfo=UTC), jst(2026, 11, 21, 10, 0)),
    ],
)
def test_next_open(at: datetime, expected: datetime) -> None:
    result = CAL.next_open(at)
    assert result == expected
    assert result.tzinfo is TOKYO


# --- add_business_time ---


@pytest.mark.parametrize(
    ("start", "duration", "expected"),
    [
        (jst(2026, 11, 16, 10, 0), H, jst(2026, 11, 16, 11, 0)),
        (jst(2026, 11, 16, 10, 0), 8 * H, jst(2026, 11, 16, 18, 0)),  # ends at closing
        (jst(2026, 11, 16, 10, 0), 8 * H + M, jst(2026, 11, 17, 10, 1)),
        (jst(2026, 11, 16, 10, 0), 40 * H, jst(2026, 11, 20, 18, 0)),
        (jst(2026, 11, 16, 10, 0), 43 * H, jst(2026, 11, 21, 13, 0)),
        (jst(2026, 11, 16, 10, 0), 44 * H, jst(2026, 11, 24, 11, 0)),
        (jst(2026, 11, 16, 7, 0), H, jst(2026, 11, 16, 11, 0)),
        (jst(2026, 11, 20, 17, 30), H, jst(2026, 11, 21, 10, 30)),  # Friday into Saturday
        (jst(2026, 11, 21, 12, 30), H, jst(2026, 11, 24, 10, 30)),  # over Sunday and a holiday
        (jst(2026, 11, 20, 23, 59), H, jst(2026, 11, 21, 11, 0)),
        (jst(2026, 11, 20, 23, 59), 8 * H, jst(2026, 11, 24, 15, 0)),  # Sat 3 h, Tue 5 h
        (jst(2026, 11, 13, 23, 59), 8 * H, jst(2026, 11, 16, 15, 0)),  # Sat 3 h, Mon 5 h
        (jst(2026, 11, 20, 17, 30), timedelta(0), jst(2026, 11, 20, 17, 30)),
        (jst(2026, 11, 20, 19, 0), timedelta(0), jst(2026, 11, 21, 10, 0)),
        (jst(2026, 11, 20, 17, 59, 59), timedelta(seconds=1), jst(2026, 11, 20, 18, 0)),
        (jst(2027, 4, 28, 17, 0), 2 * H, jst(2027, 4, 30, 11, 0)),  # Showa Day
        (jst(2027, 4, 30, 17, 0), 2 * H, jst(2027, 5, 1, 11, 0)),
        (jst(2027, 5, 1, 12, 0), 2 * H, jst(2027, 5, 6, 11, 0)),  # Golden Week
        (jst(2026, 12, 28, 17, 0), 2 * H, jst(2027, 1, 4, 11, 0)),  # year-end closure
        (jst(2026, 12, 26, 12, 30), H, jst(2026, 12, 28, 10, 30)),
        (datetime(2026, 11, 20, 8, 30, tzinfo=UTC), H, jst(2026, 11, 21, 10, 30)),
    ],
)
def test_add_business_time(start: datetime, duration: timedelta, expected: datetime) -> None:
    result = CAL.add_business_time(start, duration)
    assert result == expected
    assert result.tzinfo is TOKYO


def test_negative_duration_is_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        CAL.add_business_time(jst(2026, 11, 16, 12, 0), -M)


# --- business_time_between ---


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (jst(2026, 11, 16), jst(2026, 11, 17), 8 * H),
        (jst(2026, 11, 16), jst(2026, 11, 23), 43 * H),  # Mon-Fri 8 h, Sat 3 h
        (jst(2026, 11, 20, 17, 0), jst(2026, 11, 24, 11, 0), 5 * H),
        (jst(2026, 11, 16, 12, 0), jst(2026, 11, 16, 12, 30), 30 * M),
        (jst(2026, 11, 16, 18, 0), jst(2026, 11, 17, 10, 0), timedelta(0)),
        (jst(2026, 11, 22), jst(2026, 11, 24), timedelta(0)),  # Sunday and the holiday
        (jst(2026, 12, 28), jst(2027, 1, 5), 16 * H),
        (jst(2027, 5, 1), jst(2027, 5, 6), 3 * H),
        (jst(2026, 11, 16, 12, 0), jst(2026, 11, 16, 12, 0), timedelta(0)),
        (jst(2026, 11, 17, 12, 0), jst(2026, 11, 16, 12, 0), timedelta(0)),  # end first
        (datetime(2026, 11, 16, 0, 0, tzinfo=UTC), jst(2026, 11, 17), 8 * H),
    ],
)
def test_business_time_between(start: datetime, end: datetime, expected: timedelta) -> None:
    assert CAL.business_time_between(start, end) == expected


def test_a_year_of_demo_hours() -> None:
    weekday_holidays = [
        day for day in holidays.country_holidays("JP", years=2027) if day.weekday() < 5
    ]
    assert len(weekday_holidays) == 16
    # 2027 has 52 weeks and a Friday: 261 weekdays and 52 Saturdays, one (2 January) a closure.
    expected = (261 - 16) * 8 * H + (52 - 1) * 3 * H
    assert CAL.business_time_between(jst(2027, 1, 1), jst(2028, 1, 1)) == expected


# --- closures, overrides, calendars without holidays ---


def test_open_override_opens_a_public_holiday() -> None:
    calendar = parse_calendar(demo_data(open=["2026-11-23"]))
    assert calendar.is_business_day(date(2026, 11, 23))
    assert calendar.is_open(jst(2026, 11, 23, 12, 0))
    assert calendar.add_business_time(jst(2026, 11, 21, 12, 30), H) == jst(2026, 11, 23, 10, 30)
    # Overriding opens the holiday only; a day without weekly hours stays closed.
    sunday = parse_calendar(demo_data(open=["2026-11-22"]))
    assert not sunday.is_business_day(date(2026, 11, 22))


def test_dates_from_yaml_may_already_be_dates() -> None:
    calendar = parse_calendar(demo_data(closed=[date(2026, 11, 17)], open=[date(2026, 11, 23)]))
    assert not calendar.is_business_day(date(2026, 11, 17))
    assert calendar.is_business_day(date(2026, 11, 23))
    assert calendar.is_business_day(date(2026, 12, 29))  # the default closures were replaced


def test_without_a_country_public_holidays_are_ordinary_days() -> None:
    data = demo_data()
    del data["holidays"]
    calendar = parse_calendar(data)
    assert calendar.public_holidays is None
    assert calendar.is_open(jst(2026, 11, 23, 12, 0))
    assert calendar.is_open(jst(2026, 12, 29, 12, 0))


def test_null_days_and_loose_intervals() -> None:
    calendar = parse_calendar(
        {
            "time_zone": "Asia/Tokyo",
            "weekly_hours": {"mon": ["13:00-17:30", " 9:00-12:00", "12:00-13:00"], "tue": None},
        }
    )
    assert calendar.weekly_hours[0] == ((540, 720), (720, 780), (780, 1050))
    assert calendar.weekly_hours[1:] == ((),) * 6
    assert calendar.is_open(jst(2026, 11, 16, 12, 0))  # adjacent intervals leave no gap
    assert calendar.add_business_time(jst(2026, 11, 16, 11, 30), H) == jst(2026, 11, 16, 12, 30)
    assert calendar.business_time_between(jst(2026, 11, 16), jst(2026, 11, 17)) == 8.5 * H
    assert calendar.add_business_time(jst(2026, 11, 16, 17, 0), H) == jst(2026, 11, 23, 9, 30)


def test_open_through_midnight() -> None:
    calendar = parse_calendar(
        {
            "time_zone": "Asia/Tokyo",
            "weekly_hours": {"fri": ["20:00-24:00"], "sat": ["00:00-02:00"]},
        }
    )
    friday_night = jst(2026, 11, 20, 23, 0)
    assert calendar.add_business_time(friday_night, 2 * H) == jst(2026, 11, 21, 1, 0)
    assert calendar.is_open(jst(2026, 11, 21, 0, 0))
    assert not calendar.is_open(jst(2026, 11, 21, 2, 0))
    assert calendar.business_time_between(jst(2026, 11, 20), jst(2026, 11, 22)) == 6 * H


def test_with_weekly_hours_keeps_zone_and_days_off() -> None:
    team = CAL.with_weekly_hours({"mon": WEEKDAY, "sat": ["10:00-18:00"], "sun": ["10:00-18:00"]})
    assert team.time_zone is TOKYO
    assert team.closed_dates == CAL.closed_dates
    assert team.country == "JP"
    assert team.is_open(jst(2026, 11, 22, 17, 0))  # Sunday
    assert team.is_open(jst(2026, 11, 16, 12, 0))
    assert not team.is_open(jst(2026, 11, 17, 12, 0))  # Tuesday: not this team's day
    assert not team.is_open(jst(2026, 11, 23, 12, 0))  # a Monday holiday
    assert not team.is_open(jst(2026, 5, 3, 12, 0))  # a Sunday holiday
    assert not team.is_open(jst(2027, 1, 3, 12, 0))  # a Sunday closure
    assert team.add_business_time(jst(2026, 11, 21, 17, 30), H) == jst(2026, 11, 22, 10, 30)
    assert not CAL.is_open(jst(2026, 11, 22, 17, 0))  # the original is unchanged
    with pytest.raises(CalendarConfigError, match=re.escape("'18:00-10:00'")):
        CAL.with_weekly_hours({"sat": ["18:00-10:00"]})
    with pytest.raises(CalendarConfigError, match="no open hours"):
        CAL.with_weekly_hours({})


def test_calendars_compare_and_hash_by_value() -> None:
    assert parse_calendar(demo_data()) == CAL
    assert hash(parse_calendar(demo_data())) == hash(CAL)
    assert parse_calendar(demo_data(open=["2026-11-23"])) != CAL


def test_always_open() -> None:
    on_call = always_open(TOKYO)
    assert on_call.public_holidays is None
    for at in (jst(2026, 11, 23, 3, 0), jst(2026, 11, 22, 23, 59), jst(2026, 12, 31, 0, 0)):
        assert on_call.is_open(at)
        assert on_call.next_open(at) == at
        assert on_call.add_business_time(at, 15 * M) == at + 15 * M
    start, end = jst(2026, 12, 28), jst(2027, 1, 5)
    assert on_call.business_time_between(start, end) == end - start
    assert on_call.add_business_time(datetime(2026, 11, 22, tzinfo=UTC), H).tzinfo is TOKYO


def test_a_calendar_that_never_opens_in_ten_years_fails_instead_of_hanging() -> None:
    mondays = [(date(2026, 11, 16) + timedelta(weeks=n)).isoformat() for n in range(600)]
    calendar = parse_calendar(
        {
            "time_zone": "Asia/Tokyo",
            "weekly_hours": {"mon": WEEKDAY},
            "holidays": {"closed": mondays},
        }
    )
    with pytest.raises(ValueError, match="3660 days"):
        calendar.next_open(jst(2026, 11, 16))


# --- properties over random starts and durations ---

PROPERTY_CALENDARS = {
    "tokyo demo": CAL,
    "new york 9-17": NY,
    "new york around the DST jumps": NY_NIGHT,
    "santiago around the clock": always_open(SANTIAGO),
}
starts = st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2028, 12, 31, 23, 59))
durations = st.timedeltas(min_value=timedelta(0), max_value=40 * H)


@pytest.mark.parametrize("calendar", PROPERTY_CALENDARS.values(), ids=PROPERTY_CALENDARS.keys())
@settings(deadline=None)
@given(naive=starts, zone=st.sampled_from([UTC, TOKYO, NEW_YORK]), duration=durations)
def test_business_time_between_inverts_add_business_time(
    calendar: BusinessCalendar, naive: datetime, zone: ZoneInfo, duration: timedelta
) -> None:
    start = naive.replace(tzinfo=zone)
    end = calendar.add_business_time(start, duration)
    assert end.tzinfo is calendar.time_zone
    # Compared and shifted in UTC: same-zone datetimes compare by wall time (wrong in the hour
    # DST repeats), and subtracting from one shifts its wall time, not its instant.
    end, start = end.astimezone(UTC), start.astimezone(UTC)
    assert end >= start
    assert calendar.business_time_between(start, end) == duration
    # Either open, or exactly at a closing time that the duration ran up to.
    assert calendar.is_open(end) or (duration > timedelta(0) and calendar.is_open(end - US))
    assert calendar.business_time_between(start, end) <= end - start


@pytest.mark.parametrize("calendar", PROPERTY_CALENDARS.values(), ids=PROPERTY_CALENDARS.keys())
@settings(deadline=None)
@given(naive=starts, first=durations, second=durations)
def test_monotone_and_additive(
    calendar: BusinessCalendar, naive: datetime, first: timedelta, second: timedelta
) -> None:
    start = naive.replace(tzinfo=UTC)
    shorter, longer = sorted((first, second))
    # Compared in UTC: Python compares two datetimes of the same zone by wall time, which is
    # wrong in the hour DST repeats.
    early = calendar.add_business_time(start, shorter).astimezone(UTC)
    late = calendar.add_business_time(start, longer).astimezone(UTC)
    assert early <= late
    assert calendar.business_time_between(start, early) <= calendar.business_time_between(
        start, late
    )
    assert calendar.business_time_between(early, late) == longer - shorter
    assert calendar.add_business_time(early, longer - shorter).astimezone(UTC) == late
    middle = start + (late - start) / 3
    assert calendar.business_time_between(start, middle) + calendar.business_time_between(
        middle, late
    ) == calendar.business_time_between(start, late)


@settings(deadline=None)
@given(naive=starts, zone=st.sampled_from([UTC, TOKYO]))
def test_next_open_is_open_and_skips_nothing(naive: datetime, zone: ZoneInfo) -> None:
    start = naive.replace(tzinfo=zone)
    opening = CAL.next_open(start).astimezone(UTC)
    assert CAL.is_open(opening)
    assert opening >= start
    assert CAL.business_time_between(start, opening) == timedelta(0)
    assert CAL.is_open(start) == (opening == start)


# --- DST: New York (02:00 skipped on 14 March 2027, 01:00-02:00 repeated on 7 November) ---


@pytest.mark.parametrize(
    ("start", "expected", "expected_utc"),
    [
        (nyc(2027, 3, 13, 16, 30), nyc(2027, 3, 14, 9, 30), datetime(2027, 3, 14, 13, 30)),
        (nyc(2027, 3, 14, 1, 30), nyc(2027, 3, 14, 10, 0), datetime(2027, 3, 14, 14, 0)),
        (nyc(2027, 3, 14, 2, 30), nyc(2027, 3, 14, 10, 0), datetime(2027, 3, 14, 14, 0)),
        (nyc(2027, 3, 14, 16, 30), nyc(2027, 3, 15, 9, 30), datetime(2027, 3, 15, 13, 30)),
        (nyc(2027, 11, 6, 16, 30), nyc(2027, 11, 7, 9, 30), datetime(2027, 11, 7, 14, 30)),
        (nyc(2027, 11, 7, 1, 30), nyc(2027, 11, 7, 10, 0), datetime(2027, 11, 7, 15, 0)),
        (
            nyc(2027, 11, 7, 1, 30, fold=1),
            nyc(2027, 11, 7, 10, 0),
            datetime(2027, 11, 7, 15, 0),
        ),
        (nyc(2027, 11, 7, 16, 30), nyc(2027, 11, 8, 9, 30), datetime(2027, 11, 8, 14, 30)),
    ],
)
def test_new_york_one_hour_across_dst(
    start: datetime, expected: datetime, expected_utc: datetime
) -> None:
    result = NY.add_business_time(start, H)
    assert result == expected
    assert result == expected_utc.replace(tzinfo=UTC)
    assert result.utcoffset() == expected.utcoffset()


@pytest.mark.parametrize("day", [date(2027, 3, 14), date(2027, 11, 7), date(2027, 3, 15)])
def test_new_york_business_day_is_eight_hours_on_dst_days(day: date) -> None:
    start, end = midnights(day, NEW_YORK)
    assert NY.business_time_between(start, end) == 8 * H
    assert NY.is_open(nyc(day.year, day.month, day.day, 9, 0))
    assert not NY.is_open(nyc(day.year, day.month, day.day, 8, 59))
    assert not NY.is_open(nyc(day.year, day.month, day.day, 17, 0))


def test_new_york_two_days_across_spring_forward() -> None:
    assert NY.business_time_between(nyc(2027, 3, 13, 9, 0), nyc(2027, 3, 14, 17, 0)) == 16 * H


@pytest.mark.parametrize(
    ("day", "length"),
    [
        (date(2027, 3, 13), 24 * H),
        (date(2027, 3, 14), 23 * H),
        (date(2027, 11, 7), 25 * H),
        (date(2027, 11, 8), 24 * H),
    ],
)
def test_around_the_clock_counts_real_hours(day: date, length: timedelta) -> None:
    on_call = always_open(NEW_YORK)
    start, end = midnights(day, NEW_YORK)
    assert on_call.business_time_between(start, end) == length
    assert on_call.add_business_time(start, length) == end


def test_around_the_clock_one_hour_over_the_jump() -> None:
    on_call = always_open(NEW_YORK)
    assert on_call.add_business_time(nyc(2027, 3, 14, 1, 30), H) == nyc(2027, 3, 14, 3, 30)
    fall_back = on_call.add_business_time(nyc(2027, 11, 7, 1, 30), H)
    assert fall_back == nyc(2027, 11, 7, 1, 30, fold=1)  # the same wall time, an hour later
    assert fall_back.utcoffset() == -5 * H


@pytest.mark.parametrize(
    ("day", "length"),
    [
        (date(2027, 3, 13), 2 * H),
        (date(2027, 3, 14), H),  # 01:30 EST to the jump, then the jump to 03:30 EDT
        (date(2027, 11, 7), 3 * H),  # 01:30 EDT to 02:30 EST is two real hours
    ],
)
def test_opening_hours_inside_the_dst_jumps(day: date, length: timedelta) -> None:
    start, end = midnights(day, NEW_YORK)
    assert NY_NIGHT.business_time_between(start, end) == length


def test_skipped_wall_times_mean_the_jump() -> None:
    # 02:30 does not exist on 14 March: both intervals meet at 03:00 EDT (07:00 UTC).
    jump = datetime(2027, 3, 14, 7, 0, tzinfo=UTC)
    assert NY_NIGHT.is_open(jump)
    assert NY_NIGHT.is_open(jump - US)
    assert NY_NIGHT.add_business_time(nyc(2027, 3, 14, 1, 30), 30 * M) == jump
    assert NY_NIGHT.add_business_time(nyc(2027, 3, 14, 1, 30), H) == nyc(2027, 3, 14, 3, 30)
    # An interval wholly inside the skipped hour does not happen that day.
    assert NY_GAP.business_time_between(nyc(2027, 3, 14), nyc(2027, 3, 15)) == timedelta(0)
    assert NY_GAP.next_open(nyc(2027, 3, 14)) == nyc(2027, 3, 15, 2, 10)
    assert NY_GAP.business_time_between(nyc(2027, 3, 13), nyc(2027, 3, 14)) == 40 * M


def test_santiago_skips_midnight() -> None:
    # Chile moves from 00:00 -04 straight to 01:00 -03 on 6 September 2026.
    assert clt(2026, 9, 6, 0, 30).astimezone(UTC).astimezone(SANTIAGO).hour == 1
    on_call = always_open(SANTIAGO)
    assert on_call.business_time_between(clt(2026, 9, 5), clt(2026, 9, 7)) == 47 * H
    assert on_call.add_business_time(clt(2026, 9, 5, 23, 30), H) == clt(2026, 9, 6, 1, 30)
    first_hour = every_day("America/Santiago", "00:00-01:00")
    assert first_hour.business_time_between(clt(2026, 9, 6), clt(2026, 9, 7)) == timedelta(0)
    assert first_hour.next_open(clt(2026, 9, 5, 12, 0)) == clt(2026, 9, 7, 0, 0)


# --- describe_reply_time ---

NOW = jst(2026, 11, 20, 14, 10)  # a Friday


@pytest.mark.parametrize(
    ("at", "now", "english", "japanese"),
    [
        (jst(2026, 11, 20, 15, 0), NOW, "today at 15:00 JST", "本日15:00"),
        (jst(2026, 11, 21, 10, 0), NOW, "tomorrow at 10:00 JST", "明日10:00"),
        (jst(2026, 11, 24, 10, 0), NOW, "Tue 24 Nov at 10:00 JST", "11月24日(火)10:00"),
        (jst(2026, 12, 28, 10, 0), NOW, "Mon 28 Dec at 10:00 JST", "12月28日(月)10:00"),
        (jst(2027, 1, 4, 10, 0), NOW, "Mon 4 Jan 2027 at 10:00 JST", "2027年1月4日(月)10:00"),
        (jst(2027, 1, 1, 10), jst(2026, 12, 31, 12), "tomorrow at 10:00 JST", "明日10:00"),
        # Rounded up to the minute, never down.
        (jst(2026, 11, 20, 14, 59, 30), NOW, "today at 15:00 JST", "本日15:00"),
        (jst(2026, 11, 20, 15, 0) + US, NOW, "today at 15:01 JST", "本日15:01"),
        (jst(2026, 11, 20, 23, 59, 1), NOW, "tomorrow at 00:00 JST", "明日00:00"),
        (jst(2026, 12, 31, 23, 59, 1), NOW, "Fri 1 Jan 2027 at 00:00 JST", "2027年1月1日(金)00:00"),
        # Instants in UTC are shown in the brand's zone, relative to the brand's today.
        (datetime(2026, 11, 21, 1, 0, tzinfo=UTC), NOW, "tomorrow at 10:00 JST", "明日10:00"),
        (
            jst(2026, 11, 21, 10, 0),
            datetime(2026, 11, 20, 20, 0, tzinfo=UTC),  # already Saturday in Tokyo
            "today at 10:00 JST",
            "本日10:00",
        ),
    ],
)
def test_describe_reply_time_in_tokyo(
    at: datetime, now: datetime, english: str, japanese: str
) -> None:
    assert describe_reply_time(at, now=now, language="en", time_zone=TOKYO) == english
    assert describe_reply_time(at, now=now, language="ja", time_zone=TOKYO) == japanese


@pytest.mark.parametrize("language", ["fr", "", "EN", "zh"])
def test_other_languages_get_english(language: str) -> None:
    at = jst(2026, 11, 21, 10, 0)
    assert describe_reply_time(at, now=NOW, language=language, time_zone=TOKYO) == (
        "tomorrow at 10:00 JST"
    )


@pytest.mark.parametrize("offset", range(7))
def test_every_weekday_name(offset: int) -> None:
    at = jst(2026, 11, 23, 10, 0) + timedelta(days=offset)  # Monday onwards
    english = describe_reply_time(at, now=jst(2026, 11, 1), language="en", time_zone=TOKYO)
    japanese = describe_reply_time(at, now=jst(2026, 11, 1), language="ja", time_zone=TOKYO)
    weekday = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")[offset]
    assert english == f"{weekday} {23 + offset} Nov at 10:00 JST"
    assert japanese == f"11月{23 + offset}日({'月火水木金土日'[offset]})10:00"


@pytest.mark.parametrize(
    ("at", "english", "japanese"),
    [
        (nyc(2027, 3, 13, 16, 0), "today at 16:00 EST", "本日16:00 EST"),
        (nyc(2027, 3, 14, 10, 0), "tomorrow at 10:00 EDT", "明日10:00 EDT"),
        (nyc(2027, 3, 16, 9, 0), "Tue 16 Mar at 09:00 EDT", "3月16日(火)09:00 EDT"),
    ],
)
def test_describe_reply_time_names_other_zones(at: datetime, english: str, japanese: str) -> None:
    now = nyc(2027, 3, 13, 12, 0)
    assert describe_reply_time(at, now=now, language="en", time_zone=NEW_YORK) == english
    assert describe_reply_time(at, now=now, language="ja", time_zone=NEW_YORK) == japanese


# --- configuration errors ---


def _with(path: str, value: Any) -> dict[str, Any]:
    data = demo_data()
    *parents, last = path.split(".")
    target = data
    for key in parents:
        target = target[key]
    target[last] = value
    return data


def _without(key: str) -> dict[str, Any]:
    data = demo_data()
    del data[key]
    return data


@pytest.mark.parametrize(
    ("data", "named"),
    [
        (_with("weekly_hours.monday", WEEKDAY), "'monday'"),
        (_with("weekly_hours.Mon", WEEKDAY), "'Mon'"),
        (_with("weekly_hours.mon", ["10-18"]), "'10-18'"),
        (_with("weekly_hours.mon", ["10:00 - 18:00"]), "'10:00 - 18:00'"),
        (_with("weekly_hours.mon", ["10:00-18:00-19:00"]), "'10:00-18:00-19:00'"),
        (_with("weekly_hours.mon", [1000]), "1000"),
        (_with("weekly_hours.mon", ["25:00-26:00"]), "'25:00-26:00'"),
        (_with("weekly_hours.mon", ["10:60-11:00"]), "'10:60-11:00'"),
        (_with("weekly_hours.mon", ["10:00-24:30"]), "'10:00-24:30'"),
        (_with("weekly_hours.mon", ["24:00-24:00"]), "'24:00-24:00'"),
        (_with("weekly_hours.mon", ["18:00-10:00"]), "'18:00-10:00'"),
        (_with("weekly_hours.mon", ["10:00-10:00"]), "'10:00-10:00'"),
        (
            _with("weekly_hours.mon", ["10:00-12:00", "11:00-13:00"]),
            "'10:00-12:00' and '11:00-13:00'",
        ),
        (_with("weekly_hours.mon", ["10:00-18:00", "10:00-18:00"]), "overlapping"),
        (_with("weekly_hours.mon", "10:00-18:00"), "'10:00-18:00'"),
        (_with("weekly_hours", ["10:00-18:00"]), "weekly_hours"),
        (_with("weekly_hours", {day: [] for day in WEEKDAYS}), "no open hours"),
        (_without("weekly_hours"), "no open hours"),
        (_with("time_zone", "Asia/Tokio"), "'Asia/Tokio'"),
        (_with("time_zone", "JST"), "'JST'"),
        (_with("time_zone", "../etc/passwd"), "'../etc/passwd'"),
        (_with("time_zone", ""), "time_zone"),
        (_with("time_zone", 9), "9"),
        (_without("time_zone"), "time_zone"),
        (_with("holidays.country", "XX"), "'XX'"),
        (_with("holidays.country", 81), "81"),
        (_with("holidays.closed", ["2026-13-01"]), "'2026-13-01'"),
        (_with("holidays.closed", [20261229]), "20261229"),
        (
            _with("holidays.closed", [datetime(2026, 12, 29, 0, 0)]),
            "datetime.datetime(2026, 12, 29",
        ),
        (_with("holidays.closed", "2026-12-29"), "'2026-12-29'"),
        (_with("holidays.open", ["2026-12-29"]), "both closed and open: 2026-12-29"),
        (_with("holidays.closures", ["2026-12-29"]), "'closures'"),
        (_with("holidays", ["JP"]), "['JP']"),
        (_with("timezone", "Asia/Tokyo"), "'timezone'"),
    ],
)
def test_config_errors_name_the_bad_value(data: dict[str, Any], named: str) -> None:
    with pytest.raises(CalendarConfigError, match=re.escape(named)):
        parse_calendar(data)


def test_config_error_is_a_value_error() -> None:
    assert issubclass(CalendarConfigError, ValueError)


# --- naive datetimes have no instant ---

NAIVE = datetime(2026, 11, 16, 12, 0)
AWARE = jst(2026, 11, 16, 12, 0)


@pytest.mark.parametrize(
    "call",
    [
        lambda: CAL.is_open(NAIVE),
        lambda: CAL.next_open(NAIVE),
        lambda: CAL.add_business_time(NAIVE, H),
        lambda: CAL.business_time_between(NAIVE, AWARE),
        lambda: CAL.business_time_between(AWARE, NAIVE),
        lambda: describe_reply_time(NAIVE, now=AWARE, language="en", time_zone=TOKYO),
        lambda: describe_reply_time(AWARE, now=NAIVE, language="ja", time_zone=TOKYO),
    ],
    ids=["is_open", "next_open", "add", "between-start", "between-end", "at", "now"],
)
def test_naive_datetimes_are_refused(call: Any) -> None:
    with pytest.raises(ValueError, match="naive"):
        call()
