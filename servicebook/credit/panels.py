"""What credit shows on the account page (customers.panels): one box "Payment arrangement
and credit" with the account's standing (score, cash only), the active arrangement and its
installments or, when there is none, the proposal the policy allows (a click away from
set-up), the amount to restore a disconnected account, and a bankruptcy in force.

A fixed number of queries whatever the account's history (the page's budget is pinned)."""

from __future__ import annotations

from django.utils import timezone

from servicebook.core.permissions import has_capability
from servicebook.customers.choices import AccountStatus
from servicebook.customers.panels import AccountPanel, register_panel
from servicebook.users.roles import Cap

from . import selectors
from .services.arrangements import arrangement_proposal
from .services.restoration import RESTORABLE, restoration_quote


def credit_context(*, request, account) -> dict:
    if not has_capability(request.user, Cap.CREDIT_VIEW):
        return {"account": account, "hidden": True}
    today = timezone.localdate()
    active = selectors.active_arrangement_of(account)
    return {
        "account": account,
        "standing": selectors.standing_of(account),
        "active": active,
        "installments": list(active.installments.all()) if active else [],
        "proposal": None if active else arrangement_proposal(account=account, on=today),
        "quote": restoration_quote(account, today) if account.status in RESTORABLE else None,
        "deposit_installments": selectors.deposit_installments_of(account),
        # A paid restoration waiting for its reconnect (or whose reconnect was cancelled).
        "reconnect": selectors.reconnect_pending_of(account)
        if account.status in RESTORABLE
        else None,
        "bankruptcy": selectors.filed_bankruptcy_of(account)
        if account.status == AccountStatus.IN_BANKRUPTCY
        else None,
    }


def register() -> None:
    register_panel(
        AccountPanel(
            key="credit",
            template="credit/partials/account_credit.html",
            context=credit_context,
            column="main",
            order=27,
        )
    )
