"""What the scheduling app shows on the work-order page (workorders.panels): the visit —
who goes and when, its arrival window and state — with the way to book it from the call
(the offers page) or to open it on the dispatch board. Two queries whatever the history."""

from __future__ import annotations

from django.urls import reverse
from django.utils.http import urlencode

from servicebook.core.permissions import has_capability
from servicebook.users.roles import Cap

from . import selectors
from .choices import ACTIVE_STATUSES
from .models import Appointment


def workorder_visit_context(*, request, work_order) -> dict:
    user = request.user
    rows = list(
        Appointment.objects.filter(work_order=work_order)
        .select_related("technician")
        .order_by("-starts_at", "-id")[:6]
    )
    live = next((a for a in rows if a.status in ACTIVE_STATUSES), None)
    book_url = board_url = ""
    if work_order.status == "new" and has_capability(user, Cap.SCHEDULING_BOOK):
        book_url = f"{reverse('scheduling:offers')}?{urlencode({'work_order': work_order.pk})}"
    if has_capability(user, Cap.SCHEDULING_VIEW):
        if live is not None:
            day = selectors.local_date(live.starts_at)
            board_url = (
                reverse("scheduling:board")
                + "?"
                + urlencode({"date": day.isoformat(), "appointment": live.pk})
                + "#board-panel"
            )
        elif work_order.status == "new":
            day = selectors.local_date(work_order.window_start) if work_order.window_start else ""
            query = {"work_order": work_order.pk, **({"date": day.isoformat()} if day else {})}
            board_url = f"{reverse('scheduling:board')}?{urlencode(query)}#board-panel"
    return {
        "live": live,
        "history": [a for a in rows if a is not live],
        "book_url": book_url,
        "board_url": board_url,
    }


def register() -> None:
    from servicebook.workorders.panels import WorkOrderPanel, register_workorder_panel

    register_workorder_panel(
        WorkOrderPanel(
            key="scheduling.visit",
            template="scheduling/partials/workorder_visit.html",
            context=workorder_visit_context,
            order=10,
        )
    )
