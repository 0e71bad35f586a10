"""The demo steps of inventory, contracts and quotes (as seed-demo runs them, in that order)
on three fresh accounts: what `make run` shows, through the services, and a second run adds
nothing twice."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone

from servicebook.billing import demo as billing_demo
from servicebook.billing.models import BillCycle
from servicebook.billing.services import billing_profile_set
from servicebook.contracts import demo as contracts_demo
from servicebook.contracts.models import CustomerPO, ServiceContract
from servicebook.core.testing.factories import make_account
from servicebook.customers.models import Account
from servicebook.demo.services import demo_users_ensure
from servicebook.inventory import demo as inventory_demo
from servicebook.inventory.models import Item, SalesOrder, StockLevel, Warehouse
from servicebook.quotes import demo as quotes_demo
from servicebook.quotes.models import Quote, QuoteLine

pytestmark = pytest.mark.django_db


def _counts() -> tuple[int, ...]:
    return tuple(
        m.objects.count()
        for m in (Item, Warehouse, SalesOrder, ServiceContract, CustomerPO, Quote, QuoteLine)
    )


def test_demo_steps_seed_contracts_quotes_and_stock_once(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    users = demo_users_ensure()
    billing_demo.reference_ensure()
    cycle = BillCycle.objects.get(number=1)
    ids = []
    for _ in range(3):
        account = make_account(actor=users["demo.admin"])
        billing_profile_set(account=account, cycle=cycle, actor=users["demo.admin"])
        ids.append(account.pk)
    accounts = Account.objects.filter(pk__in=ids)
    log: list[str] = []

    def run_steps():
        for module in (inventory_demo, contracts_demo, quotes_demo):
            module.seed_demo(seed=7, now=timezone.now(), accounts=accounts, log=log.append)

    run_steps()

    main = Warehouse.objects.get(code="MAIN")
    assert StockLevel.objects.get(item__sku="AF-16251", warehouse=main).on_hand == Decimal("78")
    assert SalesOrder.objects.get().status == "invoiced"  # the counter sale
    first, second, third = (
        ServiceContract.objects.filter(account_id=pk).get() for pk in sorted(ids)
    )
    assert (first.status, second.status, third.status) == ("active", "active", "draft")
    assert first.price_list is not None and first.coverage_lines.count() == 4
    assert CustomerPO.objects.get(contract=first).amount_authorised == Decimal("1500.00")
    assert sorted(Quote.objects.values_list("status", flat=True)) == [
        "converted",
        "draft",
        "sent",
    ]
    thermostat = QuoteLine.objects.get(
        option__quote__account_id=first.account_id, catalog_item__code="thermostat"
    )
    assert (thermostat.unit_price, thermostat.price_source) == (Decimal("115.00"), "contract")
    assert Quote.objects.get(status="converted").converted_work_order is not None
    before = _counts()

    run_steps()

    assert _counts() == before
