"""Subcontractor quotes: submitted against a work order by the subcontractor's own user (on
its own jobs only) or entered by staff; approved by a coordinator within their ApprovalLimit
of kind subcontractor_quote (above it the quote is escalated and waits for a role whose
limit covers it), or rejected with a reason. An approved quote becomes the subcontractor's
purchase order through inventory.purchasing (the vendor record is created on first use).

The purchase order is raised in the name of someone who may raise purchase orders
(inventory.purchase): the approver when they may, else a purchaser from the queue
(docs/quotes.md).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from servicebook.core.audit import audit_created, audit_updated, snapshot
from servicebook.core.errors import InvalidTransition, ValidationFailed
from servicebook.core.money import ZERO, to_money
from servicebook.core.permissions import has_capability, require_capability
from servicebook.core.sequences import sequence_reserve
from servicebook.scheduling.models import Subcontractor
from servicebook.users.models import ApprovalKind, ApprovalLimit
from servicebook.users.roles import Cap, Role, capabilities_for
from servicebook.users.services import approval_limit_for
from servicebook.workorders.choices import TERMINAL_STATUSES

from .choices import SUBQUOTE_OPEN, SubQuoteStatus
from .models import SubcontractorQuote, SubcontractorQuoteLine

S = SubQuoteStatus
SUBQUOTE_SEQUENCE = "subcontractor_quote_number"
KIND = ApprovalKind.SUBCONTRACTOR_QUOTE


def companies_of(user) -> list[Subcontractor]:
    """The subcontractor companies a login acts for."""
    if not getattr(user, "is_authenticated", False):
        return []
    return list(Subcontractor.objects.filter(users=user))


def is_own_job(work_order, companies: Iterable[Subcontractor]) -> bool:
    """A subcontractor's job: an appointment of the work order with one of its technicians."""
    ids = [c.pk for c in companies]
    return bool(ids) and work_order.appointments.filter(technician__subcontractor__in=ids).exists()


def _parse_lines(lines: Iterable[Mapping], amount) -> list[tuple[str, Decimal, Decimal]]:
    errors: dict[str, list[str]] = {}
    parsed: list[tuple[str, Decimal, Decimal]] = []
    for i, row in enumerate(lines or [], start=1):
        description = str(row.get("description") or "").strip()
        try:
            qty = Decimal(str(row.get("quantity", 1)))
            cost = Decimal(str(row.get("unit_cost")))
            if not qty.is_finite() or not cost.is_finite():
                raise ArithmeticError
        except (ArithmeticError, ValueError):
            errors[f"lines[{i}]"] = ["Give a quantity and a unit cost as numbers."]
            continue
        if not description:
            errors[f"lines[{i}]"] = ["Describe the line."]
        elif qty <= 0 or cost < 0:
            errors[f"lines[{i}]"] = ["Quantity above zero and a cost of zero or more."]
        else:
            parsed.append((description[:200], qty, to_money(cost)))
    if not parsed and not errors:
        if amount in (None, ""):
            errors["amount"] = ["Give the lines or the amount asked."]
        else:
            try:
                total = Decimal(str(amount))
                if not total.is_finite() or total <= 0:
                    raise ArithmeticError
                parsed.append(("Work as quoted", Decimal("1"), to_money(total)))
            except (ArithmeticError, ValueError):
                errors["amount"] = ["Enter an amount above zero."]
    if errors:
        raise ValidationFailed(errors)
    return parsed


@transaction.atomic
def subquote_submit(
    *,
    work_order,
    actor,
    lines: Iterable[Mapping] = (),
    amount=None,
    notes: str = "",
    subcontractor: Subcontractor | None = None,
) -> SubcontractorQuote:
    """Submit a subcontractor's quote on a work order. A subcontractor user submits for its
    own company and only on its own jobs; staff enter one for the company they name."""
    require_capability(actor, Cap.QUOTES_SUBMIT)
    errors: dict[str, list[str]] = {}
    if actor.role == Role.SUBCONTRACTOR:
        companies = companies_of(actor)
        if subcontractor is not None and subcontractor not in companies:
            errors["subcontractor"] = ["You can quote only for your own company."]
        elif not is_own_job(work_order, companies):
            errors["work_order"] = ["That work order is not one of your company's jobs."]
        else:
            subcontractor = subcontractor or companies[0]
    elif subcontractor is None:
        errors["subcontractor"] = ["Choose the subcontractor company."]
    if work_order.status in TERMINAL_STATUSES:
        errors["work_order"] = [f"Work order {work_order.number} is closed to new quotes."]
    if errors:
        raise ValidationFailed(errors)
    parsed = _parse_lines(lines, amount)
    quote = SubcontractorQuote.objects.create(
        number=f"SQ-{sequence_reserve(SUBQUOTE_SEQUENCE):08d}",
        work_order=work_order,
        subcontractor=subcontractor,
        notes=(notes or "").strip()[:4000],
        total=to_money(sum((to_money(q * c) for _, q, c in parsed), ZERO)),
        submitted_by=actor,
    )
    SubcontractorQuoteLine.objects.bulk_create(
        SubcontractorQuoteLine(
            quote=quote,
            position=i,
            description=d,
            quantity=q,
            unit_cost=c,
            amount=to_money(q * c),
        )
        for i, (d, q, c) in enumerate(parsed, start=1)
    )
    audit_created(actor=actor, obj=quote, message=f"{subcontractor.name}: {quote.total}")
    return quote


def roles_that_may_approve(amount: Decimal) -> list[str]:
    """Role labels whose subcontractor-quote limit covers `amount` and that may approve
    (quotes.approve); administrators always may."""
    rows = ApprovalLimit.objects.filter(kind=KIND, max_amount__gte=amount).values_list(
        "role", flat=True
    )
    labels = [Role(r).label for r in rows if Cap.QUOTES_APPROVE in capabilities_for(r)]
    return sorted(set(labels) | {Role.ADMIN.label})


def _locked(quote: SubcontractorQuote) -> SubcontractorQuote:
    return (
        SubcontractorQuote.objects.select_for_update(of=("self",))
        .select_related("work_order", "subcontractor")
        .get(pk=quote.pk)
    )


def _require_open(quote: SubcontractorQuote, doing: str) -> None:
    if quote.status not in SUBQUOTE_OPEN:
        raise InvalidTransition(
            f"{quote.number} is {quote.get_status_display().lower()}: it cannot be {doing}."
        )


def _vendor_for(subcontractor: Subcontractor, actor):
    from servicebook.inventory.choices import VendorKind
    from servicebook.inventory.models import Vendor
    from servicebook.inventory.services import vendor_create

    vendor = Vendor.objects.filter(subcontractor=subcontractor).first()
    if vendor is None:
        vendor = vendor_create(
            code=f"sub-{subcontractor.code}"[:30],
            name=subcontractor.name,
            kind=VendorKind.SUBCONTRACTOR,
            email=subcontractor.email,
            phone=subcontractor.phone,
            subcontractor=subcontractor,
            actor=actor,
        )
    elif not vendor.active:
        raise ValidationFailed(
            {"vendor": [f"The vendor record of {subcontractor.name} is inactive; reactivate it."]}
        )
    return vendor


def _raise_po(quote: SubcontractorQuote, actor):
    """The subcontractor's purchase order for an approved quote, through inventory's
    services in the actor's name: created with the quote's lines, submitted, and approved
    within the actor's purchase-order limit (above it inventory escalates it in turn)."""
    from servicebook.inventory.purchasing import (
        purchase_order_approve,
        purchase_order_create,
        purchase_order_line_add,
        purchase_order_submit,
    )

    vendor = _vendor_for(quote.subcontractor, actor)
    order = purchase_order_create(
        vendor=vendor,
        work_order=quote.work_order,
        notes=f"Subcontractor quote {quote.number} on work order {quote.work_order.number}",
        actor=actor,
    )
    for line in quote.lines.all():
        purchase_order_line_add(
            order=order,
            description=line.description,
            quantity=line.quantity,
            unit_cost=line.unit_cost,
            actor=actor,
        )
    purchase_order_submit(order=order, actor=actor)
    return purchase_order_approve(
        order=order, actor=actor, note=f"Subcontractor quote {quote.number} approved."
    )


@transaction.atomic
def subquote_approve(*, quote: SubcontractorQuote, actor, note: str = "") -> SubcontractorQuote:
    """Approve within the approver's subcontractor-quote limit. The quote becomes the
    subcontractor's purchase order at once when the approver may raise purchase orders
    (inventory.purchase); otherwise (a coordinator) it is approved and waits in the queue
    for a purchaser to raise the order (`subquote_raise_purchase_order`). Above the limit the
    quote is escalated, saying whose limit was too low and which roles can approve; nothing
    else changes, and a higher-limit approver approves it later."""
    require_capability(actor, Cap.QUOTES_APPROVE)
    quote = _locked(quote)
    _require_open(quote, "approved")
    limit = approval_limit_for(user=actor, kind=KIND)
    if quote.total > limit:
        who = ", ".join(roles_that_may_approve(quote.total))
        reason = (
            f"Total {quote.total} is above {actor.username}'s subcontractor-quote limit of "
            f"{limit}; escalated for approval by: {who}."
        )
        before = snapshot(quote, ["status", "escalation_note"])
        quote.status = S.ESCALATED
        quote.escalation_note = reason[:500]
        quote.save(update_fields=["status", "escalation_note", "updated_at"])
        audit_updated(actor=actor, obj=quote, before=before, action="escalate", message=reason)
        return quote
    reason = (note or "").strip() or f"Within the limit of {limit}."
    before = snapshot(quote, ["status", "decision_reason"])
    quote.status = S.APPROVED
    quote.decided_by = actor
    quote.decided_at = timezone.now()
    quote.decision_reason = reason[:500]
    fields = ["status", "decided_by", "decided_at", "decision_reason", "updated_at"]
    if has_capability(actor, Cap.INVENTORY_PURCHASE):
        quote.purchase_order = _raise_po(quote, actor)
        fields.append("purchase_order")
    quote.save(update_fields=fields)
    po = quote.purchase_order.number if quote.purchase_order_id else "to be raised"
    audit_updated(
        actor=actor,
        obj=quote,
        before=before,
        action="approve",
        message=f"{reason} Purchase order {po}.",
    )
    return quote


@transaction.atomic
def subquote_raise_purchase_order(*, quote: SubcontractorQuote, actor) -> SubcontractorQuote:
    """Raise the purchase order of a quote a coordinator approved (once: a quote that has
    its order is refused with 409)."""
    require_capability(actor, Cap.INVENTORY_PURCHASE)
    quote = _locked(quote)
    if quote.status != S.APPROVED or quote.purchase_order_id:
        raise InvalidTransition(
            f"{quote.number} is {quote.get_status_display().lower()}"
            + (
                f" with purchase order {quote.purchase_order.number}"
                if quote.purchase_order_id
                else ""
            )
            + ": no purchase order to raise."
        )
    before = snapshot(quote, ["purchase_order"])
    quote.purchase_order = _raise_po(quote, actor)
    quote.save(update_fields=["purchase_order", "updated_at"])
    audit_updated(actor=actor, obj=quote, before=before, action="raise_purchase_order")
    return quote


@transaction.atomic
def subquote_reject(*, quote: SubcontractorQuote, reason: str, actor) -> SubcontractorQuote:
    """Reject an open quote, with the reason the subcontractor will read."""
    require_capability(actor, Cap.QUOTES_APPROVE)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed({"reason": ["Say why the quote is rejected."]})
    quote = _locked(quote)
    _require_open(quote, "rejected")
    before = snapshot(quote, ["status", "decision_reason"])
    quote.status = S.REJECTED
    quote.decided_by = actor
    quote.decided_at = timezone.now()
    quote.decision_reason = reason[:500]
    quote.save(
        update_fields=["status", "decided_by", "decided_at", "decision_reason", "updated_at"]
    )
    audit_updated(actor=actor, obj=quote, before=before, action="reject", message=reason)
    return quote
