"""`servicebook plan-day`: plans tomorrow from the database, prints what it placed, what it
left out and why; proposes only unless told to accept, and then books through the services."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from servicebook.core.testing.factories import (
    make_located_work_order,
    make_technician,
    make_user,
)
from servicebook.scheduling import selectors, services
from servicebook.scheduling.choices import RunStatus
from servicebook.scheduling.models import Appointment, OptimizerRun

pytestmark = pytest.mark.django_db

EVERY_DAY = dict.fromkeys(range(7), ("08:00", "17:00", "12:00", 30))


def at(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour)).replace(tzinfo=selectors.zone())


@pytest.fixture
def tomorrow(db):
    admin = make_user("admin")
    day = selectors.local_date(timezone.now()) + dt.timedelta(days=1)
    ann = make_technician(actor=admin, first_name="Ann", skills=["hvac"], week=EVERY_DAY)
    make_technician(actor=admin, first_name="Bob", week=EVERY_DAY, home=(39.70, -104.95))
    jobs = [
        make_located_work_order(
            actor=admin,
            latitude=lat,
            longitude=lng,
            skills=["hvac"] if i == 0 else [],
            window_start=at(day, 8),
            window_end=at(day, 16),
        )
        for i, (lat, lng) in enumerate([("39.7500", "-104.9990"), ("39.7400", "-104.9800")])
    ]
    emergency = make_located_work_order(actor=admin, work_type="emergency")
    # Needs a skill nobody has: the optimizer must leave it out and say why.
    orphan = make_located_work_order(
        actor=admin, skills=["solar"], window_start=at(day, 8), window_end=at(day, 16)
    )
    return {"day": day, "ann": ann, "jobs": jobs, "emergency": emergency, "orphan": orphan}


def run(*args) -> str:
    out = io.StringIO()
    call_command("plan-day", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_plan_day_proposes_and_changes_nothing(tomorrow):
    out = run("--date", tomorrow["day"].isoformat(), "--seconds", "1")
    assert "Jobs placed        3 of 4" in out
    assert "Emergencies placed 1 of 1" in out
    assert f"{tomorrow['orphan'].number}: " in out and "skill" in out.lower()
    assert "Ann " in out or "Ann Tech" in out
    assert "Proposed only" in out
    assert Appointment.objects.count() == 0
    assert OptimizerRun.objects.get().status == RunStatus.PROPOSED


def test_plan_day_json_summary(tomorrow):
    report = json.loads(run("--date", tomorrow["day"].isoformat(), "--seconds", "1", "--json"))
    assert report["proposed"]["jobs_placed"] == 3
    assert report["proposed"]["emergencies_placed"] == 1
    assert [item["work_order"] for item in report["left_out"]] == [tomorrow["orphan"].number]
    hvac = tomorrow["jobs"][0].number
    ann = next(r for r in report["routes"] if r["technician_id"] == tomorrow["ann"].pk)
    assert hvac in [j["work_order"] for j in ann["jobs"]]
    assert report["status"] == "proposed"


def test_plan_day_accept_books_through_the_services(tomorrow):
    make_user("dispatcher", username="disp.cli")
    out = run(
        "--date", tomorrow["day"].isoformat(), "--seconds", "1", "--accept", "--user", "disp.cli"
    )
    assert "Accepted: 3 booked" in out
    assert Appointment.objects.filter(status="scheduled").count() == 3
    assert OptimizerRun.objects.get().status == RunStatus.ACCEPTED
    assert not Appointment.objects.filter(work_order=tomorrow["orphan"]).exists()


def test_plan_day_refuses_accept_without_a_user_and_bad_input(tomorrow):
    day = tomorrow["day"].isoformat()
    with pytest.raises(CommandError, match="--user"):
        run("--date", day, "--accept")
    with pytest.raises(CommandError, match="territory"):
        run("--date", day, "--territory", "nowhere")
    with pytest.raises(CommandError, match="date"):
        run("--date", "tomorrow")
    with pytest.raises(CommandError, match="over"):
        run("--date", "2020-01-01", "--seconds", "1")
    rep = make_user("rep1", username="rep.cli")
    with pytest.raises(CommandError, match="not allow"):
        run("--date", day, "--seconds", "1", "--accept", "--user", rep.username)
    assert Appointment.objects.count() == 0


def test_plan_day_for_a_territory(tomorrow):
    admin = make_user("admin")
    services.territory_save(
        code="central",
        name="Central",
        postal_codes=["80202"],
        technicians=[tomorrow["ann"]],
        actor=admin,
    )
    report = json.loads(
        run(
            "--date",
            tomorrow["day"].isoformat(),
            "--territory",
            "central",
            "--seconds",
            "1",
            "--json",
        )
    )
    assert report["territory"] == "central"
    assert report["technicians"] == 1
