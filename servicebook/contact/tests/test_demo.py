"""The contact centre's demo data tells the truth about itself: a shift counts as attended
only on a day the agent logged in."""

from __future__ import annotations

import datetime as dt

import pytest

from servicebook.contact import demo
from servicebook.contact.models import AgentStateSpan, Shift
from servicebook.core.testing.factories import make_user
from servicebook.customers.models import Account

pytestmark = pytest.mark.django_db

# A seed whose month has a day off sick for the one agent.
SEED = 8


def test_demo_sick_day_shift_is_not_attended():
    agent = make_user("rep1", username="demo.rep")
    now = dt.datetime(2026, 2, 27, 18, 0, tzinfo=dt.UTC)
    demo.seed_demo(seed=SEED, now=now, accounts=Account.objects.none(), log=lambda *a: None)
    days_logged_in = set(AgentStateSpan.objects.filter(agent=agent).values_list("day", flat=True))
    shifts = list(Shift.objects.filter(agent=agent).values_list("day", "attended"))
    assert shifts
    assert all(attended == (day in days_logged_in) for day, attended in shifts)
    assert any(not attended for _, attended in shifts)  # this seed has a day off sick
