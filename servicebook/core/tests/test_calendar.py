"""Business-time arithmetic: working hours stay wall-clock hours in the calendar's zone,
whatever the weekend, a holiday or a DST change do to the UTC instants."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from servicebook.core.calendar import ALWAYS_OPEN, STANDARD_WEEK, Schedule, schedule_for
from servicebook.core.testing.factories import make_calendar

DENVER = ZoneInfo("America/Denver")
UTC = dt.UTC
HOUR = 3600


def local(y, m, d, h=0, mi=0):
    return dt.datetime(y, m, d, h, mi, tzinfo=DENVER)


def utc(y, m, d, h=0, mi=0):
    return dt.datetime(y, m, d, h, mi, tzinfo=UTC)


@pytest.fixture
def standard():
    return Schedule.build("America/Denver", STANDARD_WEEK)


# --- weekends and holidays -------------------------------------------------------------------


def test_time_added_on_friday_afternoon_lands_on_monday_morning(standard):
    # Friday 6 February 2026, 16:00: one working hour is left that day.
    due = standard.add(local(2026, 2, 6, 16), 2 * HOUR)
    assert due == local(2026, 2, 9, 9)


def test_working_time_across_a_weekend_counts_only_working_hours(standard):
    assert standard.between(local(2026, 2, 6, 16), local(2026, 2, 9, 9)) == 2 * HOUR
    # A whole week of 08:00-17:00 days is 45 hours, the weekend adds nothing.
    assert standard.between(local(2026, 2, 2), local(2026, 2, 9)) == 45 * HOUR


def test_time_started_outside_hours_counts_from_the_next_opening(standard):
    assert standard.add(local(2026, 2, 7, 10), 30 * 60) == local(2026, 2, 9, 8, 30)
    assert standard.add(local(2026, 2, 10, 6), HOUR) == local(2026, 2, 10, 9)
    assert standard.add(local(2026, 2, 10, 18), HOUR) == local(2026, 2, 11, 9)


def test_a_deadline_may_end_exactly_at_closing_time(standard):
    assert standard.add(local(2026, 2, 10, 16), HOUR) == local(2026, 2, 10, 17)


def test_a_holiday_is_skipped_like_a_weekend_day():
    christmas = dt.date(2026, 12, 25)  # a Friday
    with_holiday = Schedule.build("America/Denver", STANDARD_WEEK, {christmas})
    without = Schedule.build("America/Denver", STANDARD_WEEK)
    start = local(2026, 12, 24, 16)  # Thursday, one hour before closing

    assert without.add(start, 2 * HOUR) == local(2026, 12, 25, 9)
    assert with_holiday.add(start, 2 * HOUR) == local(2026, 12, 28, 9)
    assert with_holiday.between(start, local(2026, 12, 28, 9)) == 2 * HOUR
    assert with_holiday.intervals(christmas) == []
    assert not with_holiday.is_working(local(2026, 12, 25, 10))


def test_is_working_follows_the_hours_and_the_weekend(standard):
    assert standard.is_working(local(2026, 2, 9, 8))
    assert standard.is_working(local(2026, 2, 9, 16, 59))
    assert not standard.is_working(local(2026, 2, 9, 17))
    assert not standard.is_working(local(2026, 2, 7, 12))  # Saturday


def test_between_is_zero_when_the_end_is_not_after_the_start(standard):
    moment = local(2026, 2, 9, 10)
    assert standard.between(moment, moment) == 0
    assert standard.between(moment, moment - dt.timedelta(hours=1)) == 0


def test_add_refuses_a_naive_start(standard):
    with pytest.raises(ValueError, match="aware"):
        standard.add(dt.datetime(2026, 2, 9, 10), HOUR)


def test_add_accepts_a_start_in_another_zone(standard):
    # 23:00 UTC on Friday is 16:00 in Denver (MST, UTC-7).
    assert standard.add(utc(2026, 2, 6, 23), 2 * HOUR) == local(2026, 2, 9, 9)


# --- daylight saving time ----------------------------------------------------------------------


def test_working_hours_stay_wall_clock_when_dst_starts_in_march(standard):
    # DST starts on Sunday 8 March 2026: Friday is UTC-7, Monday is UTC-6.
    friday = local(2026, 3, 6, 16)
    due = standard.add(friday, 2 * HOUR)

    assert due.astimezone(DENVER).replace(tzinfo=None) == dt.datetime(2026, 3, 9, 9)
    assert due == utc(2026, 3, 9, 15)  # not 16:00 UTC, which a fixed offset would give
    assert standard.between(friday, due) == 2 * HOUR
    opening_friday, _ = standard.intervals(dt.date(2026, 3, 6))[0]
    opening_monday, closing_monday = standard.intervals(dt.date(2026, 3, 9))[0]
    assert opening_friday == utc(2026, 3, 6, 15)
    assert opening_monday == utc(2026, 3, 9, 14)
    assert (closing_monday - opening_monday) == dt.timedelta(hours=9)


def test_working_hours_stay_wall_clock_when_dst_ends_in_november(standard):
    # DST ends on Sunday 1 November 2026: Friday is UTC-6, Monday is UTC-7.
    friday = local(2026, 10, 30, 16)
    due = standard.add(friday, 2 * HOUR)

    assert due.astimezone(DENVER).replace(tzinfo=None) == dt.datetime(2026, 11, 2, 9)
    assert due == utc(2026, 11, 2, 16)
    assert standard.between(friday, due) == 2 * HOUR
    # Two weeks around the change: ten working days of nine hours each.
    assert standard.between(local(2026, 10, 26), local(2026, 11, 7)) == 10 * 9 * HOUR


def test_a_working_day_on_the_dst_sunday_keeps_its_wall_clock_hours():
    seven_days = {str(d): [["08:00", "17:00"]] for d in range(7)}
    schedule = Schedule.build("America/Denver", seven_days)
    for sunday in (dt.date(2026, 3, 8), dt.date(2026, 11, 1)):
        ((start, end),) = schedule.intervals(sunday)
        assert start.astimezone(DENVER).hour == 8
        assert end.astimezone(DENVER).hour == 17
        assert end - start == dt.timedelta(hours=9)


def test_a_round_the_clock_calendar_has_a_23_hour_and_a_25_hour_day():
    schedule = Schedule.build("America/Denver", ALWAYS_OPEN)
    assert schedule.between(local(2026, 3, 8), local(2026, 3, 9)) == 23 * HOUR
    assert schedule.between(local(2026, 11, 1), local(2026, 11, 2)) == 25 * HOUR
    assert schedule.between(local(2026, 2, 9), local(2026, 2, 10)) == 24 * HOUR
    # Elapsed time, not wall-clock time: 24 working hours from Saturday midnight end at
    # 01:00 on Monday because Sunday was one hour short.
    assert schedule.add(local(2026, 3, 7), 48 * HOUR) == local(2026, 3, 9, 1)


# --- "24:00" and malformed hours ------------------------------------------------------------


def test_24_00_ends_a_working_day_at_midnight():
    evenings = {str(d): [["18:00", "24:00"]] for d in range(7)}
    schedule = Schedule.build("America/Denver", evenings)
    ((start, end),) = schedule.intervals(dt.date(2026, 2, 9))
    assert end == local(2026, 2, 10, 0)
    assert end - start == dt.timedelta(hours=6)
    # Two hours from 23:00: one hour before midnight, the next from 18:00 the next day.
    assert schedule.add(local(2026, 2, 9, 23), 2 * HOUR) == local(2026, 2, 10, 19)


def test_round_the_clock_days_join_across_midnight():
    schedule = Schedule.build("America/Denver", ALWAYS_OPEN)
    assert schedule.add(local(2026, 2, 7, 23, 30), HOUR) == local(2026, 2, 8, 0, 30)


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        ("17:00", "08:00", "end before they start"),
        ("08:00", "08:00", "end before they start"),
        ("08:00", "24:30", "not a time of day"),
        ("25:00", "26:00", "not a time of day"),
        ("08:60", "17:00", "not a time of day"),
    ],
)
def test_malformed_working_hours_are_refused(start, end, message):
    with pytest.raises(ValueError, match=message):
        Schedule.build("America/Denver", {"0": [[start, end]]})


def test_a_calendar_without_working_hours_cannot_place_a_deadline():
    closed = Schedule.build("America/Denver", {})
    with pytest.raises(ValueError, match="no working hours"):
        closed.add(local(2026, 2, 9, 10), 60)
    assert closed.between(local(2026, 2, 9), local(2026, 3, 9)) == 0


def test_a_calendar_open_one_day_a_week_waits_for_that_day():
    mondays_only = {"0": [["08:00", "17:00"]]}
    schedule = Schedule.build("America/Denver", mondays_only)
    assert schedule.add(local(2026, 2, 10), 60) == local(2026, 2, 16, 8, 1)


@pytest.mark.django_db
def test_a_stored_calendar_brings_its_zone_and_holidays():
    calendar = make_calendar(
        "Office", time_zone="America/New_York", holidays=[(dt.date(2026, 7, 3), "Observed")]
    )
    schedule = schedule_for(calendar)
    new_york = ZoneInfo("America/New_York")
    start = dt.datetime(2026, 7, 2, 16, tzinfo=new_york)
    assert schedule.add(start, 2 * HOUR) == dt.datetime(2026, 7, 6, 9, tzinfo=new_york)
