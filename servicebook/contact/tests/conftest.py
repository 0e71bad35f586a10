"""Fixtures for the contact-centre tests: a supervisor, agents with PBX extensions in a team,
an account with a known phone, dispositions, and helpers for wall-clock instants."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from servicebook.contact.models import Team
from servicebook.core.testing.factories import (
    make_account,
    make_agent,
    make_disposition,
    make_user,
)

DENVER = ZoneInfo("America/Denver")


def local(y, m, d, h=0, mi=0, s=0) -> dt.datetime:
    """A wall-clock instant in the business's zone (America/Denver)."""
    return dt.datetime(y, m, d, h, mi, s, tzinfo=DENVER)


# Monday 9 February 2026: no holiday, no DST change.
DAY = dt.date(2026, 2, 9)
NEXT = dt.date(2026, 2, 10)


@pytest.fixture
def supervisor(db):
    return make_user("supervisor")


@pytest.fixture
def team(db):
    return Team.objects.create(name="Customer care", queue_names=["support"])


@pytest.fixture
def agent(db, team):
    return make_agent("rep1", extension="201", team=team, first_name="Riley", last_name="Chen")


@pytest.fixture
def agent2(db, team):
    return make_agent("rep2", extension="202", team=team, first_name="Marisol", last_name="Vigil")


@pytest.fixture
def account(db, supervisor):
    return make_account(actor=supervisor, last_name="Caller", phone="(303) 555-0147")


@pytest.fixture
def answered(db):
    return make_disposition("answered", "Question answered")
