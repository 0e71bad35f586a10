"""When a technician can work on a date: the shift (weekly pattern or the date's override)
as aware instants, its break, minus time off and what is already booked.

Plain Python over duck-typed rows (anything with the model's attributes), so the offers
engine, the board, the optimizer's problem builder and the tests share one arithmetic.
Shift times are wall-clock in the technician's zone: 08:00-17:00 stays 08:00-17:00 across
a DST change, the UTC instants move.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

UTC = dt.UTC
Interval = tuple[dt.datetime, dt.datetime]


@dataclass(frozen=True)
class DayShift:
    """One working day as aware instants (UTC), with its break when it has one."""

    date: dt.date
    start: dt.datetime
    end: dt.datetime
    break_start: dt.datetime | None = None
    break_end: dt.datetime | None = None

    @property
    def break_interval(self) -> Interval | None:
        if self.break_start is None or self.break_end is None:
            return None
        return (self.break_start, self.break_end)

    @property
    def minutes(self) -> int:
        return int((self.end - self.start).total_seconds() // 60)


def local_instant(day: dt.date, time: dt.time, tz: ZoneInfo) -> dt.datetime:
    """A wall-clock time on a date in a zone, as UTC. A time skipped by the spring-forward
    change lands after the gap (zoneinfo's fold=0 reading), which is what a clock shows."""
    local = dt.datetime.combine(day, time).replace(tzinfo=tz)
    # Round-trip through UTC normalises a non-existent wall time (02:30 on spring-forward).
    return local.astimezone(UTC)


def shift_on(
    day: dt.date,
    *,
    time_zone: str,
    weekly: Mapping[int, Any],
    overrides: Mapping[dt.date, Any],
) -> DayShift | None:
    """The technician's shift on a date: the override for that date if there is one (which
    may say "not working"), else the weekly pattern for the weekday; None for a day off."""
    tz = ZoneInfo(time_zone)
    row = overrides.get(day)
    if row is not None and not row.working:
        return None
    if row is None:
        row = weekly.get(day.weekday())
    if row is None or row.start is None or row.end is None:
        return None
    start = local_instant(day, row.start, tz)
    end = local_instant(day, row.end, tz)
    if end <= start:
        return None
    break_start = break_end = None
    if row.break_start is not None and row.break_minutes:
        break_start = local_instant(day, row.break_start, tz)
        break_end = break_start + dt.timedelta(minutes=row.break_minutes)
        # A break outside the shift is ignored rather than stretching the day.
        if break_start < start or break_end > end:
            break_start = break_end = None
    return DayShift(day, start, end, break_start, break_end)


def subtract(intervals: Iterable[Interval], blocks: Iterable[Interval]) -> list[Interval]:
    """The parts of `intervals` not covered by any block, in time order."""
    result = sorted(intervals)
    for b_start, b_end in sorted(blocks):
        if b_end <= b_start:
            continue
        next_result: list[Interval] = []
        for start, end in result:
            if b_end <= start or b_start >= end:
                next_result.append((start, end))
                continue
            if start < b_start:
                next_result.append((start, b_start))
            if b_end < end:
                next_result.append((b_end, end))
        result = next_result
    return result


def overlaps(a: Interval, b: Interval) -> bool:
    """Half-open intervals [start, end) overlap: back-to-back appointments do not."""
    return a[0] < b[1] and b[0] < a[1]


def break_fits(shift: DayShift, busy: Iterable[Interval], flex: dt.timedelta) -> bool:
    """Whether the shift's break still fits around the busy intervals when it may start
    anywhere from its planned start to `flex` later: the rule the day optimizer plans by,
    so a proposal it makes is one the booking services accept."""
    if shift.break_interval is None:
        return True
    start, end = shift.break_interval
    length = end - start
    busy = sorted(busy)
    # The earliest start that can work is the planned one or the end of something busy.
    candidates = [start, *(b_end for _, b_end in busy if start < b_end <= start + flex)]
    return any(not any(overlaps((c, c + length), b) for b in busy) for c in sorted(candidates))


def working_intervals(shift: DayShift, time_off: Iterable[Interval]) -> list[Interval]:
    """The shift minus the break and any time off: when the technician can be at work."""
    blocks = list(time_off)
    if shift.break_interval:
        blocks.append(shift.break_interval)
    return subtract([(shift.start, shift.end)], blocks)


def days(start: dt.date, end: dt.date) -> list[dt.date]:
    """Every date from start to end inclusive."""
    return [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]
