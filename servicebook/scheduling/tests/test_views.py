"""The scheduling pages: the board (assign, move, unassign, the change token), booking from
a call, the technician's day with its moves, and the field-force pages."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from servicebook.core.testing.factories import (
    PASSWORD,
    make_located_work_order,
    make_technician,
    make_user,
)
from servicebook.scheduling import planning, services
from servicebook.scheduling.choices import AppointmentStatus
from servicebook.scheduling.models import Appointment

pytestmark = pytest.mark.django_db


def _tomorrow_at(hour: int) -> dt.datetime:
    from zoneinfo import ZoneInfo

    day = timezone.now().astimezone(ZoneInfo("America/Denver")).date() + dt.timedelta(days=1)
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return dt.datetime.combine(day, dt.time(hour), tzinfo=ZoneInfo("America/Denver"))


@pytest.fixture
def dispatcher_client(client):
    user = make_user("dispatcher")
    client.login(username=user.username, password=PASSWORD)
    client.user = user
    return client


@pytest.fixture
def scene(db):
    admin = make_user("admin")
    tech = make_technician(actor=admin, first_name="Ann")
    job = make_located_work_order(actor=admin, summary="Boiler leaks")
    return {"admin": admin, "tech": tech, "job": job, "day": _tomorrow_at(8).date()}


def test_board_shows_technicians_and_unassigned_work(dispatcher_client, scene):
    response = dispatcher_client.get(reverse("scheduling:board"), {"date": scene["day"]})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Ann" in html
    assert scene["job"].number in html
    assert 'draggable="true"' in html


def test_assign_from_the_board_and_the_poll_sees_the_change(dispatcher_client, scene):
    url = reverse("scheduling:board")
    token = planning.board_token(scene["day"])
    unchanged = dispatcher_client.get(
        url, {"date": scene["day"], "since": token}, HTTP_HX_REQUEST="true"
    )
    assert unchanged.status_code == 204
    response = dispatcher_client.post(
        reverse("scheduling:board_assign"),
        {
            "work_order": scene["job"].pk,
            "technician": scene["tech"].pk,
            "date": scene["day"],
            "start": "09:15",
        },
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert response["HX-Trigger"] == "board-changed"
    appointment = Appointment.objects.get()
    assert appointment.starts_at == _tomorrow_at(9) + dt.timedelta(minutes=15)
    changed = dispatcher_client.get(
        url, {"date": scene["day"], "since": token}, HTTP_HX_REQUEST="true"
    )
    assert changed.status_code == 200
    assert f"job-{scene['job'].number}" in changed.content.decode()


def test_a_refused_drop_says_why_and_changes_nothing(dispatcher_client, scene):
    response = dispatcher_client.post(
        reverse("scheduling:board_assign"),
        {
            "work_order": scene["job"].pk,
            "technician": scene["tech"].pk,
            "date": scene["day"],
            "start": "05:00",
        },
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 400
    assert "working hours" in response.content.decode()
    assert not Appointment.objects.exists()


def test_move_and_unassign_from_the_panel(dispatcher_client, scene):
    appointment = services.appointment_book(
        work_order=scene["job"],
        technician=scene["tech"],
        starts_at=_tomorrow_at(9),
        actor=dispatcher_client.user,
    )
    panel = dispatcher_client.get(
        reverse("scheduling:board"),
        {"date": scene["day"], "appointment": appointment.pk, "part": "panel"},
        HTTP_HX_REQUEST="true",
    )
    assert "Move" in panel.content.decode()
    dispatcher_client.post(
        reverse("scheduling:board_move", args=[appointment.pk]),
        {"technician": scene["tech"].pk, "date": scene["day"], "start": "13:00"},
    )
    appointment.refresh_from_db()
    assert appointment.starts_at == _tomorrow_at(13)
    dispatcher_client.post(reverse("scheduling:board_unassign", args=[appointment.pk]))
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.CANCELLED


def test_booking_from_a_call(client, scene):
    rep = make_user("rep1")
    client.login(username=rep.username, password=PASSWORD)
    page = client.get(reverse("scheduling:offers"), {"work_order": scene["job"].pk})
    assert page.status_code == 200
    offers = page.context["result"].offers
    assert offers
    best = offers[0]
    response = client.post(
        reverse("scheduling:book"),
        {
            "work_order": scene["job"].pk,
            "technician": best.technician_id,
            "starts_at": best.starts_at.isoformat(),
            "window_start": best.window_start.isoformat(),
            "window_end": best.window_end.isoformat(),
        },
    )
    assert response.status_code == 302
    appointment = Appointment.objects.get()
    assert appointment.starts_at == best.starts_at
    assert appointment.window_end == best.window_end
    # The same offer again: the slot is gone.
    again = client.post(
        reverse("scheduling:book"),
        {
            "work_order": make_located_work_order(actor=scene["admin"]).pk,
            "technician": best.technician_id,
            "starts_at": best.starts_at.isoformat(),
        },
        follow=True,
    )
    assert "already booked" in again.content.decode()


def test_technician_completes_a_job_from_the_phone_view(client, scene, repaired):
    user = make_user("technician")
    services.technician_update(technician=scene["tech"], user=user, actor=scene["admin"])
    appointment = services.appointment_book(
        work_order=scene["job"],
        technician=scene["tech"],
        starts_at=_tomorrow_at(9),
        actor=scene["admin"],
    )
    services.appointment_dispatch(appointment=appointment, actor=scene["admin"])
    client.login(username=user.username, password=PASSWORD)
    day = {"date": scene["day"].isoformat()}
    page = client.get(reverse("scheduling:my_day"), day)
    assert scene["job"].number in page.content.decode()
    for action in ("travel", "arrive"):
        response = client.post(reverse("scheduling:field_action", args=[appointment.pk, action]))
        assert response.status_code == 302
    response = client.post(
        reverse("scheduling:field_action", args=[appointment.pk, "complete"]),
        {
            "notes": "Replaced the valve",
            "completion_code": repaired.pk,
            "signer_name": "Jane Doe",
            f"lines{appointment.pk}-TOTAL_FORMS": "3",
            f"lines{appointment.pk}-INITIAL_FORMS": "0",
            f"lines{appointment.pk}-0-kind": "part",
            f"lines{appointment.pk}-0-description": "Valve",
            f"lines{appointment.pk}-0-quantity": "1",
            f"lines{appointment.pk}-0-unit": "ea",
            f"lines{appointment.pk}-0-unit_price": "24.50",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    appointment.refresh_from_db()
    scene["job"].refresh_from_db()
    assert appointment.status == AppointmentStatus.COMPLETED
    assert scene["job"].status == "completed"
    assert scene["job"].signer_name == "Jane Doe"
    assert scene["job"].lines.get().amount == 24.5


def test_a_technician_cannot_touch_a_colleagues_job(client, scene):
    user = make_user("technician")
    other = make_technician(actor=scene["admin"], user=user)
    appointment = services.appointment_book(
        work_order=scene["job"],
        technician=scene["tech"],
        starts_at=_tomorrow_at(9),
        actor=scene["admin"],
    )
    services.appointment_dispatch(appointment=appointment, actor=scene["admin"])
    client.login(username=user.username, password=PASSWORD)
    response = client.post(reverse("scheduling:field_action", args=[appointment.pk, "travel"]))
    assert response.status_code == 404
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.DISPATCHED
    page = client.get(reverse("scheduling:my_day"), {"date": scene["day"].isoformat()})
    assert scene["job"].number not in page.content.decode()
    assert other.pk


def test_field_force_pages_render(dispatcher_client, scene):
    tech = scene["tech"]
    for name, args in [
        ("scheduling:technicians", []),
        ("scheduling:technician_new", []),
        ("scheduling:technician_detail", [tech.pk]),
        ("scheduling:subcontractors", []),
        ("scheduling:territories", []),
        ("scheduling:territory_new", []),
    ]:
        response = dispatcher_client.get(reverse(name, args=args))
        assert response.status_code == 200, name


def test_technician_sections_save(dispatcher_client, scene):
    tech = scene["tech"]
    url = reverse("scheduling:technician_edit", args=[tech.pk, "time-off"])
    response = dispatcher_client.post(
        url,
        {"kind": "vacation", "starts_at": "2030-07-01T08:00", "ends_at": "2030-07-05T17:00"},
    )
    assert response.status_code == 302
    off = tech.time_off.get()
    assert off.starts_at == dt.datetime(2030, 7, 1, 14, tzinfo=dt.UTC)  # 08:00 MDT
    response = dispatcher_client.post(
        reverse("scheduling:technician_edit", args=[tech.pk, "document"]),
        {"kind": "license", "reference": "", "expires_on": "2030-01-01"},
    )
    assert response.status_code == 400
