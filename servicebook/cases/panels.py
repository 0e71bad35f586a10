"""What the cases app shows on the account page: the open cases panel and case events in
the interaction timeline (see customers.panels)."""

from __future__ import annotations

from django.urls import reverse

from servicebook.customers.panels import (
    AccountPanel,
    TimelineItem,
    register_panel,
    register_timeline_source,
)

from .choices import EventKind
from .models import CaseEvent
from .selectors import cases_visible_to, open_cases_for_account

# Events worth a line on the account's timeline (notes stay on the case page).
TIMELINE_KINDS = [EventKind.CREATED, EventKind.ESCALATED, EventKind.RESOLVED, EventKind.REOPENED]


def open_cases_context(*, request, account) -> dict:
    cases = open_cases_for_account(user=request.user, account_id=account.pk)
    return {"cases": cases, "account": account}


def case_timeline(*, request, account, limit: int) -> list[TimelineItem]:
    events = (
        CaseEvent.objects.filter(
            case__in=cases_visible_to(request.user).filter(account=account), kind__in=TIMELINE_KINDS
        )
        .select_related("case", "actor")
        .order_by("-at", "-id")[:limit]
    )
    return [
        TimelineItem(
            at=e.at,
            kind=f"case {e.kind}",
            title=f"Case {e.case.number} {e.get_kind_display().lower()}: {e.case.subject}",
            body=e.reason,
            author=e.actor.display_name if e.actor else "system",
            url=reverse("cases:case_detail", args=[e.case_id]),
        )
        for e in events
    ]


def register() -> None:
    register_panel(
        AccountPanel(
            key="open_cases",
            template="cases/partials/account_cases.html",
            context=open_cases_context,
            order=10,
        )
    )
    register_timeline_source("cases", case_timeline)
