"""What payments shows on the account page (customers.panels): the Payments panel with the
"Take a payment" button (the form is one click away, posting it the second) and the latest
payments, refunds, the deposit, open disputes and unapplied credit.

The panel itself costs the account page no query: its body (a fixed number of queries,
whatever the account's history) loads by htmx right after the page, from
payments:account_panel, like the contact centre's agent bar. The account page's query
budget is pinned by a test, and the balance the representative reads first is in
billing's Balance panel, rendered with the page."""

from __future__ import annotations

from servicebook.core.permissions import has_capability
from servicebook.customers.panels import AccountPanel, register_panel
from servicebook.users.roles import Cap

from .selectors import account_payments, open_credit


def payments_context(*, request, account) -> dict:
    if not has_capability(request.user, Cap.PAYMENTS_VIEW):
        return {"account": account, "hidden": True}
    return {"account": account}


def payments_body_context(*, user, account) -> dict:
    """The panel's body (payments:account_panel): 4 queries, 5 when there are payments."""
    return {
        "account": account,
        "summary": account_payments(user=user, account=account),
        "open_credit": open_credit(account),
    }


def register() -> None:
    register_panel(
        AccountPanel(
            key="payments",
            template="payments/partials/account_payments.html",
            context=payments_context,
            column="main",
            order=25,
        )
    )
