"""Preventive maintenance: plans, the visits they generate, overdue and missed visits, and
carrying forward what a visit did not do.

Rules (docs/workorders.md has the long form):

- Due dates step from the plan's start date by its frequency and interval (every N days,
  weeks, months, quarters, half-years or years). Months keep the start's day of the month
  and clamp to the month's end (31 Jan -> 28 Feb -> 31 Mar).
- Generation creates one visit (and its work order, status new) per due date from the
  plan's first due date on or after the day it was created, up to today + the horizon
  (the plan's `horizon_days`, else PM_HORIZON_DAYS). "Today" is the date in the location's
  time zone. `generated_through` remembers how far it got, and (plan, due date) is unique,
  so running it twice, or from two workers, creates nothing the second time.
- Overdue: a planned visit whose due date has passed while its work order is still open.
- Missed: a planned visit that has not started (new, scheduled or dispatched) when the
  plan's next visit comes due. The sweep cancels its work order ("missed") and carries it
  forward.
- Carry-forward: the undone tasks of an incomplete or missed visit (or of a visit completed
  with tasks left) move to the plan's next open visit as tasks that name their source; a
  visit with no task list carries one task naming its work. The source visit records
  where its work went (carried_to). When the plan has no later open visit, the next due
  date is generated even beyond the horizon (unless the plan ended).
"""

from __future__ import annotations

import calendar
import datetime as dt
import logging
from collections.abc import Iterable, Sequence
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from servicebook.core.audit import audit_created, audit_record, snapshot
from servicebook.core.errors import InvalidTransition, ValidationFailed
from servicebook.core.permissions import require_capability
from servicebook.core.validation import clean_or_fail
from servicebook.customers.choices import AgreementStatus
from servicebook.customers.models import Account, Equipment, ServiceAgreement, ServiceLocation
from servicebook.users.roles import Cap

from .choices import (
    FREQUENCY_STEP,
    OPEN_STATUSES,
    EventKind,
    Frequency,
    Priority,
    VisitOutcome,
    WorkOrderStatus,
    WorkOrderType,
)
from .models import MaintenancePlan, MaintenanceVisit, Skill, WorkOrder, WorkOrderTask

logger = logging.getLogger(__name__)

NOT_STARTED = (WorkOrderStatus.NEW, WorkOrderStatus.SCHEDULED, WorkOrderStatus.DISPATCHED)
MAX_TASKS = 50
PLAN_EXCLUDE = ["account", "location", "agreement", "equipment", "created_by"]


# --- Dates ------------------------------------------------------------------------------------


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day of the month `months` later, clamped to the month's last day."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(day.day, last))


def nth_due_date(plan: MaintenancePlan, k: int) -> dt.date:
    """The plan's k-th due date (k = 0 is the start date), always counted from the start so
    clamped months do not drift (31 Jan, 28 Feb, 31 Mar)."""
    days, months = FREQUENCY_STEP[plan.frequency]
    if months:
        return add_months(plan.start_date, k * months * plan.interval)
    return plan.start_date + dt.timedelta(days=k * days * plan.interval)


def due_dates(plan: MaintenancePlan, first: dt.date, last: dt.date) -> list[tuple[int, dt.date]]:
    """(index, date) of every due date in [first, last], within the plan's start and end."""
    if plan.end_date is not None:
        last = min(last, plan.end_date)
    first = max(first, plan.start_date)
    if last < first:
        return []
    days, months = FREQUENCY_STEP[plan.frequency]
    # Jump close to `first` instead of stepping from the start (a daily plan runs for years).
    if months:
        elapsed = (first.year - plan.start_date.year) * 12 + first.month - plan.start_date.month
        k = max(0, elapsed // (months * plan.interval) - 1)
    else:
        k = max(0, (first - plan.start_date).days // (days * plan.interval) - 1)
    result = []
    while True:
        day = nth_due_date(plan, k)
        if day > last:
            return result
        if day >= first:
            result.append((k, day))
        k += 1


def local_today(location: ServiceLocation, now: dt.datetime) -> dt.date:
    return timezone.localtime(now, ZoneInfo(location.time_zone)).date()


def visit_window(plan: MaintenancePlan, day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The customer's window on the due date, wall-clock in the location's zone (so it stays
    08:00-17:00 across a DST change)."""
    zone = ZoneInfo(plan.location.time_zone)
    return (
        dt.datetime.combine(day, plan.window_start_time, tzinfo=zone),
        dt.datetime.combine(day, plan.window_end_time, tzinfo=zone),
    )


# --- Plans --------------------------------------------------------------------------------------


def _clean_tasks(tasks: Iterable[str] | None) -> list[str]:
    cleaned = [str(t).strip() for t in (tasks or []) if str(t).strip()]
    if len(cleaned) > MAX_TASKS:
        raise ValidationFailed({"tasks": [f"At most {MAX_TASKS} tasks a visit."]})
    if any(len(t) > 300 for t in cleaned):
        raise ValidationFailed({"tasks": ["Keep each task under 300 characters."]})
    return cleaned


def _plan_skills(skills) -> list[Skill]:
    result = list(skills or [])
    inactive = [s.name for s in result if not s.active]
    if inactive:
        raise ValidationFailed({"skills": [f"No longer in use: {', '.join(inactive)}."]})
    return result


@transaction.atomic
def pm_plan_create(
    *,
    account: Account,
    name: str,
    frequency: str,
    start_date: dt.date,
    summary: str = "",
    interval: int = 1,
    agreement: ServiceAgreement | None = None,
    equipment: Equipment | None = None,
    location: ServiceLocation | None = None,
    end_date: dt.date | None = None,
    work_type: str = WorkOrderType.PREVENTIVE_MAINTENANCE,
    priority: str = Priority.NORMAL,
    skills: Iterable[Skill] | None = None,
    estimated_minutes: int = 60,
    description: str = "",
    tasks: Sequence[str] = (),
    window_start_time: dt.time | None = None,
    window_end_time: dt.time | None = None,
    horizon_days: int | None = None,
    actor,
    now: dt.datetime | None = None,
) -> MaintenancePlan:
    """Put a maintenance agreement or a piece of equipment on a plan, and generate its visits
    up to the horizon at once. The location is the equipment's, else the agreement's, else
    the account's primary one; all of them must belong to the account."""
    require_capability(actor, Cap.PM_MANAGE)
    now = now or timezone.now()
    errors: dict[str, list[str]] = {}
    if agreement is None and equipment is None:
        errors["agreement"] = ["Choose the agreement or the equipment the plan covers."]
    if agreement is not None:
        if agreement.account_id != account.pk:
            errors["agreement"] = ["That agreement belongs to another account."]
        elif agreement.status == AgreementStatus.ENDED:
            errors["agreement"] = ["That agreement has ended."]
    if equipment is not None and equipment.account_id != account.pk:
        errors["equipment"] = ["That equipment belongs to another account."]
    if location is None:
        if equipment is not None and "equipment" not in errors:
            location = equipment.location
        elif agreement is not None and agreement.location_id and "agreement" not in errors:
            location = agreement.location
        else:
            location = account.locations.order_by("-is_primary", "id").first()
    if location is None:
        errors["location"] = ["The account has no service location: add one first."]
    elif location.account_id != account.pk:
        errors["location"] = ["That location belongs to another account."]
    elif equipment is not None and equipment.location_id != location.pk:
        errors["location"] = ["The equipment is at another location."]
    if frequency not in Frequency.values:
        errors["frequency"] = [f"Unknown frequency “{frequency}”."]
    if work_type not in WorkOrderType.values:
        errors["work_type"] = [f"Unknown work-order type “{work_type}”."]
    if priority not in Priority.values:
        errors["priority"] = [f"Unknown priority “{priority}”."]
    if end_date is not None and end_date < start_date:
        errors["end_date"] = ["The plan must end after it starts."]
    if errors:
        raise ValidationFailed(errors)
    plan = MaintenancePlan(
        name=(name or "").strip(),
        account=account,
        location=location,
        agreement=agreement,
        equipment=equipment,
        frequency=frequency,
        interval=interval,
        start_date=start_date,
        end_date=end_date,
        work_type=work_type,
        priority=priority,
        estimated_minutes=estimated_minutes,
        summary=(summary or "").strip() or (name or "").strip(),
        description=(description or "").strip(),
        tasks=_clean_tasks(tasks),
        horizon_days=horizon_days,
        created_by=actor,
        created_at=now,
    )
    if window_start_time is not None:
        plan.window_start_time = window_start_time
    if window_end_time is not None:
        plan.window_end_time = window_end_time
    if not plan.name:
        raise ValidationFailed({"name": ["Name the plan."]})
    if plan.window_end_time <= plan.window_start_time:
        raise ValidationFailed({"window_end_time": ["The window must end after it starts."]})
    clean_or_fail(plan, exclude=PLAN_EXCLUDE)
    plan.save()
    plan_skills = _plan_skills(skills)
    if plan_skills:
        plan.required_skills.set(plan_skills)
    audit_created(actor=actor, obj=plan)
    _generate_plan(plan, now=now)
    return plan


EDITABLE_PLAN_FIELDS = (
    "name",
    "summary",
    "description",
    "priority",
    "estimated_minutes",
    "window_start_time",
    "window_end_time",
    "horizon_days",
    "end_date",
)


@transaction.atomic
def pm_plan_update(
    *,
    plan: MaintenancePlan,
    actor,
    skills: Iterable[Skill] | None = None,
    tasks: Sequence[str] | None = None,
    active: bool | None = None,
    now: dt.datetime | None = None,
    **fields,
) -> MaintenancePlan:
    """Change a plan. What it changes applies to the visits generated from now on; visits
    already generated keep their work orders as they are. The cadence (frequency, interval,
    start date) is fixed: end the plan and start another to change it.

    Ending a plan earlier, or deactivating it, cancels its visits due after the end (or
    from today) that have not started; overdue ones stay for the dispatcher to decide.
    Reactivating resumes generation from today.
    """
    require_capability(actor, Cap.PM_MANAGE)
    now = now or timezone.now()
    unknown = sorted(set(fields) - set(EDITABLE_PLAN_FIELDS))
    if unknown:
        raise ValidationFailed({name: ["This cannot be changed on a plan."] for name in unknown})
    plan = (
        MaintenancePlan.objects.select_for_update(of=("self",))
        .select_related("location")
        .get(pk=plan.pk)
    )
    before = snapshot(plan)
    for name, value in fields.items():
        if isinstance(value, str):
            value = value.strip()
        setattr(plan, name, value)
    if not plan.name:
        raise ValidationFailed({"name": ["Name the plan."]})
    if not plan.summary:
        plan.summary = plan.name
    if plan.priority not in Priority.values:
        raise ValidationFailed({"priority": [f"Unknown priority “{plan.priority}”."]})
    if plan.end_date is not None and plan.end_date < plan.start_date:
        raise ValidationFailed({"end_date": ["The plan must end after it starts."]})
    if plan.window_end_time <= plan.window_start_time:
        raise ValidationFailed({"window_end_time": ["The window must end after it starts."]})
    if tasks is not None:
        plan.tasks = _clean_tasks(tasks)
    today = local_today(plan.location, now)
    if active is not None and active != plan.active:
        plan.active = active
        if active:
            # Resume from today: the visits skipped while inactive are not owed, and the
            # ones the deactivation cancelled stay cancelled (one visit per due date).
            plan.generated_through = today - dt.timedelta(days=1)
    clean_or_fail(plan, exclude=PLAN_EXCLUDE)
    after = snapshot(plan)
    changed = [k for k, v in after.items() if before.get(k) != v and k != "updated_at"]
    if changed:
        plan.save(update_fields=[*changed, "updated_at"])
    changes = {k: [before[k], after[k]] for k in changed}
    if skills is not None:
        new = _plan_skills(skills)
        old_codes = sorted(plan.required_skills.values_list("code", flat=True))
        new_codes = sorted(s.code for s in new)
        if old_codes != new_codes:
            plan.required_skills.set(new)
            changes["required_skills"] = [old_codes, new_codes]
    if changes:
        audit_record(actor=actor, action="update", obj=plan, changes=changes)
    # Visits that no longer belong to the plan: after its end, or from today when inactive.
    cutoff = None
    if not plan.active:
        cutoff = today - dt.timedelta(days=1)
    if plan.end_date is not None:
        cutoff = min(cutoff, plan.end_date) if cutoff else plan.end_date
    if cutoff is not None:
        _cancel_visits_after(plan, cutoff, actor=actor, now=now)
    if plan.active:
        _generate_plan(plan, now=now)
    return plan


def _cancel_visits_after(plan: MaintenancePlan, cutoff: dt.date, *, actor, now) -> int:
    from .services import workorder_cancel

    count = 0
    visits = plan.visits.filter(
        due_date__gt=cutoff,
        outcome=VisitOutcome.PLANNED,
        work_order__status__in=NOT_STARTED,
    ).select_related("work_order")
    for visit in visits:
        MaintenanceVisit.objects.filter(pk=visit.pk).update(
            outcome=VisitOutcome.CANCELLED, outcome_at=now
        )
        workorder_cancel(
            work_order=visit.work_order,
            reason=f"The maintenance plan “{plan.name}” no longer covers {visit.due_date}.",
            actor=None,
            now=now,
        )
        count += 1
    return count


# --- Generation --------------------------------------------------------------------------------


def _new_visit(plan: MaintenancePlan, k: int, day: dt.date, *, now, tasks=()) -> MaintenanceVisit:
    """One visit and its work order (status new), written by the system."""
    from .services import _create

    start, end = visit_window(plan, day)
    description = "\n\n".join(
        p for p in [plan.description, f"Maintenance plan “{plan.name}”, visit due {day}."] if p
    )
    work_order = _create(
        account=plan.account,
        location=plan.location,
        work_type=plan.work_type,
        priority=plan.priority,
        summary=plan.summary,
        description=description,
        skills=list(plan.required_skills.all()),
        estimated_minutes=plan.estimated_minutes,
        window_start=start,
        window_end=end,
        case=None,
        follow_up_of=None,
        tasks=[(t, None) for t in plan.tasks] + list(tasks),
        actor=None,
        now=now,
        message=f"maintenance plan {plan.pk}, due {day}",
    )
    return MaintenanceVisit.objects.create(
        plan=plan, due_date=day, sequence=k + 1, work_order=work_order
    )


def _generate_plan(plan: MaintenancePlan, *, now: dt.datetime) -> int:
    """Generate the plan's visits up to its horizon (in the caller's transaction, with the
    plan row locked by the caller or just created). Returns how many were created."""
    if not plan.active:
        return 0
    today = local_today(plan.location, now)
    target = today + dt.timedelta(days=plan.effective_horizon_days)
    first = (
        plan.generated_through + dt.timedelta(days=1)
        if plan.generated_through
        else max(plan.start_date, local_today(plan.location, plan.created_at))
    )
    created = 0
    dates = due_dates(plan, first, target)
    existing = set(
        plan.visits.filter(due_date__in=[d for _, d in dates]).values_list("due_date", flat=True)
    )
    for k, day in dates:
        if day in existing:
            continue
        _new_visit(plan, k, day, now=now)
        created += 1
    if plan.generated_through is None or plan.generated_through < target:
        MaintenancePlan.objects.filter(pk=plan.pk).update(generated_through=target)
        plan.generated_through = target
    return created


def pm_generate(*, plan: MaintenancePlan | None = None, now: dt.datetime | None = None) -> dict:
    """Generate visits up to the horizon for every active plan (or one), then mark missed
    visits and carry their work forward. Each plan in its own transaction, so one bad plan
    does not stop the run; run by the worker every PM_GENERATE_INTERVAL_SECONDS
    (workorders.tasks.pm_generate). Running it twice for the same instant changes nothing
    the second time."""
    now = now or timezone.now()
    counts = {"plans": 0, "visits": 0, "missed": 0}
    plans = MaintenancePlan.objects.filter(active=True)
    if plan is not None:
        plans = plans.filter(pk=plan.pk)
    else:
        # Only plans whose horizon moved since the last run. A plan on the default horizon
        # is done when it reaches today + PM_HORIZON_DAYS (today anywhere is at most the
        # UTC date + 1); the few plans with their own horizon are always looked at.
        reached = now.date() + dt.timedelta(days=settings.PM_HORIZON_DAYS + 1)
        plans = plans.filter(
            Q(horizon_days__isnull=False)
            | Q(generated_through__isnull=True)
            | Q(generated_through__lt=reached)
        )
    for plan_id in list(plans.values_list("pk", flat=True)):
        try:
            with transaction.atomic():
                locked = (
                    MaintenancePlan.objects.select_for_update(of=("self",))
                    .select_related("location", "account")
                    .get(pk=plan_id)
                )
                made = _generate_plan(locked, now=now)
        except IntegrityError:
            # Another worker generated the same visits first; its run counts them.
            logger.info("maintenance plan %s generated concurrently", plan_id)
            continue
        counts["plans"] += 1 if made else 0
        counts["visits"] += made
    counts["missed"] = pm_sweep_missed(now=now, plan=plan)
    return counts


def generate_now(
    *, plan: MaintenancePlan, actor, note: str = "", now: dt.datetime | None = None
) -> dict:
    """The "generate now" action: the same run for one plan, by a person."""
    require_capability(actor, Cap.PM_MANAGE)
    if not plan.active:
        raise InvalidTransition("An inactive plan generates no visits; reactivate it first.")
    counts = pm_generate(plan=plan, now=now)
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="generate",
            obj=plan,
            message=f"{counts['visits']} visits generated, {counts['missed']} missed. {note}",
        )
    return counts


# --- Overdue, missed and carried forward --------------------------------------------------------


def visit_for(work_order: WorkOrder) -> MaintenanceVisit | None:
    return (
        MaintenanceVisit.objects.filter(work_order_id=work_order.pk)
        .select_related("plan__location", "plan__account", "work_order")
        .first()
    )


def _next_open_visit(visit: MaintenanceVisit, *, now) -> MaintenanceVisit | None:
    """The plan's next visit whose work order is still open, generating the next due date
    beyond the horizon when there is none (unless the plan ended or is inactive)."""
    later = (
        MaintenanceVisit.objects.filter(
            plan_id=visit.plan_id,
            due_date__gt=visit.due_date,
            work_order__status__in=OPEN_STATUSES,
        )
        .select_related("work_order")
        .order_by("due_date")
        .first()
    )
    if later is not None:
        return later
    plan = visit.plan
    if not plan.active:
        return None
    last = plan.visits.order_by("-due_date").values_list("due_date", flat=True).first()
    after = max(last or visit.due_date, visit.due_date) + dt.timedelta(days=1)
    upcoming = due_dates(plan, after, after + dt.timedelta(days=800))
    if not upcoming:
        return None
    k, day = upcoming[0]
    return _new_visit(plan, k, day, now=now)


def _carry_forward(visit: MaintenanceVisit, outcome: str, *, actor, now) -> MaintenanceVisit | None:
    """Record the visit's outcome and move what it did not do to the next open visit.
    The caller holds the visit's lock and has checked it was still planned."""
    from .services import _event

    source = visit.work_order
    undone = list(source.tasks.filter(done=False).order_by("position", "id"))
    had_tasks = source.tasks.exists()
    needs_carry = bool(undone) or (outcome != VisitOutcome.DONE and not had_tasks)
    target = _next_open_visit(visit, now=now) if needs_carry else None
    MaintenanceVisit.objects.filter(pk=visit.pk).update(
        outcome=outcome, outcome_at=now, carried_to=target
    )
    visit.outcome, visit.outcome_at, visit.carried_to = outcome, now, target
    if target is None:
        if needs_carry:
            _event(
                source,
                EventKind.CARRIED_FORWARD,
                actor,
                now,
                reason="No later visit to carry the work to (the plan has ended).",
            )
        return None
    position = (
        target.work_order.tasks.order_by("-position").values_list("position", flat=True).first()
        or 0
    )
    already = set(
        target.work_order.tasks.filter(carried_from__in=undone).values_list(
            "carried_from_id", flat=True
        )
    )
    rows = []
    label = f"visit due {visit.due_date}"
    for task in undone:
        if task.pk in already:
            continue
        position += 1
        rows.append(
            WorkOrderTask(
                work_order=target.work_order,
                position=position,
                description=f"{task.description} (carried from {label})"[:300],
                carried_from=task,
            )
        )
    if not had_tasks:
        rows.append(
            WorkOrderTask(
                work_order=target.work_order,
                position=position + 1,
                description=f"Carried from {label}: {source.summary}"[:300],
            )
        )
    WorkOrderTask.objects.bulk_create(rows)
    data = {
        "from": source.number,
        "to": target.work_order.number,
        "tasks": [r.description for r in rows],
        "outcome": outcome,
    }
    _event(source, EventKind.CARRIED_FORWARD, actor, now, data=data)
    _event(target.work_order, EventKind.CARRIED_FORWARD, actor, now, data=data)
    audit_record(
        actor=actor,
        action="carry_forward",
        obj=target.work_order,
        changes={"tasks": [None, [r.description for r in rows]]},
        message=f"carried from {source.number}",
    )
    return target


def visit_after_field_end(*, work_order: WorkOrder, completed: bool, actor, now) -> None:
    """Called by workorder_complete / workorder_incomplete in their transaction: a
    maintenance visit is done (its undone tasks carry forward) or incomplete (carried
    forward)."""
    visit = visit_for(work_order)
    if visit is None:
        return
    visit = (
        MaintenanceVisit.objects.select_for_update(of=("self",))
        .select_related("plan__location", "plan__account", "work_order")
        .get(pk=visit.pk)
    )
    if visit.outcome != VisitOutcome.PLANNED:
        return
    _carry_forward(
        visit, VisitOutcome.DONE if completed else VisitOutcome.INCOMPLETE, actor=actor, now=now
    )


def visit_after_cancel(*, work_order: WorkOrder, now) -> None:
    """A person cancelled a visit's work order: the visit is cancelled, not carried (the
    dispatcher decided it is not owed). The missed sweep marks its own visits first."""
    MaintenanceVisit.objects.filter(
        work_order_id=work_order.pk, outcome=VisitOutcome.PLANNED
    ).update(outcome=VisitOutcome.CANCELLED, outcome_at=now)


def pm_sweep_missed(*, now: dt.datetime | None = None, plan: MaintenancePlan | None = None) -> int:
    """Mark as missed the planned visits that never started when the plan's next visit came
    due: cancel their work orders and carry their work forward. Returns how many."""
    from .services import workorder_cancel

    now = now or timezone.now()
    # A loose date bound (zones differ by less than a day); the exact test is per plan.
    horizon = now.date() + dt.timedelta(days=1)
    candidates = MaintenanceVisit.objects.filter(
        outcome=VisitOutcome.PLANNED,
        due_date__lt=horizon,
        work_order__status__in=NOT_STARTED,
    )
    if plan is not None:
        candidates = candidates.filter(plan=plan)
    missed = 0
    for visit_id in list(candidates.values_list("pk", flat=True)):
        with transaction.atomic():
            visit = (
                MaintenanceVisit.objects.select_for_update(of=("self",))
                .select_related("plan__location", "plan__account", "work_order")
                .get(pk=visit_id)
            )
            if visit.outcome != VisitOutcome.PLANNED or visit.work_order.status not in NOT_STARTED:
                continue
            today = local_today(visit.plan.location, now)
            following = (
                MaintenanceVisit.objects.filter(plan_id=visit.plan_id, due_date__gt=visit.due_date)
                .order_by("due_date")
                .values_list("due_date", flat=True)
                .first()
            )
            if following is None or following > today:
                continue
            target = _carry_forward(visit, VisitOutcome.MISSED, actor=None, now=now)
            to = f" to the visit due {target.due_date}" if target else ""
            workorder_cancel(
                work_order=visit.work_order,
                reason=f"Missed maintenance visit due {visit.due_date}; carried forward{to}.",
                actor=None,
                now=now,
            )
            missed += 1
    return missed


def overdue_visits(queryset=None, *, today: dt.date | None = None):
    """Planned visits past their due date whose work order is still open (the date is the
    business's today; the page shows each in its location's zone)."""
    today = today or timezone.localdate()
    queryset = queryset if queryset is not None else MaintenanceVisit.objects.all()
    return queryset.filter(
        outcome=VisitOutcome.PLANNED, due_date__lt=today, work_order__status__in=OPEN_STATUSES
    )
