"""What quotes shows on the account page (customers.panels): the Quotes box, the latest
quotes with "New quote", in one query."""

from __future__ import annotations

from servicebook.core.permissions import has_capability
from servicebook.customers.panels import AccountPanel, register_panel
from servicebook.users.roles import Cap

from .selectors import account_quotes


def quotes_context(*, request, account) -> dict:
    if not has_capability(request.user, Cap.QUOTES_VIEW):
        return {"account": account, "hidden": True}
    return {"account": account, "quotes": account_quotes(account)}


def register() -> None:
    register_panel(
        AccountPanel(
            key="quotes",
            template="quotes/partials/account_quotes.html",
            context=quotes_context,
            column="main",
            order=25,
        )
    )
