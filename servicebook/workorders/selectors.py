"""Reads of work orders, follow-ups and maintenance plans, always starting from what the user
may see."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from servicebook.cases.choices import ConsentSubject
from servicebook.cases.selectors import consent_in_force
from servicebook.core.permissions import has_capability
from servicebook.users.roles import Cap

from .choices import OPEN_STATUSES, PRIORITY_RANK, VisitOutcome, WorkOrderType
from .models import (
    FollowUp,
    MaintenancePlan,
    MaintenanceVisit,
    WorkChecklist,
    WorkChecklistItem,
    WorkOrder,
    WorkOrderEvent,
)


def workorders_visible_to(user) -> QuerySet[WorkOrder]:
    """The work orders this user may see: desk roles see the book; field roles (technician,
    subcontractor) see none here — the scheduling app shows them their own jobs."""
    if has_capability(user, Cap.WORKORDERS_VIEW):
        return WorkOrder.objects.all()
    return WorkOrder.objects.none()


def workorder_get(*, user, pk: int) -> WorkOrder:
    """One work order for its page, or 404 when the user may not see it."""
    queryset = workorders_visible_to(user).select_related(
        "account__customer", "location", "case", "completion_code", "created_by", "follow_up_of"
    )
    return get_object_or_404(queryset, pk=pk)


def workorders_by_ids(ids: Iterable[int]) -> QuerySet[WorkOrder]:
    """Work orders by id, unscoped, with what a job card shows loaded: for an app that has
    scoped the ids itself (a technician's own appointments in scheduling)."""
    return (
        WorkOrder.objects.filter(pk__in=list(ids))
        .select_related("account__customer", "location")
        .prefetch_related("required_skills")
    )


def open_workorders_for_account(*, user, account_id: int, limit: int = 20) -> list[WorkOrder]:
    """The account's work orders still to be done in the field, most urgent first."""
    orders = list(
        workorders_visible_to(user)
        .filter(account_id=account_id, status__in=OPEN_STATUSES)
        .select_related("location")
        .order_by("-created_at")[:limit]
    )
    return sorted(
        orders,
        key=lambda o: (
            PRIORITY_RANK.get(o.priority, 9),
            o.planned_start or o.window_start or o.created_at,
        ),
    )


def workorder_timeline(*, work_order: WorkOrder) -> list[WorkOrderEvent]:
    return list(work_order.events.select_related("actor").order_by("at", "id"))


def checklist_for(*, work_order: WorkOrder) -> list[dict]:
    """The checklist questions of the work order's type with the answers given so far."""
    answers = {a.item_id: a for a in work_order.checklist_answers.select_related("answered_by")}
    items = WorkChecklistItem.objects.filter(
        checklist__in=WorkChecklist.objects.for_type(work_order.work_type)
    ).select_related("checklist")
    return [{"item": item, "answer": answers.get(item.pk)} for item in items]


def carrier_consent(*, work_order: WorkOrder):
    """The consent in force for a carrier dispatch (None when missing), for carrier-dispatch
    work orders only; other types need none."""
    if work_order.work_type != WorkOrderType.CARRIER_DISPATCH:
        return None
    return consent_in_force(
        account_id=work_order.account_id, subject=ConsentSubject.CARRIER_DISPATCH
    )


def followups_visible_to(user) -> QuerySet[FollowUp]:
    return FollowUp.objects.filter(work_order__in=workorders_visible_to(user))


def plans_visible_to(user) -> QuerySet[MaintenancePlan]:
    if has_capability(user, Cap.WORKORDERS_VIEW):
        return MaintenancePlan.objects.all()
    return MaintenancePlan.objects.none()


def plan_list(*, user, today=None) -> QuerySet[MaintenancePlan]:
    """Plans with their overdue and upcoming visit counts, in one query."""
    today = today or timezone.localdate()
    overdue = Q(
        visits__outcome=VisitOutcome.PLANNED,
        visits__due_date__lt=today,
        visits__work_order__status__in=OPEN_STATUSES,
    )
    upcoming = Q(visits__outcome=VisitOutcome.PLANNED, visits__due_date__gte=today)
    return (
        plans_visible_to(user)
        .select_related("account__customer", "location", "agreement", "equipment")
        .annotate(
            overdue_count=Count("visits", filter=overdue, distinct=True),
            upcoming_count=Count("visits", filter=upcoming, distinct=True),
        )
    )


def plan_get(*, user, pk: int) -> MaintenancePlan:
    queryset = plans_visible_to(user).select_related(
        "account__customer", "location", "agreement", "equipment", "created_by"
    )
    return get_object_or_404(queryset.prefetch_related("required_skills"), pk=pk)


def plan_visits(*, plan: MaintenancePlan) -> QuerySet[MaintenanceVisit]:
    return plan.visits.select_related("work_order", "carried_to").order_by("-due_date")


def plans_for_account(*, user, account_id: int) -> QuerySet[MaintenancePlan]:
    return plans_visible_to(user).filter(account_id=account_id, active=True)


__all__ = [
    "carrier_consent",
    "checklist_for",
    "followups_visible_to",
    "open_workorders_for_account",
    "plan_get",
    "plan_list",
    "plan_visits",
    "plans_visible_to",
    "workorder_get",
    "workorder_timeline",
    "workorders_by_ids",
    "workorders_visible_to",
]
