"""What contracts show elsewhere: the account page's Contracts box (one query) and the
work-order page's Contract box with the coverage decision, the flag for a quote when the
work is outside the contract, and the way to bill it against the contract."""

from __future__ import annotations

from servicebook.core.permissions import has_capability
from servicebook.customers.panels import AccountPanel, register_panel
from servicebook.users.roles import Cap

from .coverage import coverage_decision
from .selectors import account_contracts, billing_for


def account_contracts_context(*, request, account) -> dict:
    if not has_capability(request.user, Cap.CONTRACTS_VIEW):
        return {"account": account, "hidden": True}
    return {"account": account, "contracts": account_contracts(account)}


def workorder_contract_context(*, request, work_order) -> dict:
    user = request.user
    if not has_capability(user, Cap.CONTRACTS_VIEW):
        return {"hidden": True}
    decision = coverage_decision(work_order=work_order)
    billing = billing_for(work_order.pk) if decision.contract else None
    can_bill = (
        decision.contract is not None
        and billing is None
        and work_order.status in ("completed", "closed")
        and has_capability(user, Cap.BILLING_EDIT)
        and has_capability(user, Cap.BILLING_ISSUE)
    )
    return {
        "work_order": work_order,
        "decision": decision,
        "billing": billing,
        "can_bill": can_bill,
        "can_quote": decision.flag_for_quote and has_capability(user, Cap.QUOTES_EDIT),
    }


def register() -> None:
    from servicebook.workorders.panels import WorkOrderPanel, register_workorder_panel

    register_panel(
        AccountPanel(
            key="contracts",
            template="contracts/partials/account_contracts.html",
            context=account_contracts_context,
            column="main",
            order=24,
        )
    )
    register_workorder_panel(
        WorkOrderPanel(
            key="contracts.coverage",
            template="contracts/partials/workorder_contract.html",
            context=workorder_contract_context,
            order=20,
        )
    )
