"""What billing shows on the account page (customers.panels): the Balance panel (balance,
aging, deposits held, disputed) and the Invoices panel (open and recent invoices with their
PDFs); and the account API's 360 sections `balance`, `aging` and `open_invoices`
(customers.api.extensions). Each loads in a fixed number of queries."""

from __future__ import annotations

from servicebook.core.permissions import has_capability
from servicebook.customers.panels import AccountPanel, register_panel
from servicebook.users.roles import Cap

from .selectors import account_invoices, account_money


def balance_context(*, request, account) -> dict:
    return {"account": account, "money": account_money(account)}


def invoices_context(*, request, account) -> dict:
    if not has_capability(request.user, Cap.BILLING_VIEW):
        return {"account": account, "hidden": True}
    return {"account": account, **account_invoices(account)}


def register() -> None:
    register_panel(
        AccountPanel(
            key="balance",
            template="billing/partials/account_balance.html",
            context=balance_context,
            column="side",
            order=5,
        )
    )
    register_panel(
        AccountPanel(
            key="invoices",
            template="billing/partials/account_invoices.html",
            context=invoices_context,
            column="main",
            order=20,
        )
    )
