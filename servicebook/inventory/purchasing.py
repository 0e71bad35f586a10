"""Purchase orders: draft -> awaiting approval -> approved -> sent -> partly received ->
received -> closed (or cancelled), approval within the approver's limit, the PDF and email
to the vendor, receipts into a warehouse, and the three-way match of the vendor's bill.

Each transition locks the order and checks its status first (InvalidTransition, 409,
before anything changes); every step leaves a PurchaseOrderEvent with its reason and an
audit row.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone

from servicebook.core.audit import audit_created, audit_record, audit_updated, snapshot
from servicebook.core.errors import InvalidTransition, ValidationFailed
from servicebook.core.money import ZERO, to_money
from servicebook.core.permissions import require_capability
from servicebook.core.sequences import sequence_reserve
from servicebook.users.models import ApprovalKind, ApprovalLimit
from servicebook.users.roles import Cap, Role
from servicebook.users.services import approval_limit_for

from .choices import PO_CANCELLABLE, PO_RECEIVABLE, PurchaseOrderStatus
from .models import (
    Item,
    PurchaseOrder,
    PurchaseOrderEvent,
    PurchaseOrderLine,
    PurchasingPolicy,
    Vendor,
    Warehouse,
)
from .services import _put, _round_qty, parse_money, parse_quantity

S = PurchaseOrderStatus
PO_SEQUENCE = "purchase_order_number"


def _number() -> str:
    return f"PO-{sequence_reserve(PO_SEQUENCE):08d}"


def _locked(order: PurchaseOrder) -> PurchaseOrder:
    return PurchaseOrder.objects.select_for_update(of=("self",)).get(pk=order.pk)


def _require(order: PurchaseOrder, *statuses: str, doing: str) -> None:
    if order.status not in statuses:
        raise InvalidTransition(
            f"{order.number} is {order.get_status_display().lower()}: it cannot be {doing}."
        )


def _event(order: PurchaseOrder, action: str, note: str, actor) -> None:
    PurchaseOrderEvent.objects.create(
        order=order,
        action=action,
        note=note[:2000],
        actor=actor if getattr(actor, "pk", None) else None,
    )


def _set_status(
    order: PurchaseOrder, status: str, actor, *, action: str, note: str = "", fields=()
) -> PurchaseOrder:
    before = snapshot(order, ["status", *fields])
    order.status = status
    order.save(update_fields=["status", *fields, "updated_at"])
    _event(order, action, note, actor)
    audit_updated(actor=actor, obj=order, before=before, action=action, message=note[:500])
    return order


def _recompute_total(order: PurchaseOrder) -> None:
    order.total = to_money(sum((line.amount for line in order.lines.all()), ZERO))
    order.save(update_fields=["total", "updated_at"])


@transaction.atomic
def purchase_order_create(
    *, vendor: Vendor, deliver_to: Warehouse | None = None, notes: str = "", work_order=None, actor
) -> PurchaseOrder:
    """Open a draft purchase order to a vendor; lines are added while it is a draft."""
    require_capability(actor, Cap.INVENTORY_PURCHASE)
    if vendor is None or not vendor.active:
        raise ValidationFailed({"vendor": ["Choose an active vendor."]})
    order = PurchaseOrder.objects.create(
        number=_number(),
        vendor=vendor,
        deliver_to=deliver_to,
        work_order=work_order,
        notes=notes or "",
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    _event(order, "created", "", actor)
    audit_created(actor=actor, obj=order)
    return order


@transaction.atomic
def purchase_order_line_add(
    *,
    order: PurchaseOrder,
    quantity,
    unit_cost=None,
    item: Item | None = None,
    description: str = "",
    actor,
) -> PurchaseOrderLine:
    """Add a stock item (its standard cost unless a cost is given) or a free-text line (a
    subcontractor's work) to a draft."""
    require_capability(actor, Cap.INVENTORY_PURCHASE)
    order = _locked(order)
    _require(order, S.DRAFT, doing="changed (only drafts are)")
    errors: dict[str, list[str]] = {}
    description = (description or "").strip() or (item.catalog_item.name if item else "")
    if not description:
        errors["description"] = ["Describe the line or choose an item."]
    try:
        qty = parse_quantity(quantity)
    except ValidationFailed as exc:
        errors.update(exc.errors)
    if unit_cost in (None, "") and item is None:
        errors["unit_cost"] = ["Give the unit cost."]
    else:
        try:
            cost = parse_money(
                item.standard_cost if unit_cost in (None, "") else unit_cost, "unit_cost"
            )
        except ValidationFailed as exc:
            errors.update(exc.errors)
    if errors:
        raise ValidationFailed(errors)
    position = (order.lines.order_by("-position").values_list("position", flat=True).first()) or 0
    line = PurchaseOrderLine.objects.create(
        order=order,
        position=position + 1,
        item=item,
        description=description[:200],
        quantity=qty,
        unit_cost=cost,
        amount=to_money(qty * cost),
    )
    _recompute_total(order)
    audit_record(
        actor=actor,
        action="add_line",
        obj=order,
        changes={"line": [None, f"{description}: {qty} x {cost}"]},
    )
    return line


@transaction.atomic
def purchase_order_submit(*, order: PurchaseOrder, actor) -> PurchaseOrder:
    """Ask for approval of a draft with at least one line."""
    require_capability(actor, Cap.INVENTORY_PURCHASE)
    order = _locked(order)
    _require(order, S.DRAFT, doing="submitted")
    if not order.lines.exists():
        raise ValidationFailed({"lines": ["Add at least one line before submitting."]})
    return _set_status(
        order, S.AWAITING_APPROVAL, actor, action="submitted", note=f"Total {order.total}"
    )


def roles_that_may_approve(amount: Decimal) -> list[str]:
    """Role labels whose purchase-order limit covers `amount` (administrators always)."""
    rows = ApprovalLimit.objects.filter(
        kind=ApprovalKind.PURCHASE_ORDER, max_amount__gte=amount
    ).values_list("role", flat=True)
    return [Role(r).label for r in rows]


@transaction.atomic
def purchase_order_approve(*, order: PurchaseOrder, actor, note: str = "") -> PurchaseOrder:
    """Approve an order awaiting approval when its total is within the approver's
    ApprovalLimit(kind=purchase_order). Above it the order stays awaiting approval, and the
    escalation is recorded with its reason (whose limit was too low, which roles can
    approve) for a role with a higher limit."""
    require_capability(actor, Cap.INVENTORY_PURCHASE)
    order = _locked(order)
    _require(order, S.AWAITING_APPROVAL, doing="approved")
    limit = approval_limit_for(user=actor, kind=ApprovalKind.PURCHASE_ORDER)
    if order.total > limit:
        who = ", ".join(roles_that_may_approve(order.total)) or "an administrator"
        reason = (
            f"Total {order.total} is above {actor.username}'s purchase-order limit of {limit}; "
            f"escalated for approval by: {who}."
        )
        _event(order, "escalated", reason, actor)
        audit_record(actor=actor, action="escalate", obj=order, message=reason)
        return order
    order.approved_by = actor
    order.approved_at = timezone.now()
    text = f"Within the limit of {limit}." + (f" {note.strip()}" if note.strip() else "")
    return _set_status(
        order,
        S.APPROVED,
        actor,
        action="approved",
        note=text,
        fields=("approved_by", "approved_at"),
    )


@transaction.atomic
def purchase_order_reject(*, order: PurchaseOrder, reason: str, actor) -> PurchaseOrder:
    """Send an order awaiting approval back to draft, with the reason."""
    require_capability(actor, Cap.INVENTORY_PURCHASE)
    if not (reason or "").strip():
        raise ValidationFailed({"reason": ["Say why it is rejected."]})
    order = _locked(order)
    _require(order, S.AWAITING_APPROVAL, doing="rejected")
    return _set_status(order, S.DRAFT, actor, action="rejected", note=reason.strip())


@transaction.atomic
def purchase_order_cancel(*, order: PurchaseOrder, reason: str, actor) -> PurchaseOrder:
    """Cancel an order nothing has been received on yet."""
    require_capability(actor, Cap.INVENTORY_PURCHASE)
    if not (reason or "").strip():
        raise ValidationFailed({"reason": ["Say why it is cancelled."]})
    order = _locked(order)
    _require(order, *PO_CANCELLABLE, doing="cancelled")
    return _set_status(order, S.CANCELLED, actor, action="cancelled", note=reason.strip())


# --- The document and sending ---------------------------------------------------------------


def purchase_order_context(order: PurchaseOrder) -> dict:
    return {
        "order": order,
        "doc_lines": list(order.lines.select_related("item").all()),
        "vendor": order.vendor,
        "business_name": settings.SERVICEBOOK_BUSINESS_NAME,
        "remit_to": settings.BILLING_REMIT_TO,
    }


def purchase_order_pdf(order: PurchaseOrder) -> bytes:
    """The order as PDF (WeasyPrint) from inventory/purchase_order_print.html, with the
    billing documents' print stylesheets and their local-files-only URL fetcher."""
    from weasyprint import CSS, HTML

    from servicebook.billing.documents import PRINT_STYLESHEETS, _local_only, _static_path

    html = render_to_string(
        "inventory/purchase_order_print.html",
        {**purchase_order_context(order), "print": True, "title": f"Purchase order {order}"},
    )
    stylesheets = [CSS(filename=str(_static_path(name))) for name in PRINT_STYLESHEETS]
    return (
        HTML(
            string=html,
            base_url=str(_static_path("billing/document.css").parent),
            url_fetcher=_local_only,
        )
        .render(stylesheets=stylesheets)
        .write_pdf()
    )


def _email(order_id: int, to_email: str) -> None:
    order = PurchaseOrder.objects.select_related("vendor").get(pk=order_id)
    message = EmailMessage(
        subject=f"Purchase order {order.number} from {settings.SERVICEBOOK_BUSINESS_NAME}",
        body=render_to_string("inventory/email/purchase_order.txt", purchase_order_context(order)),
        to=[to_email],
    )
    message.attach(f"{order.number}.pdf", purchase_order_pdf(order), "application/pdf")
    message.send()


@transaction.atomic
def purchase_order_send(*, order: PurchaseOrder, actor, to_email: str = "") -> PurchaseOrder:
    """Send an approved order to the vendor: the PDF by email after the commit (nothing
    leaves for a change that rolled back). Sending again (a sent order) re-sends it."""
    require_capability(actor, Cap.INVENTORY_PURCHASE)
    order = _locked(order)
    _require(order, S.APPROVED, S.SENT, doing="sent")
    to_email = (to_email or "").strip() or order.vendor.email
    if not to_email:
        raise ValidationFailed({"to_email": ["The vendor has no email address; give one."]})
    order.sent_at = timezone.now()
    _set_status(
        order, S.SENT, actor, action="sent", note=f"Emailed to {to_email}", fields=("sent_at",)
    )
    transaction.on_commit(lambda: _email(order.pk, to_email))
    return order


# --- Receiving and the vendor's bill --------------------------------------------------------


@transaction.atomic
def purchase_order_receive(
    *, order: PurchaseOrder, warehouse: Warehouse, quantities: dict[int, object], actor
) -> PurchaseOrder:
    """Receive some or all of what is outstanding, line by line ({line id: quantity}), into
    a warehouse: stock moves for the item lines, `received` raised with a guard that it
    never passes the ordered quantity. Partly received until every line is complete."""
    require_capability(actor, Cap.INVENTORY_PURCHASE)
    order = _locked(order)
    _require(order, *PO_RECEIVABLE, doing="received")
    if warehouse is None or not warehouse.active:
        raise ValidationFailed({"warehouse": ["Choose an active location to receive into."]})
    lines = {line.pk: line for line in order.lines.select_related("item")}
    taken = {}
    errors: dict[str, list[str]] = {}
    for line_id, raw in quantities.items():
        if raw in (None, "", 0, "0"):
            continue
        line = lines.get(int(line_id))
        field = f"line_{line_id}"
        if line is None:
            errors[field] = ["Not a line of this order."]
            continue
        try:
            qty = parse_quantity(raw, field)
        except ValidationFailed as exc:
            errors.update(exc.errors)
            continue
        if qty > line.outstanding:
            errors[field] = [
                f"Only {line.outstanding.normalize():f} of “{line.description}” is outstanding."
            ]
            continue
        taken[line.pk] = qty
    if errors:
        raise ValidationFailed(errors)
    if not taken:
        raise ValidationFailed({"quantities": ["Enter what arrived on at least one line."]})
    from .choices import MoveKind
    from .models import StockMove

    for line_id, qty in taken.items():
        line = lines[line_id]
        # Compare-and-set: two clerks receiving the same delivery cannot pass the quantity.
        updated = PurchaseOrderLine.objects.filter(
            pk=line.pk, received__lte=F("quantity") - qty
        ).update(received=_round_qty(F("received") + qty))
        if updated != 1:
            raise ValidationFailed({f"line_{line_id}": ["Received meanwhile; reload the order."]})
        if line.item_id:
            _put(line.item, warehouse, qty)
            StockMove.objects.create(
                kind=MoveKind.RECEIPT,
                item=line.item,
                quantity=qty,
                to_warehouse=warehouse,
                unit_cost=line.unit_cost,
                reference=order.number,
                purchase_order=order,
                actor=actor if getattr(actor, "pk", None) else None,
            )
    complete = not PurchaseOrderLine.objects.filter(
        order=order, received__lt=F("quantity")
    ).exists()
    note = "; ".join(f"{lines[i].description}: {q.normalize():f}" for i, q in taken.items())
    return _set_status(
        order,
        S.RECEIVED if complete else S.PARTLY_RECEIVED,
        actor,
        action="received",
        note=f"Into {warehouse.name}: {note}",
    )


def purchasing_policy() -> PurchasingPolicy:
    return PurchasingPolicy.objects.get_or_create(key="default")[0]


def _three_way_flags(order: PurchaseOrder, amount: Decimal) -> list[str]:
    """Differences between the order, what was received and the bill beyond the policy's
    tolerances: price (the bill against the value received at the ordered costs) and
    quantity (received against ordered, per line)."""
    policy = purchasing_policy()
    flags: list[str] = []
    lines = list(order.lines.all())
    received_value = to_money(sum((ln.received * ln.unit_cost for ln in lines), ZERO))
    allowed = max(
        policy.price_tolerance_amount,
        to_money(received_value * policy.price_tolerance_percent / 100),
    )
    if abs(amount - received_value) > allowed:
        flags.append(
            f"price: billed {amount}, received goods at order cost {received_value} "
            f"(difference {to_money(amount - received_value)} beyond tolerance {allowed})"
        )
    for ln in lines:
        short = ln.quantity - ln.received
        if short > ln.quantity * policy.quantity_tolerance_percent / 100:
            flags.append(
                f"quantity: “{ln.description}” ordered {ln.quantity.normalize():f}, "
                f"received {ln.received.normalize():f}"
            )
    return flags


@transaction.atomic
def purchase_order_match_bill(
    *, order: PurchaseOrder, bill_number: str, amount, actor
) -> PurchaseOrder:
    """Record the vendor's bill and match it three ways (ordered, received, billed). A clean
    match of a fully received order closes it; otherwise the flags say what differs and the
    order stays open until the bill or the receipt is put right."""
    require_capability(actor, Cap.INVENTORY_PURCHASE)
    errors: dict[str, list[str]] = {}
    if not (bill_number or "").strip():
        errors["bill_number"] = ["Give the vendor's bill number."]
    try:
        billed = parse_money(amount, "amount")
    except ValidationFailed as exc:
        errors.update(exc.errors)
    if errors:
        raise ValidationFailed(errors)
    order = _locked(order)
    _require(order, S.PARTLY_RECEIVED, S.RECEIVED, doing="matched to a bill")
    flags = _three_way_flags(order, billed)
    order.bill_number = bill_number.strip()[:60]
    order.bill_amount = billed
    order.bill_flags = flags
    status = S.CLOSED if (not flags and order.status == S.RECEIVED) else order.status
    note = "Matched." if not flags else "Differences: " + "; ".join(flags)
    return _set_status(
        order,
        status,
        actor,
        action="bill_matched",
        note=note,
        fields=("bill_number", "bill_amount", "bill_flags"),
    )


@transaction.atomic
def purchase_order_draft_for_reorder(*, vendor: Vendor, actor) -> PurchaseOrder:
    """A draft order to a vendor for every item it is the preferred vendor of that is at
    or below its reorder point, at the reorder quantity and standard cost."""
    from .selectors import items_to_reorder

    require_capability(actor, Cap.INVENTORY_PURCHASE)
    rows = [row for row in items_to_reorder() if row.item.preferred_vendor_id == vendor.pk]
    if not rows:
        raise ValidationFailed({"vendor": ["Nothing of this vendor's is below its reorder point."]})
    order = purchase_order_create(vendor=vendor, notes="Reorder", actor=actor)
    for row in rows:
        purchase_order_line_add(
            order=order, item=row.item, quantity=row.order_quantity, actor=actor
        )
    return order
