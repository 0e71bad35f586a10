"""Booking, moving, unassigning and dispatching appointments, and the rules they keep:
no double booking, shifts, time off, skills that count, documents in force."""

from __future__ import annotations

import datetime as dt

import pytest

from servicebook.core.errors import Conflict, InvalidTransition, ValidationFailed
from servicebook.core.testing.factories import (
    make_located_work_order,
    make_subcontractor,
    make_technician,
)
from servicebook.scheduling import services
from servicebook.scheduling.choices import AppointmentStatus
from servicebook.scheduling.models import Appointment
from servicebook.workorders.models import WorkOrder

from .conftest import MONDAY, local

pytestmark = pytest.mark.django_db


def book(work_order, technician, hour, actor, now, minute=0, **kw):
    return services.appointment_book(
        work_order=work_order,
        technician=technician,
        starts_at=local(2026, 2, 9, hour, minute),
        actor=actor,
        now=now,
        **kw,
    )


def test_booking_schedules_the_work_order_with_the_technician(dispatcher, admin, now):
    tech = make_technician(actor=admin)
    job = make_located_work_order(actor=admin, estimated_minutes=90)
    appointment = book(job, tech, 9, dispatcher, now)
    job.refresh_from_db()
    assert appointment.status == AppointmentStatus.SCHEDULED
    assert appointment.ends_at - appointment.starts_at == dt.timedelta(minutes=90)
    assert job.status == "scheduled"
    assert job.planned_start == appointment.starts_at


def test_a_representative_books_from_a_call(rep, admin, now):
    tech = make_technician(actor=admin)
    job = make_located_work_order(actor=admin)
    appointment = book(job, tech, 10, rep, now)
    assert appointment.created_by == rep
    assert WorkOrder.objects.get(pk=job.pk).status == "scheduled"


def test_a_second_booking_over_the_same_time_is_refused(dispatcher, admin, now):
    tech = make_technician(actor=admin)
    first = make_located_work_order(actor=admin, estimated_minutes=60)
    second = make_located_work_order(actor=admin, estimated_minutes=60)
    book(first, tech, 9, dispatcher, now)
    with pytest.raises(Conflict) as refused:
        book(second, tech, 9, dispatcher, now, minute=30)
    assert refused.value.code == "double_booking"
    assert Appointment.objects.filter(technician=tech).count() == 1
    assert WorkOrder.objects.get(pk=second.pk).status == "new"


def test_back_to_back_appointments_do_not_overlap(dispatcher, admin, now):
    tech = make_technician(actor=admin)
    first = make_located_work_order(actor=admin, estimated_minutes=60)
    second = make_located_work_order(actor=admin, estimated_minutes=60)
    book(first, tech, 9, dispatcher, now)
    book(second, tech, 10, dispatcher, now)
    assert Appointment.objects.filter(technician=tech).count() == 2


def test_outside_the_shift_and_on_the_lunch_break_are_refused(dispatcher, admin, now):
    tech = make_technician(actor=admin)
    job = make_located_work_order(actor=admin, estimated_minutes=60)
    with pytest.raises(ValidationFailed, match="working hours"):
        book(job, tech, 7, dispatcher, now)
    with pytest.raises(ValidationFailed, match="working hours"):
        book(job, tech, 11, dispatcher, now, minute=45)  # runs into 12:00 lunch
    with pytest.raises(ValidationFailed, match="working hours"):
        book(job, tech, 16, dispatcher, now, minute=30)  # past 17:00
    assert not Appointment.objects.exists()


def test_dispatchers_may_plan_overtime_within_the_limit(dispatcher, admin, now, settings):
    settings.SCHEDULING_MAX_OVERTIME_MINUTES = 60
    tech = make_technician(actor=admin)
    job = make_located_work_order(actor=admin, estimated_minutes=60)
    appointment = book(job, tech, 16, dispatcher, now, minute=30, allow_overtime=True)
    assert appointment.ends_at == local(2026, 2, 9, 17, 30)
    other = make_located_work_order(actor=admin, estimated_minutes=120)
    with pytest.raises(ValidationFailed):
        book(other, tech, 17, dispatcher, now, minute=30, allow_overtime=True)


def test_time_off_blocks_booking_and_cannot_be_added_over_appointments(dispatcher, admin, now):
    tech = make_technician(actor=admin)
    services.time_off_add(
        technician=tech,
        starts_at=local(2026, 2, 9, 13),
        ends_at=local(2026, 2, 9, 17),
        kind="personal",
        actor=admin,
    )
    job = make_located_work_order(actor=admin)
    with pytest.raises(ValidationFailed, match="off"):
        book(job, tech, 14, dispatcher, now)
    book(job, tech, 9, dispatcher, now)
    with pytest.raises(ValidationFailed, match="move them first"):
        services.time_off_add(
            technician=tech,
            starts_at=local(2026, 2, 9, 8),
            ends_at=local(2026, 2, 9, 10),
            actor=admin,
        )


def test_a_skill_backed_by_an_expired_certification_does_not_count(dispatcher, admin, now):
    tech = make_technician(actor=admin, skills=["gas"])
    gas = tech.skills.get().skill
    services.certification_add(
        technician=tech,
        name="Gas fitter",
        skill=gas,
        expires_on=dt.date(2026, 2, 1),
        actor=admin,
    )
    job = make_located_work_order(actor=admin, skills=[gas])
    with pytest.raises(ValidationFailed, match="lacks"):
        book(job, tech, 9, dispatcher, now)
    # The renewal brings the skill back.
    services.certification_add(
        technician=tech, name="Gas fitter", skill=gas, expires_on=dt.date(2027, 2, 1), actor=admin
    )
    assert book(job, tech, 9, dispatcher, now).pk


def test_a_skill_without_a_certification_counts(dispatcher, admin, now):
    tech = make_technician(actor=admin, skills=["hvac"])
    job = make_located_work_order(actor=admin, skills=["hvac"])
    assert book(job, tech, 9, dispatcher, now).pk


def test_a_technician_without_the_skill_is_refused(dispatcher, admin, now):
    tech = make_technician(actor=admin, skills=["hvac"])
    job = make_located_work_order(actor=admin, skills=["electrical"])
    with pytest.raises(ValidationFailed, match="lacks"):
        book(job, tech, 9, dispatcher, now)


def test_expired_company_insurance_blocks_booking_and_dispatch(dispatcher, admin, now):
    company = make_subcontractor(actor=admin, documents_until=dt.date(2026, 12, 31))
    tech = make_technician(actor=admin, kind="subcontractor", subcontractor=company)
    job = make_located_work_order(actor=admin)
    appointment = book(job, tech, 9, dispatcher, now)
    # The insurance renewal turns out to have lapsed: a newer certificate, already expired.
    services.document_add(
        subcontractor=company,
        kind="insurance",
        reference="INS-LATE",
        expires_on=dt.date(2026, 2, 6),
        actor=admin,
    )
    company.documents.filter(kind="insurance").exclude(reference="INS-LATE").delete()
    with pytest.raises(InvalidTransition, match="insurance"):
        services.appointment_dispatch(appointment=appointment, actor=dispatcher, now=now)
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.SCHEDULED
    assert WorkOrder.objects.get(pk=job.pk).status == "scheduled"
    other = make_located_work_order(actor=admin)
    with pytest.raises(ValidationFailed, match="insurance"):
        book(other, tech, 11, dispatcher, now)


def test_expired_license_of_a_technician_blocks_dispatch_through_the_work_order(
    dispatcher, admin, now
):
    from servicebook.workorders.services import workorder_dispatch

    tech = make_technician(actor=admin)
    job = make_located_work_order(actor=admin)
    book(job, tech, 9, dispatcher, now)
    services.document_add(
        technician=tech,
        kind="license",
        reference="EL-1",
        expires_on=dt.date(2026, 2, 8),
        actor=admin,
    )
    with pytest.raises(InvalidTransition, match="license"):
        workorder_dispatch(work_order=job, actor=dispatcher, now=now)
    assert WorkOrder.objects.get(pk=job.pk).status == "scheduled"


def test_a_company_without_the_required_documents_cannot_be_dispatched(dispatcher, admin, now):
    company = make_subcontractor(actor=admin)  # nothing on file
    tech = make_technician(actor=admin, kind="subcontractor", subcontractor=company)
    job = make_located_work_order(actor=admin)
    with pytest.raises(ValidationFailed, match="no insurance"):
        book(job, tech, 9, dispatcher, now)


def test_current_documents_dispatch(dispatcher, admin, now):
    company = make_subcontractor(actor=admin, documents_until=dt.date(2026, 12, 31))
    tech = make_technician(actor=admin, kind="subcontractor", subcontractor=company)
    job = make_located_work_order(actor=admin)
    appointment = book(job, tech, 9, dispatcher, now)
    appointment = services.appointment_dispatch(appointment=appointment, actor=dispatcher, now=now)
    assert appointment.status == AppointmentStatus.DISPATCHED
    assert WorkOrder.objects.get(pk=job.pk).status == "dispatched"


def test_moving_to_another_technician_and_back_to_scheduled(dispatcher, admin, now):
    ann = make_technician(actor=admin, first_name="Ann")
    bob = make_technician(actor=admin, first_name="Bob")
    job = make_located_work_order(actor=admin)
    appointment = book(job, ann, 9, dispatcher, now)
    services.appointment_dispatch(appointment=appointment, actor=dispatcher, now=now)
    moved = services.appointment_move(
        appointment=appointment,
        technician=bob,
        starts_at=local(2026, 2, 9, 13),
        actor=dispatcher,
        now=now,
    )
    job.refresh_from_db()
    assert moved.technician == bob
    assert moved.status == AppointmentStatus.SCHEDULED
    assert job.status == "scheduled"
    assert job.planned_start == local(2026, 2, 9, 13)


def test_unassign_puts_the_job_back_on_the_list(dispatcher, admin, now):
    tech = make_technician(actor=admin)
    job = make_located_work_order(actor=admin)
    appointment = book(job, tech, 9, dispatcher, now)
    services.appointment_unassign(appointment=appointment, actor=dispatcher, now=now)
    appointment.refresh_from_db()
    job.refresh_from_db()
    assert appointment.status == AppointmentStatus.CANCELLED
    assert job.status == "new"
    # The time is free again.
    assert book(make_located_work_order(actor=admin), tech, 9, dispatcher, now).pk


def test_cancelling_the_work_order_frees_the_appointment(dispatcher, admin, now):
    from servicebook.workorders.services import workorder_cancel

    tech = make_technician(actor=admin)
    job = make_located_work_order(actor=admin)
    appointment = book(job, tech, 9, dispatcher, now)
    workorder_cancel(work_order=job, reason="Customer fixed it", actor=admin, now=now)
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.CANCELLED
    assert appointment.cancel_reason == "Customer fixed it"


def test_a_work_order_is_booked_once(dispatcher, admin, now):
    ann = make_technician(actor=admin)
    bob = make_technician(actor=admin)
    job = make_located_work_order(actor=admin)
    book(job, ann, 9, dispatcher, now)
    with pytest.raises(Conflict, match="already booked"):
        book(job, bob, 9, dispatcher, now)


def test_a_representative_cannot_override_shifts(rep, admin, now):
    from django.core.exceptions import PermissionDenied

    tech = make_technician(actor=admin)
    job = make_located_work_order(actor=admin)
    with pytest.raises(PermissionDenied):
        book(job, tech, 18, rep, now, allow_overtime=True)
    assert not Appointment.objects.exists()


def test_the_past_cannot_be_booked(dispatcher, admin):
    tech = make_technician(actor=admin)
    job = make_located_work_order(actor=admin)
    with pytest.raises(ValidationFailed, match="passed"):
        book(job, tech, 9, dispatcher, local(2026, 2, 9, 12))


def test_shift_override_gives_a_saturday(dispatcher, admin, now):
    tech = make_technician(actor=admin)
    saturday = MONDAY + dt.timedelta(days=5)
    services.shift_override_set(
        technician=tech,
        date=saturday,
        working=True,
        start=dt.time(9),
        end=dt.time(13),
        actor=admin,
    )
    job = make_located_work_order(actor=admin)
    appointment = services.appointment_book(
        work_order=job,
        technician=tech,
        starts_at=local(2026, 2, 14, 10),
        actor=dispatcher,
        now=now,
    )
    assert appointment.pk
