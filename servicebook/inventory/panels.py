"""What the inventory app shows on the account page (customers.panels): the "Sell parts"
box — the account's latest parts sales and, for those who sell, a button that opens a new
sales order. Two queries whatever the account holds (its latest orders, the locations)."""

from __future__ import annotations

from servicebook.core.permissions import has_capability
from servicebook.customers.panels import AccountPanel, register_panel
from servicebook.users.roles import Cap

from .forms import SaleForm
from .selectors import account_sales_orders


def sales_context(*, request, account) -> dict:
    if not has_capability(request.user, Cap.INVENTORY_VIEW):
        return {"account": account, "hidden": True}
    form = None
    if has_capability(request.user, Cap.INVENTORY_SELL):
        form = SaleForm()
        # Rendered only (the post goes to the sale view's own form): the choices read once,
        # not once per pass of the field template over them.
        field = form.fields["warehouse"]
        field.choices = list(field.choices)
    return {"account": account, "orders": account_sales_orders(account), "form": form}


def register() -> None:
    register_panel(
        AccountPanel(
            key="parts_sales",
            template="inventory/partials/account_sales.html",
            context=sales_context,
            column="main",
            order=40,
        )
    )
