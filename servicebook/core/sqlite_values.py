"""Values as Django's SQLite backend stores them, for the bulk paths that write rows with
plain executemany (the bill run, the PBX importers) and skip the ORM's per-value adapters.

One place, so both paths store exactly what the ORM would and read back equal.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal


def sqlite_datetime_text(value: dt.datetime | None) -> str | None:
    """Django's SQLite adapter for an aware datetime (USE_TZ, UTC connection): made naive in
    UTC, then str() (microseconds only when set)."""
    return None if value is None else str(value.astimezone(dt.UTC).replace(tzinfo=None))


def sqlite_value(value):
    """Any value as the SQLite backend stores it: naive UTC text for datetimes, ISO text for
    dates, text for decimals, everything else unchanged."""
    if isinstance(value, dt.datetime):
        return sqlite_datetime_text(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value
