"""The day optimizer from the database: build the problem for a date (and perhaps a
territory), solve it, keep the proposal beside the current plan, and accept or discard it.

The problem (docs/scheduling.md, "Planning a day"):

* Technicians: active, on shift that date, dispatchable (documents current), serving the
  territory when one is given. Shift = the day's shift; time off at either end trims it, time
  off in the middle becomes a fixed break; the lunch break may start up to
  SCHEDULING_BREAK_FLEX_MINUTES after its planned time. Home = the technician's home base,
  else their branch. Skills = those that count that day. Costs: employees 0 unless their
  record says otherwise; a subcontractor's crew costs the company's rate per hour plus its
  day rate once used. Overtime up to the technician's limit (or the setting).
* Jobs: the live appointments of the day (of those technicians) and the unassigned work
  orders for the day (status new, window on that date or no window), in the territory.
  Windows: the work order's customer window, narrowed to the arrival window quoted on the
  appointment. Started jobs (on the way, on site) stay first with their technician;
  dispatched and pinned jobs stay with their technician (locked). Emergencies (type
  emergency or priority urgent) must be placed; the rest are optional, valued by priority.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Hashable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Max, Q
from django.utils import timezone

from servicebook.core.audit import audit_created, audit_record
from servicebook.core.errors import Conflict, InvalidTransition, ValidationFailed
from servicebook.core.permissions import require_capability
from servicebook.users.roles import Cap
from servicebook.workorders.choices import WorkOrderStatus, WorkOrderType
from servicebook.workorders.models import WorkOrder

from . import availability, geo, selectors
from . import travel as travel_mod
from .choices import (
    ACTIVE_STATUSES,
    STARTED_STATUSES,
    AppointmentStatus,
    BookingSource,
    RunStatus,
    TechnicianKind,
)
from .models import Appointment, OptimizerRun, Technician, Territory
from .optimizer import (
    Break,
    Job,
    Plan,
    Priority,
    Problem,
    SolverSettings,
    TimeWindow,
    evaluate_plan,
    solve,
)
from .optimizer import Technician as OptTechnician

UNASSIGNED_LIMIT = 500


# --- What is on the board for a date ------------------------------------------------------------


def unassigned_work_orders(date: dt.date, territory: Territory | None = None):
    """Work orders waiting for a technician that belong to this date: status new, with a
    customer window touching the date or no window at all. Emergencies and the most urgent
    first."""
    start, end = selectors.day_bounds(date)
    qs = (
        WorkOrder.objects.filter(status=WorkOrderStatus.NEW)
        .filter(Q(window_start__isnull=True) | Q(window_start__lt=end, window_end__gt=start))
        .select_related("location", "account__customer")
        .prefetch_related("required_skills")
    )
    rows = list(qs.order_by("window_start", "created_at", "id")[:UNASSIGNED_LIMIT])
    if territory is not None:
        rows = [w for w in rows if in_territory(w.location, territory)]
    return sorted(rows, key=lambda w: (-int(job_priority(w)), w.window_start or end, w.pk))


def in_territory(location, territory: Territory) -> bool:
    return geo.contains(
        postal_codes=territory.postal_codes or [],
        polygons=territory.polygons or [],
        postal_code=location.postal_code,
        longitude=location.longitude,
        latitude=location.latitude,
    )


def board_technicians(territory: Territory | None = None):
    qs = Technician.objects.filter(active=True)
    if territory is not None:
        qs = qs.filter(pk__in=selectors.technicians_in_territories([territory.pk]).values("pk"))
    return qs.select_related("subcontractor", "branch")


def board_token(date: dt.date) -> str:
    """A short fingerprint of everything the board shows for a date: the day's
    appointments (any change touches updated_at; a cancelled one too) and the unassigned
    work orders. Equal tokens: nothing to redraw."""
    start, end = selectors.day_bounds(date)
    appts = Appointment.objects.filter(starts_at__lt=end, ends_at__gt=start).aggregate(
        n=Count("id"), last=Max("updated_at"), top=Max("id")
    )
    wos = WorkOrder.objects.filter(
        Q(status=WorkOrderStatus.NEW)
        & (Q(window_start__isnull=True) | Q(window_start__lt=end, window_end__gt=start))
    ).aggregate(n=Count("id"), last=Max("updated_at"), top=Max("id"))
    raw = f"{date}|{appts}|{wos}"
    return hashlib.sha256(raw.encode()).hexdigest()[:16]


# --- The problem ------------------------------------------------------------------------------


def job_priority(work_order: WorkOrder) -> Priority:
    if work_order.work_type == WorkOrderType.EMERGENCY or work_order.priority == "urgent":
        return Priority.EMERGENCY
    return {"high": Priority.HIGH, "low": Priority.LOW}.get(work_order.priority, Priority.NORMAL)


@dataclass
class Built:
    """A problem with the bookkeeping to turn the plan back into appointments."""

    problem: Problem
    date: dt.date
    territory: Territory | None
    technicians: dict[int, Technician]
    work_orders: dict[int, WorkOrder]
    appointments: dict[int, Appointment]  # by work order id
    current: dict[int, list[int]]  # technician id -> work order ids in order
    notes: list[str] = field(default_factory=list)
    left_out_here: list[dict] = field(default_factory=list)  # jobs that could not be posed


def _seconds(origin: dt.datetime, instant: dt.datetime) -> int:
    return int((instant - origin).total_seconds())


def build_problem(
    date: dt.date, *, territory: Territory | None = None, now: dt.datetime | None = None
) -> Built:
    """The day (of a territory) as an optimizer Problem (see the module docstring)."""
    now = now or timezone.now()
    tz = selectors.zone()
    origin = dt.datetime.combine(date, dt.time(0)).replace(tzinfo=tz)
    day_start, day_end = selectors.day_bounds(date)
    techs = list(board_technicians(territory))
    roster = selectors.roster_load(techs, start=date, end=date)
    flex = dt.timedelta(minutes=settings.SCHEDULING_BREAK_FLEX_MINUTES)
    built = Built(
        problem=None,  # type: ignore[arg-type]
        date=date,
        territory=territory,
        technicians={},
        work_orders={},
        appointments={},
        current={},
    )
    opt_techs = []
    for tech in techs:
        day = roster.day(tech, date)
        if day.shift is None:
            continue
        if day.problems:
            built.notes.append(f"{tech.name} left out: {' '.join(p.message for p in day.problems)}")
            continue
        home = travel_mod.point(tech.home_latitude, tech.home_longitude)
        if home is None and tech.branch_id:
            home = travel_mod.point(tech.branch.latitude, tech.branch.longitude)
        if home is None:
            built.notes.append(f"{tech.name} left out: no home base or branch location.")
            continue
        start, end = day.shift.start, day.shift.end
        breaks = []
        for off_start, off_end in sorted(day.time_off):
            if off_start <= start < off_end:
                start = off_end
            elif off_start < end <= off_end:
                end = off_start
            elif start < off_start and off_end < end:
                breaks.append(
                    Break(
                        TimeWindow(_seconds(origin, off_start), _seconds(origin, off_start)),
                        _seconds(origin, off_end) - _seconds(origin, off_start),
                    )
                )
        if end <= start:
            continue
        if day.shift.break_start is not None:
            bs = _seconds(origin, day.shift.break_start)
            breaks.append(
                Break(
                    TimeWindow(bs, bs + int(flex.total_seconds())),
                    _seconds(origin, day.shift.break_end) - bs,
                )
            )
        overtime = tech.max_overtime_minutes
        if overtime is None:
            overtime = settings.SCHEDULING_MAX_OVERTIME_MINUTES
        cost_per_hour, fixed = tech.cost_per_hour, 0
        if tech.kind == TechnicianKind.SUBCONTRACTOR and tech.subcontractor_id:
            cost_per_hour = tech.subcontractor.cost_per_hour or cost_per_hour
            fixed = tech.subcontractor.cost_per_day
        opt_techs.append(
            OptTechnician(
                id=tech.pk,
                shift=TimeWindow(_seconds(origin, start), _seconds(origin, end)),
                home=home,
                skills=roster.codes(day.skills),
                breaks=tuple(breaks),
                cost_per_hour=cost_per_hour,
                fixed_cost=fixed,
                max_overtime=overtime * 60,
            )
        )
        built.technicians[tech.pk] = tech
        built.current[tech.pk] = []
        for appt in day.appointments:
            if appt.starts_at >= day_start and appt.starts_at < day_end:
                built.appointments[appt.work_order_id] = appt
                built.current[tech.pk].append(appt.work_order_id)

    # Jobs: the live appointments of the planned technicians, then the unassigned work.
    wo_ids = list(built.appointments)
    booked = {
        w.pk: w
        for w in WorkOrder.objects.filter(pk__in=wo_ids)
        .select_related("location", "account__customer")
        .prefetch_related("required_skills")
    }
    unassigned = unassigned_work_orders(date, territory)
    jobs = []
    for wo in [*booked.values(), *unassigned]:
        appt = built.appointments.get(wo.pk)
        point = travel_mod.point(wo.location.latitude, wo.location.longitude)
        if point is None:
            built.left_out_here.append(
                {"work_order": wo.pk, "reason": "The location has no coordinates."}
            )
            continue
        duration = wo.estimated_minutes * 60
        locked_to = None
        started = False
        if appt is not None:
            duration = int((appt.ends_at - appt.starts_at).total_seconds())
            if appt.status in STARTED_STATUSES:
                started = True
                locked_to = appt.technician_id
                remaining = appt.ends_at - max(now, appt.starts_at)
                duration = max(60, int(remaining.total_seconds()))
            elif appt.locked or appt.status == AppointmentStatus.DISPATCHED:
                locked_to = appt.technician_id
        windows = []
        ws, we = wo.window_start, wo.window_end
        if appt is not None and appt.window_start:
            ws = max(ws, appt.window_start) if ws else appt.window_start
            we = min(we, appt.window_end) if we else appt.window_end
        if ws and we and not started:
            if we <= ws:
                built.left_out_here.append(
                    {"work_order": wo.pk, "reason": "Its windows do not overlap."}
                )
                continue
            windows.append(TimeWindow(_seconds(origin, ws), _seconds(origin, we)))
        built.work_orders[wo.pk] = wo
        jobs.append(
            Job(
                id=wo.pk,
                location=point,
                duration=duration,
                windows=tuple(windows),
                skills=frozenset(s.code for s in wo.required_skills.all()),
                priority=job_priority(wo),
                locked_to=locked_to,
                started=started,
            )
        )
    today = selectors.local_date(now)
    built.problem = Problem(
        technicians=opt_techs,
        jobs=jobs,
        travel=travel_mod.provider(),
        origin=origin,
        now=_seconds(origin, now) if date == today else None,
        settings=SolverSettings(),
    )
    if date < today:
        raise ValidationFailed({"date": ["That day is over; plan today or a day ahead."]})
    return built


def _summary(summary) -> dict:
    return {
        "jobs_total": summary.jobs_total,
        "jobs_placed": summary.jobs_placed,
        "emergencies_total": summary.emergencies_total,
        "emergencies_placed": summary.emergencies_placed,
        "travel_minutes": round(summary.travel / 60),
        "overtime_minutes": round(summary.overtime / 60),
        "technicians_used": summary.technicians_used,
        "late_minutes": round(summary.late / 60),
        "violations": summary.violations,
    }


def _reason_text(item) -> str:
    return f"{item.reason.label}. {item.detail}".strip() if item.detail else item.reason.label


# --- Runs ---------------------------------------------------------------------------------------


@dataclass
class RunResult:
    run: OptimizerRun
    plan: Plan | None


def optimizer_run(
    *,
    date: dt.date,
    territory: Territory | None = None,
    seconds: int | None = None,
    seed: int = 0,
    actor,
    now: dt.datetime | None = None,
) -> RunResult:
    """Plan a day with the optimizer and keep the proposal (nothing on the board changes
    until someone accepts it). `actor` None is the command line."""
    if actor is not None:
        require_capability(actor, Cap.SCHEDULING_DISPATCH)
    seconds = seconds or settings.SCHEDULING_OPTIMIZER_SECONDS
    if not 1 <= seconds <= settings.SCHEDULING_OPTIMIZER_MAX_SECONDS:
        raise ValidationFailed(
            {"seconds": [f"Between 1 and {settings.SCHEDULING_OPTIMIZER_MAX_SECONDS} seconds."]}
        )
    token = board_token(date)
    built = build_problem(date, territory=territory, now=now)
    current = evaluate_plan(built.problem, built.current)
    plan = solve(built.problem, seconds=seconds, seed=seed)
    assignments = []
    for route in plan.routes:
        for visit in route.visits:
            start, end = plan.at(visit.start), plan.at(visit.end)
            assignments.append(
                {
                    "work_order": visit.job_id,
                    "technician": route.technician_id,
                    "start": start.isoformat(),
                    "end": end.isoformat(),
                    "travel_minutes": round(visit.travel / 60),
                }
            )
    unassigned = [
        {"work_order": item.job_id, "reason": _reason_text(item)} for item in plan.left_out
    ] + built.left_out_here
    summary = {
        "current": _summary(current.summary),
        "proposed": _summary(plan.summary),
        "notes": built.notes + list(plan.notes),
        "technicians": len(built.problem.technicians),
        "jobs": len(built.problem.jobs),
    }
    with transaction.atomic():
        run = OptimizerRun.objects.create(
            date=date,
            territory=territory,
            seconds=seconds,
            board_token=token,
            summary=summary,
            assignments=assignments,
            unassigned=unassigned,
            created_by=actor if getattr(actor, "pk", None) else None,
        )
        audit_created(actor=actor, obj=run, message=f"optimizer proposal for {date}")
    return RunResult(run=run, plan=plan)


def _locked_run(run: OptimizerRun) -> OptimizerRun:
    run = OptimizerRun.objects.select_for_update(of=("self",)).get(pk=run.pk)
    if run.status != RunStatus.PROPOSED:
        raise InvalidTransition(f"This proposal was already {run.get_status_display().lower()}.")
    return run


@transaction.atomic
def optimizer_discard(*, run: OptimizerRun, actor) -> OptimizerRun:
    """Throw a proposal away."""
    if actor is not None:
        require_capability(actor, Cap.SCHEDULING_DISPATCH)
    run = _locked_run(run)
    run.status = RunStatus.DISCARDED
    run.decided_at = timezone.now()
    run.decided_by = actor if getattr(actor, "pk", None) else None
    run.save(update_fields=["status", "decided_at", "decided_by"])
    audit_record(
        actor=actor, action="discard", obj=run, changes={"status": ["proposed", "discarded"]}
    )
    return run


@transaction.atomic
def optimizer_accept(*, run: OptimizerRun, actor, now: dt.datetime | None = None) -> dict:
    """Apply a proposal: every assignment through the booking services, all or nothing.

    Refused (409) when the board changed since the run (someone moved a job, a new job
    came in): run it again. Jobs the proposal leaves out that had an appointment are
    unassigned (back on the unassigned list); jobs on the way or on site are never touched.
    Returns counts {booked, moved, unchanged, unassigned}.
    """
    from .services import appointments as booking

    require_capability(actor, Cap.SCHEDULING_DISPATCH)
    now = now or timezone.now()
    run = _locked_run(run)
    # Lock everyone who may change first, so no booking slips in between the check and the
    # writes; then compare the board with what the optimizer saw.
    tech_ids = {a["technician"] for a in run.assignments}
    start, end = selectors.day_bounds(run.date)
    live = list(
        Appointment.objects.filter(
            status__in=ACTIVE_STATUSES, starts_at__lt=end, ends_at__gt=start
        ).select_related("technician", "work_order")
    )
    tech_ids |= {a.technician_id for a in live}
    booking.lock_technicians(*Technician.objects.filter(pk__in=tech_ids))
    if board_token(run.date) != run.board_token:
        raise Conflict(
            "The board changed since this proposal was made; run the optimizer again.",
            code="stale_proposal",
        )
    by_wo = {a.work_order_id: a for a in live}
    planned = {a["work_order"] for a in run.assignments}
    counts = {"booked": 0, "moved": 0, "unchanged": 0, "unassigned": 0}
    # 1. Free the time of jobs that leave or move, so the new places never collide with an
    #    old one (the optimizer's plan has no overlaps of its own).
    moving = []
    for item in run.assignments:
        appt = by_wo.get(item["work_order"])
        s, e = dt.datetime.fromisoformat(item["start"]), dt.datetime.fromisoformat(item["end"])
        if appt is None:
            continue
        if appt.status in STARTED_STATUSES:
            counts["unchanged"] += 1
            continue
        if appt.technician_id == item["technician"] and appt.starts_at == s and appt.ends_at == e:
            counts["unchanged"] += 1
            continue
        moving.append((appt, item, s, e))
    # Jobs the optimizer left out lose their technician (back to the unassigned list),
    # unless pinned or already dispatched: those stay as the dispatcher set them.
    left_out = {u["work_order"] for u in run.unassigned}
    for wo_id, appt in by_wo.items():
        if (
            wo_id in left_out
            and wo_id not in planned
            and appt.status == AppointmentStatus.SCHEDULED
            and not appt.locked
        ):
            booking.appointment_unassign(
                appointment=appt, reason="left out by the day optimizer", actor=actor, now=now
            )
            counts["unassigned"] += 1
    # Moves ignore each other: the plan as a whole has no overlaps, and a job may well take
    # the place another one is leaving.
    ignore = frozenset(appt.pk for appt, _, _, _ in moving)
    for appt, item, s, e in moving:
        appt = Appointment.objects.select_for_update(of=("self",)).get(pk=appt.pk)
        booking.relocate(
            appointment=appt,
            technician=Technician.objects.get(pk=item["technician"]),
            starts_at=s,
            ends_at=e,
            allow_outside_window=False,
            allow_overtime=True,
            ignore=ignore,
            travel_minutes=item.get("travel_minutes"),
            message=f"day optimizer run {run.pk}",
            break_flex=True,
            actor=actor,
            now=now,
        )
        counts["moved"] += 1
    for item in run.assignments:
        if item["work_order"] in by_wo:
            continue
        work_order = WorkOrder.objects.get(pk=item["work_order"])
        booking.appointment_book(
            work_order=work_order,
            technician=Technician.objects.get(pk=item["technician"]),
            starts_at=dt.datetime.fromisoformat(item["start"]),
            ends_at=dt.datetime.fromisoformat(item["end"]),
            source=BookingSource.OPTIMIZER,
            allow_overtime=True,
            travel_minutes=item.get("travel_minutes"),
            actor=actor,
            now=now,
        )
        counts["booked"] += 1
    _assert_no_overlaps(tech_ids, start - dt.timedelta(days=1), end + dt.timedelta(days=1))
    run.status = RunStatus.ACCEPTED
    run.decided_at = now
    run.decided_by = actor if getattr(actor, "pk", None) else None
    run.save(update_fields=["status", "decided_at", "decided_by"])
    audit_record(
        actor=actor,
        action="accept",
        obj=run,
        changes={"status": ["proposed", "accepted"]},
        message=", ".join(f"{k} {v}" for k, v in counts.items()),
    )
    return counts


def _assert_no_overlaps(tech_ids, start: dt.datetime, end: dt.datetime) -> None:
    """The moves ignored each other while they were made; the result must still have no
    two live appointments of one technician at once (else everything rolls back)."""
    rows = (
        Appointment.objects.filter(
            technician_id__in=tech_ids,
            status__in=ACTIVE_STATUSES,
            starts_at__lt=end,
            ends_at__gt=start,
        )
        .order_by("technician_id", "starts_at")
        .values_list("technician_id", "starts_at", "ends_at")
    )
    previous: dict[int, dt.datetime] = {}
    for tid, s, e in rows:
        if tid in previous and s < previous[tid]:
            raise Conflict(
                "Applying the proposal would double-book a technician; run it again.",
                code="double_booking",
            )
        previous[tid] = max(e, previous.get(tid, e))


def _wall_minutes(local: dt.datetime, date: dt.date) -> int:
    if local.date() < date:
        return 0
    if local.date() > date:
        return 24 * 60
    return local.hour * 60 + local.minute


def proposal_rows(run: OptimizerRun) -> dict:
    """The proposal beside the current plan, per technician, for the board's panel."""
    ids = {a["work_order"] for a in run.assignments} | {u["work_order"] for u in run.unassigned}
    wos = {w.pk: w for w in WorkOrder.objects.filter(pk__in=ids).select_related("location")}
    techs = {
        t.pk: t
        for t in Technician.objects.filter(pk__in={a["technician"] for a in run.assignments})
    }
    tz = selectors.zone()
    by_tech: dict[Hashable, list[dict]] = {}
    for a in sorted(run.assignments, key=lambda a: (a["technician"], a["start"])):
        start = dt.datetime.fromisoformat(a["start"]).astimezone(tz)
        end = dt.datetime.fromisoformat(a["end"]).astimezone(tz)
        by_tech.setdefault(a["technician"], []).append(
            {
                "work_order": wos.get(a["work_order"]),
                "start": start,
                "end": end,
                "start_minute": _wall_minutes(start, run.date),
                "end_minute": _wall_minutes(end, run.date),
                "travel_minutes": a.get("travel_minutes"),
            }
        )
    return {
        "routes": sorted(
            (
                {"technician": techs.get(tid), "visits": visits}
                for tid, visits in by_tech.items()
                if techs.get(tid) is not None
            ),
            key=lambda r: (r["technician"].last_name, r["technician"].pk),
        ),
        "left_out": [
            {"work_order": wos.get(u["work_order"]), "reason": u["reason"]} for u in run.unassigned
        ],
    }


__all__ = [
    "Built",
    "availability",
    "board_technicians",
    "board_token",
    "build_problem",
    "optimizer_accept",
    "optimizer_discard",
    "optimizer_run",
    "proposal_rows",
    "unassigned_work_orders",
]
