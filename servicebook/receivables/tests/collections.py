"""Helpers for the collections tests: a policy with every step kind, and debts issued
through billing so the ledger verifies afterwards."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from servicebook.core.testing.factories import make_catalog_item, make_invoice
from servicebook.customers.models import Account
from servicebook.ledger.models import OpenItem
from servicebook.receivables.services import StepInput, collection_policy_save

D = Decimal
TERMS = 21  # settings.BILLING_TERMS_DAYS in the tests

LETTER = (
    "Dear {customer}, account {account_number}: {amount_due} is past due on {step_date}.\n"
    "{items}\nFee: {fee}"
)


def default_steps(**overrides) -> list[StepInput]:
    steps = [
        StepInput("reminder", "10.00", 5, letter_template=LETTER),
        StepInput("past_due_notice", "10.00", 10, letter_template=LETTER),
        StepInput("disconnect_notice", "50.00", 10, fee_amount="5.00", letter_template=LETTER),
        StepInput("nonpay_work_order", "50.00", 12),
        StepInput("disconnection", "50.00", 0),
        StepInput("final_bill", "50.00", 30),
        StepInput("write_off", "50.00", 60),
        StepInput("agency_referral", "50.00", 0),
    ]
    return steps


def make_collection_policy(actor, *, customer_class="residential", jurisdiction="", **rules):
    rules.setdefault("notice_min_days", 10)
    rules.setdefault("notice_valid_days", 60)
    return collection_policy_save(
        name=f"{customer_class} {jurisdiction or 'default'}",
        customer_class=customer_class,
        jurisdiction=jurisdiction,
        steps=default_steps(),
        actor=actor,
        **rules,
    )


def owe(account: Account, amount: str, *, due: dt.date, actor) -> OpenItem:
    """An invoice of `amount` (no tax) falling due on `due`, issued through billing."""
    invoice = make_invoice(
        account=account,
        lines=[(make_catalog_item(price="1.00"), 1, D(amount))],
        actor=actor,
        issued_on=due - dt.timedelta(days=TERMS),
    )
    item = OpenItem.objects.get(source_type="invoice", source_id=invoice.number)
    assert item.due_date == due, (item.due_date, due)
    return item
