"""Fixtures of the billing tests: a biller, an account on cycle 1, a small catalog."""

from __future__ import annotations

import pytest

from servicebook.billing.models import BillCycle
from servicebook.billing.services import billing_profile_set
from servicebook.core.testing.factories import (
    make_account,
    make_catalog_item,
    make_tax_code,
    make_user,
)


@pytest.fixture
def biller(db):
    return make_user("billing")


@pytest.fixture
def account(biller):
    account = make_account(actor=make_user("admin"))
    billing_profile_set(account=account, cycle=BillCycle.objects.get(number=1), actor=biller)
    return account


@pytest.fixture
def tax(db):
    return make_tax_code("standard", "0.0800")


@pytest.fixture
def labour(tax):
    return make_catalog_item("labour-hour", kind="labour", price="95.00", tax_code=tax)


@pytest.fixture
def part(tax):
    return make_catalog_item(
        "filter", kind="part", price="12.49", unit="each", tax_code=tax, revenue_code="4300"
    )


@pytest.fixture
def internet(tax):
    return make_catalog_item(
        "internet-100",
        kind="recurring",
        price="60.00",
        unit="month",
        tax_code=tax,
        revenue_code="4200",
    )
