"""Writes of the inventory app: items, vendors, price lists, warehouses and stock moves.
Purchase orders live in purchasing.py, sales orders in sales.py.

Every public service checks the actor's capability, validates (ValidationFailed naming the
field), writes and audits in one transaction. Stock levels change only here, through
`_take` and `_put`: F() updates whose WHERE clause carries the guard (compare-and-set), so
two sales of the last unit cannot both succeed, whatever the database.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import F
from django.db.models.functions import Round

from servicebook.billing.choices import ItemKind
from servicebook.billing.models import CatalogItem
from servicebook.core.audit import audit_created, audit_record, audit_updated, snapshot
from servicebook.core.errors import ValidationFailed
from servicebook.core.money import to_money
from servicebook.core.permissions import has_capability, require_capability
from servicebook.customers.models import Account
from servicebook.users.roles import Cap

from .choices import MoveKind, VendorKind, WarehouseKind
from .models import (
    QTY,
    Item,
    PriceList,
    PriceListLine,
    StockLevel,
    StockMove,
    Vendor,
    Warehouse,
)

MAX_QTY = Decimal("999999999")
QTY_PLACES = Decimal("0.001")


def _round_qty(expression):
    # SQLite keeps decimals as binary floats: round every update to the field's places so
    # 0.1 + 0.2 stays 0.3 and a comparison with the guard is exact.
    from django.db.models import DecimalField

    return Round(expression, 3, output_field=DecimalField(**QTY))


def parse_quantity(value, field: str = "quantity", *, allow_zero: bool = False) -> Decimal:
    """A positive quantity with at most three decimals, or ValidationFailed naming `field`."""
    try:
        qty = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValidationFailed({field: ["Enter a number."]}) from None
    if not qty.is_finite() or qty < 0 or (qty == 0 and not allow_zero):
        raise ValidationFailed({field: ["Enter a quantity above zero."]})
    if qty > MAX_QTY:
        raise ValidationFailed({field: ["That quantity is too large."]})
    if qty != qty.quantize(QTY_PLACES):
        raise ValidationFailed({field: ["Use at most three decimal places."]})
    return qty


def parse_money(value, field: str, *, allow_negative: bool = False) -> Decimal:
    if isinstance(value, float):
        value = str(value)
    try:
        amount = to_money(str(value).strip() if not isinstance(value, Decimal) else value)
    except (ValueError, TypeError):
        raise ValidationFailed({field: ["Enter an amount."]}) from None
    if amount < 0 and not allow_negative:
        raise ValidationFailed({field: ["Enter an amount of zero or more."]})
    if abs(amount) >= Decimal("1000000000000"):
        raise ValidationFailed({field: ["That amount is too large."]})
    return amount


# --- Vendors ----------------------------------------------------------------------------------


@transaction.atomic
def vendor_create(
    *,
    code: str,
    name: str,
    kind: str = VendorKind.VENDOR,
    email: str = "",
    phone: str = "",
    address: str = "",
    subcontractor=None,
    actor,
) -> Vendor:
    """Add a vendor or subcontractor company we buy from."""
    require_capability(actor, Cap.INVENTORY_PURCHASE)
    errors: dict[str, list[str]] = {}
    code, name = (code or "").strip(), (name or "").strip()
    if not code:
        errors["code"] = ["Give the vendor a code."]
    elif Vendor.objects.filter(code=code).exists():
        errors["code"] = ["A vendor with that code exists."]
    if not name:
        errors["name"] = ["Give the vendor's name."]
    if kind not in VendorKind.values:
        errors["kind"] = ["Choose vendor or subcontractor."]
    if subcontractor is not None and kind != VendorKind.SUBCONTRACTOR:
        errors["subcontractor"] = ["Only a subcontractor vendor names a subcontractor."]
    if errors:
        raise ValidationFailed(errors)
    vendor = Vendor.objects.create(
        code=code,
        name=name,
        kind=kind,
        email=(email or "").strip(),
        phone=(phone or "").strip(),
        address=address or "",
        subcontractor=subcontractor,
    )
    audit_created(actor=actor, obj=vendor)
    return vendor


# --- Items --------------------------------------------------------------------------------------


ITEM_FIELDS = (
    "sku",
    "vendor_part_number",
    "preferred_vendor",
    "reorder_point",
    "reorder_quantity",
    "standard_cost",
    "allow_negative",
)


def _item_values(changes: dict, errors: dict) -> dict:
    values = dict(changes)
    for name in ("reorder_point", "reorder_quantity"):
        if name in values:
            try:
                values[name] = parse_quantity(values[name], name, allow_zero=True)
            except ValidationFailed as exc:
                errors.update(exc.errors)
    if "standard_cost" in values:
        try:
            values["standard_cost"] = parse_money(values["standard_cost"], "standard_cost")
        except ValidationFailed as exc:
            errors.update(exc.errors)
    if "sku" in values:
        values["sku"] = (values["sku"] or "").strip()
        if not values["sku"]:
            errors["sku"] = ["Give the item a SKU."]
        elif len(values["sku"]) > 40:
            errors["sku"] = ["Keep the SKU within 40 characters."]
    return values


@transaction.atomic
def item_create(
    *,
    catalog_item: CatalogItem,
    sku: str,
    vendor_part_number: str = "",
    preferred_vendor: Vendor | None = None,
    reorder_point=0,
    reorder_quantity=0,
    standard_cost="0.00",
    allow_negative: bool = False,
    actor,
) -> Item:
    """Keep stock of a catalog part: one inventory item per catalog item of kind part."""
    require_capability(actor, Cap.INVENTORY_MANAGE)
    errors: dict[str, list[str]] = {}
    if catalog_item.kind != ItemKind.PART:
        errors["catalog_item"] = ["Only parts are kept in stock; labour and fees are not."]
    elif Item.objects.filter(catalog_item=catalog_item).exists():
        errors["catalog_item"] = ["That part is already a stock item."]
    values = _item_values(
        {
            "sku": sku,
            "reorder_point": reorder_point,
            "reorder_quantity": reorder_quantity,
            "standard_cost": standard_cost,
        },
        errors,
    )
    if "sku" not in errors and Item.objects.filter(sku=values["sku"]).exists():
        errors["sku"] = ["Another item has that SKU."]
    if errors:
        raise ValidationFailed(errors)
    item = Item.objects.create(
        catalog_item=catalog_item,
        vendor_part_number=(vendor_part_number or "").strip()[:60],
        preferred_vendor=preferred_vendor,
        allow_negative=bool(allow_negative),
        **values,
    )
    audit_created(actor=actor, obj=item)
    return item


@transaction.atomic
def item_update(*, item: Item, actor, **changes) -> Item:
    """Change an item's SKU, vendor part number, preferred vendor, reorder point and
    quantity, standard cost or negative-stock flag."""
    require_capability(actor, Cap.INVENTORY_MANAGE)
    unknown = set(changes) - set(ITEM_FIELDS)
    if unknown:
        raise ValidationFailed({sorted(unknown)[0]: ["This field cannot be changed."]})
    item = Item.objects.select_for_update(of=("self",)).get(pk=item.pk)
    errors: dict[str, list[str]] = {}
    values = _item_values(changes, errors)
    if (
        "sku" in values
        and "sku" not in errors
        and Item.objects.filter(sku=values["sku"]).exclude(pk=item.pk).exists()
    ):
        errors["sku"] = ["Another item has that SKU."]
    if errors:
        raise ValidationFailed(errors)
    before = snapshot(item, list(values))
    for name, value in values.items():
        setattr(item, name, value)
    item.save(update_fields=[*values, "updated_at"])
    audit_updated(actor=actor, obj=item, before=before)
    return item


# --- Price lists --------------------------------------------------------------------------------


@transaction.atomic
def price_list_create(
    *,
    name: str,
    valid_from: dt.date,
    customer_class: str = "",
    account: Account | None = None,
    valid_to: dt.date | None = None,
    priority: int = 0,
    actor,
) -> PriceList:
    """A price list for a customer class, or for one account (its contract prices)."""
    require_capability(actor, Cap.INVENTORY_MANAGE)
    errors: dict[str, list[str]] = {}
    from servicebook.customers.choices import CustomerClass

    if not (name or "").strip():
        errors["name"] = ["Name the price list."]
    if bool(account) == bool(customer_class):
        errors["customer_class"] = ["Choose either a customer class or an account."]
    elif customer_class and customer_class not in CustomerClass.values:
        errors["customer_class"] = ["Choose a customer class."]
    if valid_from is None:
        errors["valid_from"] = ["Give the first day it applies."]
    elif valid_to is not None and valid_to < valid_from:
        errors["valid_to"] = ["The last day comes after the first."]
    if errors:
        raise ValidationFailed(errors)
    price_list = PriceList.objects.create(
        name=name.strip()[:120],
        customer_class=customer_class or "",
        account=account,
        valid_from=valid_from,
        valid_to=valid_to,
        priority=int(priority or 0),
    )
    audit_created(actor=actor, obj=price_list)
    return price_list


def _line_values(*, unit_price, percent_off, min_quantity) -> dict:
    errors: dict[str, list[str]] = {}
    values: dict = {}
    has_price = unit_price not in (None, "")
    has_percent = percent_off not in (None, "")
    if has_price == has_percent:
        errors["unit_price"] = ["Give a unit price or a percent off, not both."]
    try:
        values["min_quantity"] = parse_quantity(
            "1" if min_quantity in (None, "") else min_quantity, "min_quantity"
        )
    except ValidationFailed as exc:
        errors.update(exc.errors)
    if has_price:
        try:
            values["unit_price"] = parse_money(unit_price, "unit_price")
        except ValidationFailed as exc:
            errors.update(exc.errors)
    if has_percent:
        try:
            percent = Decimal(str(percent_off).strip())
            if not (0 <= percent <= 100) or percent != percent.quantize(Decimal("0.01")):
                raise InvalidOperation
            values["percent_off"] = percent
        except (InvalidOperation, ValueError):
            errors["percent_off"] = ["Enter a percent between 0 and 100 (two decimals)."]
    if errors:
        raise ValidationFailed(errors)
    return values


@transaction.atomic
def price_list_line_set(
    *,
    price_list: PriceList,
    catalog_item: CatalogItem,
    unit_price=None,
    percent_off=None,
    min_quantity=1,
    actor,
) -> PriceListLine:
    """Set the price of an item on a list from a minimum quantity (a quantity break):
    a unit price or a percent off the catalog price. Setting it again replaces it."""
    require_capability(actor, Cap.INVENTORY_MANAGE)
    values = _line_values(unit_price=unit_price, percent_off=percent_off, min_quantity=min_quantity)
    line, _created = PriceListLine.objects.update_or_create(
        price_list=price_list,
        catalog_item=catalog_item,
        min_quantity=values.pop("min_quantity"),
        defaults={"unit_price": None, "percent_off": None, **values},
    )
    audit_record(
        actor=actor,
        action="set_price",
        obj=price_list,
        changes={"line": [None, f"{catalog_item.code} {line}"]},
    )
    return line


# --- Warehouses ----------------------------------------------------------------------------------


@transaction.atomic
def warehouse_create(
    *, code: str, name: str, kind: str = WarehouseKind.SITE, technician=None, actor
) -> Warehouse:
    """A site, or a van belonging to a technician (one van each)."""
    require_capability(actor, Cap.INVENTORY_MANAGE)
    errors: dict[str, list[str]] = {}
    code, name = (code or "").strip(), (name or "").strip()
    if not code:
        errors["code"] = ["Give the location a code."]
    elif Warehouse.objects.filter(code=code).exists():
        errors["code"] = ["A location with that code exists."]
    if not name:
        errors["name"] = ["Name the location."]
    if kind == WarehouseKind.VAN and technician is None:
        errors["technician"] = ["A van belongs to a technician."]
    elif kind == WarehouseKind.SITE and technician is not None:
        errors["technician"] = ["A site belongs to no technician."]
    elif kind not in WarehouseKind.values:
        errors["kind"] = ["Choose site or van."]
    if technician is not None and Warehouse.objects.filter(technician=technician).exists():
        errors["technician"] = ["That technician has a van already."]
    if errors:
        raise ValidationFailed(errors)
    warehouse = Warehouse.objects.create(code=code, name=name, kind=kind, technician=technician)
    audit_created(actor=actor, obj=warehouse)
    return warehouse


# --- Stock: the two guarded updates ---------------------------------------------------------------


def _ensure_levels(pairs: list[tuple[int, int]]) -> None:
    """Make sure a StockLevel row exists for each (item, warehouse); a concurrent insert of
    the same row is ignored (the unique constraint keeps one)."""
    StockLevel.objects.bulk_create(
        [StockLevel(item_id=i, warehouse_id=w) for i, w in pairs], ignore_conflicts=True
    )


def _take(item: Item, warehouse: Warehouse, qty: Decimal, *, from_reserved: bool = False) -> None:
    """Take stock out of a location. The guard sits in the UPDATE's WHERE: the row changes
    only if what is available (on hand less reserved; or on hand, when the quantity comes
    out of this order's own reservation) covers the quantity — unless the item may go
    negative. A row count of 0 means someone else got there first: refused, nothing written."""
    _ensure_levels([(item.pk, warehouse.pk)])
    rows = StockLevel.objects.filter(item_id=item.pk, warehouse_id=warehouse.pk)
    changes = {"on_hand": _round_qty(F("on_hand") - qty)}
    if from_reserved:
        changes["reserved"] = _round_qty(F("reserved") - qty)
        rows = rows.filter(reserved__gte=qty)
    if not item.allow_negative:
        rows = rows.filter(on_hand__gte=qty if from_reserved else F("reserved") + qty)
    if rows.update(**changes) != 1:
        level = StockLevel.objects.get(item_id=item.pk, warehouse_id=warehouse.pk)
        raise ValidationFailed(
            {
                "quantity": [
                    f"Only {level.available.normalize():f} of {item.sku} available at "
                    f"{warehouse.name}; {qty.normalize():f} asked."
                ]
            }
        )


def _put(item: Item, warehouse: Warehouse, qty: Decimal) -> None:
    _ensure_levels([(item.pk, warehouse.pk)])
    StockLevel.objects.filter(item_id=item.pk, warehouse_id=warehouse.pk).update(
        on_hand=_round_qty(F("on_hand") + qty)
    )


def _reserve(item: Item, warehouse: Warehouse, qty: Decimal) -> None:
    """Reserve stock for a confirmed order: the same compare-and-set as `_take`."""
    _ensure_levels([(item.pk, warehouse.pk)])
    rows = StockLevel.objects.filter(item_id=item.pk, warehouse_id=warehouse.pk)
    if not item.allow_negative:
        rows = rows.filter(on_hand__gte=F("reserved") + qty)
    if rows.update(reserved=_round_qty(F("reserved") + qty)) != 1:
        level = StockLevel.objects.get(item_id=item.pk, warehouse_id=warehouse.pk)
        raise ValidationFailed(
            {
                "quantity": [
                    f"Only {level.available.normalize():f} of {item.sku} available at "
                    f"{warehouse.name}; {qty.normalize():f} asked."
                ]
            }
        )


def _release(item: Item, warehouse: Warehouse, qty: Decimal) -> None:
    StockLevel.objects.filter(item_id=item.pk, warehouse_id=warehouse.pk).update(
        reserved=_round_qty(F("reserved") - qty)
    )


def _move(kind: str, item: Item, qty: Decimal, *, actor, **where) -> StockMove:
    return StockMove.objects.create(
        kind=kind,
        item=item,
        quantity=qty,
        actor=actor if getattr(actor, "pk", None) else None,
        **where,
    )


def _check_place(warehouse: Warehouse, field: str) -> None:
    if warehouse is None or not warehouse.active:
        raise ValidationFailed({field: ["Choose an active location."]})


# --- Stock moves --------------------------------------------------------------------------------


@transaction.atomic
def stock_receive(
    *,
    item: Item,
    warehouse: Warehouse,
    quantity,
    unit_cost=None,
    reference: str = "",
    purchase_order=None,
    actor,
) -> StockMove:
    """Stock arrives at a location (a delivery, a return to stock)."""
    require_capability(actor, Cap.INVENTORY_MANAGE)
    qty = parse_quantity(quantity)
    _check_place(warehouse, "warehouse")
    cost = parse_money(unit_cost, "unit_cost") if unit_cost not in (None, "") else None
    _put(item, warehouse, qty)
    move = _move(
        MoveKind.RECEIPT,
        item,
        qty,
        actor=actor,
        to_warehouse=warehouse,
        unit_cost=cost,
        reference=(reference or "")[:80],
        purchase_order=purchase_order,
    )
    audit_record(actor=actor, action="receive", obj=item, changes={"on_hand": [None, str(qty)]})
    return move


@transaction.atomic
def stock_transfer(
    *, item: Item, from_warehouse: Warehouse, to_warehouse: Warehouse, quantity, actor
) -> tuple[StockMove, StockMove]:
    """Move stock between locations (the store room to a van): an out row and an in row."""
    require_capability(actor, Cap.INVENTORY_MANAGE)
    qty = parse_quantity(quantity)
    _check_place(from_warehouse, "from_warehouse")
    _check_place(to_warehouse, "to_warehouse")
    if from_warehouse.pk == to_warehouse.pk:
        raise ValidationFailed({"to_warehouse": ["Choose a different location."]})
    _take(item, from_warehouse, qty)
    _put(item, to_warehouse, qty)
    reference = f"{from_warehouse.code}->{to_warehouse.code}"
    out = _move(
        MoveKind.TRANSFER_OUT,
        item,
        qty,
        actor=actor,
        from_warehouse=from_warehouse,
        to_warehouse=to_warehouse,
        reference=reference,
    )
    into = _move(
        MoveKind.TRANSFER_IN,
        item,
        qty,
        actor=actor,
        from_warehouse=from_warehouse,
        to_warehouse=to_warehouse,
        reference=reference,
    )
    audit_record(actor=actor, action="transfer", obj=item, changes={"moved": [None, reference]})
    return out, into


@transaction.atomic
def stock_adjust(*, item: Item, warehouse: Warehouse, counted, reason: str, actor) -> StockMove:
    """Set a location's on-hand quantity to what was counted; the difference is an
    adjustment move (in or out) with the reason."""
    require_capability(actor, Cap.INVENTORY_MANAGE)
    counted_qty = parse_quantity(counted, "counted", allow_zero=True)
    if not (reason or "").strip():
        raise ValidationFailed({"reason": ["Say why the count differs."]})
    _ensure_levels([(item.pk, warehouse.pk)])
    level = StockLevel.objects.select_for_update().get(item=item, warehouse=warehouse)
    difference = counted_qty - level.on_hand
    if difference == 0:
        raise ValidationFailed({"counted": ["That is what the system holds already."]})
    # Compare-and-set against the quantity read, so a sale between the read and the write
    # makes this count fail rather than silently overwrite it.
    updated = StockLevel.objects.filter(pk=level.pk, on_hand=level.on_hand).update(
        on_hand=counted_qty
    )
    if updated != 1:
        raise ValidationFailed({"counted": ["Stock moved meanwhile; count again."]})
    where = {"to_warehouse": warehouse} if difference > 0 else {"from_warehouse": warehouse}
    move = _move(
        MoveKind.ADJUSTMENT, item, abs(difference), actor=actor, note=reason.strip()[:200], **where
    )
    audit_record(
        actor=actor,
        action="count",
        obj=item,
        changes={"on_hand": [str(level.on_hand), str(counted_qty)]},
        message=reason.strip()[:200],
    )
    return move


@transaction.atomic
def stock_use_on_work_order(
    *, work_order, item: Item, warehouse: Warehouse, quantity, actor
) -> StockMove:
    """A part used on a work order: out of the location (usually the technician's van) and
    onto the work order as a part line at the account's price (prices_for)."""
    from servicebook.workorders.services import workorder_line_add

    if not (
        has_capability(actor, Cap.INVENTORY_MANAGE)
        or has_capability(actor, Cap.WORKORDERS_COMPLETE)
    ):
        require_capability(actor, Cap.INVENTORY_MANAGE)
    from django.utils import timezone

    from .pricing import prices_for

    qty = parse_quantity(quantity)
    _check_place(warehouse, "warehouse")
    catalog_item = item.catalog_item
    quote = prices_for(
        account=work_order.account, items_with_qty=[(catalog_item.pk, qty)], on=timezone.localdate()
    )[catalog_item.pk]
    _take(item, warehouse, qty)
    workorder_line_add(
        work_order=work_order,
        kind="part",
        description=catalog_item.name[:200],
        quantity=qty,
        unit=catalog_item.unit or "ea",
        unit_price=quote.unit_price,
        actor=actor,
    )
    move = _move(
        MoveKind.WORK_ORDER,
        item,
        qty,
        actor=actor,
        from_warehouse=warehouse,
        work_order=work_order,
        reference=str(getattr(work_order, "number", work_order.pk))[:80],
    )
    audit_record(
        actor=actor,
        action="use_on_work_order",
        obj=item,
        changes={"used": [None, f"{qty} on {move.reference}"]},
    )
    return move


def stock_on_hand(item_ids) -> dict[int, Decimal]:
    """Total on hand per item across every location (for the reorder check)."""
    from django.db.models import Sum

    rows = (
        StockLevel.objects.filter(item_id__in=item_ids)
        .values("item_id")
        .annotate(total=Sum("on_hand"))
        .values_list("item_id", "total")
    )
    return {item_id: total or Decimal("0") for item_id, total in rows}
