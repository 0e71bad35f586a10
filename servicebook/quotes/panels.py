"""What quotes shows elsewhere: on the account page the Quotes box (the latest quotes with
"New quote") and the Partner requests box; on the work-order page the Partner requests box
with "Send to partner", and the Subcontractor quotes box with "Enter a subcontractor quote".
One query per box (the work-order box one more for the partners of
its form, only for those who may send)."""

from __future__ import annotations

from servicebook.core.permissions import has_capability
from servicebook.customers.panels import AccountPanel, register_panel
from servicebook.users.roles import Cap

from .selectors import (
    account_partner_requests,
    account_quotes,
    workorder_partner_requests,
    workorder_subquotes,
)


def _sees_account_data(user) -> bool:
    # Partner requests are account data, like customer quotes (selectors._is_staff).
    return has_capability(user, Cap.QUOTES_VIEW) and has_capability(user, Cap.ACCOUNTS_VIEW)


def quotes_context(*, request, account) -> dict:
    if not has_capability(request.user, Cap.QUOTES_VIEW):
        return {"account": account, "hidden": True}
    return {"account": account, "quotes": account_quotes(account)}


def account_partner_requests_context(*, request, account) -> dict:
    if not _sees_account_data(request.user):
        return {"hidden": True}
    return {"requests": account_partner_requests(account)}


def workorder_partner_requests_context(*, request, work_order) -> dict:
    from servicebook.integrations.models import Partner

    user = request.user
    if not _sees_account_data(user):
        return {"hidden": True}
    can_send = has_capability(user, Cap.QUOTES_EDIT)
    return {
        "work_order": work_order,
        "requests": workorder_partner_requests(work_order),
        "can_send": can_send,
        "partners": list(Partner.objects.filter(active=True).order_by("name")) if can_send else [],
    }


def workorder_subquotes_context(*, request, work_order) -> dict:
    from servicebook.workorders.choices import TERMINAL_STATUSES

    user = request.user
    if not has_capability(user, Cap.QUOTES_VIEW):
        return {"hidden": True}
    return {
        "work_order": work_order,
        "quotes": workorder_subquotes(user=user, work_order=work_order),
        # The service refuses a closed or cancelled work order; no link to a refusal.
        "can_submit": has_capability(user, Cap.QUOTES_SUBMIT)
        and work_order.status not in TERMINAL_STATUSES,
    }


def register() -> None:
    from servicebook.workorders.panels import WorkOrderPanel, register_workorder_panel

    register_panel(
        AccountPanel(
            key="quotes",
            template="quotes/partials/account_quotes.html",
            context=quotes_context,
            column="main",
            order=25,
        )
    )
    register_panel(
        AccountPanel(
            key="quotes.partner_requests",
            template="quotes/partials/account_partner_requests.html",
            context=account_partner_requests_context,
            column="main",
            order=26,
        )
    )
    register_workorder_panel(
        WorkOrderPanel(
            key="quotes.partner_requests",
            template="quotes/partials/workorder_partner_requests.html",
            context=workorder_partner_requests_context,
            order=55,
        )
    )
    register_workorder_panel(
        WorkOrderPanel(
            key="quotes.subcontractor_quotes",
            template="quotes/partials/workorder_subquotes.html",
            context=workorder_subquotes_context,
            order=56,
        )
    )
