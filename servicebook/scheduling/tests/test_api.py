"""The scheduling API: the offers contract, booking, per-object access for technicians and
subcontractors, and the calendar feed (parsed, with times right across DST)."""

from __future__ import annotations

import datetime as dt

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from servicebook.core.testing.factories import (
    make_located_work_order,
    make_skill,
    make_subcontractor,
    make_technician,
    make_user,
)
from servicebook.scheduling import services
from servicebook.scheduling.models import Appointment

from . import ical_parse
from .conftest import local

pytestmark = pytest.mark.django_db


def api(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


def _weekday_ahead(days=1) -> dt.date:
    from django.utils import timezone

    day = timezone.localdate() + dt.timedelta(days=days)
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return day


def test_offers_contract_by_place_skills_and_duration(db):
    admin = make_user("admin")
    make_skill("hvac")
    tech = make_technician(actor=admin, skills=["hvac"])
    day = _weekday_ahead()
    response = api(make_user("rep1")).get(
        "/api/scheduling/offers/",
        {
            "latitude": "39.7392",
            "longitude": "-104.9903",
            "skills": "hvac",
            "duration": 90,
            "date_from": day.isoformat(),
            "date_to": day.isoformat(),
        },
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["technicians_considered"] == 1
    first = body["offers"][0]
    assert first["rank"] == 1
    assert first["technician"] == tech.pk
    assert first["date"] == day.isoformat()
    start = dt.datetime.fromisoformat(first["starts_at"])
    end = dt.datetime.fromisoformat(first["ends_at"])
    assert end - start == dt.timedelta(minutes=90)
    assert {"window_start", "window_end", "added_travel_minutes", "travel_minutes"} <= set(first)


def test_offers_refuse_bad_requests(db):
    client = api(make_user("rep1"))
    assert client.get("/api/scheduling/offers/", {"duration": 60}).status_code == 400
    assert client.get("/api/scheduling/offers/", {"postal_code": "80202"}).status_code == 400
    assert (
        client.get(
            "/api/scheduling/offers/", {"postal_code": "80202", "duration": 60, "skills": "nope"}
        ).status_code
        == 400
    )
    assert client.get("/api/scheduling/offers/", {"work_order": 999999}).status_code == 404
    assert client.get("/api/scheduling/offers/", {"bogus": 1}).status_code == 400


def test_offers_for_a_work_order_then_book_it(db):
    admin = make_user("admin")
    make_technician(actor=admin)
    job = make_located_work_order(actor=admin)
    rep = api(make_user("rep2"))
    offers = rep.get("/api/scheduling/offers/", {"work_order": job.pk}).json()["offers"]
    assert offers
    booked = rep.post(
        "/api/scheduling/appointments/",
        {
            "work_order": job.pk,
            "technician": offers[0]["technician"],
            "starts_at": offers[0]["starts_at"],
            "window_start": offers[0]["window_start"],
            "window_end": offers[0]["window_end"],
        },
        format="json",
    )
    assert booked.status_code == 201, booked.content
    assert booked.json()["work_order"]["number"] == job.number
    again = rep.post(
        "/api/scheduling/appointments/",
        {
            "work_order": make_located_work_order(actor=admin).pk,
            "technician": offers[0]["technician"],
            "starts_at": offers[0]["starts_at"],
        },
        format="json",
    )
    assert again.status_code == 409
    assert again.json()["code"] == "double_booking"


@pytest.fixture
def crews(db):
    """Two subcontractor companies, each with a technician and a job booked tomorrow;
    a technician login on the first company's technician, an office login on each."""
    admin = make_user("admin")
    until = dt.date.today() + dt.timedelta(days=365)
    acme, zenith = (
        make_subcontractor(actor=admin, name=n, documents_until=until) for n in ("Acme", "Zenith")
    )
    tech_user = make_user("technician")
    a = make_technician(actor=admin, kind="subcontractor", subcontractor=acme, user=tech_user)
    a2 = make_technician(actor=admin, kind="subcontractor", subcontractor=acme)
    z = make_technician(actor=admin, kind="subcontractor", subcontractor=zenith)
    day = _weekday_ahead()
    from zoneinfo import ZoneInfo

    at = dt.datetime.combine(day, dt.time(9), tzinfo=ZoneInfo("America/Denver"))
    appts = {
        name: services.appointment_book(
            work_order=make_located_work_order(actor=admin), technician=t, starts_at=at, actor=admin
        )
        for name, t in (("a", a), ("a2", a2), ("z", z))
    }
    acme_office = make_user("subcontractor")
    services.subcontractor_set_users(subcontractor=acme, users=[acme_office], actor=admin)
    return {"tech_user": tech_user, "acme_office": acme_office, "appts": appts, "acme": acme}


def test_a_technician_sees_only_their_own_jobs(crews):
    client = api(crews["tech_user"])
    listed = client.get("/api/scheduling/appointments/").json()["results"]
    assert [r["id"] for r in listed] == [crews["appts"]["a"].pk]
    assert client.get(f"/api/scheduling/appointments/{crews['appts']['a2'].pk}/").status_code == 404
    techs = client.get("/api/scheduling/technicians/").json()["results"]
    assert [t["id"] for t in techs] == [crews["appts"]["a"].technician_id]


def test_a_subcontractor_sees_only_its_companys_jobs(crews):
    client = api(crews["acme_office"])
    listed = {r["id"] for r in client.get("/api/scheduling/appointments/").json()["results"]}
    assert listed == {crews["appts"]["a"].pk, crews["appts"]["a2"].pk}
    assert client.get(f"/api/scheduling/appointments/{crews['appts']['z'].pk}/").status_code == 404
    companies = client.get("/api/scheduling/subcontractors/").json()["results"]
    assert [c["name"] for c in companies] == ["Acme"]


def test_field_users_cannot_move_their_own_job_on_someone_elses(crews):
    """A technician may work their job, never dispatch or book; refused, nothing changes."""
    client = api(crews["tech_user"])
    appointment = crews["appts"]["z"]
    before = Appointment.objects.get(pk=appointment.pk).status
    assert client.post(f"/api/scheduling/appointments/{appointment.pk}/travel/").status_code == 404
    assert (
        client.post(f"/api/scheduling/appointments/{appointment.pk}/dispatch/").status_code == 403
    )
    assert Appointment.objects.get(pk=appointment.pk).status == before


def test_the_calendar_feed_parses_and_keeps_local_times_across_dst(db, now):
    admin = make_user("admin")
    tech = make_technician(actor=admin)
    services.shift_override_set(
        technician=tech,
        date=dt.date(2026, 3, 7),
        working=True,
        start=dt.time(8),
        end=dt.time(17),
        actor=admin,
    )
    before = make_located_work_order(actor=admin, summary="Before the change")
    after = make_located_work_order(actor=admin, summary="After the change")
    # Friday 6 March (MST) and Monday 9 March (MDT), both at 09:00 Denver time.
    for job, day in ((before, 6), (after, 9)):
        services.appointment_book(
            work_order=job, technician=tech, starts_at=local(2026, 3, day, 9), actor=admin, now=now
        )
    from django.test import override_settings

    with override_settings(
        SCHEDULING_CALENDAR_PAST_DAYS=3650, SCHEDULING_CALENDAR_FUTURE_DAYS=3650
    ):
        response = APIClient().get(f"/api/scheduling/calendar/{tech.calendar_token}/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    events = {
        e["SUMMARY"].split(": ", 1)[1]: e for e in ical_parse.events(response.content.decode())
    }
    assert events["Before the change"]["DTSTART"] == dt.datetime(2026, 3, 6, 16, tzinfo=dt.UTC)
    assert events["After the change"]["DTSTART"] == dt.datetime(2026, 3, 9, 15, tzinfo=dt.UTC)
    assert events["After the change"]["DTEND"] - events["After the change"][
        "DTSTART"
    ] == dt.timedelta(hours=1)
    assert before.number in events["Before the change"]["DESCRIPTION"]


def test_an_unknown_or_renewed_calendar_token_is_refused(db):
    admin = make_user("admin")
    tech = make_technician(actor=admin)
    old = tech.calendar_token
    assert APIClient().get(f"/api/scheduling/calendar/{old}/").status_code == 200
    services.technician_calendar_reset(technician=tech, actor=admin)
    assert APIClient().get(f"/api/scheduling/calendar/{old}/").status_code == 404
    assert APIClient().get("/api/scheduling/calendar/nope/").status_code == 404


def test_board_api_and_optimizer_run(db):
    admin = make_user("admin")
    make_technician(actor=admin)
    make_located_work_order(actor=admin)
    dispatcher = api(make_user("dispatcher"))
    day = _weekday_ahead()
    board = dispatcher.get("/api/scheduling/board/", {"date": day.isoformat()}).json()
    assert len(board["rows"]) == 1 and len(board["unassigned"]) == 1
    run = dispatcher.post(
        "/api/scheduling/optimizer-runs/", {"date": day.isoformat(), "seconds": 1}, format="json"
    )
    assert run.status_code == 201, run.content
    assert run.json()["summary"]["proposed"]["jobs_placed"] == 1
    accepted = dispatcher.post(f"/api/scheduling/optimizer-runs/{run.json()['id']}/accept/")
    assert accepted.status_code == 200
    assert accepted.json()["status"] == "accepted"
    assert Appointment.objects.count() == 1
