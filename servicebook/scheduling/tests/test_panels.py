"""The visit on the work-order page (scheduling registers it in workorders.panels): book it
from the call while it waits, see who goes and when once booked, open it on the board."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from servicebook.core.testing.factories import (
    PASSWORD,
    make_located_work_order,
    make_technician,
    make_user,
)
from servicebook.scheduling import services

pytestmark = pytest.mark.django_db

EVERY_DAY = dict.fromkeys(range(7), ("08:00", "17:00", "12:00", 30))


def _client(client, role: str):
    user = make_user(role)
    client.login(username=user.username, password=PASSWORD)
    return client


@pytest.fixture
def job(db):
    return make_located_work_order(actor=make_user("admin"), summary="Boiler leaks")


def test_a_waiting_work_order_offers_booking_and_the_board(client, job):
    page = _client(client, "rep1").get(reverse("workorders:workorder_detail", args=[job.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="visit-panel"' in html
    assert "No technician booked yet." in html
    assert f"{reverse('scheduling:offers')}?work_order={job.pk}" in html
    assert "Open on the board" in html


def test_a_booked_work_order_shows_who_goes_and_when(client, job):
    admin = make_user("admin")
    tech = make_technician(actor=admin, first_name="Ann", last_name="Archer", week=EVERY_DAY)
    day = timezone.now().astimezone(ZoneInfo("America/Denver")).date() + dt.timedelta(days=1)
    start = dt.datetime.combine(day, dt.time(9), tzinfo=ZoneInfo("America/Denver"))
    appt = services.appointment_book(work_order=job, technician=tech, starts_at=start, actor=admin)
    html = (
        _client(client, "dispatcher")
        .get(reverse("workorders:workorder_detail", args=[job.pk]))
        .content.decode()
    )
    assert "Ann Archer" in html and "09:00" in html
    assert f"?work_order={job.pk}" not in html  # booked: nothing left to book
    assert f"appointment={appt.pk}" in html


def test_a_role_that_does_not_book_sees_no_booking_link(client, job):
    page = _client(client, "billing").get(reverse("workorders:workorder_detail", args=[job.pk]))
    html = page.content.decode()
    assert page.status_code == 200 and 'data-testid="visit-panel"' in html
    assert f"{reverse('scheduling:offers')}?work_order={job.pk}" not in html
