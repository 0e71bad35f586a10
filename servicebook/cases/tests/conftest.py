"""Fixtures for the cases tests: people, an account, a queue, a policy on the standard
business calendar (Denver, 08:00-17:00 Monday to Friday) and resolution codes."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from servicebook.cases.models import ResolutionCode
from servicebook.core.testing.factories import make_account, make_calendar, make_user

DENVER = ZoneInfo("America/Denver")


def local(y, m, d, h=0, mi=0, s=0) -> dt.datetime:
    """A wall-clock instant in the business's zone."""
    return dt.datetime(y, m, d, h, mi, s, tzinfo=DENVER)


# Monday 9 February 2026, opening time: a plain week with no holiday and no DST change.
MONDAY = local(2026, 2, 9, 8)


@pytest.fixture
def rep1(db):
    return make_user("rep1")


@pytest.fixture
def rep2(db):
    return make_user("rep2")


@pytest.fixture
def supervisor(db):
    return make_user("supervisor")


@pytest.fixture
def account(db, supervisor):
    return make_account(actor=supervisor)


@pytest.fixture
def calendar(db):
    return make_calendar("Standard")


@pytest.fixture
def fixed(db):
    return ResolutionCode.objects.create(code="fixed", label="Fixed")
