"""Fixtures for the scheduling tests: people in the roles that book and dispatch, and a
fixed day. Monday 9 February 2026 is a plain week (no holiday, no DST change)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from servicebook.core.testing.factories import make_completion_code, make_user

DENVER = ZoneInfo("America/Denver")


def local(y, m, d, h=0, mi=0) -> dt.datetime:
    return dt.datetime(y, m, d, h, mi, tzinfo=DENVER)


# Sunday evening before the planned Monday: every slot of Monday is ahead.
NOW = local(2026, 2, 8, 18)
MONDAY = dt.date(2026, 2, 9)


@pytest.fixture
def now():
    return NOW


@pytest.fixture
def admin(db):
    return make_user("admin")


@pytest.fixture
def dispatcher(db):
    return make_user("dispatcher")


@pytest.fixture
def rep(db):
    return make_user("rep1")


@pytest.fixture
def repaired(db):
    return make_completion_code("repaired", "Repaired")
