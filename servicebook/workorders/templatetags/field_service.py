"""Template helpers of the work-order pages: times shown in the location's time zone."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django import template
from django.utils.dateformat import format as date_format

register = template.Library()


def _zone(name: str) -> ZoneInfo | None:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


@register.filter
def in_zone(value: dt.datetime | None, zone_name: str) -> dt.datetime | None:
    """The instant as wall-clock time in the named zone (the location's)."""
    zone = _zone(zone_name or "")
    if value is None or zone is None:
        return value
    return value.astimezone(zone)


@register.simple_tag
def window(start: dt.datetime | None, end: dt.datetime | None, zone_name: str) -> str:
    """The window in the location's zone, e.g. Tue Feb 10, 8:00 AM - 12:00 PM MST (with an
    en dash); the end's day is named when it differs; a dash without a window."""
    if start is None or end is None:
        return "—"
    zone = _zone(zone_name or "")
    if zone is not None:
        start, end = start.astimezone(zone), end.astimezone(zone)
    first = date_format(start, "D M j, g:i A")
    last = date_format(end, "g:i A T" if start.date() == end.date() else "D M j, g:i A T")
    return f"{first} \u2013 {last}"
