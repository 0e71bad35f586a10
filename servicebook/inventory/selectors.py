"""Reads of the inventory app, each starting from what the user may see: staff holding
`inventory.view` see the whole store; nobody else sees any of it. Prices are in pricing.py
(`prices_for`)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import QuerySet, Sum
from django.shortcuts import get_object_or_404

from servicebook.core.permissions import has_capability, require_capability
from servicebook.users.roles import Cap

from .models import (
    Item,
    PriceList,
    PurchaseOrder,
    SalesOrder,
    StockLevel,
    StockMove,
    Vendor,
    Warehouse,
)


def _check(user) -> None:
    require_capability(user, Cap.INVENTORY_VIEW)


def items_visible_to(user) -> QuerySet[Item]:
    if not has_capability(user, Cap.INVENTORY_VIEW):
        return Item.objects.none()
    return Item.objects.select_related("catalog_item", "preferred_vendor").annotate(
        on_hand_total=Sum("levels__on_hand"), reserved_total=Sum("levels__reserved")
    )


def item_get(*, user, pk: int) -> Item:
    return get_object_or_404(items_visible_to(user), pk=pk)


def vendors_visible_to(user) -> QuerySet[Vendor]:
    if not has_capability(user, Cap.INVENTORY_VIEW):
        return Vendor.objects.none()
    return Vendor.objects.all()


def warehouses_visible_to(user) -> QuerySet[Warehouse]:
    if not has_capability(user, Cap.INVENTORY_VIEW):
        return Warehouse.objects.none()
    return Warehouse.objects.select_related("technician")


def price_lists_visible_to(user) -> QuerySet[PriceList]:
    if not has_capability(user, Cap.INVENTORY_VIEW):
        return PriceList.objects.none()
    return PriceList.objects.select_related("account")


def stock_levels_visible_to(user) -> QuerySet[StockLevel]:
    if not has_capability(user, Cap.INVENTORY_VIEW):
        return StockLevel.objects.none()
    return StockLevel.objects.select_related("item__catalog_item", "warehouse")


def stock_moves_visible_to(user) -> QuerySet[StockMove]:
    if not has_capability(user, Cap.INVENTORY_VIEW):
        return StockMove.objects.none()
    return StockMove.objects.select_related(
        "item__catalog_item", "from_warehouse", "to_warehouse", "actor"
    )


def purchase_orders_visible_to(user) -> QuerySet[PurchaseOrder]:
    if not has_capability(user, Cap.INVENTORY_VIEW):
        return PurchaseOrder.objects.none()
    return PurchaseOrder.objects.select_related("vendor", "deliver_to")


def sales_orders_visible_to(user) -> QuerySet[SalesOrder]:
    if not has_capability(user, Cap.INVENTORY_VIEW):
        return SalesOrder.objects.none()
    return SalesOrder.objects.select_related("account", "warehouse", "invoice")


@dataclass(frozen=True)
class ReorderRow:
    """An item at or below its reorder point, and how much to order."""

    item: Item
    on_hand: Decimal
    order_quantity: Decimal


def items_to_reorder() -> list[ReorderRow]:
    """Items whose stock on hand across every location is at or below their reorder point
    (an item with a reorder point of zero is reordered only when none is left). One query."""
    rows = []
    for item in (
        Item.objects.select_related("catalog_item", "preferred_vendor")
        .annotate(total=Sum("levels__on_hand"))
        .order_by("preferred_vendor__name", "sku")
    ):
        on_hand = item.total or Decimal("0")
        if item.reorder_quantity > 0 and on_hand <= item.reorder_point:
            rows.append(ReorderRow(item, on_hand, item.reorder_quantity))
    return rows


def account_sales_orders(account, *, limit: int = 5) -> list[SalesOrder]:
    """The account's latest parts sales (the account page's box), one query."""
    return list(
        SalesOrder.objects.filter(account=account).select_related("invoice").order_by("-id")[:limit]
    )
