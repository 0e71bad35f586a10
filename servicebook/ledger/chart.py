"""The default chart of ledger accounts, installed by a data migration. Administrators add
revenue accounts and rename codes in the admin; services find accounts by role."""

from __future__ import annotations

# (code, name, kind, role, payment method)
DEFAULT_CHART = [
    ("1010", "Cash clearing - card", "asset", "cash_clearing", "card"),
    ("1020", "Cash clearing - ACH", "asset", "cash_clearing", "ach"),
    ("1030", "Cash clearing - checks", "asset", "cash_clearing", "check"),
    ("1040", "Cash clearing - cash", "asset", "cash_clearing", "cash"),
    ("1200", "Accounts receivable", "asset", "receivable", ""),
    ("2100", "Sales tax payable", "liability", "tax_payable", ""),
    ("2200", "Customer deposits held", "liability", "deposits_held", ""),
    ("2300", "Unapplied customer credit", "liability", "unapplied_credit", ""),
    ("2400", "Refunds payable", "liability", "refunds_payable", ""),
    ("4100", "Service revenue", "revenue", "revenue", ""),
    ("4200", "Recurring service revenue", "revenue", "revenue", ""),
    ("4300", "Parts revenue", "revenue", "revenue", ""),
    ("4400", "Labour revenue", "revenue", "revenue", ""),
    ("4500", "Fee income", "revenue", "fees", ""),
    ("4900", "Billing adjustments", "revenue", "adjustments", ""),
    ("6100", "Bad debt expense", "expense", "bad_debt", ""),
    ("6200", "Interest on customer deposits", "expense", "deposit_interest", ""),
    ("6900", "Rounding differences", "expense", "rounding", ""),
]


def install_default_chart(ledger_account_model) -> int:
    """Create the accounts of the default chart that are missing (by code)."""
    created = 0
    for code, name, kind, role, method in DEFAULT_CHART:
        _, made = ledger_account_model.objects.get_or_create(
            code=code, defaults={"name": name, "kind": kind, "role": role, "payment_method": method}
        )
        created += made
    return created
