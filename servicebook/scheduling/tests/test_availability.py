"""Shifts as instants (wall clock across DST), overrides, breaks and time off."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace as Row

from servicebook.scheduling import availability

from .conftest import local

WEEK = {
    d: Row(start=dt.time(8), end=dt.time(17), break_start=dt.time(12), break_minutes=30)
    for d in range(5)
}


def test_a_weekday_shift_with_its_break():
    shift = availability.shift_on(
        dt.date(2026, 2, 9), time_zone="America/Denver", weekly=WEEK, overrides={}
    )
    assert shift.start == local(2026, 2, 9, 8)
    assert shift.end == local(2026, 2, 9, 17)
    assert shift.break_interval == (local(2026, 2, 9, 12), local(2026, 2, 9, 12, 30))
    assert (
        availability.shift_on(
            dt.date(2026, 2, 14), time_zone="America/Denver", weekly=WEEK, overrides={}
        )
        is None
    )


def test_shift_hours_stay_wall_clock_across_the_dst_change():
    # Friday before and Monday after the spring-forward of Sunday 8 March 2026.
    before = availability.shift_on(
        dt.date(2026, 3, 6), time_zone="America/Denver", weekly=WEEK, overrides={}
    )
    after = availability.shift_on(
        dt.date(2026, 3, 9), time_zone="America/Denver", weekly=WEEK, overrides={}
    )
    assert before.start.astimezone(dt.UTC).hour == 15  # 08:00 MST = 15:00 UTC
    assert after.start.astimezone(dt.UTC).hour == 14  # 08:00 MDT = 14:00 UTC
    assert before.minutes == after.minutes == 9 * 60


def test_an_override_replaces_the_weekly_pattern():
    day = dt.date(2026, 2, 9)
    off = {day: Row(working=False, start=None, end=None, break_start=None, break_minutes=0)}
    assert (
        availability.shift_on(day, time_zone="America/Denver", weekly=WEEK, overrides=off) is None
    )
    short = {
        day: Row(working=True, start=dt.time(9), end=dt.time(12), break_start=None, break_minutes=0)
    }
    shift = availability.shift_on(day, time_zone="America/Denver", weekly=WEEK, overrides=short)
    assert (shift.start, shift.end) == (local(2026, 2, 9, 9), local(2026, 2, 9, 12))


def test_working_intervals_take_out_break_and_time_off():
    shift = availability.shift_on(
        dt.date(2026, 2, 9), time_zone="America/Denver", weekly=WEEK, overrides={}
    )
    free = availability.working_intervals(shift, [(local(2026, 2, 9, 15), local(2026, 2, 10, 9))])
    assert free == [
        (local(2026, 2, 9, 8), local(2026, 2, 9, 12)),
        (local(2026, 2, 9, 12, 30), local(2026, 2, 9, 15)),
    ]


def test_back_to_back_intervals_do_not_overlap():
    a = (local(2026, 2, 9, 9), local(2026, 2, 9, 10))
    b = (local(2026, 2, 9, 10), local(2026, 2, 9, 11))
    assert not availability.overlaps(a, b)
    assert availability.overlaps(a, (local(2026, 2, 9, 9, 59), local(2026, 2, 9, 11)))


def test_a_sliding_break_fits_after_a_job_that_runs_into_lunch_but_not_between_two():
    shift = availability.shift_on(
        dt.date(2026, 2, 9), time_zone="America/Denver", weekly=WEEK, overrides={}
    )
    hour = dt.timedelta(minutes=60)
    into_lunch = (local(2026, 2, 9, 11, 15), local(2026, 2, 9, 12, 15))
    assert availability.break_fits(shift, [into_lunch], hour)  # lunch 12:15-12:45
    assert not availability.break_fits(shift, [into_lunch], dt.timedelta(0))
    after = (local(2026, 2, 9, 12, 30), local(2026, 2, 9, 14))
    assert not availability.break_fits(shift, [into_lunch, after], hour)  # a 15-minute gap
    late = (local(2026, 2, 9, 12, 45), local(2026, 2, 9, 14))
    assert availability.break_fits(shift, [into_lunch, late], hour)  # 12:15-12:45 exactly
