"""Booking and dispatch: book, move, unassign, lock, dispatch, insert an emergency, and
the technician's "on my way", "arrived", "complete" and "could not finish".

The assignment lives in `Appointment`; the work order's lifecycle moves go through the
workorders services in the same transaction, and the listener registered in AppConfig.ready
(`on_work_order_move`) keeps the appointment's status in step whichever app made the move.

No double booking. Every service that puts an appointment on someone's time first locks
that technician's row (`select_for_update(of=("self",))`; on SQLite the IMMEDIATE
transaction holds the write lock from its first statement), then looks for an overlapping
live appointment, and only then writes. A second coordinator booking the same technician
waits on the lock and then sees the first booking: exactly one of them wins.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from servicebook.core.audit import audit_created, audit_record, snapshot
from servicebook.core.errors import Conflict, InvalidTransition, ValidationFailed
from servicebook.core.permissions import has_capability, require_capability
from servicebook.users.roles import Cap
from servicebook.workorders import services as wo
from servicebook.workorders.choices import WorkOrderStatus
from servicebook.workorders.models import WorkOrder

from .. import availability, selectors
from .. import travel as travel_mod
from ..choices import (
    ACTIVE_STATUSES,
    MOVABLE_STATUSES,
    STATUS_AFTER_ACTION,
    AppointmentStatus,
    BookingSource,
)
from ..models import Appointment, Technician

# Work orders that can take a new appointment.
BOOKABLE_WORK_ORDER_STATUSES = (WorkOrderStatus.NEW, WorkOrderStatus.SCHEDULED)


def _user(actor):
    return actor if getattr(actor, "pk", None) else None


def _aware(value, field: str) -> dt.datetime:
    if not isinstance(value, dt.datetime) or timezone.is_naive(value):
        raise ValidationFailed({field: ["Give a date and time."]})
    return value


def lock_technicians(*technicians: Technician) -> dict[int, Technician]:
    """Lock the technicians' rows in id order (two moves between the same two people
    never wait on each other in a circle). Returns them fresh, by id."""
    ids = sorted({t.pk for t in technicians})
    rows = Technician.objects.select_for_update(of=("self",)).filter(pk__in=ids).order_by("pk")
    found = {t.pk: t for t in rows.select_related("subcontractor")}
    if len(found) != len(ids):
        raise ValidationFailed({"technician": ["No such technician."]})
    return found


def _locked_appointment(appointment: Appointment) -> Appointment:
    return (
        Appointment.objects.select_for_update(of=("self",))
        .select_related("work_order__location", "technician")
        .get(pk=appointment.pk)
    )


@dataclass(frozen=True)
class SlotCheck:
    """What placing a job on a technician's time would break, found before writing."""

    overlapping: list[Appointment]
    outside_shift: bool
    in_time_off: bool
    missing_skills: list[str]
    problems: list[str]


def check_slot(
    technician: Technician,
    work_order: WorkOrder,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    *,
    exclude: Appointment | None = None,
    allow_overtime: bool = False,
    break_flex: bool = False,
    ignore: frozenset[int] = frozenset(),
) -> SlotCheck:
    """Look at a slot for a job on a technician's time (the caller holds the lock).

    The break is where the shift puts it for bookings by people; with `break_flex` (the
    day optimizer's plans) it may slide by SCHEDULING_BREAK_FLEX_MINUTES, as the optimizer
    planned it, and a slot is refused only when it leaves no room for the break at all.
    `ignore`: appointments moving in the same transaction, whose old places do not count."""
    date = selectors.local_date(starts_at, technician.time_zone)
    roster = selectors.roster_load([technician], start=date, end=date)
    day = roster.day(technician, date)
    overlapping = [
        a
        for a in day.appointments
        if (exclude is None or a.pk != exclude.pk)
        and availability.overlaps((a.starts_at, a.ends_at), (starts_at, ends_at))
    ]
    # Appointments reaching into the next day are found by one more query.
    if selectors.local_date(ends_at, technician.time_zone) != date:
        later = Appointment.objects.filter(
            technician=technician,
            status__in=ACTIVE_STATUSES,
            starts_at__lt=ends_at,
            ends_at__gt=starts_at,
        )
        if exclude is not None:
            later = later.exclude(pk=exclude.pk)
        overlapping += [a for a in later if a not in overlapping]
    in_time_off = any(availability.overlaps(off, (starts_at, ends_at)) for off in day.time_off)
    outside = True
    if day.shift is not None:
        end_limit = day.shift.end
        if allow_overtime:
            minutes = technician.max_overtime_minutes
            if minutes is None:
                minutes = settings.SCHEDULING_MAX_OVERTIME_MINUTES
            end_limit = end_limit + dt.timedelta(minutes=minutes)
        if break_flex:
            busy = [
                (a.starts_at, a.ends_at)
                for a in day.appointments
                if (exclude is None or a.pk != exclude.pk) and a.pk not in ignore
            ]
            on_break = not availability.break_fits(
                day.shift,
                [*busy, (starts_at, ends_at)],
                dt.timedelta(minutes=settings.SCHEDULING_BREAK_FLEX_MINUTES),
            )
        else:
            on_break = day.shift.break_interval is not None and availability.overlaps(
                day.shift.break_interval, (starts_at, ends_at)
            )
        outside = starts_at < day.shift.start or ends_at > end_limit or on_break
    required = {s.pk: s.name for s in work_order.required_skills.all()}
    missing = sorted(name for pk, name in required.items() if pk not in day.skills)
    return SlotCheck(
        overlapping=overlapping,
        outside_shift=outside,
        in_time_off=in_time_off,
        missing_skills=missing,
        problems=[p.message for p in day.problems],
    )


def _refuse_slot(technician: Technician, check: SlotCheck) -> None:
    """Raise the first reason the slot cannot be taken (overtime, when allowed, was already
    counted into the shift by check_slot)."""
    if check.problems:
        raise ValidationFailed({"technician": check.problems})
    if check.missing_skills:
        raise ValidationFailed(
            {
                "technician": [
                    f"{technician.name} lacks {', '.join(check.missing_skills)} "
                    "(or the certification behind it has expired)."
                ]
            }
        )
    if check.in_time_off:
        raise ValidationFailed({"starts_at": [f"{technician.name} is off at that time."]})
    if check.overlapping:
        other = check.overlapping[0]
        local = other.starts_at.astimezone(selectors.zone(technician.time_zone))
        raise Conflict(
            f"{technician.name} is already booked at {local:%H:%M} "
            f"({other.work_order.number}); choose another time.",
            code="double_booking",
        )
    if check.outside_shift:
        raise ValidationFailed(
            {"starts_at": [f"That time is outside {technician.name}'s working hours."]}
        )


def _schedule_work_order(appointment: Appointment, *, actor, allow_outside_window: bool, now):
    """Move the work order to scheduled with the appointment's times.

    A representative books from a call with `scheduling.book` but does not hold
    `workorders.dispatch` (dispatching stays with coordinators). The booking service has
    checked the representative's right to book; the work order's move is then made as the
    system, and the appointment's own audit row names the person. (Asked of workorders:
    accept `scheduling.book` for the schedule move, so its timeline names them too.)
    """
    if actor is not None and not has_capability(actor, Cap.WORKORDERS_DISPATCH):
        actor = None
    wo.workorder_schedule(
        work_order=appointment.work_order,
        planned_start=appointment.starts_at,
        planned_end=appointment.ends_at,
        technician_id=appointment.technician_id,
        technician_label=appointment.technician.name,
        allow_outside_window=allow_outside_window,
        actor=actor,
        now=now,
    )


def _require_book(actor, source: str, overrides: bool) -> None:
    require_capability(actor, Cap.SCHEDULING_BOOK)
    if overrides or source in (
        BookingSource.BOARD,
        BookingSource.EMERGENCY,
        BookingSource.OPTIMIZER,
    ):
        require_capability(actor, Cap.SCHEDULING_DISPATCH)


@transaction.atomic
def appointment_book(
    *,
    work_order: WorkOrder,
    technician: Technician,
    starts_at: dt.datetime,
    ends_at: dt.datetime | None = None,
    window_start: dt.datetime | None = None,
    window_end: dt.datetime | None = None,
    source: str = BookingSource.CALL,
    locked: bool = False,
    allow_outside_window: bool = False,
    allow_overtime: bool = False,
    travel_minutes: int | None = None,
    actor,
    now: dt.datetime | None = None,
) -> Appointment:
    """Give a work order to a technician from `starts_at` (to `ends_at`, by default the
    job's estimated duration later).

    Refused (nothing written) when the technician cannot be dispatched that day (expired
    insurance or license, inactive), lacks a required skill, is off, is outside their
    shift (dispatchers may allow overtime), or is already booked for any part of the time
    (409 `double_booking`). The work order moves to scheduled through its own service.
    """
    _require_book(actor, source, allow_outside_window or allow_overtime)
    now = now or timezone.now()
    starts_at = _aware(starts_at, "starts_at")
    if ends_at is None:
        ends_at = starts_at + dt.timedelta(minutes=work_order.estimated_minutes)
    ends_at = _aware(ends_at, "ends_at")
    if ends_at <= starts_at:
        raise ValidationFailed({"ends_at": ["The appointment must end after it starts."]})
    if ends_at <= now:
        raise ValidationFailed({"starts_at": ["That time has already passed."]})
    if (window_start is None) != (window_end is None) or (
        window_start is not None and window_end <= window_start
    ):
        raise ValidationFailed({"window_start": ["Give a window that ends after it starts."]})
    if source not in BookingSource.values:
        raise ValidationFailed({"source": [f"Unknown source “{source}”."]})
    technician = lock_technicians(technician)[technician.pk]
    work_order = WorkOrder.objects.select_related("location").get(pk=work_order.pk)
    if work_order.status not in BOOKABLE_WORK_ORDER_STATUSES:
        raise InvalidTransition(
            f"A {work_order.get_status_display().lower()} work order cannot be booked."
        )
    current = (
        Appointment.objects.filter(work_order=work_order, status__in=ACTIVE_STATUSES)
        .select_related("technician")
        .first()
    )
    if current is not None:
        raise Conflict(
            f"{work_order.number} is already booked with {current.technician.name}; move that "
            "appointment instead.",
            code="already_booked",
        )
    check = check_slot(
        technician,
        work_order,
        starts_at,
        ends_at,
        allow_overtime=allow_overtime,
        break_flex=source == BookingSource.OPTIMIZER,
    )
    _refuse_slot(technician, check)
    appointment = Appointment(
        work_order=work_order,
        technician=technician,
        starts_at=starts_at,
        ends_at=ends_at,
        window_start=window_start,
        window_end=window_end,
        source=source,
        locked=locked,
        travel_minutes=travel_minutes,
        created_by=_user(actor),
    )
    try:
        with transaction.atomic():
            appointment.save()
    except IntegrityError as exc:
        # The unique "one live appointment per work order" caught a concurrent booking.
        raise Conflict(
            f"{work_order.number} was just booked by someone else.", code="already_booked"
        ) from exc
    audit_created(actor=actor, obj=appointment)
    _schedule_work_order(
        appointment, actor=actor, allow_outside_window=allow_outside_window, now=now
    )
    return appointment


@transaction.atomic
def appointment_move(
    *,
    appointment: Appointment,
    starts_at: dt.datetime,
    technician: Technician | None = None,
    ends_at: dt.datetime | None = None,
    allow_outside_window: bool = False,
    allow_overtime: bool = False,
    source: str = BookingSource.BOARD,
    actor,
    now: dt.datetime | None = None,
) -> Appointment:
    """Move an appointment to another time and/or technician (same length unless `ends_at`
    says otherwise). A dispatched job that moves goes back to scheduled and must be
    dispatched again; once someone is on the way it stays put."""
    _require_book(actor, source, allow_outside_window or allow_overtime)
    now = now or timezone.now()
    starts_at = _aware(starts_at, "starts_at")
    appointment = _locked_appointment(appointment)
    length = appointment.ends_at - appointment.starts_at
    ends_at = _aware(ends_at, "ends_at") if ends_at is not None else starts_at + length
    return relocate(
        appointment=appointment,
        technician=technician or appointment.technician,
        starts_at=starts_at,
        ends_at=ends_at,
        allow_outside_window=allow_outside_window,
        allow_overtime=allow_overtime,
        actor=actor,
        now=now,
    )


def relocate(
    *,
    appointment: Appointment,
    technician: Technician,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    allow_outside_window: bool,
    allow_overtime: bool,
    ignore: frozenset[int] = frozenset(),
    travel_minutes: int | None = None,
    message: str = "",
    break_flex: bool = False,
    actor,
    now: dt.datetime,
) -> Appointment:
    """Put a live appointment (already locked by the caller) at a new time and technician,
    with every check of a booking. `ignore`: appointments that move in the same transaction
    (an accepted optimizer plan) and so do not block. Internal: callers check capabilities."""
    if appointment.status not in MOVABLE_STATUSES:
        raise InvalidTransition(
            f"An appointment that is {appointment.get_status_display().lower()} cannot move."
        )
    locked = lock_technicians(appointment.technician, technician)
    target = locked[technician.pk]
    if ends_at <= starts_at:
        raise ValidationFailed({"ends_at": ["The appointment must end after it starts."]})
    if ends_at <= now:
        raise ValidationFailed({"starts_at": ["That time has already passed."]})
    check = check_slot(
        target,
        appointment.work_order,
        starts_at,
        ends_at,
        exclude=appointment,
        allow_overtime=allow_overtime,
        break_flex=break_flex,
        ignore=ignore,
    )
    if ignore:
        check = SlotCheck(
            overlapping=[a for a in check.overlapping if a.pk not in ignore],
            outside_shift=check.outside_shift,
            in_time_off=check.in_time_off,
            missing_skills=check.missing_skills,
            problems=check.problems,
        )
    _refuse_slot(target, check)
    before = snapshot(appointment)
    appointment.technician = target
    appointment.starts_at, appointment.ends_at = starts_at, ends_at
    appointment.status = AppointmentStatus.SCHEDULED
    if travel_minutes is not None:
        appointment.travel_minutes = travel_minutes
    # A window quoted to the customer stays the promise; the dispatcher may break it only
    # knowingly (allow_outside_window), and then the promise is dropped.
    if appointment.window_start and not (
        appointment.window_start <= starts_at <= appointment.window_end
    ):
        if not allow_outside_window:
            raise ValidationFailed(
                {"starts_at": ["That is outside the arrival window quoted to the customer."]}
            )
        appointment.window_start = appointment.window_end = None
    appointment.save()
    audit_record(
        actor=actor,
        action="move",
        obj=appointment,
        changes={
            k: [before[k], v]
            for k, v in snapshot(appointment).items()
            if before.get(k) != v and k != "updated_at"
        },
        message=message,
    )
    _schedule_work_order(
        appointment, actor=actor, allow_outside_window=allow_outside_window, now=now
    )
    return appointment


@transaction.atomic
def appointment_unassign(
    *, appointment: Appointment, reason: str = "", actor, now: dt.datetime | None = None
) -> Appointment:
    """Take the job off the technician: the appointment ends (cancelled, with the reason)
    and the work order returns to the unassigned list (new)."""
    require_capability(actor, Cap.SCHEDULING_DISPATCH)
    now = now or timezone.now()
    appointment = _locked_appointment(appointment)
    if appointment.status not in MOVABLE_STATUSES:
        raise InvalidTransition(
            f"An appointment that is {appointment.get_status_display().lower()} cannot be "
            "unassigned."
        )
    _cancel(appointment, reason=reason or "unassigned", actor=actor, now=now)
    wo.workorder_unschedule(
        work_order=appointment.work_order, reason=reason or "unassigned", actor=actor, now=now
    )
    return appointment


def _cancel(appointment: Appointment, *, reason: str, actor, now: dt.datetime) -> None:
    before = snapshot(appointment)
    appointment.status = AppointmentStatus.CANCELLED
    appointment.cancelled_at = now
    appointment.cancel_reason = (reason or "")[:300]
    appointment.save(update_fields=["status", "cancelled_at", "cancel_reason", "updated_at"])
    audit_record(
        actor=actor,
        action="cancel",
        obj=appointment,
        changes={"status": [before["status"], appointment.status]},
        message=reason,
    )


@transaction.atomic
def appointment_set_locked(*, appointment: Appointment, locked: bool, actor) -> Appointment:
    """Pin (or unpin) a job to its technician: the day optimizer keeps pinned jobs."""
    require_capability(actor, Cap.SCHEDULING_DISPATCH)
    appointment = _locked_appointment(appointment)
    if appointment.status not in ACTIVE_STATUSES:
        raise InvalidTransition("Only a live appointment can be pinned.")
    if appointment.locked != locked:
        appointment.locked = locked
        appointment.save(update_fields=["locked", "updated_at"])
        audit_record(
            actor=actor, action="lock", obj=appointment, changes={"locked": [not locked, locked]}
        )
    return appointment


@transaction.atomic
def appointment_dispatch(
    *, appointment: Appointment, actor, now: dt.datetime | None = None
) -> Appointment:
    """Send a scheduled job to its technician. Refused when the technician (or their
    subcontractor company) has an expired insurance or license on the day of the job
    (the guard registered on the work order's dispatch checks the same)."""
    require_capability(actor, Cap.SCHEDULING_DISPATCH)
    appointment = _locked_appointment(appointment)
    if appointment.status != AppointmentStatus.SCHEDULED:
        raise InvalidTransition(
            f"An appointment that is {appointment.get_status_display().lower()} cannot be "
            "dispatched."
        )
    wo.workorder_dispatch(work_order=appointment.work_order, actor=actor, now=now)
    appointment.refresh_from_db()
    return appointment


def dispatch_problems(appointment: Appointment) -> list[str]:
    """Why this appointment's technician may not be sent on the job's day (empty: may)."""
    date = selectors.local_date(appointment.starts_at, appointment.technician.time_zone)
    day = selectors.technician_day(appointment.technician, date)
    return [p.message for p in day.problems]


@transaction.atomic
def dispatch_day(
    *, date: dt.date, technicians=None, actor, now: dt.datetime | None = None
) -> tuple[list[Appointment], list[tuple[Appointment, str]]]:
    """Dispatch every scheduled appointment of a day (optionally of some technicians).
    Returns (dispatched, [(refused, reason)]): one blocked technician does not hold the
    others back; each refusal is reported."""
    require_capability(actor, Cap.SCHEDULING_DISPATCH)
    start, end = selectors.day_bounds(date)
    qs = Appointment.objects.filter(
        status=AppointmentStatus.SCHEDULED, starts_at__gte=start, starts_at__lt=end
    ).select_related("technician", "work_order")
    if technicians is not None:
        qs = qs.filter(technician__in=technicians)
    done, refused = [], []
    for appointment in qs.order_by("starts_at", "id"):
        try:
            with transaction.atomic():
                done.append(appointment_dispatch(appointment=appointment, actor=actor, now=now))
        except (ValidationFailed, InvalidTransition, Conflict) as exc:
            refused.append((appointment, exc.message))
    return done, refused


# --- The technician's moves (the phone view) ------------------------------------------------------


def _field_appointment(appointment: Appointment, actor) -> Appointment:
    """The appointment, locked, after checking the actor may work it: staff who dispatch, or
    the technician (or their company) it belongs to."""
    require_capability(actor, Cap.SCHEDULING_FIELD)
    if not selectors.appointments_visible_to(actor).filter(pk=appointment.pk).exists():
        raise ValidationFailed({"appointment": ["That job is not yours."]})
    return _locked_appointment(appointment)


@transaction.atomic
def appointment_start_travel(*, appointment: Appointment, actor, now=None) -> Appointment:
    """On my way: the work order goes en route (the customer can be told)."""
    appointment = _field_appointment(appointment, actor)
    wo.workorder_start_travel(work_order=appointment.work_order, actor=actor, now=now)
    appointment.refresh_from_db()
    return appointment


@transaction.atomic
def appointment_arrive(*, appointment: Appointment, actor, now=None) -> Appointment:
    """Arrived: the technician is on site."""
    appointment = _field_appointment(appointment, actor)
    wo.workorder_arrive(work_order=appointment.work_order, actor=actor, now=now)
    appointment.refresh_from_db()
    return appointment


@dataclass(frozen=True)
class UsedLine:
    """A part or some labour used on the job, as the technician enters it."""

    kind: str
    description: str
    quantity: object
    unit: str
    unit_price: object = 0


@transaction.atomic
def appointment_complete(
    *,
    appointment: Appointment,
    notes: str,
    signer_name: str,
    completion_code=None,
    lines: list[UsedLine] = (),
    checklist: list[tuple] = (),
    actor,
    now=None,
) -> Appointment:
    """Complete: the checklist answers and the parts and labour lines, then the
    completion (notes, how it ended, who signed) through the work-order services, all or
    nothing."""
    appointment = _field_appointment(appointment, actor)
    work_order = appointment.work_order
    for item, answer in checklist:
        wo.workorder_checklist_answer(
            work_order=work_order, item=item, answer=answer, actor=actor, now=now
        )
    for line in lines:
        wo.workorder_line_add(
            work_order=work_order,
            kind=line.kind,
            description=line.description,
            quantity=line.quantity,
            unit=line.unit,
            unit_price=line.unit_price,
            actor=actor,
            now=now,
        )
    wo.workorder_complete(
        work_order=work_order,
        notes=notes,
        completion_code=completion_code,
        signer_name=signer_name,
        actor=actor,
        now=now,
    )
    appointment.refresh_from_db()
    return appointment


@transaction.atomic
def appointment_incomplete(
    *, appointment: Appointment, reason: str, notes: str = "", actor, now=None
) -> Appointment:
    """Could not finish: the work order records why (and raises its return visit)."""
    appointment = _field_appointment(appointment, actor)
    wo.workorder_incomplete(
        work_order=appointment.work_order, reason=reason, notes=notes, actor=actor, now=now
    )
    appointment.refresh_from_db()
    return appointment


# --- Keeping appointments in step with the work order (hooks) -----------------------------------


def on_work_order_move(*, action, work_order, from_status, to_status, actor, **details) -> None:
    """Listener on every work-order move (workorders.hooks): the live appointment follows
    (dispatched, on the way, on site, completed, incomplete), and a work order that is
    cancelled or taken off the plan frees its technician's time."""
    status = STATUS_AFTER_ACTION.get(action)
    if status is None:
        return
    appointment = (
        Appointment.objects.select_for_update(of=("self",))
        .filter(work_order_id=work_order.pk, status__in=ACTIVE_STATUSES)
        .first()
    )
    if appointment is None:
        return
    now = timezone.now()
    if status == AppointmentStatus.CANCELLED:
        _cancel(appointment, reason=details.get("reason") or action, actor=actor, now=now)
        return
    before = appointment.status
    if before == status:
        return
    appointment.status = status
    appointment.save(update_fields=["status", "updated_at"])
    audit_record(
        actor=actor, action="status", obj=appointment, changes={"status": [before, status]}
    )


def guard_work_order_move(*, action, work_order, actor, **details) -> None:
    """Guard on work-order moves (workorders.hooks): a dispatch to a technician needs one
    who may be sent that day (documents current, active); a field move by a technician or a
    subcontractor must be on their own job."""
    if action == "dispatch":
        appointment = (
            Appointment.objects.filter(work_order_id=work_order.pk, status__in=ACTIVE_STATUSES)
            .select_related("technician__subcontractor")
            .first()
        )
        if appointment is None:
            # Planned without a technician (not through this app): nobody to check.
            return
        problems = dispatch_problems(appointment)
        if problems:
            raise InvalidTransition(
                "Cannot dispatch: " + " ".join(problems), code="technician_blocked"
            )
    elif action in ("travel", "arrive", "complete", "incomplete") and actor is not None:
        if has_capability(actor, Cap.SCHEDULING_VIEW):
            return
        mine = selectors.appointments_visible_to(actor).filter(
            work_order_id=work_order.pk, status__in=ACTIVE_STATUSES
        )
        if not mine.exists():
            raise InvalidTransition("That job is not yours.", code="not_yours")


# --- Emergencies ----------------------------------------------------------------------------


@dataclass(frozen=True)
class EmergencyOption:
    """Where an emergency could go: a technician, when they would arrive, and what it
    pushes later."""

    technician: Technician
    starts_at: dt.datetime
    ends_at: dt.datetime
    travel_minutes: int
    pushed: list[tuple[Appointment, dt.datetime, dt.datetime]]
    overtime_minutes: int

    @property
    def pushed_minutes(self) -> int:
        return sum(int((s - a.starts_at).total_seconds() // 60) for a, s, _ in self.pushed)


def _insertion(
    technician: Technician,
    day: selectors.TechDay,
    work_order: WorkOrder,
    at: dt.datetime,
    legs: travel_mod.Legs,
) -> EmergencyOption | None:
    """Insert the job at the earliest moment after `at` the technician can get there:
    after the job they are on (a started job is never interrupted), pushing the later,
    movable, unpinned jobs back in order. None when pinned or started jobs leave no room."""
    job_point = travel_mod.point(work_order.location.latitude, work_order.location.longitude)
    duration = dt.timedelta(minutes=work_order.estimated_minutes)
    shift = day.shift
    if shift is None:
        return None
    appts = sorted(day.appointments, key=lambda a: a.starts_at)
    started = [a for a in appts if a.status not in MOVABLE_STATUSES]
    fixed = [a for a in appts if a.status not in MOVABLE_STATUSES or a.locked]
    movable = [a for a in appts if a.status in MOVABLE_STATUSES and not a.locked]
    begin = max(at, shift.start)
    here = travel_mod.point(technician.home_latitude, technician.home_longitude)
    for a in started:
        if a.ends_at > begin:
            begin = a.ends_at
        here = travel_mod.point(a.work_order.location.latitude, a.work_order.location.longitude)
    drive = dt.timedelta(seconds=legs.seconds(here, job_point))
    start = begin + drive
    # Jump past fixed appointments in the way.
    for a in sorted(fixed, key=lambda a: a.starts_at):
        if a in started:
            continue
        if availability.overlaps((a.starts_at, a.ends_at), (start, start + duration)):
            start = a.ends_at + drive
    end = start + duration
    # Push the movable jobs that start before the emergency ends, in order.
    pushed = []
    cursor, cursor_point = end, job_point
    for a in movable:
        if a.ends_at <= start:
            continue
        a_point = travel_mod.point(a.work_order.location.latitude, a.work_order.location.longitude)
        earliest = cursor + dt.timedelta(seconds=legs.seconds(cursor_point, a_point))
        new_start = max(a.starts_at, earliest)
        for f in fixed:
            length = a.ends_at - a.starts_at
            if availability.overlaps((f.starts_at, f.ends_at), (new_start, new_start + length)):
                new_start = f.ends_at
        new_end = new_start + (a.ends_at - a.starts_at)
        if new_start != a.starts_at:
            pushed.append((a, new_start, new_end))
        cursor, cursor_point = new_end, a_point
    last_end = max([end] + [e for _, _, e in pushed] + [a.ends_at for a in appts])
    overtime = max(0, int((last_end - shift.end).total_seconds() // 60))
    return EmergencyOption(
        technician=technician,
        starts_at=start,
        ends_at=end,
        travel_minutes=int(drive.total_seconds() // 60),
        pushed=pushed,
        overtime_minutes=overtime,
    )


def emergency_options(
    *, work_order: WorkOrder, at: dt.datetime | None = None, limit: int = 3
) -> list[EmergencyOption]:
    """The best technicians for an emergency now: on shift today, may be dispatched, hold
    the skills; ranked by arrival, then by how much other work it pushes."""
    at = at or timezone.now()
    date = selectors.local_date(at)
    required = set(work_order.required_skills.values_list("pk", flat=True))
    roster = selectors.roster_load(Technician.objects.filter(active=True), start=date, end=date)
    candidates = []
    points = [travel_mod.point(work_order.location.latitude, work_order.location.longitude)]
    days = {}
    for tech in roster.technicians:
        day = roster.day(tech, date)
        if day.shift is None or day.problems or not required <= day.skills:
            continue
        if day.shift.end <= at or any(
            availability.overlaps(off, (at, at + dt.timedelta(minutes=1))) for off in day.time_off
        ):
            continue
        days[tech.pk] = day
        points.append(travel_mod.point(tech.home_latitude, tech.home_longitude))
        points += [
            travel_mod.point(a.work_order.location.latitude, a.work_order.location.longitude)
            for a in day.appointments
        ]
    legs = travel_mod.Legs([p for p in points if p is not None])
    for tech in roster.technicians:
        if tech.pk not in days:
            continue
        option = _insertion(tech, days[tech.pk], work_order, at, legs)
        if option is not None:
            candidates.append(option)
    candidates.sort(
        key=lambda o: (o.starts_at, o.pushed_minutes, o.overtime_minutes, o.technician.pk)
    )
    return candidates[:limit]


@transaction.atomic
def appointment_insert_emergency(
    *,
    work_order: WorkOrder,
    technician: Technician,
    actor,
    now: dt.datetime | None = None,
) -> tuple[Appointment, list[Appointment]]:
    """Put an emergency on a technician's day as soon as they can get there, pushing their
    later movable jobs back (each pushed job keeps its order; a pushed job may leave its
    customer window: the push is recorded and the board lists it so the customer gets a
    call). Returns the new appointment and the pushed ones."""
    require_capability(actor, Cap.SCHEDULING_DISPATCH)
    now = now or timezone.now()
    technician = lock_technicians(technician)[technician.pk]
    work_order = WorkOrder.objects.select_related("location").get(pk=work_order.pk)
    date = selectors.local_date(now, technician.time_zone)
    day = selectors.technician_day(technician, date)
    if day.problems:
        raise ValidationFailed({"technician": [p.message for p in day.problems]})
    required = set(work_order.required_skills.values_list("pk", flat=True))
    if not required <= day.skills:
        raise ValidationFailed({"technician": [f"{technician.name} lacks a required skill."]})
    points = [
        travel_mod.point(work_order.location.latitude, work_order.location.longitude),
        travel_mod.point(technician.home_latitude, technician.home_longitude),
    ] + [
        travel_mod.point(a.work_order.location.latitude, a.work_order.location.longitude)
        for a in day.appointments
    ]
    legs = travel_mod.Legs([p for p in points if p is not None])
    option = _insertion(technician, day, work_order, now, legs)
    if option is None:
        raise ValidationFailed({"technician": [f"{technician.name} is not working today."]})
    # Push from the last job backwards, so no pushed job ever overlaps one not yet moved.
    pushed = []
    for appointment, new_start, new_end in sorted(option.pushed, key=lambda p: -p[1].timestamp()):
        appointment = _locked_appointment(appointment)
        before = snapshot(appointment)
        appointment.starts_at, appointment.ends_at = new_start, new_end
        if appointment.status == AppointmentStatus.DISPATCHED:
            appointment.status = AppointmentStatus.SCHEDULED
        appointment.save(update_fields=["starts_at", "ends_at", "status", "updated_at"])
        audit_record(
            actor=actor,
            action="move",
            obj=appointment,
            changes={"starts_at": [before["starts_at"], new_start.isoformat()]},
            message=f"pushed by emergency {work_order.number}",
        )
        _schedule_work_order(appointment, actor=actor, allow_outside_window=True, now=now)
        pushed.append(appointment)
    appointment = appointment_book(
        work_order=work_order,
        technician=technician,
        starts_at=option.starts_at,
        ends_at=option.ends_at,
        source=BookingSource.EMERGENCY,
        locked=True,
        allow_outside_window=True,
        allow_overtime=True,
        travel_minutes=option.travel_minutes,
        actor=actor,
        now=now,
    )
    return appointment, pushed
