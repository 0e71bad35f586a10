"""Parts sales orders from the account page: draft -> confirmed (reserves stock at the
order's warehouse) -> fulfilled (the stock moves out) -> invoiced (a billing invoice with
the order's lines, issued through billing's services) or cancelled (releases what was
reserved). The counter sale walks every step in one transaction.

Lines are priced by `pricing.prices_for` for the account on the day the line is added; the
explanation of the price stays on the line. Invoicing needs `billing.sales` besides
`inventory.sell`: the invoice carries exactly the order's priced lines and is issued at once
through billing's `sale_invoice_issue`, so a representative finishes a counter sale alone
without being able to draft or edit other invoices (docs/inventory.md).
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from servicebook.billing.models import CatalogItem, Invoice
from servicebook.core.audit import audit_created, audit_record, audit_updated, snapshot
from servicebook.core.errors import InvalidTransition, ValidationFailed
from servicebook.core.money import ZERO, to_money
from servicebook.core.permissions import require_capability
from servicebook.core.sequences import sequence_reserve
from servicebook.customers.models import Account
from servicebook.users.roles import Cap

from .choices import MoveKind, SalesOrderStatus
from .models import Item, SalesOrder, SalesOrderLine, StockMove, Warehouse
from .pricing import prices_for
from .services import _release, _reserve, _take, parse_quantity

S = SalesOrderStatus
SO_SEQUENCE = "sales_order_number"


def _locked(order: SalesOrder) -> SalesOrder:
    return SalesOrder.objects.select_for_update(of=("self",)).get(pk=order.pk)


def _require(order: SalesOrder, *statuses: str, doing: str) -> None:
    if order.status not in statuses:
        raise InvalidTransition(
            f"{order.number} is {order.get_status_display().lower()}: it cannot be {doing}."
        )


def _stock_lines(order: SalesOrder) -> list[tuple[Item, object]]:
    """(stock item, quantity) of the order's lines that are kept in stock, summed by item."""
    lines = list(order.lines.select_related("catalog_item"))
    items = {
        i.catalog_item_id: i
        for i in Item.objects.filter(catalog_item_id__in=[ln.catalog_item_id for ln in lines])
    }
    totals: dict[int, object] = {}
    for ln in lines:
        if ln.catalog_item_id in items:
            totals[ln.catalog_item_id] = totals.get(ln.catalog_item_id, 0) + ln.quantity
    return [(items[cid], qty) for cid, qty in sorted(totals.items())]


def _status(order: SalesOrder, status: str, actor, *, action: str, fields=()) -> SalesOrder:
    before = snapshot(order, ["status", *fields])
    order.status = status
    order.save(update_fields=["status", *fields, "updated_at"])
    audit_updated(actor=actor, obj=order, before=before, action=action)
    return order


@transaction.atomic
def sales_order_create(*, account: Account, warehouse: Warehouse, actor) -> SalesOrder:
    """Open a draft parts sale for an account, to be fulfilled from a warehouse."""
    require_capability(actor, Cap.INVENTORY_SELL)
    if warehouse is None or not warehouse.active:
        raise ValidationFailed({"warehouse": ["Choose an active location to sell from."]})
    order = SalesOrder.objects.create(
        number=f"SO-{sequence_reserve(SO_SEQUENCE):08d}",
        account=account,
        warehouse=warehouse,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    audit_created(actor=actor, obj=order)
    return order


@transaction.atomic
def sales_order_line_add(
    *, order: SalesOrder, catalog_item: CatalogItem, quantity, actor
) -> SalesOrderLine:
    """Add an item to a draft at the account's price for that quantity (prices_for)."""
    require_capability(actor, Cap.INVENTORY_SELL)
    order = _locked(order)
    _require(order, S.DRAFT, doing="changed (only drafts are)")
    if catalog_item is None or not catalog_item.active:
        raise ValidationFailed({"catalog_item": ["Choose an item that is sold."]})
    qty = parse_quantity(quantity)
    quote = prices_for(
        account=order.account, items_with_qty=[(catalog_item.pk, qty)], on=timezone.localdate()
    )[catalog_item.pk]
    position = (order.lines.order_by("-position").values_list("position", flat=True).first()) or 0
    line = SalesOrderLine.objects.create(
        order=order,
        position=position + 1,
        catalog_item=catalog_item,
        quantity=qty,
        unit_price=quote.unit_price,
        amount=to_money(qty * quote.unit_price),
        price_note=quote.explanation[:200],
    )
    order.total = to_money(sum((ln.amount for ln in order.lines.all()), ZERO))
    order.save(update_fields=["total", "updated_at"])
    audit_record(
        actor=actor,
        action="add_line",
        obj=order,
        changes={"line": [None, f"{catalog_item.code}: {qty} x {quote.unit_price}"]},
    )
    return line


@transaction.atomic
def sales_order_line_remove(*, line: SalesOrderLine, actor) -> None:
    """Take a line off a draft."""
    require_capability(actor, Cap.INVENTORY_SELL)
    order = _locked(line.order)
    _require(order, S.DRAFT, doing="changed (only drafts are)")
    text = f"{line.catalog_item.code}: {line.quantity}"
    line.delete()
    order.total = to_money(sum((ln.amount for ln in order.lines.all()), ZERO))
    order.save(update_fields=["total", "updated_at"])
    audit_record(actor=actor, action="remove_line", obj=order, changes={"line": [text, None]})


def _confirm(order: SalesOrder, actor) -> SalesOrder:
    _require(order, S.DRAFT, doing="confirmed")
    if not order.lines.exists():
        raise ValidationFailed({"lines": ["Add at least one line."]})
    for item, qty in _stock_lines(order):
        _reserve(item, order.warehouse, qty)
    return _status(order, S.CONFIRMED, actor, action="confirm")


def _fulfil(order: SalesOrder, actor) -> SalesOrder:
    _require(order, S.CONFIRMED, doing="fulfilled")
    for item, qty in _stock_lines(order):
        _take(item, order.warehouse, qty, from_reserved=True)
        StockMove.objects.create(
            kind=MoveKind.SALE,
            item=item,
            quantity=qty,
            from_warehouse=order.warehouse,
            sales_order=order,
            reference=order.number,
            actor=actor if getattr(actor, "pk", None) else None,
        )
    return _status(order, S.FULFILLED, actor, action="fulfil")


def _invoice(order: SalesOrder, actor) -> Invoice:
    from servicebook.billing.services import SaleLine, sale_invoice_issue

    _require(order, S.FULFILLED, doing="invoiced")
    invoice = sale_invoice_issue(
        account=order.account,
        memo=f"Parts sale {order.number}",
        lines=[
            SaleLine(line.catalog_item, line.quantity, line.unit_price)
            for line in order.lines.select_related("catalog_item")
        ],
        actor=actor,
    )
    order.invoice = invoice
    _status(order, S.INVOICED, actor, action="invoice", fields=("invoice",))
    return invoice


@transaction.atomic
def sales_order_confirm(*, order: SalesOrder, actor) -> SalesOrder:
    """Confirm a draft: reserve its stock items at the order's warehouse (refused, with the
    item and what is available, if the stock is not there)."""
    require_capability(actor, Cap.INVENTORY_SELL)
    return _confirm(_locked(order), actor)


@transaction.atomic
def sales_order_fulfil(*, order: SalesOrder, actor) -> SalesOrder:
    """Hand over a confirmed order: its reserved stock moves out of the warehouse."""
    require_capability(actor, Cap.INVENTORY_SELL)
    return _fulfil(_locked(order), actor)


@transaction.atomic
def sales_order_invoice(*, order: SalesOrder, actor) -> Invoice:
    """Bill a fulfilled order: a billing invoice with its lines at the order's prices,
    issued (posted to the ledger through billing)."""
    require_capability(actor, Cap.INVENTORY_SELL)
    require_capability(actor, Cap.BILLING_SALES)
    return _invoice(_locked(order), actor)


@transaction.atomic
def sales_order_counter_sale(*, order: SalesOrder, actor) -> Invoice:
    """The one-step sale at the counter: confirm, fulfil and invoice a draft at once; if any
    step is refused, nothing of it happened."""
    require_capability(actor, Cap.INVENTORY_SELL)
    require_capability(actor, Cap.BILLING_SALES)
    order = _locked(order)
    _confirm(order, actor)
    _fulfil(order, actor)
    return _invoice(order, actor)


@transaction.atomic
def sales_order_cancel(*, order: SalesOrder, actor) -> SalesOrder:
    """Cancel a draft or confirmed order; a confirmed one releases its reservation."""
    require_capability(actor, Cap.INVENTORY_SELL)
    order = _locked(order)
    _require(order, S.DRAFT, S.CONFIRMED, doing="cancelled")
    if order.status == S.CONFIRMED:
        for item, qty in _stock_lines(order):
            _release(item, order.warehouse, qty)
    return _status(order, S.CANCELLED, actor, action="cancel")
