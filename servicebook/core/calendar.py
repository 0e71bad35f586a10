"""Business-time arithmetic on a working calendar: add working time to an instant, and
measure the working time between two instants.

Plain Python on aware datetimes. Working hours are wall-clock times in the calendar's IANA
zone, so a 08:00-17:00 day stays 08:00-17:00 across a DST change (the UTC instants move).
Each working interval lies within one local day; "24:00" ends a day at midnight.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

UTC = dt.UTC
# A calendar with no working hours for this many days in a row cannot place a deadline.
MAX_DAYS_SCANNED = 3660


def _parse_time(value: str) -> tuple[int, int]:
    hours, minutes = value.split(":")
    h, m = int(hours), int(minutes)
    if not (0 <= h <= 24 and 0 <= m < 60) or (h == 24 and m):
        raise ValueError(f"not a time of day: {value!r}")
    return h, m


@dataclass(frozen=True)
class Schedule:
    """Working hours per weekday (Monday = 0) in one time zone, and closed dates."""

    tz: ZoneInfo
    weekly: dict[int, tuple[tuple[tuple[int, int], tuple[int, int]], ...]]
    holidays: frozenset[dt.date] = field(default_factory=frozenset)

    @classmethod
    def build(
        cls,
        time_zone: str,
        weekly_hours: dict,
        holidays: set[dt.date] | frozenset[dt.date] = frozenset(),
    ) -> Schedule:
        """From the stored shape {"0": [["08:00", "17:00"]], ...}."""
        weekly: dict[int, tuple] = {}
        for day in range(7):
            spans = []
            for start, end in weekly_hours.get(str(day), weekly_hours.get(day, [])):
                s, e = _parse_time(start), _parse_time(end)
                if e <= s:
                    raise ValueError(f"working hours end before they start: {start}-{end}")
                spans.append((s, e))
            weekly[day] = tuple(sorted(spans))
        return cls(tz=ZoneInfo(time_zone), weekly=weekly, holidays=frozenset(holidays))

    def _instant(self, day: dt.date, hm: tuple[int, int]) -> dt.datetime:
        if hm == (24, 0):
            day, hm = day + dt.timedelta(days=1), (0, 0)
        local = dt.datetime(day.year, day.month, day.day, hm[0], hm[1], tzinfo=self.tz)
        return local.astimezone(UTC)

    def intervals(self, day: dt.date) -> list[tuple[dt.datetime, dt.datetime]]:
        """The day's working intervals as UTC instants; none on a holiday."""
        if day in self.holidays:
            return []
        return [
            (self._instant(day, s), self._instant(day, e)) for s, e in self.weekly[day.weekday()]
        ]

    def is_working(self, moment: dt.datetime) -> bool:
        """True when `moment` falls inside working hours."""
        day = moment.astimezone(self.tz).date()
        return any(s <= moment < e for s, e in self.intervals(day))

    def add(self, start: dt.datetime, seconds: float) -> dt.datetime:
        """The instant at which `seconds` of working time have passed since `start`.

        Time outside working hours does not count, so a deadline set on Friday evening
        lands on the next working day.
        """
        if start.tzinfo is None:
            raise ValueError("start must be an aware datetime")
        remaining = dt.timedelta(seconds=seconds)
        day = start.astimezone(self.tz).date()
        for _ in range(MAX_DAYS_SCANNED):
            for s, e in self.intervals(day):
                if e <= start:
                    continue
                begin = max(s, start)
                available = e - begin
                if remaining <= available:
                    return begin + remaining
                remaining -= available
            day += dt.timedelta(days=1)
        raise ValueError("the calendar has no working hours to place this deadline")

    def between(self, start: dt.datetime, end: dt.datetime) -> float:
        """Working seconds from `start` to `end` (0 when end is not after start)."""
        if end <= start:
            return 0.0
        total = dt.timedelta()
        day = start.astimezone(self.tz).date()
        last = end.astimezone(self.tz).date()
        while day <= last:
            for s, e in self.intervals(day):
                lo, hi = max(s, start), min(e, end)
                if hi > lo:
                    total += hi - lo
            day += dt.timedelta(days=1)
        return total.total_seconds()


def schedule_for(calendar) -> Schedule:
    """The Schedule of a stored BusinessCalendar (with its holidays)."""
    return Schedule.build(
        calendar.time_zone,
        calendar.weekly_hours,
        {h.date for h in calendar.holidays.all()},
    )


STANDARD_WEEK = {str(d): [["08:00", "17:00"]] for d in range(5)} | {"5": [], "6": []}
ALWAYS_OPEN = {str(d): [["00:00", "24:00"]] for d in range(7)}
