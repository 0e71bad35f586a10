"""Stock levels move only with a move row, never below zero unless the item allows it."""

from __future__ import annotations

from decimal import Decimal

import pytest

from servicebook.core.errors import ValidationFailed
from servicebook.core.testing.factories import make_technician, make_user, make_work_order
from servicebook.inventory import services
from servicebook.inventory.models import ImmutableError, StockLevel, StockMove


def _level(item, warehouse):
    return StockLevel.objects.get(item=item, warehouse=warehouse)


def test_receipt_then_transfer_to_a_van(item, store, manager, admin):
    tech = make_technician(actor=admin)
    van = services.warehouse_create(
        code="van-1", name="Van 1", kind="van", technician=tech, actor=manager
    )
    services.stock_receive(item=item, warehouse=store, quantity="10", actor=manager)
    out, into = services.stock_transfer(
        item=item, from_warehouse=store, to_warehouse=van, quantity="4", actor=manager
    )
    assert (out.kind, into.kind) == ("transfer_out", "transfer_in")
    assert _level(item, store).on_hand == Decimal("6")
    assert _level(item, van).on_hand == Decimal("4")


def test_stock_never_goes_negative_and_nothing_is_written(item, store, manager):
    services.stock_receive(item=item, warehouse=store, quantity="1", actor=manager)
    other = services.warehouse_create(code="b", name="Branch", actor=manager)
    moves = StockMove.objects.count()
    with pytest.raises(ValidationFailed) as exc:
        services.stock_transfer(
            item=item, from_warehouse=store, to_warehouse=other, quantity="2", actor=manager
        )
    assert "Only 1 of FLT-16 available" in exc.value.errors["quantity"][0]
    assert _level(item, store).on_hand == Decimal("1")
    assert StockMove.objects.count() == moves


def test_an_item_that_allows_negative_stock_goes_below_zero(item, store, manager):
    services.item_update(item=item, allow_negative=True, actor=manager)
    item.refresh_from_db()
    other = services.warehouse_create(code="b", name="Branch", actor=manager)
    services.stock_transfer(
        item=item, from_warehouse=store, to_warehouse=other, quantity="2", actor=manager
    )
    assert _level(item, store).on_hand == Decimal("-2")


def test_use_on_a_work_order_takes_stock_and_adds_a_priced_part_line(item, store, manager, account):
    services.stock_receive(item=item, warehouse=store, quantity="3", actor=manager)
    wo = make_work_order(account=account, actor=manager)
    move = services.stock_use_on_work_order(
        work_order=wo, item=item, warehouse=store, quantity="2", actor=manager
    )
    assert move.kind == "work_order" and move.work_order == wo
    assert _level(item, store).on_hand == Decimal("1")
    (line,) = wo.lines.all()
    assert (line.kind, line.quantity, line.unit_price) == ("part", Decimal("2"), Decimal("20"))


def test_count_adjusts_and_records_the_difference(item, store, manager):
    services.stock_receive(item=item, warehouse=store, quantity="10", actor=manager)
    move = services.stock_adjust(
        item=item, warehouse=store, counted="7.5", reason="Cycle count", actor=manager
    )
    assert (move.kind, move.quantity, move.from_warehouse) == ("adjustment", Decimal("2.5"), store)
    assert _level(item, store).on_hand == Decimal("7.5")


def test_moves_are_immutable(item, store, manager):
    move = services.stock_receive(item=item, warehouse=store, quantity="1", actor=manager)
    move.quantity = Decimal("5")
    with pytest.raises(ImmutableError):
        move.save()
    with pytest.raises(ImmutableError):
        move.delete()


def test_a_van_needs_a_technician_and_labour_is_not_stocked(manager, labour):
    with pytest.raises(ValidationFailed) as exc:
        services.warehouse_create(code="v", name="Van", kind="van", actor=manager)
    assert "technician" in exc.value.errors
    with pytest.raises(ValidationFailed) as exc:
        services.item_create(catalog_item=labour, sku="L1", actor=manager)
    assert "catalog_item" in exc.value.errors


def test_a_representative_may_not_move_stock(item, store):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.stock_receive(item=item, warehouse=store, quantity="1", actor=make_user("rep1"))
    assert not StockMove.objects.exists()
