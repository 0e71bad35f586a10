"""iCalendar (RFC 5545) for a technician's calendar feed, in plain Python.

Events carry local times with a TZID (the technician's zone) so a calendar app shows
08:00 as 08:00 on both sides of a DST change, and the feed carries the matching VTIMEZONE,
built from the zone's real transitions (zoneinfo) over the span the events cover: one
STANDARD/DAYLIGHT onset per transition, no RRULE to get wrong. DTSTAMP and LAST-MODIFIED
are UTC ("Z"), as the RFC requires.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

UTC = dt.UTC
CRLF = "\r\n"


@dataclass(frozen=True)
class Event:
    uid: str
    start: dt.datetime
    end: dt.datetime
    summary: str
    stamp: dt.datetime
    location: str = ""
    description: str = ""
    status: str = "CONFIRMED"
    url: str = ""
    geo: tuple[float, float] | None = None
    categories: tuple[str, ...] = field(default_factory=tuple)


def escape_text(value: str) -> str:
    """TEXT value escaping (RFC 5545 3.3.11)."""
    return (
        value.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def fold(line: str) -> str:
    """Fold a content line at 75 octets (UTF-8), never inside a character (3.1)."""
    data = line.encode("utf-8")
    if len(data) <= 75:
        return line
    parts: list[str] = []
    current = b""
    limit = 75
    for char in line:
        encoded = char.encode("utf-8")
        if len(current) + len(encoded) > limit:
            parts.append(current.decode("utf-8"))
            current = b""
            limit = 74  # continuation lines start with one space
        current += encoded
    parts.append(current.decode("utf-8"))
    return (CRLF + " ").join(parts)


def utc_stamp(value: dt.datetime) -> str:
    return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def local_stamp(value: dt.datetime, tz: ZoneInfo) -> str:
    return value.astimezone(tz).strftime("%Y%m%dT%H%M%S")


def _offset(delta: dt.timedelta | None) -> str:
    seconds = int((delta or dt.timedelta(0)).total_seconds())
    sign = "+" if seconds >= 0 else "-"
    seconds = abs(seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{sign}{hours:02d}{minutes:02d}" + (f"{secs:02d}" if secs else "")


def transitions(tz: ZoneInfo, start: dt.datetime, end: dt.datetime) -> list[dt.datetime]:
    """The UTC instants in [start, end] where the zone's offset changes, to the second."""
    found = []
    step = dt.timedelta(hours=6)
    t = start.astimezone(UTC)
    end = end.astimezone(UTC)
    previous = t.astimezone(tz).utcoffset()
    while t < end:
        nxt = min(t + step, end)
        offset = nxt.astimezone(tz).utcoffset()
        if offset != previous:
            lo, hi = t, nxt  # offset(lo) == previous, offset(hi) != previous
            while hi - lo > dt.timedelta(seconds=1):
                mid = lo + (hi - lo) / 2
                mid = mid.replace(microsecond=0)
                if mid <= lo:
                    break
                if mid.astimezone(tz).utcoffset() == previous:
                    lo = mid
                else:
                    hi = mid
            found.append(hi)
            previous = offset
        t = nxt
    return found


def vtimezone(time_zone: str, start: dt.datetime, end: dt.datetime) -> list[str]:
    """A VTIMEZONE for the zone valid over [start, end]: the observance in force at the
    start, then one onset per transition up to the end."""
    tz = ZoneInfo(time_zone)
    lines = ["BEGIN:VTIMEZONE", f"TZID:{time_zone}"]
    # Begin a year early so the observance in force at `start` has its onset in the feed.
    span_start = start - dt.timedelta(days=366)
    changes = transitions(tz, span_start, end + dt.timedelta(days=1))
    if not changes:
        offset = start.astimezone(tz).utcoffset()
        name = start.astimezone(tz).tzname() or time_zone
        lines += [
            "BEGIN:STANDARD",
            "DTSTART:19700101T000000",
            f"TZOFFSETFROM:{_offset(offset)}",
            f"TZOFFSETTO:{_offset(offset)}",
            f"TZNAME:{name}",
            "END:STANDARD",
        ]
    for instant in changes:
        before = (instant - dt.timedelta(seconds=1)).astimezone(tz)
        after = instant.astimezone(tz)
        kind = "DAYLIGHT" if after.dst() else "STANDARD"
        # DTSTART of an onset is the local time just before the change, in the old offset.
        onset = (instant.astimezone(UTC) + (before.utcoffset() or dt.timedelta(0))).replace(
            tzinfo=None
        )
        lines += [
            f"BEGIN:{kind}",
            f"DTSTART:{onset:%Y%m%dT%H%M%S}",
            f"TZOFFSETFROM:{_offset(before.utcoffset())}",
            f"TZOFFSETTO:{_offset(after.utcoffset())}",
            f"TZNAME:{after.tzname() or time_zone}",
            f"END:{kind}",
        ]
    lines.append("END:VTIMEZONE")
    return lines


def calendar(
    *,
    name: str,
    time_zone: str,
    events: Iterable[Event],
    product: str = "-//Servicebook//Technician calendar//EN",
    refresh_minutes: int = 15,
    now: dt.datetime | None = None,
) -> str:
    """The whole feed as text with CRLF line ends."""
    events = list(events)
    tz = ZoneInfo(time_zone)
    now = now or dt.datetime.now(UTC)
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{product}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape_text(name)}",
        f"X-WR-TIMEZONE:{time_zone}",
        f"REFRESH-INTERVAL;VALUE=DURATION:PT{refresh_minutes}M",
        f"X-PUBLISHED-TTL:PT{refresh_minutes}M",
    ]
    if events:
        first = min(e.start for e in events)
        last = max(e.end for e in events)
        lines += vtimezone(time_zone, first, last)
    else:
        lines += vtimezone(time_zone, now, now)
    for event in events:
        lines += [
            "BEGIN:VEVENT",
            f"UID:{event.uid}",
            f"DTSTAMP:{utc_stamp(event.stamp)}",
            f"LAST-MODIFIED:{utc_stamp(event.stamp)}",
            f"DTSTART;TZID={time_zone}:{local_stamp(event.start, tz)}",
            f"DTEND;TZID={time_zone}:{local_stamp(event.end, tz)}",
            f"SUMMARY:{escape_text(event.summary)}",
            f"STATUS:{event.status}",
        ]
        if event.location:
            lines.append(f"LOCATION:{escape_text(event.location)}")
        if event.description:
            lines.append(f"DESCRIPTION:{escape_text(event.description)}")
        if event.geo is not None:
            lines.append(f"GEO:{event.geo[0]:.6f};{event.geo[1]:.6f}")
        if event.categories:
            lines.append("CATEGORIES:" + ",".join(escape_text(c) for c in event.categories))
        if event.url:
            lines.append(f"URL:{event.url}")
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return CRLF.join(fold(line) for line in lines) + CRLF
