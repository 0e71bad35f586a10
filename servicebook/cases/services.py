"""Every write to cases: open, note, move, assign, escalate, resolve, close, reopen, the
diagnostics checklist, consents and the periodic SLA sweep.

Each service re-reads the case under a row lock (select_for_update on PostgreSQL; SQLite's
immediate transactions serialise writers), checks the lifecycle, writes the case, its
timeline event and its audit row in one transaction. An action the case's state does not
allow raises InvalidTransition (HTTP 409) and changes nothing.
"""

from __future__ import annotations

import datetime as dt
import logging
import math

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from servicebook.core.audit import audit_created, audit_record, snapshot
from servicebook.core.errors import InvalidTransition, ValidationFailed
from servicebook.core.permissions import has_capability, require_capability
from servicebook.core.sequences import sequence_reserve
from servicebook.core.validation import clean_or_fail
from servicebook.customers.models import Account, ServiceLocation
from servicebook.customers.services import note_log
from servicebook.users.roles import Cap

from . import sla
from .choices import (
    ACTIVE_STATUSES,
    TRANSITIONS,
    AnswerKind,
    CaseStatus,
    EventKind,
    NoteVisibility,
    Priority,
)
from .models import (
    CannedResponse,
    Case,
    CaseEvent,
    CaseNote,
    ChecklistAnswer,
    ChecklistItem,
    ChecklistTemplate,
    ConsentRecord,
    Queue,
    ResolutionCode,
)

logger = logging.getLogger(__name__)
CASE_NUMBER_SEQUENCE = "case_number"


def case_number_for(value: int) -> str:
    return f"C{value:07d}"


def _locked(case: Case) -> Case:
    """The case as it is now in the database, locked for the rest of the transaction.

    `of=("self",)`: PostgreSQL cannot lock the nullable side of the outer join to the SLA
    policy, and only the case row needs the lock.
    """
    return (
        Case.objects.select_for_update(of=("self",))
        .select_related("sla_policy__calendar")
        .get(pk=case.pk)
    )


def _event(case: Case, kind: str, actor, **fields) -> CaseEvent:
    return CaseEvent.objects.create(
        case=case, kind=kind, actor=actor if getattr(actor, "pk", None) else None, **fields
    )


def _save(case: Case, before: dict, actor, action: str, message: str = "") -> None:
    """Save the fields that changed and audit them."""
    after = snapshot(case)
    changed = [k for k, v in after.items() if before.get(k) != v and k != "updated_at"]
    if changed:
        case.save(update_fields=[*changed, "updated_at"])
    audit_record(
        actor=actor,
        action=action,
        obj=case,
        changes={k: [before.get(k), after[k]] for k in changed},
        message=message,
    )


def _require_assignable(assignee) -> None:
    """Only someone who works cases can hold one: not a deactivated user, whichever service
    (open, assign, escalate) hands the case over."""
    if assignee is not None and not has_capability(assignee, Cap.CASES_WORK):
        raise ValidationFailed({"assignee": [f"{assignee.username} cannot work cases."]})


def _require_active(case: Case, action: str) -> None:
    if case.status not in ACTIVE_STATUSES:
        raise InvalidTransition(f"A {case.get_status_display().lower()} case cannot be {action}.")


def default_queue_for(case_type: str) -> Queue | None:
    for queue in Queue.objects.filter(active=True):
        if case_type in (queue.default_for_types or []):
            return queue
    return None


@transaction.atomic
def case_open(
    *,
    account: Account,
    case_type: str,
    subject: str,
    description: str = "",
    priority: str = Priority.NORMAL,
    queue: Queue | None = None,
    assignee=None,
    location: ServiceLocation | None = None,
    channel: str = "phone",
    actor,
    now: dt.datetime | None = None,
) -> Case:
    """Open a case on an account. It routes to the queue for its type unless one is named,
    and its SLA clock starts from the policy for its type and priority."""
    require_capability(actor, Cap.CASES_WORK)
    now = now or timezone.now()
    if location is not None and location.account_id != account.pk:
        raise ValidationFailed({"location": ["That location belongs to another account."]})
    if assignee is not None and assignee != actor:
        require_capability(actor, Cap.CASES_ASSIGN)
    _require_assignable(assignee)
    case = Case(
        account=account,
        location=location,
        case_type=case_type,
        priority=priority,
        subject=(subject or "").strip(),
        description=(description or "").strip(),
        channel=channel,
        queue=queue or default_queue_for(case_type),
        assignee=assignee,
        created_by=actor,
        created_at=now,
        status=CaseStatus.OPEN if assignee else CaseStatus.NEW,
    )
    if not case.subject:
        raise ValidationFailed({"subject": ["Say in a few words what the case is about."]})
    clean_or_fail(
        case, exclude=["number", "account", "queue", "assignee", "created_by", "location"]
    )
    case.number = case_number_for(sequence_reserve(CASE_NUMBER_SEQUENCE))
    case.sla_policy = sla.policy_for(case_type, priority)
    sla.recompute(case)
    case.save()
    _event(case, EventKind.CREATED, actor, to_status=case.status, at=now)
    audit_created(actor=actor, obj=case)
    return case


@transaction.atomic
def case_add_note(
    *,
    case: Case,
    body: str,
    visibility: str = NoteVisibility.INTERNAL,
    canned_response: CannedResponse | None = None,
    actor,
    now: dt.datetime | None = None,
) -> CaseNote:
    """Add a note. A customer-visible note is the first response when none was given yet;
    a note on a new case opens it. Closed cases take no notes (reopen first)."""
    require_capability(actor, Cap.CASES_WORK)
    now = now or timezone.now()
    case = _locked(case)
    if case.status == CaseStatus.CLOSED:
        raise InvalidTransition("A closed case takes no more notes; reopen it first.")
    text = (body or "").strip()
    if not text and canned_response is not None:
        text = canned_response.body
    if not text:
        raise ValidationFailed({"body": ["Write the note."]})
    if visibility not in NoteVisibility.values:
        raise ValidationFailed({"visibility": [f"Unknown visibility “{visibility}”."]})
    note = CaseNote(case=case, author=actor, body=text, visibility=visibility, created_at=now)
    clean_or_fail(note, exclude=["case", "author"])
    note.save()
    before = snapshot(case)
    _event(case, EventKind.NOTE, actor, at=now, data={"note_id": note.pk, "visibility": visibility})
    if visibility == NoteVisibility.CUSTOMER and sla.mark_first_response(case, now):
        _event(case, EventKind.FIRST_RESPONSE, actor, at=now)
    if case.status == CaseStatus.NEW:
        case.status = CaseStatus.OPEN
        _event(
            case,
            EventKind.STATUS,
            actor,
            at=now,
            from_status=CaseStatus.NEW,
            to_status=CaseStatus.OPEN,
        )
    flags = sla.evaluate(case, now)
    _save(case, before, actor, "note", message=f"{visibility} note")
    _sla_follow_up(case, flags, now)
    return note


@transaction.atomic
def case_transition(
    *, case: Case, to_status: str, reason: str = "", actor, now: dt.datetime | None = None
) -> Case:
    """Move an active case between new, open and the two waiting states. Waiting on the
    customer pauses the SLA clock; leaving it resumes the clock with the targets moved."""
    require_capability(actor, Cap.CASES_WORK)
    now = now or timezone.now()
    case = _locked(case)
    if to_status not in CaseStatus.values:
        raise ValidationFailed({"status": [f"Unknown status “{to_status}”."]})
    if to_status not in TRANSITIONS.get(case.status, set()):
        raise InvalidTransition(
            f"A case that is {case.get_status_display().lower()} cannot move to "
            f"{CaseStatus(to_status).label.lower()}."
        )
    before = snapshot(case)
    was_paused = sla.pauses_clock(case, case.status)
    case.status = to_status
    if sla.pauses_clock(case, to_status):
        sla.pause(case, now)
    elif was_paused:
        sla.resume(case, now)
    if to_status == CaseStatus.WAITING_CUSTOMER and sla.mark_first_response(case, now):
        # Asking the customer for something is a response to them.
        _event(case, EventKind.FIRST_RESPONSE, actor, at=now)
    flags = sla.evaluate(case, now)
    _event(
        case,
        EventKind.STATUS,
        actor,
        at=now,
        from_status=before["status"],
        to_status=to_status,
        reason=reason[:500],
    )
    _save(case, before, actor, "status", message=reason)
    _sla_follow_up(case, flags, now)
    return case


@transaction.atomic
def case_assign(
    *, case: Case, assignee=None, queue: Queue | None = None, actor, now: dt.datetime | None = None
) -> Case:
    """Assign a case to a person and/or a queue. Anyone working cases may take one for
    themselves; assigning to someone else needs the assign capability."""
    require_capability(actor, Cap.CASES_WORK)
    if not (assignee is None or assignee == actor) or queue is not None:
        require_capability(actor, Cap.CASES_ASSIGN)
    now = now or timezone.now()
    case = _locked(case)
    _require_active(case, "assigned")
    _require_assignable(assignee)
    before = snapshot(case)
    if assignee is not None:
        case.assignee = assignee
    if queue is not None:
        case.queue = queue
    if case.status == CaseStatus.NEW and case.assignee_id:
        case.status = CaseStatus.OPEN
    _event(
        case,
        EventKind.ASSIGNED,
        actor,
        at=now,
        from_status=before["status"],
        to_status=case.status,
        data={
            "assignee": getattr(case.assignee, "username", None),
            "queue": getattr(case.queue, "name", None),
        },
    )
    _save(case, before, actor, "assign")
    return case


def _escalate(
    case: Case,
    *,
    reason: str,
    queue: Queue | None,
    assignee,
    actor,
    now: dt.datetime,
    automatic: bool,
) -> None:
    before = snapshot(case)
    case.escalation_level += 1
    case.escalated_at = now
    if queue is not None:
        case.queue = queue
    if assignee is not None:
        case.assignee = assignee
    if case.status == CaseStatus.NEW:
        case.status = CaseStatus.OPEN
    _event(
        case,
        EventKind.ESCALATED,
        actor,
        at=now,
        reason=reason[:500],
        data={
            "level": case.escalation_level,
            "automatic": automatic,
            "queue": getattr(case.queue, "name", None),
        },
    )
    _save(case, before, actor, "escalate", message=reason)


def _sla_follow_up(case: Case, flags: tuple[bool, bool], now: dt.datetime) -> bool:
    """Record on the timeline what an SLA evaluation just changed and, when a target became
    at risk, escalate automatically if the policy says so. Returns True when it escalated.

    Every service that evaluates the clock calls this, not only the sweep: the sweep looks
    only at cases whose flags are not raised yet, so a flag raised by a note or a priority
    change between two sweeps would otherwise never reach the timeline or the escalation
    queue.
    """
    became_risk, became_breached = flags
    if became_breached:
        _event(case, EventKind.BREACHED, None, at=now)
    if became_risk:
        _event(case, EventKind.AT_RISK, None, at=now)
    policy = case.sla_policy
    if not (became_risk and policy is not None and policy.auto_escalate):
        return False
    _escalate(
        case,
        reason="SLA target at risk",
        queue=policy.escalation_queue,
        assignee=None,
        actor=None,
        now=now,
        automatic=True,
    )
    return True


@transaction.atomic
def case_escalate(
    *,
    case: Case,
    reason: str,
    queue: Queue | None = None,
    assignee=None,
    actor,
    now: dt.datetime | None = None,
) -> Case:
    """Escalate by hand: the next level, with the reason on the timeline, optionally to
    another queue or person."""
    require_capability(actor, Cap.CASES_ESCALATE)
    if not (reason or "").strip():
        raise ValidationFailed({"reason": ["Say why the case is escalated."]})
    if assignee is not None and assignee != actor:
        require_capability(actor, Cap.CASES_ASSIGN)
    _require_assignable(assignee)
    now = now or timezone.now()
    case = _locked(case)
    _require_active(case, "escalated")
    _escalate(
        case,
        reason=reason.strip(),
        queue=queue,
        assignee=assignee,
        actor=actor,
        now=now,
        automatic=False,
    )
    return case


def _checklist_missing(case: Case) -> list[ChecklistItem]:
    templates = ChecklistTemplate.objects.for_case(case)
    required = ChecklistItem.objects.filter(template__in=templates, required=True)
    answered = set(case.checklist_answers.values_list("item_id", flat=True))
    return [item for item in required if item.pk not in answered]


@transaction.atomic
def case_resolve(
    *,
    case: Case,
    resolution_code: ResolutionCode | None,
    summary: str = "",
    actor,
    now: dt.datetime | None = None,
) -> Case:
    """Resolve with a resolution code. Required diagnostics must be answered first."""
    require_capability(actor, Cap.CASES_WORK)
    now = now or timezone.now()
    case = _locked(case)
    _require_active(case, "resolved")
    if resolution_code is None:
        raise ValidationFailed({"resolution_code": ["Choose a resolution code."]})
    if not resolution_code.active or (
        resolution_code.case_types and case.case_type not in resolution_code.case_types
    ):
        raise ValidationFailed(
            {"resolution_code": [f"“{resolution_code.label}” does not fit this case."]}
        )
    missing = _checklist_missing(case)
    if missing:
        raise ValidationFailed(
            {
                "checklist": [
                    f"Answer the diagnostics first: {', '.join(i.prompt for i in missing[:3])}"
                ]
            }
        )
    before = snapshot(case)
    if sla.pauses_clock(case, case.status):
        sla.resume(case, now)
    sla.evaluate(case, now)
    sla.mark_first_response(case, now)
    sla.mark_resolved(case, now)
    case.status = CaseStatus.RESOLVED
    case.resolution_code = resolution_code
    case.resolution_summary = (summary or "").strip()
    case.resolved_at = now
    sla.pause(case, now)  # a reopen resumes the resolution clock from here
    clean_or_fail(
        case,
        exclude=[
            "account",
            "queue",
            "assignee",
            "created_by",
            "location",
            "sla_policy",
            "resolution_code",
        ],
    )
    _event(
        case,
        EventKind.RESOLVED,
        actor,
        at=now,
        from_status=before["status"],
        to_status=CaseStatus.RESOLVED,
        reason=case.resolution_summary[:500],
        data={"code": resolution_code.code},
    )
    _save(case, before, actor, "resolve")
    return case


@transaction.atomic
def case_close(*, case: Case, actor, now: dt.datetime | None = None, reason: str = "") -> Case:
    """Close a resolved case."""
    if actor is not None:
        require_capability(actor, Cap.CASES_WORK)
    now = now or timezone.now()
    case = _locked(case)
    if case.status != CaseStatus.RESOLVED:
        raise InvalidTransition("Only a resolved case can be closed.")
    before = snapshot(case)
    case.status = CaseStatus.CLOSED
    case.closed_at = now
    _event(
        case,
        EventKind.CLOSED,
        actor,
        at=now,
        from_status=CaseStatus.RESOLVED,
        to_status=CaseStatus.CLOSED,
        reason=reason,
    )
    _save(case, before, actor, "close", message=reason)
    return case


@transaction.atomic
def case_reopen(*, case: Case, reason: str, actor, now: dt.datetime | None = None) -> Case:
    """Reopen a resolved case (anyone working cases) or a closed one (tier II and up). The
    resolution clock resumes where it stopped."""
    require_capability(actor, Cap.CASES_WORK)
    now = now or timezone.now()
    case = _locked(case)
    if case.status not in (CaseStatus.RESOLVED, CaseStatus.CLOSED):
        raise InvalidTransition("Only a resolved or closed case can be reopened.")
    if case.status == CaseStatus.CLOSED:
        require_capability(actor, Cap.CASES_REOPEN)
    if not (reason or "").strip():
        raise ValidationFailed({"reason": ["Say why the case is reopened."]})
    before = snapshot(case)
    case.status = CaseStatus.OPEN
    case.resolved_at = None
    case.closed_at = None
    case.resolution_code = None
    case.reopen_count += 1
    sla.resume(case, now)
    flags = sla.evaluate(case, now)
    _event(
        case,
        EventKind.REOPENED,
        actor,
        at=now,
        from_status=before["status"],
        to_status=CaseStatus.OPEN,
        reason=reason[:500],
    )
    _save(case, before, actor, "reopen", message=reason)
    _sla_follow_up(case, flags, now)
    return case


@transaction.atomic
def case_set_priority(
    *, case: Case, priority: str, reason: str = "", actor, now: dt.datetime | None = None
) -> Case:
    """Change the priority; the SLA targets follow the policy for the new priority."""
    require_capability(actor, Cap.CASES_WORK)
    if priority not in Priority.values:
        raise ValidationFailed({"priority": [f"Unknown priority “{priority}”."]})
    now = now or timezone.now()
    case = _locked(case)
    _require_active(case, "re-prioritised")
    before = snapshot(case)
    case.priority = priority
    case.sla_policy = sla.policy_for(case.case_type, priority)
    sla.recompute(case)
    flags = sla.evaluate(case, now)
    _event(
        case,
        EventKind.PRIORITY,
        actor,
        at=now,
        reason=reason[:500],
        data={"from": before["priority"], "to": priority},
    )
    _save(case, before, actor, "priority", message=reason)
    _sla_follow_up(case, flags, now)
    return case


@transaction.atomic
def checklist_answer(
    *, case: Case, item: ChecklistItem, answer: str, actor, now: dt.datetime | None = None
) -> ChecklistAnswer:
    """Record (or change) the answer to one diagnostics question; the answer is kept on
    the case."""
    require_capability(actor, Cap.CASES_WORK)
    now = now or timezone.now()
    case = _locked(case)
    _require_active(case, "diagnosed")
    if not ChecklistTemplate.objects.for_case(case).filter(pk=item.template_id).exists():
        raise ValidationFailed({"item": ["That question does not apply to this case."]})
    text = (answer or "").strip()
    if item.answer_kind == AnswerKind.YES_NO and text.lower() not in {"yes", "no"}:
        raise ValidationFailed({"answer": ["Answer yes or no."]})
    if item.answer_kind == AnswerKind.CHOICE and text not in (item.choices or []):
        raise ValidationFailed({"answer": [f"Choose one of: {', '.join(item.choices)}."]})
    if item.answer_kind == AnswerKind.NUMBER:
        try:
            number = float(text)
        except ValueError as exc:
            raise ValidationFailed({"answer": ["Enter a number."]}) from exc
        # float() also reads "nan" and "inf", which are no measurement a technician took.
        if not math.isfinite(number):
            raise ValidationFailed({"answer": ["Enter a number."]})
    if not text:
        raise ValidationFailed({"answer": ["Enter an answer."]})
    if len(text) > 500:
        raise ValidationFailed({"answer": ["Keep the answer under 500 characters."]})
    if item.answer_kind == AnswerKind.YES_NO:
        text = text.lower()
    row, _ = ChecklistAnswer.objects.update_or_create(
        case=case, item=item, defaults={"answer": text, "answered_by": actor, "answered_at": now}
    )
    _event(case, EventKind.CHECKLIST, actor, at=now, data={"item": item.prompt, "answer": text})
    audit_record(actor=actor, action="checklist", obj=case, changes={item.prompt: [None, text]})
    return row


@transaction.atomic
def consent_record(
    *,
    account: Account,
    subject: str,
    given_by: str,
    method: str,
    granted: bool = True,
    case: Case | None = None,
    details: str = "",
    given_at: dt.datetime | None = None,
    actor,
) -> ConsentRecord:
    """Record who agreed (or refused) to what, when and how."""
    require_capability(actor, Cap.CASES_WORK)
    if case is not None and case.account_id != account.pk:
        raise ValidationFailed({"case": ["That case belongs to another account."]})
    record = ConsentRecord(
        account=account,
        case=case,
        subject=subject,
        granted=granted,
        given_by=(given_by or "").strip(),
        method=method,
        details=(details or "").strip(),
        given_at=given_at or timezone.now(),
        recorded_by=actor,
    )
    if not record.given_by:
        raise ValidationFailed({"given_by": ["Name the person who gave or refused consent."]})
    if record.given_at > timezone.now() + dt.timedelta(minutes=5):
        raise ValidationFailed({"given_at": ["Consent cannot be given in the future."]})
    clean_or_fail(record, exclude=["account", "case", "recorded_by"])
    record.save()
    if case is not None:
        _event(
            case,
            EventKind.CONSENT,
            actor,
            data={"subject": subject, "granted": granted, "by": record.given_by},
        )
    audit_created(actor=actor, obj=record)
    return record


@transaction.atomic
def consent_revoke(
    *, record: ConsentRecord, actor, now: dt.datetime | None = None
) -> ConsentRecord:
    """Withdraw a consent from now on (the record stays)."""
    require_capability(actor, Cap.CASES_WORK)
    if record.revoked_at:
        raise InvalidTransition("This consent was already withdrawn.")
    before = snapshot(record, ["revoked_at"])
    record.revoked_at = now or timezone.now()
    record.save(update_fields=["revoked_at"])
    audit_record(
        actor=actor,
        action="revoke",
        obj=record,
        changes={"revoked_at": [before["revoked_at"], str(record.revoked_at)]},
    )
    return record


@transaction.atomic
def case_log_contact(
    *,
    case: Case,
    summary: str,
    channel: str = "phone",
    direction: str = "inbound",
    actor,
    now: dt.datetime | None = None,
) -> CaseNote:
    """Log a contact about a case in one step: a timeline note on the account and an
    internal note on the case. An outbound contact is a first response."""
    now = now or timezone.now()
    note_log(
        account=case.account,
        summary=summary,
        channel=channel,
        direction=direction,
        case_ref=case.number,
        actor=actor,
        occurred_at=now,
    )
    note = case_add_note(
        case=case, body=f"[{channel}, {direction}] {summary}", actor=actor, now=now
    )
    if direction == "outbound":
        locked = _locked(case)
        before = snapshot(locked)
        if sla.mark_first_response(locked, now):
            _event(locked, EventKind.FIRST_RESPONSE, actor, at=now)
            _save(locked, before, actor, "first_response")
    return note


# --- The periodic SLA sweep --------------------------------------------------------------------


def _sweep_candidates(now: dt.datetime):
    """Active, running cases whose flags could change now: a pending target past its
    at-risk instant that is not flagged yet, or past its due instant and not breached yet."""
    # A target already breached stays breached: leaving it out keeps the sweep from
    # re-reading the same overdue cases every minute.
    fr = (
        Q(first_responded_at__isnull=True, first_response_breached=False)
        & Q(first_response_risk_at__lte=now)
        & (Q(at_risk=False) | Q(first_response_due__lt=now))
    )
    res = (
        Q(resolution_breached=False)
        & Q(resolution_risk_at__lte=now)
        & (Q(at_risk=False) | Q(resolution_due__lt=now))
    )
    return Case.objects.filter(status__in=ACTIVE_STATUSES, sla_paused_at__isnull=True).filter(
        fr | res
    )


def case_sla_sweep(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Flag cases whose targets are now at risk or breached, and escalate the at-risk ones
    whose policy says so; close cases resolved more than CASE_AUTO_CLOSE_DAYS ago.

    Each case is handled in its own transaction, so one bad row does not stop the sweep.
    Run every minute by the worker (cases.tasks.sla_check); running it twice for the same
    instant changes nothing the second time.
    """
    now = now or timezone.now()
    counts = {"at_risk": 0, "breached": 0, "escalated": 0, "closed": 0}
    for case_id in list(_sweep_candidates(now).values_list("pk", flat=True)):
        with transaction.atomic():
            case = (
                Case.objects.select_for_update(of=("self",))
                .select_related("sla_policy__calendar", "sla_policy__escalation_queue")
                .get(pk=case_id)
            )
            before = snapshot(case)
            became_risk, became_breached = sla.evaluate(case, now)
            counts["at_risk"] += became_risk
            counts["breached"] += became_breached
            if snapshot(case) != before:
                _save(case, before, None, "sla")
            if _sla_follow_up(case, (became_risk, became_breached), now):
                counts["escalated"] += 1
    days = settings.CASE_AUTO_CLOSE_DAYS
    stale = Case.objects.filter(
        status=CaseStatus.RESOLVED, resolved_at__lte=now - dt.timedelta(days=days)
    )
    for case in stale:
        try:
            case_close(
                case=case,
                actor=None,
                now=now,
                reason=f"closed automatically {days} days after resolution",
            )
            counts["closed"] += 1
        except InvalidTransition:
            continue  # reopened meanwhile
    return counts
