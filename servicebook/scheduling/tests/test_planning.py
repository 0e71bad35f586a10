"""The day optimizer from the database: the problem built from technicians and work
orders, a proposal kept beside the current plan, accepted atomically or discarded."""

from __future__ import annotations

import pytest

from servicebook.core.errors import Conflict, InvalidTransition
from servicebook.core.testing.factories import make_located_work_order, make_technician
from servicebook.scheduling import planning, services
from servicebook.scheduling.choices import AppointmentStatus, RunStatus
from servicebook.scheduling.models import Appointment
from servicebook.workorders.models import WorkOrder

from .conftest import MONDAY, local

pytestmark = pytest.mark.django_db

PLACES = [
    ("39.7500", "-104.9990"),
    ("39.7400", "-104.9800"),
    ("39.7600", "-105.0200"),
    ("39.7300", "-104.9500"),
]


@pytest.fixture
def day(admin, dispatcher, now):
    ann = make_technician(actor=admin, first_name="Ann", skills=["hvac"])
    bob = make_technician(actor=admin, first_name="Bob", home=(39.70, -104.95))
    jobs = [
        make_located_work_order(
            actor=admin,
            latitude=lat,
            longitude=lng,
            skills=["hvac"] if i == 0 else [],
            window_start=local(2026, 2, 9, 8),
            window_end=local(2026, 2, 9, 16),
            now=now,
        )
        for i, (lat, lng) in enumerate(PLACES)
    ]
    emergency = make_located_work_order(actor=admin, work_type="emergency", now=now)
    booked = services.appointment_book(
        work_order=jobs[3],
        technician=bob,
        starts_at=local(2026, 2, 9, 15),
        actor=dispatcher,
        now=now,
    )
    return {"ann": ann, "bob": bob, "jobs": jobs, "emergency": emergency, "booked": booked}


def test_the_problem_holds_shifts_skills_breaks_and_jobs(day, now):
    built = planning.build_problem(MONDAY, now=now)
    techs = {t.id: t for t in built.problem.technicians}
    ann = techs[day["ann"].pk]
    assert ann.skills == frozenset({"hvac"})
    assert ann.shift.end - ann.shift.start == 9 * 3600
    assert ann.breaks[0].duration == 30 * 60
    jobs = {j.id: j for j in built.problem.jobs}
    assert jobs[day["emergency"].pk].priority.name == "EMERGENCY"
    assert jobs[day["jobs"][0].pk].skills == frozenset({"hvac"})
    assert built.current[day["bob"].pk] == [day["jobs"][3].pk]


def test_a_proposal_changes_nothing_until_accepted(day, dispatcher, now):
    result = planning.optimizer_run(date=MONDAY, seconds=1, actor=dispatcher, now=now)
    run = result.run
    assert run.status == RunStatus.PROPOSED
    assert run.summary["proposed"]["emergencies_placed"] == 1
    assert run.summary["current"]["jobs_placed"] == 1
    assert Appointment.objects.count() == 1
    counts = planning.optimizer_accept(run=run, actor=dispatcher, now=now)
    assert counts["booked"] + counts["moved"] + counts["unchanged"] == len(run.assignments)
    placed = {a["work_order"] for a in run.assignments}
    live = set(
        Appointment.objects.filter(status=AppointmentStatus.SCHEDULED).values_list(
            "work_order_id", flat=True
        )
    )
    assert placed == live
    hvac_job = day["jobs"][0]
    assert Appointment.objects.get(work_order=hvac_job, status="scheduled").technician == day["ann"]
    assert set(WorkOrder.objects.filter(pk__in=placed).values_list("status", flat=True)) == {
        "scheduled"
    }
    run.refresh_from_db()
    assert run.status == RunStatus.ACCEPTED
    with pytest.raises(InvalidTransition):
        planning.optimizer_accept(run=run, actor=dispatcher, now=now)


def test_a_proposal_for_a_board_that_changed_is_refused(day, dispatcher, admin, now):
    run = planning.optimizer_run(date=MONDAY, seconds=1, actor=dispatcher, now=now).run
    services.appointment_move(
        appointment=day["booked"], starts_at=local(2026, 2, 9, 14), actor=dispatcher, now=now
    )
    with pytest.raises(Conflict, match="changed"):
        planning.optimizer_accept(run=run, actor=dispatcher, now=now)
    assert Appointment.objects.count() == 1


def test_discard(day, dispatcher, now):
    run = planning.optimizer_run(date=MONDAY, seconds=1, actor=dispatcher, now=now).run
    planning.optimizer_discard(run=run, actor=dispatcher)
    run.refresh_from_db()
    assert run.status == RunStatus.DISCARDED
    assert Appointment.objects.count() == 1
