"""book_aging (one set-based query) against the ledger's per-account aging_of (Python over
each item): the same figures to the cent, on every bucket edge, both bases, any as-of day."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from servicebook.core.testing.factories import make_user
from servicebook.customers.models import Account
from servicebook.ledger.models import OpenItem
from servicebook.ledger.selectors import aging_buckets, aging_of
from servicebook.receivables.selectors import book_aging

from .conftest import AS_OF

D = Decimal


def expected_from_ledger(as_of, basis, accounts=None):
    """The book's figures by summing the ledger's own per-account aging."""
    labels = [label for label, _, _ in aging_buckets()]
    amounts = {label: D("0.00") for label in labels}
    counts = dict.fromkeys(labels, 0)
    disputed, disputed_accounts = D("0.00"), 0
    for account in accounts if accounts is not None else Account.objects.all():
        aging = aging_of(OpenItem.objects.filter(account=account), as_of=as_of, basis=basis)
        for label, amount in aging.buckets.items():
            amounts[label] += amount
        owing = [label for label in labels if aging.buckets[label] > 0]
        if owing:
            counts[owing[-1]] += 1  # counted once, in its oldest bucket
        disputed += aging.disputed
        disputed_accounts += aging.disputed > 0
    return amounts, counts, disputed, disputed_accounts


def assert_agrees(result, as_of, basis, accounts=None):
    amounts, counts, disputed, disputed_accounts = expected_from_ledger(as_of, basis, accounts)
    assert result.buckets == amounts
    assert result.accounts == counts
    assert result.disputed == disputed
    assert result.disputed_accounts == disputed_accounts
    assert result.total == sum(amounts.values())


def test_the_book_puts_each_edge_in_its_bucket(book, admin):
    result = book_aging(user=admin, as_of=AS_OF)
    # Home: -10, 0 and no due date are current; then 1 and 30; 31 and 60; ... 121 and 400.
    # The shop's 54.50 is 74.50 open less 20.00 disputed; the plant's 300.00 is not yet due.
    assert result.buckets == {
        "current": D("10.00") + D("11.01") + D("7.77") + D("300.00"),
        "1-30": D("12.02") + D("13.03") + D("0.01") + D("45.45"),
        "31-60": D("14.04") + D("15.05") + D("54.50"),
        "61-90": D("16.06") + D("17.07"),
        "91-120": D("18.08") + D("19.09"),
        "121+": D("20.10") + D("21.11"),
    }
    # Home is in 121+, the shop in 31-60 (its 121+ item is all disputed), the plant in 1-30.
    assert result.accounts == {
        "current": 0,
        "1-30": 1,
        "31-60": 1,
        "61-90": 0,
        "91-120": 0,
        "121+": 1,
    }
    assert result.disputed == D("20.00") + D("20.00") + D("60.00")
    assert result.disputed_accounts == 2
    assert_agrees(result, AS_OF, "due_date")


@pytest.mark.parametrize("basis", ["due_date", "invoice_date"])
@pytest.mark.parametrize("shift", [-1, 0, 1, 20, 21, 45, 100])
def test_the_book_agrees_with_the_ledgers_aging_of_each_account(book, admin, basis, shift):
    as_of = AS_OF + dt.timedelta(days=shift)
    assert_agrees(book_aging(user=admin, as_of=as_of, basis=basis), as_of, basis)


def test_invoice_date_basis_ages_from_the_issue_date(book, admin):
    plant = {"user": admin, "as_of": AS_OF, "line_of_business": "field_service"}
    by_due = book_aging(**plant)
    by_invoice = book_aging(**plant, basis="invoice_date")
    # The plant's 300.00 is not due for 15 days but was issued 95 days ago; its 45.45 is
    # 29 days past due and was issued 31 days ago.
    assert (by_due.buckets["current"], by_due.buckets["1-30"]) == (D("300.00"), D("45.45"))
    assert by_invoice.buckets["91-120"] == D("300.00")
    assert by_invoice.buckets["31-60"] == D("45.45")
    assert by_invoice.accounts["91-120"] == 1 and by_due.accounts["1-30"] == 1
    assert by_invoice.basis == "invoice_date"


def test_other_bucket_edges_from_the_settings(book, admin, settings):
    settings.AGING_BUCKETS = [0, 15, 45]
    result = book_aging(user=admin, as_of=AS_OF)
    assert list(result.buckets) == ["current", "1-15", "16-45", "46+"]
    assert_agrees(result, AS_OF, "due_date")


def test_filters_narrow_the_book(book, admin):
    result = book_aging(user=admin, as_of=AS_OF, customer_class="commercial")
    assert_agrees(result, AS_OF, "due_date", [book["shop"], book["quiet"]])
    result = book_aging(user=admin, as_of=AS_OF, line_of_business="field_service")
    assert_agrees(result, AS_OF, "due_date", [book["plant"]])
    assert result.total == D("345.45")


def test_breakdown_by_customer_class_adds_up_to_the_book(book, admin):
    whole = book_aging(user=admin, as_of=AS_OF)
    split = book_aging(user=admin, as_of=AS_OF, group_by="customer_class")
    assert [key for key, _, _ in split.groups] == ["residential", "commercial", "industrial"]
    assert split.buckets == whole.buckets
    assert split.accounts == whole.accounts
    assert split.disputed == whole.disputed
    groups = {key: part for key, _, part in split.groups}
    assert_agrees(groups["commercial"], AS_OF, "due_date", [book["shop"], book["quiet"]])
    assert_agrees(groups["residential"], AS_OF, "due_date", [book["home"], book["paid"]])


def test_an_empty_book_is_all_zeros(db, admin):
    result = book_aging(user=admin, as_of=AS_OF)
    assert result.total == D("0.00") and result.account_total == 0
    assert set(result.buckets.values()) == {D("0.00")}


@pytest.mark.parametrize("role", ["rep1", "dispatcher", "technician"])
def test_a_user_without_the_capability_sees_nothing(book, role):
    result = book_aging(user=make_user(role), as_of=AS_OF)
    assert result.total == D("0.00") and result.disputed == D("0.00")
    assert result.account_total == 0


@pytest.mark.parametrize("role", ["billing", "collections", "supervisor"])
def test_back_office_roles_see_the_book(book, admin, role):
    mine = book_aging(user=make_user(role), as_of=AS_OF)
    assert mine.total == book_aging(user=admin, as_of=AS_OF).total > 0


def test_unknown_basis_or_grouping_is_refused(db, admin):
    with pytest.raises(ValueError):
        book_aging(user=admin, basis="posting_date")
    with pytest.raises(ValueError):
        book_aging(user=admin, group_by="status")


def test_the_book_is_one_query(book, admin, django_assert_num_queries):
    with django_assert_num_queries(1):
        book_aging(user=admin, as_of=AS_OF, group_by="line_of_business")
