"""Fixtures of the inventory tests: a store manager, a seller, an account on cycle 1, a
taxed part kept in stock at a store room, and a labour item."""

from __future__ import annotations

import datetime as dt

import pytest

from servicebook.billing.models import BillCycle
from servicebook.billing.services import billing_profile_set
from servicebook.core.testing.factories import (
    make_account,
    make_catalog_item,
    make_tax_code,
    make_user,
)
from servicebook.inventory import services

TODAY = dt.date(2026, 11, 23)


@pytest.fixture
def admin(db):
    return make_user("admin")


@pytest.fixture
def manager(db):
    """A service administrator: keeps stock, buys, sells and invoices."""
    return make_user("service_admin")


@pytest.fixture
def account(admin):
    account = make_account(actor=admin)
    billing_profile_set(account=account, cycle=BillCycle.objects.get(number=1), actor=admin)
    return account


@pytest.fixture
def tax(db):
    return make_tax_code("standard", "0.0800")


@pytest.fixture
def part(tax):
    return make_catalog_item(
        "filter", kind="part", price="20.00", unit="each", tax_code=tax, revenue_code="4300"
    )


@pytest.fixture
def labour(tax):
    return make_catalog_item("labour-hour", kind="labour", price="95.00", tax_code=tax)


@pytest.fixture
def store(manager):
    return services.warehouse_create(code="main", name="Main store room", actor=manager)


@pytest.fixture
def item(part, manager):
    return services.item_create(
        catalog_item=part,
        sku="FLT-16",
        reorder_point="5",
        reorder_quantity="20",
        standard_cost="8.50",
        actor=manager,
    )
