"""What the work-orders app shows on the account page (a panel, timeline items), and the
extension point of the work-order page itself.

The work-order page belongs to this app, but the scheduling app (above it) has things to
show there: the appointment, the technician, a link to book it on the board. It registers
`register_workorder_panel(WorkOrderPanel(key, template, context, order))` in its
AppConfig.ready(); `context(request=, work_order=)` returns the template's context, loaded
in a fixed number of queries.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils import timezone

from servicebook.core.permissions import has_capability
from servicebook.customers.panels import (
    AccountPanel,
    TimelineItem,
    register_panel,
    register_timeline_source,
)
from servicebook.users.roles import Cap

from .choices import OPEN_STATUSES, EventKind, VisitOutcome
from .models import MaintenanceVisit, WorkOrderEvent
from .selectors import open_workorders_for_account, plans_for_account, workorders_visible_to


@dataclass(frozen=True)
class WorkOrderPanel:
    """A box on the work-order page (side column)."""

    key: str
    template: str
    context: Callable[..., dict[str, Any]]  # (request=, work_order=) -> template context
    order: int = 100


_workorder_panels: dict[str, WorkOrderPanel] = {}


def register_workorder_panel(panel: WorkOrderPanel) -> None:
    _workorder_panels[panel.key] = panel


def workorder_panels() -> list[WorkOrderPanel]:
    return sorted(_workorder_panels.values(), key=lambda p: (p.order, p.key))


# --- The account page --------------------------------------------------------------------------

# Events worth a line on the account's timeline (the rest stays on the work-order page).
TIMELINE_KINDS = [EventKind.CREATED, EventKind.COMPLETED, EventKind.INCOMPLETE]


def account_workorders_context(*, request, account) -> dict:
    if not has_capability(request.user, Cap.WORKORDERS_VIEW):
        return {"hidden": True}
    today = timezone.localdate()
    plans = list(plans_for_account(user=request.user, account_id=account.pk).order_by("name")[:10])
    overdue = set(
        MaintenanceVisit.objects.filter(
            plan__in=[p.pk for p in plans],
            outcome=VisitOutcome.PLANNED,
            due_date__lt=today,
            work_order__status__in=OPEN_STATUSES,
        ).values_list("plan_id", flat=True)
    )
    for plan in plans:
        plan.has_overdue = plan.pk in overdue
    return {
        "account": account,
        "work_orders": open_workorders_for_account(user=request.user, account_id=account.pk),
        "plans": plans,
    }


def workorder_timeline(*, request, account, limit: int) -> list[TimelineItem]:
    events = (
        WorkOrderEvent.objects.filter(
            work_order__in=workorders_visible_to(request.user).filter(account=account),
            kind__in=TIMELINE_KINDS,
        )
        .select_related("work_order", "actor")
        .order_by("-at", "-id")[:limit]
    )
    return [
        TimelineItem(
            at=e.at,
            kind=f"workorder {e.kind}",
            title=(
                f"Work order {e.work_order.number} {e.get_kind_display().lower()}: "
                f"{e.work_order.summary}"
            ),
            body=e.reason,
            author=e.actor.display_name if e.actor else "system",
            url=reverse("workorders:workorder_detail", args=[e.work_order_id]),
        )
        for e in events
    ]


def register() -> None:
    register_panel(
        AccountPanel(
            key="work_orders",
            template="workorders/partials/account_workorders.html",
            context=account_workorders_context,
            order=20,
        )
    )
    register_timeline_source("workorders", workorder_timeline)
