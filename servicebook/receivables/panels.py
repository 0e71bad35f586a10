"""What receivables shows on the account page (customers.panels): the Collection box with
the step, hold, promises and latest letters, in a fixed number of queries."""

from __future__ import annotations

from servicebook.core.permissions import has_capability
from servicebook.customers.panels import AccountPanel, register_panel
from servicebook.users.roles import Cap

from .selectors import account_collection_brief


def collection_context(*, request, account) -> dict:
    if not (
        has_capability(request.user, Cap.RECEIVABLES_COLLECT)
        or has_capability(request.user, Cap.RECEIVABLES_VIEW)
    ):
        return {"account": account, "hidden": True}
    return {"account": account, "collection": account_collection_brief(account)}


def register() -> None:
    register_panel(
        AccountPanel(
            key="collection",
            template="receivables/partials/account_collection.html",
            context=collection_context,
            column="main",
            order=35,
        )
    )
