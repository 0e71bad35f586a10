"""Time arithmetic the contact centre needs in several places: business-zone days, splitting
a stretch at midnight, and overlap with scheduled shifts. Plain Python, no queries."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.utils import timezone


def business_day(at: dt.datetime) -> dt.date:
    """The business-zone date of an instant (TIME_ZONE)."""
    return timezone.localtime(at).date()


def seconds_between(start: dt.datetime | None, end: dt.datetime | None) -> int:
    """Whole seconds from start to end, never negative, 0 when either is missing."""
    if start is None or end is None:
        return 0
    return max(0, int((end - start).total_seconds()))


def next_midnight(at: dt.datetime) -> dt.datetime:
    """The business zone's next midnight after `at`, as an aware instant (DST-safe: the
    wall-clock date is advanced and localised again, not 24 hours added)."""
    local = timezone.localtime(at)
    tomorrow = local.date() + dt.timedelta(days=1)
    naive = dt.datetime.combine(tomorrow, dt.time.min)
    return timezone.make_aware(naive, local.tzinfo)


def split_at_midnight(
    start: dt.datetime, end: dt.datetime
) -> list[tuple[dt.datetime, dt.datetime, dt.date]]:
    """[start, end) cut at each business-zone midnight: (start, end, day) per day touched."""
    parts = []
    cursor = start
    while True:
        midnight = next_midnight(cursor)
        if end <= midnight:
            parts.append((cursor, end, business_day(cursor)))
            return parts
        parts.append((cursor, midnight, business_day(cursor)))
        cursor = midnight


def overlap_seconds(
    start: dt.datetime, end: dt.datetime, windows: Iterable[tuple[dt.datetime, dt.datetime]]
) -> int:
    """Seconds of [start, end) inside any of the windows (shifts of one agent never overlap
    each other, so the overlaps simply add up)."""
    total = 0
    for w_start, w_end in windows:
        lo, hi = max(start, w_start), min(end, w_end)
        if hi > lo:
            total += int((hi - lo).total_seconds())
    return total
