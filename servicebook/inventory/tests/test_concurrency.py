"""Two counter sales of the last unit at the same moment: exactly one wins, stock stays at
zero, and the loser changed nothing. Real threads, real PostgreSQL transactions."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.db import connection, connections

from servicebook.billing.models import BillCycle
from servicebook.billing.services import billing_profile_set
from servicebook.core.errors import ServiceError
from servicebook.core.testing.factories import make_account, make_catalog_item, make_user
from servicebook.inventory import sales, services
from servicebook.inventory.models import StockLevel, StockMove
from servicebook.ledger.verify import ledger_verify


@pytest.mark.django_db(transaction=True)
def test_two_sales_of_the_last_unit_one_wins():
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers are a PostgreSQL test (SQLite serialises writers)")
    manager = make_user("service_admin")
    admin = make_user("admin")
    account = make_account(actor=admin)
    billing_profile_set(account=account, cycle=BillCycle.objects.get(number=1), actor=admin)
    part = make_catalog_item("last-one", kind="part", price="40.00", revenue_code="4300")
    store = services.warehouse_create(code="main", name="Main", actor=manager)
    item = services.item_create(catalog_item=part, sku="LAST-1", actor=manager)
    services.stock_receive(item=item, warehouse=store, quantity="1", actor=manager)
    orders = []
    for _ in range(2):
        order = sales.sales_order_create(account=account, warehouse=store, actor=manager)
        sales.sales_order_line_add(order=order, catalog_item=part, quantity="1", actor=manager)
        orders.append(order)
    barrier = threading.Barrier(2)
    results: list[object] = []

    def sell(order):
        try:
            barrier.wait()
            results.append(sales.sales_order_counter_sale(order=order, actor=manager))
        except ServiceError as exc:
            results.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=sell, args=(o,)) for o in orders]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    wins = [r for r in results if not isinstance(r, Exception)]
    losses = [r for r in results if isinstance(r, ServiceError)]
    assert len(wins) == 1 and len(losses) == 1
    assert "Only 0 of LAST-1 available" in losses[0].message
    level = StockLevel.objects.get(item=item, warehouse=store)
    assert (level.on_hand, level.reserved) == (Decimal("0"), Decimal("0"))
    assert StockMove.objects.filter(kind="sale").count() == 1
    assert sorted(o.status for o in type(orders[0]).objects.all()) == ["draft", "invoiced"]
    assert ledger_verify() == []
