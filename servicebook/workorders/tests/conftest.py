"""Fixtures for the work-order tests: people in the roles that work them, an account with
its primary location, a resolution code, and a fixed instant."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from servicebook.core.testing.factories import make_account, make_completion_code, make_user

DENVER = ZoneInfo("America/Denver")


def local(y, m, d, h=0, mi=0) -> dt.datetime:
    return dt.datetime(y, m, d, h, mi, tzinfo=DENVER)


# Monday 9 February 2026, 07:00 in Denver: before the day's windows open.
NOW = local(2026, 2, 9, 7)


@pytest.fixture
def now():
    return NOW


@pytest.fixture
def dispatcher(db):
    return make_user("dispatcher")


@pytest.fixture
def rep(db):
    return make_user("rep1")


@pytest.fixture
def billing(db):
    return make_user("billing")


@pytest.fixture
def service_admin(db):
    return make_user("service_admin")


@pytest.fixture
def account(db, dispatcher):
    return make_account(actor=make_user("admin"))


@pytest.fixture
def repaired(db):
    return make_completion_code("repaired", "Repaired")
