"""Every write to work orders: create, change details, the lifecycle moves (schedule,
unschedule, dispatch, on my way, arrive, complete, incomplete, close, cancel), checklist
answers, tasks, parts and labour, and after-visit follow-ups.

Each lifecycle service locks the work-order row (select_for_update of self; SQLite's
immediate transactions serialise writers), checks the move against choices.TRANSITIONS,
runs the guards other apps registered (hooks.py), writes the row, its timeline event and its
audit row in one transaction, then tells the listeners. A move the status does not allow
raises InvalidTransition (HTTP 409) and changes nothing.

`actor=None` is the system (the maintenance generator, a periodic sweep); every other actor
must hold the capability the service names. The scheduling app calls these services with
its own users as actors: a technician completing a job from the phone view holds
`workorders.complete`, and the scheduling app's guard checks that the job is theirs.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from servicebook.cases.choices import AnswerKind, ConsentSubject
from servicebook.cases.models import Case
from servicebook.cases.selectors import consent_in_force
from servicebook.core.audit import audit_created, audit_record, snapshot
from servicebook.core.errors import InvalidTransition, ValidationFailed
from servicebook.core.money import to_money
from servicebook.core.permissions import has_capability, require_capability
from servicebook.core.sequences import sequence_reserve
from servicebook.core.validation import clean_or_fail
from servicebook.customers.choices import AccountStatus
from servicebook.customers.models import Account, ServiceLocation
from servicebook.users.roles import Cap

from . import hooks
from .choices import (
    ACTION_EVENTS,
    EDITABLE_STATUSES,
    OPEN_STATUSES,
    TERMINAL_STATUSES,
    TRANSITIONS,
    EventKind,
    FollowUpStatus,
    IncompleteReason,
    LineKind,
    Priority,
    WorkOrderStatus,
    WorkOrderType,
)
from .models import (
    CompletionCode,
    FollowUp,
    Skill,
    WorkChecklist,
    WorkChecklistAnswer,
    WorkChecklistItem,
    WorkOrder,
    WorkOrderEvent,
    WorkOrderLine,
    WorkOrderTask,
)

WORK_ORDER_NUMBER_SEQUENCE = "workorder_number"
QUANTITY = Decimal("0.01")
MAX_QUANTITY = Decimal("99999999.99")
MAX_UNIT_PRICE = Decimal("9999999999.99")
_UNSET = object()

# How each refused action reads: "A completed work order cannot be dispatched."
ACTION_VERBS = {
    "schedule": "scheduled",
    "unschedule": "unscheduled",
    "dispatch": "dispatched",
    "travel": "put on the way",
    "arrive": "marked arrived",
    "complete": "completed",
    "incomplete": "marked incomplete",
    "close": "closed",
    "cancel": "cancelled",
}
# The capability each lifecycle action needs.
ACTION_CAPABILITIES = {
    "schedule": Cap.WORKORDERS_DISPATCH,
    "unschedule": Cap.WORKORDERS_DISPATCH,
    "dispatch": Cap.WORKORDERS_DISPATCH,
    "travel": Cap.WORKORDERS_COMPLETE,
    "arrive": Cap.WORKORDERS_COMPLETE,
    "complete": Cap.WORKORDERS_COMPLETE,
    "incomplete": Cap.WORKORDERS_COMPLETE,
    "close": Cap.WORKORDERS_EDIT,
    "cancel": Cap.WORKORDERS_EDIT,
}


def work_order_number_for(value: int) -> str:
    return f"W{value:07d}"


# --- Plumbing ---------------------------------------------------------------------------------


def _require(actor, capability: str) -> None:
    """The actor holds the capability; None is the system and may do what it is asked."""
    if actor is not None:
        require_capability(actor, capability)


def _require_any(actor, *capabilities: str) -> None:
    if actor is None or any(has_capability(actor, c) for c in capabilities):
        return
    require_capability(actor, capabilities[0])  # raises with the first one's name


def _user(actor):
    return actor if getattr(actor, "pk", None) else None


def _locked(work_order: WorkOrder) -> WorkOrder:
    """The work order as it is now, locked for the rest of the transaction.

    `of=("self",)`: only the work-order row needs the lock; PostgreSQL would refuse to lock
    the nullable side of a join anyway.
    """
    return (
        WorkOrder.objects.select_for_update(of=("self",))
        .select_related("account", "location")
        .get(pk=work_order.pk)
    )


def _event(work_order: WorkOrder, kind: str, actor, at: dt.datetime, **fields) -> WorkOrderEvent:
    return WorkOrderEvent.objects.create(
        work_order=work_order, kind=kind, actor=_user(actor), at=at, **fields
    )


def _save(work_order: WorkOrder, before: dict, actor, action: str, message: str = "") -> None:
    """Save the fields that changed and audit them, in the caller's transaction."""
    after = snapshot(work_order)
    changed = [k for k, v in after.items() if before.get(k) != v and k != "updated_at"]
    if changed:
        work_order.save(update_fields=[*changed, "updated_at"])
    audit_record(
        actor=actor,
        action=action,
        obj=work_order,
        changes={k: [before.get(k), after[k]] for k in changed},
        message=message[:500],
    )


def _check_move(work_order: WorkOrder, action: str) -> str:
    """The status the action leads to, or InvalidTransition when the current one forbids it."""
    allowed_from, to_status = TRANSITIONS[action]
    if work_order.status not in allowed_from:
        raise InvalidTransition(
            f"A {work_order.get_status_display().lower()} work order cannot be "
            f"{ACTION_VERBS[action]}."
        )
    return to_status


def _aware(value, field: str) -> dt.datetime | None:
    if value is None:
        return None
    if not isinstance(value, dt.datetime) or timezone.is_naive(value):
        raise ValidationFailed({field: ["Give a date and time with its time zone."]})
    return value


def _window(start, end, *, start_field: str, end_field: str) -> tuple:
    start, end = _aware(start, start_field), _aware(end, end_field)
    if (start is None) != (end is None):
        missing = end_field if end is None else start_field
        raise ValidationFailed({missing: ["Give both ends of the window, or neither."]})
    if start is not None and end <= start:
        raise ValidationFailed({end_field: ["The window must end after it starts."]})
    return start, end


def _move(
    work_order: WorkOrder,
    action: str,
    *,
    actor,
    now: dt.datetime,
    before: dict,
    from_status: str,
    reason: str = "",
    data: dict | None = None,
    details: dict | None = None,
) -> WorkOrder:
    """Record a lifecycle move already applied to the row: the event, the saved fields and
    their audit row, then the listeners (same transaction)."""
    _event(
        work_order,
        ACTION_EVENTS[action],
        actor,
        now,
        from_status=from_status,
        to_status=work_order.status,
        reason=(reason or "")[:500],
        data=data or {},
    )
    _save(work_order, before, actor, action, message=reason)
    hooks.run_listeners(
        action=action,
        work_order=work_order,
        from_status=from_status,
        to_status=work_order.status,
        actor=actor,
        **(details or {}),
    )
    return work_order


def _lifecycle_start(work_order: WorkOrder, action: str, actor, **details) -> tuple:
    """Capability, lock, lifecycle check and guards: everything before the first change.
    Returns (locked work order, its snapshot, the status it leads to)."""
    _require(actor, ACTION_CAPABILITIES[action])
    locked = _locked(work_order)
    to_status = _check_move(locked, action)
    hooks.run_guards(action=action, work_order=locked, actor=actor, **details)
    return locked, snapshot(locked), to_status


# --- Create and change --------------------------------------------------------------------------


def _default_location(account: Account, case: Case | None) -> ServiceLocation | None:
    if case is not None and case.location_id:
        return case.location
    return account.locations.order_by("-is_primary", "id").first()


def _skills(skills: Iterable[Skill] | None) -> list[Skill]:
    result = list(skills or [])
    inactive = [s.name for s in result if not s.active]
    if inactive:
        raise ValidationFailed({"skills": [f"No longer in use: {', '.join(inactive)}."]})
    return result


def _create(
    *,
    account: Account,
    location: ServiceLocation,
    work_type: str,
    priority: str,
    summary: str,
    description: str,
    skills: Sequence[Skill],
    estimated_minutes: int,
    window_start: dt.datetime | None,
    window_end: dt.datetime | None,
    case: Case | None,
    follow_up_of: WorkOrder | None,
    tasks: Sequence[tuple[str, WorkOrderTask | None]],
    actor,
    now: dt.datetime,
    message: str = "",
) -> WorkOrder:
    """Write a new work order, its tasks, its created event and audit row. No capability
    check: callers (the create service, the maintenance generator, an incomplete visit's
    return visit) have done theirs."""
    work_order = WorkOrder(
        account=account,
        location=location,
        case=case,
        work_type=work_type,
        priority=priority,
        summary=summary,
        description=description,
        estimated_minutes=estimated_minutes,
        window_start=window_start,
        window_end=window_end,
        follow_up_of=follow_up_of,
        created_by=_user(actor),
        created_at=now,
    )
    clean_or_fail(
        work_order,
        exclude=["number", "account", "location", "case", "follow_up_of", "created_by"],
    )
    work_order.number = work_order_number_for(sequence_reserve(WORK_ORDER_NUMBER_SEQUENCE))
    work_order.save()
    if skills:
        work_order.required_skills.set(skills)
    WorkOrderTask.objects.bulk_create(
        WorkOrderTask(
            work_order=work_order, position=i, description=text[:300], carried_from=source
        )
        for i, (text, source) in enumerate(tasks, start=1)
    )
    _event(
        work_order,
        EventKind.CREATED,
        actor,
        now,
        to_status=work_order.status,
        data={
            "case": case.number if case else None,
            "follow_up_of": follow_up_of.number if follow_up_of else None,
        },
    )
    audit_created(actor=actor, obj=work_order, message=message)
    if skills:
        audit_record(
            actor=actor,
            action="skills",
            obj=work_order,
            changes={"required_skills": [[], sorted(s.code for s in skills)]},
        )
    return work_order


@transaction.atomic
def workorder_create(
    *,
    account: Account,
    work_type: str,
    summary: str = "",
    description: str = "",
    priority: str | None = None,
    location: ServiceLocation | None = None,
    case: Case | None = None,
    skills: Iterable[Skill] | None = None,
    estimated_minutes: int = 60,
    window_start: dt.datetime | None = None,
    window_end: dt.datetime | None = None,
    tasks: Sequence[str] = (),
    actor,
    now: dt.datetime | None = None,
) -> WorkOrder:
    """Open a work order on an account, from a call or from a case.

    The location defaults to the case's, then the account's primary one; the summary to the
    case's subject; the priority to urgent for an emergency and normal otherwise. A closed
    account takes no new work. The window is when the customer expects the technician to
    arrive: both ends or neither, ending after it starts and not already over.
    """
    _require(actor, Cap.WORKORDERS_CREATE)
    now = now or timezone.now()
    errors: dict[str, list[str]] = {}
    if work_type not in WorkOrderType.values:
        raise ValidationFailed({"work_type": [f"Unknown work-order type “{work_type}”."]})
    if priority is None:
        priority = Priority.URGENT if work_type == WorkOrderType.EMERGENCY else Priority.NORMAL
    if priority not in Priority.values:
        errors["priority"] = [f"Unknown priority “{priority}”."]
    if account.status == AccountStatus.CLOSED:
        errors["account"] = ["A closed account takes no new work orders."]
    if case is not None and case.account_id != account.pk:
        errors["case"] = ["That case belongs to another account."]
    location = location or _default_location(account, case if "case" not in errors else None)
    if location is None:
        errors["location"] = ["The account has no service location: add one first."]
    elif location.account_id != account.pk:
        errors["location"] = ["That location belongs to another account."]
    summary = (summary or "").strip() or (case.subject if case is not None else "")
    if not summary:
        errors["summary"] = ["Say in a few words what the work is."]
    if errors:
        raise ValidationFailed(errors)
    window_start, window_end = _window(
        window_start, window_end, start_field="window_start", end_field="window_end"
    )
    if window_end is not None and window_end <= now:
        raise ValidationFailed({"window_end": ["That window is already over."]})
    return _create(
        account=account,
        location=location,
        work_type=work_type,
        priority=priority,
        summary=summary,
        description=(description or "").strip(),
        skills=_skills(skills),
        estimated_minutes=estimated_minutes,
        window_start=window_start,
        window_end=window_end,
        case=case,
        follow_up_of=None,
        tasks=[(t.strip(), None) for t in tasks if t and t.strip()],
        actor=actor,
        now=now,
    )


@transaction.atomic
def workorder_update(
    *,
    work_order: WorkOrder,
    actor,
    summary: str | None = None,
    description: str | None = None,
    priority: str | None = None,
    skills: Iterable[Skill] | None = None,
    estimated_minutes: int | None = None,
    window_start=_UNSET,
    window_end=_UNSET,
    location: ServiceLocation | None = None,
    reason: str = "",
    now: dt.datetime | None = None,
) -> WorkOrder:
    """Change what the work is and when the customer expects it, until someone is on the way
    (new, scheduled or dispatched). A scheduled arrival must stay inside a changed window:
    reschedule first."""
    _require(actor, Cap.WORKORDERS_EDIT)
    now = now or timezone.now()
    work_order = _locked(work_order)
    if work_order.status not in EDITABLE_STATUSES:
        raise InvalidTransition(
            f"A {work_order.get_status_display().lower()} work order can no longer be changed."
        )
    before = snapshot(work_order)
    if summary is not None:
        work_order.summary = summary.strip()
        if not work_order.summary:
            raise ValidationFailed({"summary": ["Say in a few words what the work is."]})
    if description is not None:
        work_order.description = description.strip()
    if priority is not None:
        if priority not in Priority.values:
            raise ValidationFailed({"priority": [f"Unknown priority “{priority}”."]})
        work_order.priority = priority
    if estimated_minutes is not None:
        work_order.estimated_minutes = estimated_minutes
    if location is not None:
        if location.account_id != work_order.account_id:
            raise ValidationFailed({"location": ["That location belongs to another account."]})
        work_order.location = location
    if window_start is not _UNSET or window_end is not _UNSET:
        start = work_order.window_start if window_start is _UNSET else window_start
        end = work_order.window_end if window_end is _UNSET else window_end
        start, end = _window(start, end, start_field="window_start", end_field="window_end")
        if (start, end) != (work_order.window_start, work_order.window_end):
            if end is not None and end <= now:
                raise ValidationFailed({"window_end": ["That window is already over."]})
            if work_order.planned_start and start and not start <= work_order.planned_start <= end:
                raise ValidationFailed(
                    {"window_start": ["The planned arrival is outside that window: reschedule."]}
                )
        work_order.window_start, work_order.window_end = start, end
    clean_or_fail(
        work_order,
        exclude=["number", "account", "location", "case", "follow_up_of", "created_by"],
    )
    changes = {k: [before[k], v] for k, v in snapshot(work_order).items() if before[k] != v}
    if skills is not None:
        new_skills = _skills(skills)
        old_codes = sorted(work_order.required_skills.values_list("code", flat=True))
        new_codes = sorted(s.code for s in new_skills)
        if old_codes != new_codes:
            work_order.required_skills.set(new_skills)
            changes["required_skills"] = [old_codes, new_codes]
            audit_record(
                actor=actor,
                action="skills",
                obj=work_order,
                changes={"required_skills": [old_codes, new_codes]},
            )
    if not changes:
        return work_order
    _event(
        work_order,
        EventKind.UPDATED,
        actor,
        now,
        reason=(reason or "")[:500],
        data={"fields": sorted(k for k in changes if k != "updated_at")},
    )
    _save(work_order, before, actor, "update", message=reason)
    return work_order


# --- The lifecycle ------------------------------------------------------------------------------


@transaction.atomic
def workorder_schedule(
    *,
    work_order: WorkOrder,
    planned_start: dt.datetime,
    planned_end: dt.datetime,
    actor,
    technician_id: int | None = None,
    technician_label: str = "",
    allow_outside_window: bool = False,
    now: dt.datetime | None = None,
) -> WorkOrder:
    """Plan the visit: the arrival and departure the scheduling app booked.

    Called by the scheduling app with its appointment (which names the technician; the id
    and name are passed along for the timeline and the hooks, and not stored here). From
    new, or again from scheduled or dispatched to move it (a moved dispatched job goes back
    to scheduled and must be dispatched again). The arrival must fall inside the customer's
    window unless the dispatcher overrides it (allow_outside_window, recorded).
    """
    now = now or timezone.now()
    planned_start, planned_end = _window(
        planned_start, planned_end, start_field="planned_start", end_field="planned_end"
    )
    if planned_start is None:
        raise ValidationFailed({"planned_start": ["Give the planned arrival and departure."]})
    details = {
        "planned_start": planned_start,
        "planned_end": planned_end,
        "technician_id": technician_id,
        "technician_label": technician_label,
    }
    work_order, before, to_status = _lifecycle_start(work_order, "schedule", actor, **details)
    outside = bool(
        work_order.window_start
        and not work_order.window_start <= planned_start <= work_order.window_end
    )
    if outside and not allow_outside_window:
        raise ValidationFailed(
            {"planned_start": ["The planned arrival is outside the customer's window."]}
        )
    from_status = work_order.status
    work_order.status = to_status
    work_order.planned_start, work_order.planned_end = planned_start, planned_end
    work_order.dispatched_at = None
    return _move(
        work_order,
        "schedule",
        actor=actor,
        now=now,
        before=before,
        from_status=from_status,
        reason="arrival outside the customer's window" if outside else "",
        data={
            "planned_start": planned_start.isoformat(),
            "planned_end": planned_end.isoformat(),
            "technician_id": technician_id,
            "technician": technician_label,
            "outside_window": outside,
        },
        details=details,
    )


@transaction.atomic
def workorder_unschedule(
    *, work_order: WorkOrder, actor, reason: str = "", now: dt.datetime | None = None
) -> WorkOrder:
    """Take the visit off the plan (back to new): the scheduling app released its
    appointment."""
    now = now or timezone.now()
    work_order, before, to_status = _lifecycle_start(work_order, "unschedule", actor, reason=reason)
    from_status = work_order.status
    work_order.status = to_status
    work_order.planned_start = work_order.planned_end = None
    work_order.dispatched_at = None
    return _move(
        work_order,
        "unschedule",
        actor=actor,
        now=now,
        before=before,
        from_status=from_status,
        reason=reason,
        details={"reason": reason},
    )


@transaction.atomic
def workorder_dispatch(
    *, work_order: WorkOrder, actor, note: str = "", now: dt.datetime | None = None
) -> WorkOrder:
    """Send the scheduled visit to its technician. A carrier dispatch needs the customer's
    consent in force on the account (cases.selectors.consent_in_force): without it the move
    is refused with 409 and code `consent_required`."""
    now = now or timezone.now()
    work_order, before, to_status = _lifecycle_start(work_order, "dispatch", actor)
    consent = None
    if work_order.work_type == WorkOrderType.CARRIER_DISPATCH:
        consent = consent_in_force(
            account_id=work_order.account_id, subject=ConsentSubject.CARRIER_DISPATCH
        )
        if consent is None:
            raise InvalidTransition(
                "A carrier dispatch needs the customer's consent on record: record it on "
                "the case or the account first.",
                code="consent_required",
            )
    from_status = work_order.status
    work_order.status = to_status
    work_order.dispatched_at = now
    return _move(
        work_order,
        "dispatch",
        actor=actor,
        now=now,
        before=before,
        from_status=from_status,
        reason=note,
        data={"consent": consent.pk} if consent else {},
    )


@transaction.atomic
def workorder_start_travel(
    *, work_order: WorkOrder, actor, note: str = "", now: dt.datetime | None = None
) -> WorkOrder:
    """The technician is on the way ("on my way")."""
    now = now or timezone.now()
    work_order, before, to_status = _lifecycle_start(work_order, "travel", actor)
    from_status = work_order.status
    work_order.status = to_status
    work_order.en_route_at = now
    return _move(
        work_order,
        "travel",
        actor=actor,
        now=now,
        before=before,
        from_status=from_status,
        reason=note,
    )


@transaction.atomic
def workorder_arrive(
    *, work_order: WorkOrder, actor, note: str = "", now: dt.datetime | None = None
) -> WorkOrder:
    """The technician is on site."""
    now = now or timezone.now()
    work_order, before, to_status = _lifecycle_start(work_order, "arrive", actor)
    from_status = work_order.status
    work_order.status = to_status
    work_order.arrived_at = now
    return _move(
        work_order,
        "arrive",
        actor=actor,
        now=now,
        before=before,
        from_status=from_status,
        reason=note,
    )


def checklist_missing(work_order: WorkOrder) -> list[WorkChecklistItem]:
    """The required checklist questions of the work order's type not answered yet."""
    required = WorkChecklistItem.objects.filter(
        checklist__in=WorkChecklist.objects.for_type(work_order.work_type), required=True
    )
    answered = set(work_order.checklist_answers.values_list("item_id", flat=True))
    return [item for item in required if item.pk not in answered]


@transaction.atomic
def workorder_complete(
    *,
    work_order: WorkOrder,
    notes: str,
    completion_code: CompletionCode | None,
    signer_name: str,
    actor,
    now: dt.datetime | None = None,
) -> WorkOrder:
    """Finish the visit on site: what was done (notes), how it ended (a resolution code
    that fits the type) and who signed for it; the type's required checklist answered.

    Creates the after-visit follow-up call (due WORKORDER_FOLLOW_UP_HOURS later; 0 turns it
    off). A maintenance visit is done; tasks left undone carry forward to the plan's next
    visit.
    """
    now = now or timezone.now()
    work_order, before, to_status = _lifecycle_start(
        work_order, "complete", actor, completion_code=completion_code, signer_name=signer_name
    )
    errors: dict[str, list[str]] = {}
    notes = (notes or "").strip()
    signer_name = (signer_name or "").strip()
    if not notes:
        errors["notes"] = ["Write what was done."]
    if completion_code is None:
        errors["completion_code"] = ["Choose how the visit ended."]
    elif not completion_code.fits(work_order.work_type):
        errors["completion_code"] = [f"“{completion_code.label}” does not fit this work order."]
    if not signer_name:
        errors["signer_name"] = ["Name the person who signed for the work."]
    elif len(signer_name) > 200:
        errors["signer_name"] = ["Keep the name under 200 characters."]
    missing = checklist_missing(work_order)
    if missing:
        errors["checklist"] = [
            f"Answer the checklist first: {', '.join(i.prompt for i in missing[:3])}"
        ]
    if errors:
        raise ValidationFailed(errors)
    from_status = work_order.status
    work_order.status = to_status
    work_order.completion_notes = notes
    work_order.completion_code = completion_code
    work_order.signer_name = signer_name
    work_order.completed_at = now
    clean_or_fail(
        work_order,
        exclude=["number", "account", "location", "case", "follow_up_of", "created_by"],
    )
    follow_up = None
    hours = settings.WORKORDER_FOLLOW_UP_HOURS
    if hours > 0:
        follow_up, _ = FollowUp.objects.get_or_create(
            work_order=work_order,
            kind="after_visit_call",
            defaults={"due_at": now + dt.timedelta(hours=hours), "created_at": now},
        )
    _move(
        work_order,
        "complete",
        actor=actor,
        now=now,
        before=before,
        from_status=from_status,
        reason=notes,
        data={
            "code": completion_code.code,
            "signer": signer_name,
            "follow_up": follow_up.pk if follow_up else None,
        },
        details={"completion_code": completion_code, "signer_name": signer_name},
    )
    from .maintenance import visit_after_field_end

    visit_after_field_end(work_order=work_order, completed=True, actor=actor, now=now)
    return work_order


@transaction.atomic
def workorder_incomplete(
    *,
    work_order: WorkOrder,
    reason: str,
    notes: str = "",
    actor,
    now: dt.datetime | None = None,
) -> WorkOrder:
    """The visit ended without finishing the work: a reason (and notes for "other").

    What was not done is not lost: a maintenance visit carries its undone tasks to the
    plan's next visit; any other work order gets a return visit (a new work order in
    `new`, linked by follow_up_of, with the same account, location, case, type, priority,
    skills and duration, and the undone tasks) for the dispatcher to book.
    """
    now = now or timezone.now()
    work_order, before, to_status = _lifecycle_start(work_order, "incomplete", actor, reason=reason)
    notes = (notes or "").strip()
    if reason not in IncompleteReason.values:
        raise ValidationFailed({"reason": ["Choose why the work could not be finished."]})
    if reason == IncompleteReason.OTHER and not notes:
        raise ValidationFailed({"notes": ["Say what stopped the work."]})
    from_status = work_order.status
    work_order.status = to_status
    work_order.incomplete_reason = reason
    work_order.incomplete_notes = notes
    clean_or_fail(
        work_order,
        exclude=["number", "account", "location", "case", "follow_up_of", "created_by"],
    )
    from .maintenance import visit_after_field_end, visit_for

    return_visit = None
    if visit_for(work_order) is None:
        undone = list(work_order.tasks.filter(done=False))
        label = IncompleteReason(reason).label
        return_visit = _create(
            account=work_order.account,
            location=work_order.location,
            work_type=work_order.work_type,
            priority=work_order.priority,
            summary=f"Return visit: {work_order.summary}"[:200],
            description="\n\n".join(
                p
                for p in [
                    f"Return visit for {work_order.number} ({label.lower()}).",
                    notes,
                    work_order.description,
                ]
                if p
            ),
            skills=list(work_order.required_skills.all()),
            estimated_minutes=work_order.estimated_minutes,
            window_start=None,
            window_end=None,
            case=work_order.case,
            follow_up_of=work_order,
            tasks=[(t.description, t) for t in undone],
            actor=actor,
            now=now,
            message=f"return visit for {work_order.number}",
        )
    label = IncompleteReason(reason).label
    _move(
        work_order,
        "incomplete",
        actor=actor,
        now=now,
        before=before,
        from_status=from_status,
        reason=f"{label}: {notes}" if notes else label,
        data={
            "reason": reason,
            "return_visit": return_visit.number if return_visit else None,
        },
        details={"reason": reason, "return_visit": return_visit},
    )
    visit_after_field_end(work_order=work_order, completed=False, actor=actor, now=now)
    return work_order


@transaction.atomic
def workorder_close(
    *, work_order: WorkOrder, actor, reason: str = "", now: dt.datetime | None = None
) -> WorkOrder:
    """Close a completed or incomplete work order after review (nothing changes after)."""
    now = now or timezone.now()
    work_order, before, to_status = _lifecycle_start(work_order, "close", actor, reason=reason)
    from_status = work_order.status
    work_order.status = to_status
    work_order.closed_at = now
    return _move(
        work_order,
        "close",
        actor=actor,
        now=now,
        before=before,
        from_status=from_status,
        reason=reason,
        details={"reason": reason},
    )


@transaction.atomic
def workorder_cancel(
    *, work_order: WorkOrder, reason: str, actor, now: dt.datetime | None = None
) -> WorkOrder:
    """Cancel work that has not started on site, with the reason. The listeners (the
    scheduling app) release its appointment in the same transaction."""
    now = now or timezone.now()
    reason = (reason or "").strip()
    work_order, before, to_status = _lifecycle_start(work_order, "cancel", actor, reason=reason)
    if not reason:
        raise ValidationFailed({"reason": ["Say why the work order is cancelled."]})
    from_status = work_order.status
    work_order.status = to_status
    work_order.cancelled_at = now
    work_order.cancel_reason = reason[:500]
    _move(
        work_order,
        "cancel",
        actor=actor,
        now=now,
        before=before,
        from_status=from_status,
        reason=reason,
        details={"reason": reason},
    )
    from .maintenance import visit_after_cancel

    visit_after_cancel(work_order=work_order, now=now)
    return work_order


# --- On the order: checklist, tasks, parts and labour ------------------------------------------


def _require_open(work_order: WorkOrder, what: str) -> None:
    if work_order.status not in OPEN_STATUSES:
        raise InvalidTransition(
            f"A {work_order.get_status_display().lower()} work order takes no more {what}."
        )


def _clean_answer(item: WorkChecklistItem, answer: str) -> str:
    text = (answer or "").strip()
    if not text:
        raise ValidationFailed({"answer": ["Enter an answer."]})
    if len(text) > 500:
        raise ValidationFailed({"answer": ["Keep the answer under 500 characters."]})
    if item.answer_kind == AnswerKind.YES_NO:
        if text.lower() not in {"yes", "no"}:
            raise ValidationFailed({"answer": ["Answer yes or no."]})
        return text.lower()
    if item.answer_kind == AnswerKind.CHOICE and text not in (item.choices or []):
        raise ValidationFailed({"answer": [f"Choose one of: {', '.join(item.choices)}."]})
    if item.answer_kind == AnswerKind.NUMBER:
        try:
            number = float(text)
        except ValueError as exc:
            raise ValidationFailed({"answer": ["Enter a number."]}) from exc
        if not math.isfinite(number):  # "nan" and "inf" are no reading a technician took
            raise ValidationFailed({"answer": ["Enter a number."]})
    return text


@transaction.atomic
def workorder_checklist_answer(
    *,
    work_order: WorkOrder,
    item: WorkChecklistItem,
    answer: str,
    actor,
    now: dt.datetime | None = None,
) -> WorkChecklistAnswer:
    """Record (or change) the answer to one checklist question while the work is open."""
    _require_any(actor, Cap.WORKORDERS_COMPLETE, Cap.WORKORDERS_EDIT)
    now = now or timezone.now()
    work_order = _locked(work_order)
    _require_open(work_order, "checklist answers")
    if (
        not WorkChecklist.objects.for_type(work_order.work_type)
        .filter(pk=item.checklist_id)
        .exists()
    ):
        raise ValidationFailed({"item": ["That question does not apply to this work order."]})
    text = _clean_answer(item, answer)
    row, _ = WorkChecklistAnswer.objects.update_or_create(
        work_order=work_order,
        item=item,
        defaults={"answer": text, "answered_by": _user(actor), "answered_at": now},
    )
    _event(work_order, EventKind.CHECKLIST, actor, now, data={"item": item.prompt, "answer": text})
    audit_record(
        actor=actor, action="checklist", obj=work_order, changes={item.prompt: [None, text]}
    )
    return row


@transaction.atomic
def workorder_task_add(
    *, work_order: WorkOrder, description: str, actor, now: dt.datetime | None = None
) -> WorkOrderTask:
    """Add something to do on the visit."""
    _require_any(actor, Cap.WORKORDERS_EDIT, Cap.WORKORDERS_COMPLETE)
    now = now or timezone.now()
    work_order = _locked(work_order)
    _require_open(work_order, "tasks")
    text = (description or "").strip()
    if not text:
        raise ValidationFailed({"description": ["Say what is to be done."]})
    if len(text) > 300:
        raise ValidationFailed({"description": ["Keep it under 300 characters."]})
    last = work_order.tasks.order_by("-position").values_list("position", flat=True).first()
    task = WorkOrderTask.objects.create(
        work_order=work_order, position=(last or 0) + 1, description=text
    )
    _event(work_order, EventKind.TASK, actor, now, data={"task": text, "added": True})
    audit_created(actor=actor, obj=task)
    return task


@transaction.atomic
def workorder_task_set_done(
    *, task: WorkOrderTask, done: bool, actor, now: dt.datetime | None = None
) -> WorkOrderTask:
    """Tick (or untick) a task while the work is open."""
    _require_any(actor, Cap.WORKORDERS_COMPLETE, Cap.WORKORDERS_EDIT)
    now = now or timezone.now()
    work_order = _locked(task.work_order)
    _require_open(work_order, "task changes")
    task = WorkOrderTask.objects.select_for_update(of=("self",)).get(pk=task.pk)
    if task.done == bool(done):
        return task
    before = snapshot(task, ["done", "done_at", "done_by"])
    task.done = bool(done)
    task.done_at = now if done else None
    task.done_by = _user(actor) if done else None
    task.save(update_fields=["done", "done_at", "done_by"])
    _event(work_order, EventKind.TASK, actor, now, data={"task": task.description, "done": done})
    audit_record(
        actor=actor,
        action="task",
        obj=work_order,
        changes={task.description: [before["done"], task.done]},
    )
    return task


def _decimal(value, field: str, *, places: Decimal, maximum: Decimal, positive: bool) -> Decimal:
    if isinstance(value, float):
        raise ValidationFailed({field: ["Give an exact number (no floating point)."]})
    try:
        number = Decimal(str(value).strip()) if not isinstance(value, Decimal) else value
    except (InvalidOperation, ValueError) as exc:
        raise ValidationFailed({field: ["Enter a number."]}) from exc
    if not number.is_finite():
        raise ValidationFailed({field: ["Enter a number."]})
    number = to_money(number) if places == Decimal("0.01") else number.quantize(places)
    if number < 0 or (positive and number == 0):
        message = "Must be more than zero." if positive else "Must not be negative."
        raise ValidationFailed({field: [message]})
    if number > maximum:
        raise ValidationFailed({field: ["That is more than a work order can carry."]})
    return number


@transaction.atomic
def workorder_line_add(
    *,
    work_order: WorkOrder,
    kind: str,
    description: str,
    quantity,
    unit: str,
    unit_price,
    actor,
    now: dt.datetime | None = None,
) -> WorkOrderLine:
    """Record a part or labour used. Quantity and unit price are exact decimals (money
    rounds half-up to the cent); the line's amount is quantity x unit price, rounded once.
    Allowed until the work order is closed or cancelled, so the office can correct a
    completed order before it is billed."""
    _require_any(actor, Cap.WORKORDERS_COMPLETE, Cap.WORKORDERS_EDIT)
    now = now or timezone.now()
    work_order = _locked(work_order)
    if work_order.status in TERMINAL_STATUSES:
        raise InvalidTransition(
            f"A {work_order.get_status_display().lower()} work order takes no more lines."
        )
    errors: dict[str, list[str]] = {}
    if kind not in LineKind.values:
        errors["kind"] = ["Choose part or labour."]
    description = (description or "").strip()
    unit = (unit or "").strip()
    if not description:
        errors["description"] = ["Say what was used."]
    elif len(description) > 200:
        errors["description"] = ["Keep it under 200 characters."]
    if not unit:
        errors["unit"] = ["Give the unit (h, ea, ft...)."]
    elif len(unit) > 20:
        errors["unit"] = ["Keep the unit under 20 characters."]
    if errors:
        raise ValidationFailed(errors)
    qty = _decimal(quantity, "quantity", places=QUANTITY, maximum=MAX_QUANTITY, positive=True)
    price = _decimal(
        unit_price, "unit_price", places=Decimal("0.01"), maximum=MAX_UNIT_PRICE, positive=False
    )
    line = WorkOrderLine.objects.create(
        work_order=work_order,
        kind=kind,
        description=description,
        quantity=qty,
        unit=unit,
        unit_price=price,
        amount=to_money(qty * price),
        added_by=_user(actor),
        added_at=now,
    )
    _event(
        work_order,
        EventKind.LINE_ADDED,
        actor,
        now,
        data={"line": line.pk, "text": str(line), "amount": str(line.amount)},
    )
    audit_created(actor=actor, obj=line)
    return line


@transaction.atomic
def workorder_line_remove(*, line: WorkOrderLine, actor, now: dt.datetime | None = None) -> None:
    """Remove a line entered by mistake (until the work order is closed or cancelled)."""
    _require_any(actor, Cap.WORKORDERS_COMPLETE, Cap.WORKORDERS_EDIT)
    now = now or timezone.now()
    work_order = _locked(line.work_order)
    if work_order.status in TERMINAL_STATUSES:
        raise InvalidTransition(
            f"A {work_order.get_status_display().lower()} work order's lines cannot change."
        )
    audit_record(actor=actor, action="delete", obj=line, changes=snapshot(line), message=str(line))
    _event(
        work_order,
        EventKind.LINE_REMOVED,
        actor,
        now,
        data={"line": line.pk, "text": str(line), "amount": str(line.amount)},
    )
    WorkOrderLine.objects.filter(pk=line.pk).delete()


# --- After-visit follow-ups ------------------------------------------------------------------


@transaction.atomic
def followup_complete(
    *, follow_up: FollowUp, outcome: str, actor, now: dt.datetime | None = None
) -> FollowUp:
    """Record the after-visit call: what the customer said. Done once (409 after)."""
    _require(actor, Cap.WORKORDERS_EDIT)
    now = now or timezone.now()
    outcome = (outcome or "").strip()
    if not outcome:
        raise ValidationFailed({"outcome": ["Write what the customer said."]})
    # Compare-and-set: two coordinators calling back at once record one outcome.
    updated = FollowUp.objects.filter(pk=follow_up.pk, status=FollowUpStatus.OPEN).update(
        status=FollowUpStatus.DONE, outcome=outcome[:10_000], done_at=now, done_by=_user(actor)
    )
    if not updated:
        raise InvalidTransition("This follow-up was already done.")
    follow_up.refresh_from_db()
    audit_record(
        actor=actor,
        action="follow_up",
        obj=follow_up,
        changes={"status": [FollowUpStatus.OPEN, FollowUpStatus.DONE]},
        message=outcome,
    )
    return follow_up


__all__ = [
    "WorkOrderStatus",
    "checklist_missing",
    "followup_complete",
    "workorder_arrive",
    "workorder_cancel",
    "workorder_checklist_answer",
    "workorder_close",
    "workorder_complete",
    "workorder_create",
    "workorder_dispatch",
    "workorder_incomplete",
    "workorder_line_add",
    "workorder_line_remove",
    "workorder_schedule",
    "workorder_start_travel",
    "workorder_task_add",
    "workorder_task_set_done",
    "workorder_unschedule",
    "workorder_update",
]
