"""The iCalendar writer: a feed a calendar app reads, with correct local times across DST."""

from __future__ import annotations

import datetime as dt

from servicebook.scheduling import ical

from . import ical_parse
from .conftest import local


def _event(uid, start, end, **kw):
    return ical.Event(
        uid=uid, start=start, end=end, summary="Furnace; not heating, again", stamp=start, **kw
    )


def test_events_on_both_sides_of_the_spring_forward_keep_their_wall_clock():
    # 9:00 Friday 6 March (MST, UTC-7) and 9:00 Monday 9 March (MDT, UTC-6).
    before = _event("a@x", local(2026, 3, 6, 9), local(2026, 3, 6, 10))
    after = _event("b@x", local(2026, 3, 9, 9), local(2026, 3, 9, 10))
    text = ical.calendar(name="Ann's jobs", time_zone="America/Denver", events=[before, after])
    parsed = {e["UID"]: e for e in ical_parse.events(text)}
    assert parsed["a@x"]["DTSTART"] == dt.datetime(2026, 3, 6, 16, tzinfo=dt.UTC)
    assert parsed["b@x"]["DTSTART"] == dt.datetime(2026, 3, 9, 15, tzinfo=dt.UTC)
    assert "DTSTART;TZID=America/Denver:20260306T090000" in text
    assert "DTSTART;TZID=America/Denver:20260309T090000" in text


def test_fall_back_and_a_job_across_the_change():
    # 1 November 2026, 01:00-03:00 MDT->MST: 01:30 happens twice; the job starts 00:30 MDT.
    job = _event("c@x", local(2026, 11, 1, 0, 30), dt.datetime(2026, 11, 1, 9, 30, tzinfo=dt.UTC))
    parsed = ical_parse.events(ical.calendar(name="n", time_zone="America/Denver", events=[job]))
    assert parsed[0]["DTSTART"] == dt.datetime(2026, 11, 1, 6, 30, tzinfo=dt.UTC)
    assert parsed[0]["DTEND"] == dt.datetime(2026, 11, 1, 9, 30, tzinfo=dt.UTC)


def test_text_is_escaped_and_long_lines_are_folded():
    long = "Gate code 1234; dog in yard, ring twice\nthen wait. " * 5
    text = ical.calendar(
        name="n",
        time_zone="America/Denver",
        events=[_event("d@x", local(2026, 2, 9, 9), local(2026, 2, 9, 10), description=long)],
    )
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    (event,) = ical_parse.events(text)
    assert event["DESCRIPTION"] == long
    assert event["SUMMARY"] == "Furnace; not heating, again"


def test_a_zone_without_dst_and_an_empty_feed():
    text = ical.calendar(name="n", time_zone="America/Phoenix", events=[])
    (cal,) = ical_parse.components(text)
    assert [c["type"] for c in cal["children"]] == ["VTIMEZONE"]
    job = _event(
        "e@x",
        dt.datetime(2026, 7, 1, 16, tzinfo=dt.UTC),
        dt.datetime(2026, 7, 1, 17, tzinfo=dt.UTC),
    )
    (event,) = ical_parse.events(ical.calendar(name="n", time_zone="America/Phoenix", events=[job]))
    assert event["DTSTART"] == dt.datetime(2026, 7, 1, 16, tzinfo=dt.UTC)


def test_transitions_are_found_to_the_second():
    from zoneinfo import ZoneInfo

    found = ical.transitions(
        ZoneInfo("America/Denver"),
        dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
        dt.datetime(2026, 12, 31, tzinfo=dt.UTC),
    )
    assert found == [
        dt.datetime(2026, 3, 8, 9, tzinfo=dt.UTC),
        dt.datetime(2026, 11, 1, 8, tzinfo=dt.UTC),
    ]
