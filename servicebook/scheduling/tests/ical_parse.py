"""A small, independent RFC 5545 reader for the tests: unfolds lines, splits properties and
parameters, and resolves local times through the feed's own VTIMEZONE (its observances), so
a test checks what a calendar app would compute, not what the writer meant."""

from __future__ import annotations

import datetime as dt
import re

UTC = dt.UTC


def unfold(text: str) -> list[str]:
    assert "\r\n" in text, "lines must end with CRLF"
    lines: list[str] = []
    for raw in text.split("\r\n"):
        if raw.startswith((" ", "\t")) and lines:
            lines[-1] += raw[1:]
        elif raw:
            lines.append(raw)
    return lines


def parse_line(line: str) -> tuple[str, dict[str, str], str]:
    head, _, value = line.partition(":")
    name, *params = head.split(";")
    return name.upper(), dict(p.split("=", 1) for p in params), value


def components(text: str) -> list[dict]:
    """Every component as {"type", "props": [(name, params, value)], "children": [...]}."""
    root = {"type": "ROOT", "props": [], "children": []}
    stack = [root]
    for line in unfold(text):
        name, params, value = parse_line(line)
        if name == "BEGIN":
            node = {"type": value, "props": [], "children": []}
            stack[-1]["children"].append(node)
            stack.append(node)
        elif name == "END":
            assert stack[-1]["type"] == value, f"END:{value} closes {stack[-1]['type']}"
            stack.pop()
        else:
            stack[-1]["props"].append((name, params, value))
    assert len(stack) == 1, "unclosed component"
    return root["children"]


def prop(component: dict, name: str) -> tuple[dict, str] | None:
    for n, params, value in component["props"]:
        if n == name:
            return params, value
    return None


def unescape(value: str) -> str:
    return re.sub(r"\\([\\;,nN])", lambda m: "\n" if m.group(1) in "nN" else m.group(1), value)


def _offset(text: str) -> dt.timedelta:
    sign = -1 if text[0] == "-" else 1
    hours, minutes = int(text[1:3]), int(text[3:5])
    seconds = int(text[5:7]) if len(text) > 5 else 0
    return sign * dt.timedelta(hours=hours, minutes=minutes, seconds=seconds)


def observances(vtimezone: dict) -> list[tuple[dt.datetime, dt.timedelta]]:
    """(onset in UTC, offset after it), sorted."""
    result = []
    for child in vtimezone["children"]:
        start = dt.datetime.strptime(prop(child, "DTSTART")[1], "%Y%m%dT%H%M%S")
        before = _offset(prop(child, "TZOFFSETFROM")[1])
        after = _offset(prop(child, "TZOFFSETTO")[1])
        result.append(((start - before).replace(tzinfo=UTC), after))
    return sorted(result)


def resolve(value: str, params: dict, timezones: dict[str, dict]) -> dt.datetime:
    """A DATE-TIME as an aware UTC instant: "Z" is UTC; with TZID, through the VTIMEZONE."""
    if value.endswith("Z"):
        return dt.datetime.strptime(value, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    local = dt.datetime.strptime(value, "%Y%m%dT%H%M%S")
    tzid = params["TZID"]
    onsets = observances(timezones[tzid])
    # The offset in force at the local time: try each observance's offset, keep the one
    # whose UTC instant falls in its own period.
    for i, (onset, offset) in enumerate(onsets):
        instant = (local - offset).replace(tzinfo=UTC)
        nxt = onsets[i + 1][0] if i + 1 < len(onsets) else None
        if instant >= onset and (nxt is None or instant < nxt):
            return instant
    raise AssertionError(f"{value} {tzid}: no observance covers it")


def events(text: str) -> list[dict]:
    (cal,) = components(text)
    assert cal["type"] == "VCALENDAR"
    timezones = {prop(c, "TZID")[1]: c for c in cal["children"] if c["type"] == "VTIMEZONE"}
    out = []
    for c in cal["children"]:
        if c["type"] != "VEVENT":
            continue
        item = {n: unescape(v) for n, _, v in c["props"]}
        for key in ("DTSTART", "DTEND", "DTSTAMP"):
            params, value = prop(c, key)
            item[key] = resolve(value, params, timezones)
        out.append(item)
    return out
