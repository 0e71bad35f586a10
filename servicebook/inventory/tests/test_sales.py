"""Parts sales orders: reserve, fulfil, invoice through billing (the ledger verifies), the
counter sale, cancellation, and two concurrent sales of the last unit."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from servicebook.core.errors import ValidationFailed
from servicebook.core.testing.factories import make_user
from servicebook.inventory import sales, services
from servicebook.inventory.models import StockLevel, StockMove
from servicebook.ledger.verify import ledger_verify


def _level(item, store):
    return StockLevel.objects.get(item=item, warehouse=store)


def _draft(account, store, part, manager, qty="2"):
    order = sales.sales_order_create(account=account, warehouse=store, actor=manager)
    sales.sales_order_line_add(order=order, catalog_item=part, quantity=qty, actor=manager)
    order.refresh_from_db()
    return order


def test_confirm_reserves_fulfil_moves_invoice_issues(account, store, item, part, labour, manager):
    services.stock_receive(item=item, warehouse=store, quantity="5", actor=manager)
    order = _draft(account, store, part, manager)
    sales.sales_order_line_add(order=order, catalog_item=labour, quantity="1", actor=manager)
    order = sales.sales_order_confirm(order=order, actor=manager)
    assert _level(item, store).reserved == Decimal("2")
    order = sales.sales_order_fulfil(order=order, actor=manager)
    level = _level(item, store)
    assert (level.on_hand, level.reserved) == (Decimal("3"), Decimal("0"))
    invoice = sales.sales_order_invoice(order=order, actor=manager)
    assert invoice.status == "issued" and invoice.total == Decimal("145.80")  # 135 + 8% tax
    order.refresh_from_db()
    assert order.status == "invoiced" and order.invoice == invoice
    assert ledger_verify() == []


def test_counter_sale_does_it_all_or_nothing(account, store, item, part, manager):
    services.stock_receive(item=item, warehouse=store, quantity="1", actor=manager)
    order = _draft(account, store, part, manager, qty="2")
    with pytest.raises(ValidationFailed):
        sales.sales_order_counter_sale(order=order, actor=manager)
    order.refresh_from_db()
    assert order.status == "draft" and order.invoice is None
    assert _level(item, store).reserved == Decimal("0")
    services.stock_receive(item=item, warehouse=store, quantity="1", actor=manager)
    invoice = sales.sales_order_counter_sale(order=order, actor=manager)
    assert invoice.number.startswith("INV-")
    assert _level(item, store).on_hand == Decimal("0")
    assert StockMove.objects.filter(kind="sale", sales_order=order).count() == 1
    assert ledger_verify() == []


def test_cancel_releases_the_reservation(account, store, item, part, manager):
    services.stock_receive(item=item, warehouse=store, quantity="5", actor=manager)
    order = sales.sales_order_confirm(order=_draft(account, store, part, manager), actor=manager)
    sales.sales_order_cancel(order=order, actor=manager)
    assert _level(item, store).reserved == Decimal("0")


def test_reservations_count_against_what_is_available(account, store, item, part, manager):
    services.stock_receive(item=item, warehouse=store, quantity="3", actor=manager)
    sales.sales_order_confirm(order=_draft(account, store, part, manager), actor=manager)
    with pytest.raises(ValidationFailed) as exc:
        sales.sales_order_confirm(order=_draft(account, store, part, manager), actor=manager)
    assert "Only 1 of FLT-16 available" in exc.value.errors["quantity"][0]


def test_a_representative_finishes_a_counter_sale_alone_but_cannot_write_invoices(
    account, store, item, part, manager
):
    from servicebook.billing import services as billing

    services.stock_receive(item=item, warehouse=store, quantity="3", actor=manager)
    rep = make_user("rep1")
    order = _draft(account, store, part, rep, qty="1")
    invoice = sales.sales_order_counter_sale(order=order, actor=rep)
    assert invoice.status == "issued"
    assert [(line.catalog_item_id, line.quantity) for line in invoice.lines.all()] == [
        (part.pk, Decimal("1"))
    ]
    with pytest.raises(PermissionDenied):
        billing.invoice_create_draft(account=account, actor=rep)
    collector = make_user("collections")
    order = _draft(account, store, part, manager, qty="1")
    with pytest.raises(PermissionDenied):
        sales.sales_order_counter_sale(order=order, actor=collector)
    assert ledger_verify() == []
