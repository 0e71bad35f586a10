"""Fixtures of the payments tests: the people who take and manage payments (with approval
limits as records), an account with invoices, and cards from the test gateway."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import pytest

from servicebook.core.testing.factories import (
    make_account,
    make_catalog_item,
    make_invoice,
    make_tax_code,
    make_user,
)
from servicebook.users.models import ApprovalLimit

D = Decimal
VISA = "4242 4242 4242 4242"
# A distinctive security code: the end-of-suite card scan looks for it everywhere.
VISA_CVC = "737"
DECLINED = "4000 0000 0000 0002"
NO_REFUNDS = "4000 0000 0000 5126"

LIMITS = {
    # role: (refund, adjustment)
    "rep1": ("50.00", "0.00"),
    "rep2": ("200.00", "0.00"),
    "billing": ("1000.00", "500.00"),
    "collections": ("500.00", "250.00"),
    "supervisor": ("10000.00", "5000.00"),
}
_keys = itertools.count(1)


def key(prefix: str = "k") -> str:
    """A fresh idempotency key."""
    return f"{prefix}-{next(_keys)}"


@pytest.fixture
def limits(db):
    """Approval limits as the demo seed writes them (records, not constants)."""
    for role, (refund, adjustment) in LIMITS.items():
        ApprovalLimit.objects.update_or_create(
            role=role, kind="refund", defaults={"max_amount": D(refund)}
        )
        ApprovalLimit.objects.update_or_create(
            role=role, kind="adjustment", defaults={"max_amount": D(adjustment)}
        )


@pytest.fixture
def rep(db, limits):
    return make_user("rep1")


@pytest.fixture
def rep2(db, limits):
    return make_user("rep2")


@pytest.fixture
def biller(db, limits):
    return make_user("billing")


@pytest.fixture
def supervisor(db, limits):
    return make_user("supervisor")


@pytest.fixture
def account(db):
    return make_account(actor=make_user("admin"))


@pytest.fixture
def other_account(db):
    return make_account(actor=make_user("admin"), first_name="Sam", phone="(720) 555-0100")


@pytest.fixture
def service_item(db):
    return make_catalog_item("service-call", price="1.00", tax_code=make_tax_code("exempt", "0"))


@pytest.fixture
def invoice(service_item):
    """Issue an invoice of `amount` on `account`, `days_ago` issued (due 21 days later)."""

    def make(account, amount, *, days_ago: int = 30):
        issued = dt.date.today() - dt.timedelta(days=days_ago)
        return make_invoice(account=account, lines=[(service_item, 1, D(amount))], issued_on=issued)

    return make
