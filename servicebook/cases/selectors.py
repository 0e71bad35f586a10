"""Reads of cases, always starting from what the user may see."""

from __future__ import annotations

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from servicebook.core.permissions import has_capability
from servicebook.users.roles import Cap

from .choices import ACTIVE_STATUSES, PRIORITY_RANK
from .models import (
    Case,
    CaseEvent,
    CaseNote,
    ChecklistItem,
    ChecklistTemplate,
    ConsentRecord,
    Queue,
)


def cases_visible_to(user) -> QuerySet[Case]:
    """The cases this user may see: staff roles see all; others none (portal later)."""
    if has_capability(user, Cap.CASES_VIEW):
        return Case.objects.all()
    return Case.objects.none()


def case_get(*, user, pk: int) -> Case:
    """One case for its page, or 404 when the user may not see it."""
    queryset = cases_visible_to(user).select_related(
        "account__customer",
        "location",
        "queue",
        "assignee",
        "created_by",
        "sla_policy__calendar",
        "resolution_code",
    )
    return get_object_or_404(queryset, pk=pk)


def case_timeline(*, case: Case) -> list[dict]:
    """Notes and events of a case in time order, as one list for the page."""
    notes = {n.pk: n for n in CaseNote.objects.filter(case=case).select_related("author")}
    items = []
    for event in CaseEvent.objects.filter(case=case).select_related("actor").order_by("at", "id"):
        note = notes.get(event.data.get("note_id")) if event.kind == "note" else None
        items.append({"at": event.at, "event": event, "note": note})
    return items


def checklist_for(*, case: Case) -> list[dict]:
    """The diagnostics questions for the case's type with the answers given so far."""
    answers = {a.item_id: a for a in case.checklist_answers.select_related("answered_by")}
    items = ChecklistItem.objects.filter(
        template__in=ChecklistTemplate.objects.for_case(case)
    ).select_related("template")
    return [{"item": item, "answer": answers.get(item.pk)} for item in items]


def open_cases_for_account(*, user, account_id: int, limit: int = 20) -> list[Case]:
    cases = (
        cases_visible_to(user)
        .filter(account_id=account_id, status__in=ACTIVE_STATUSES)
        .select_related("assignee", "queue")
        .order_by("resolution_due", "-created_at")[:limit]
    )
    return sorted(cases, key=lambda c: (PRIORITY_RANK.get(c.priority, 9), c.created_at))


def consent_in_force(*, account_id: int, subject: str) -> ConsentRecord | None:
    """The consent of this subject that is in force on the account, or None.

    The latest record of the subject that was not withdrawn decides: a refusal recorded
    after an agreement means no. Other apps (work orders before a carrier dispatch) read
    consents through here.
    """
    latest = (
        ConsentRecord.objects.filter(account_id=account_id, subject=subject, revoked_at=None)
        .order_by("-given_at", "-id")
        .first()
    )
    return latest if latest is not None and latest.granted else None


def consents_in_force(*, account_ids, subject: str) -> dict[int, ConsentRecord]:
    """`consent_in_force` for many accounts in one query: {account id: record}."""
    latest: dict[int, ConsentRecord] = {}
    for record in ConsentRecord.objects.filter(
        account_id__in=list(account_ids), subject=subject, revoked_at=None
    ).order_by("account_id", "-given_at", "-id"):
        latest.setdefault(record.account_id, record)
    return {k: v for k, v in latest.items() if v.granted}


def queues_for(user) -> QuerySet[Queue]:
    return Queue.objects.filter(active=True, members=user)


QUEUE_VIEWS = {
    "mine": "My cases",
    "team": "My team",
    "unassigned": "Unassigned",
    "at-risk": "At risk",
    "breached": "Breached",
    "all": "All active",
}


def case_queue(*, user, view: str) -> QuerySet[Case]:
    """The cases of one queue view (mine, team, unassigned, at-risk, breached, all), active
    only, with what the list shows loaded in the same query."""
    qs = cases_visible_to(user).filter(status__in=ACTIVE_STATUSES)
    if view == "mine":
        qs = qs.filter(assignee=user)
    elif view == "team":
        qs = qs.filter(queue__in=queues_for(user))
    elif view == "unassigned":
        qs = qs.filter(assignee__isnull=True)
    elif view == "at-risk":
        qs = qs.filter(at_risk=True)
    elif view == "breached":
        qs = qs.filter(breached=True)
    return qs.select_related("account__customer", "queue", "assignee")


def queue_counts(*, user) -> dict[str, int]:
    """How many cases each queue view holds, for the navigation badges."""
    return {
        view.replace("-", "_"): case_queue(user=user, view=view).count()
        for view in ("mine", "at-risk", "breached")
    }
