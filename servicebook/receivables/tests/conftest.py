"""A small hand-built book: open debits on both sides of every bucket edge, partly paid and
partly disputed items, an item without a due date, closed items and credits that must not
count, across customer classes and lines of business."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from servicebook.core.testing.factories import make_account, make_user
from servicebook.customers.models import Account
from servicebook.ledger.models import OpenItem
from servicebook.ledger.services import allocate, open_item_create

AS_OF = dt.date(2026, 11, 20)
D = Decimal


def debit(account, amount, *, days_late=None, issued_days_ago=None, reference=None):
    """An open invoice `days_late` days past its due date on AS_OF (None: no due date),
    issued `issued_days_ago` days before AS_OF (default: 20 days before its due date)."""
    due = None if days_late is None else AS_OF - dt.timedelta(days=days_late)
    if issued_days_ago is not None:
        issued = AS_OF - dt.timedelta(days=issued_days_ago)
    else:
        issued = (due or AS_OF) - dt.timedelta(days=20)
    debit.n += 1
    return open_item_create(
        account=account,
        kind="debit",
        document_type="invoice",
        reference=reference or f"INV-{debit.n}",
        amount=D(amount),
        issued_on=issued,
        due_date=due,
    )


debit.n = 0


def pay(item, amount):
    """Part of the item paid: a payment credit allocated to it."""
    credit = open_item_create(
        account=item.account,
        kind="credit",
        document_type="payment",
        reference=f"PAY-{item.pk}",
        amount=D(amount),
        issued_on=AS_OF,
    )
    allocate(debit=item, credit=credit, amount=D(amount))


def dispute(item, amount):
    OpenItem.objects.filter(pk=item.pk).update(disputed_amount=D(amount))


@pytest.fixture
def admin(db):
    return make_user("admin")


@pytest.fixture
def book(admin):
    """Accounts keyed by name. Every edge of the default buckets [0, 30, 60, 90, 120] has an
    item on each side, for both bases (invoices are issued 20 days before they are due)."""
    home = make_account(actor=admin, last_name="Edges")
    shop = make_account(actor=admin, last_name="Shop", line_of_business="telecom")
    plant = make_account(actor=admin, last_name="Plant", line_of_business="field_service")
    quiet = make_account(actor=admin, last_name="Quiet")  # only a fully disputed item
    paid = make_account(actor=admin, last_name="Paid")  # everything settled
    Account.objects.filter(pk=shop.pk).update(customer_class="commercial")
    Account.objects.filter(pk=plant.pk).update(customer_class="industrial")
    Account.objects.filter(pk=quiet.pk).update(customer_class="commercial")

    for n, days in enumerate([-10, 0, 1, 30, 31, 60, 61, 90, 91, 120, 121, 400]):
        debit(home, f"{10 + n}.{n:02d}", days_late=days)
    debit(home, "7.77")  # no due date: current whatever the basis date says
    # The shop: partly paid, partly disputed, and disputed beyond what is still open.
    a = debit(shop, "100.00", days_late=45)
    pay(a, "25.50")  # 74.50 open
    dispute(a, "20.00")  # 54.50 aged in 31-60, 20.00 disputed
    b = debit(shop, "80.00", days_late=130)
    pay(b, "60.00")  # 20.00 open
    dispute(b, "50.00")  # disputed 50 > open 20: nothing aged, 20.00 disputed
    debit(shop, "0.01", days_late=5)
    # The plant: invoice-date basis makes a difference (issued long before due).
    debit(plant, "300.00", days_late=-15, issued_days_ago=95)
    debit(plant, "45.45", days_late=29, issued_days_ago=31)
    # Quiet: its only debt is disputed, so it sits in no bucket.
    c = debit(quiet, "60.00", days_late=200)
    dispute(c, "60.00")
    # Paid: a settled invoice and a spare credit, neither aged.
    d = debit(paid, "33.00", days_late=70)
    pay(d, "33.00")
    open_item_create(
        account=paid,
        kind="credit",
        document_type="payment",
        reference="PAY-SPARE",
        amount=D("12.00"),
        issued_on=AS_OF,
    )
    return {"home": home, "shop": shop, "plant": plant, "quiet": quiet, "paid": paid}
