"""Recurring charges on service agreements: attach, change and stop, with proration.

Proration convention (docs/billing.md): a period is billed in advance for the days the
charge is active in it, price x active days / days in the period, rounded half-up at the
line. A change ends the charge the day before it takes effect and starts a new one that
day, so each part is prorated on its own. A stop in a period already billed gives the
unused days back with a credit note on the invoice that billed them.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from servicebook.core.audit import audit_created, audit_updated, snapshot
from servicebook.core.errors import InvalidTransition, ValidationFailed
from servicebook.core.money import ZERO, to_money
from servicebook.core.permissions import require_capability
from servicebook.customers.choices import AgreementStatus
from servicebook.customers.models import ServiceAgreement
from servicebook.users.roles import Cap

from . import pricing
from .choices import Frequency, InvoiceStatus, ItemKind
from .models import CatalogItem, CreditNote, InvoiceLine, RecurringCharge
from .services import CreditLineInput, _credit, _locked


def _validate(
    *,
    agreement: ServiceAgreement,
    catalog_item: CatalogItem,
    quantity: Decimal,
    price_override: Decimal | None,
    frequency: str,
    start_date: dt.date,
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if catalog_item.kind != ItemKind.RECURRING:
        errors["catalog_item"] = ["Choose a recurring service from the catalog."]
    elif not catalog_item.active:
        errors["catalog_item"] = ["That item is no longer sold."]
    if quantity is None or quantity <= 0:
        errors["quantity"] = ["Enter a quantity above zero."]
    if price_override is not None and price_override < 0:
        errors["price_override"] = ["A price cannot be negative."]
    if frequency not in Frequency.values:
        errors["frequency"] = ["Choose monthly, quarterly or annual."]
    if agreement.status == AgreementStatus.ENDED:
        errors["agreement"] = ["That agreement has ended."]
    if start_date < agreement.start_date:
        errors["start_date"] = ["The charge cannot start before its agreement."]
    oldest = timezone.localdate() - dt.timedelta(days=settings.BILLING_MAX_BACKDATE_DAYS)
    if start_date < oldest:
        errors.setdefault("start_date", []).append(
            f"A charge may start at most {settings.BILLING_MAX_BACKDATE_DAYS} days back."
        )
    return errors


@transaction.atomic
def recurring_charge_add(
    *,
    agreement: ServiceAgreement,
    catalog_item: CatalogItem,
    quantity: Decimal | int | str = 1,
    price_override: Decimal | str | None = None,
    frequency: str = Frequency.MONTHLY,
    start_date: dt.date | None = None,
    actor,
) -> RecurringCharge:
    """Attach a recurring charge to a service agreement from a date (default: the later of
    today and the agreement's start). Its first period is prorated from that date."""
    require_capability(actor, Cap.BILLING_EDIT)
    start = start_date or max(timezone.localdate(), agreement.start_date)
    qty = Decimal(str(quantity))
    override = to_money(price_override) if price_override not in (None, "") else None
    errors = _validate(
        agreement=agreement,
        catalog_item=catalog_item,
        quantity=qty,
        price_override=override,
        frequency=frequency,
        start_date=start,
    )
    if errors:
        raise ValidationFailed(errors)
    charge = RecurringCharge.objects.create(
        agreement=agreement,
        account_id=agreement.account_id,
        catalog_item=catalog_item,
        quantity=qty,
        price_override=override,
        frequency=frequency,
        start_date=start,
        end_date=agreement.end_date,
    )
    audit_created(actor=actor, obj=charge)
    return charge


def _credit_unused(charge: RecurringCharge, end_date: dt.date, *, actor) -> list[CreditNote]:
    """Credit the days after `end_date` that were billed already, one credit note per
    invoice that billed them. Amount per line: line amount x unused days / billed days."""
    lines = (
        InvoiceLine.objects.filter(recurring_charge=charge, period_end__gt=end_date)
        .exclude(invoice__status__in=[InvoiceStatus.DRAFT, InvoiceStatus.VOID])
        .select_related("invoice")
        .prefetch_related("credit_lines")
        .order_by("period_start")
    )
    by_invoice: dict[int, list[CreditLineInput]] = defaultdict(list)
    invoices = {}
    for line in lines:
        billed_days = (line.period_end - line.period_start).days + 1
        unused_from = max(line.period_start, end_date + dt.timedelta(days=1))
        unused = (line.period_end - unused_from).days + 1
        amount = to_money(line.amount * unused / billed_days)
        left = line.amount - sum((c.amount for c in line.credit_lines.all()), ZERO)
        amount = min(amount, left)
        if amount > 0:
            by_invoice[line.invoice_id].append(CreditLineInput(line, amount))
            invoices[line.invoice_id] = line.invoice
    notes = []
    for invoice_id, credit_lines in sorted(by_invoice.items()):
        notes.append(
            _credit(
                invoice=_locked(invoices[invoice_id]),
                reason=f"{charge.catalog_item.name} stopped on {end_date:%b %-d, %Y}: unused days",
                lines=credit_lines,
                void=False,
                actor=actor,
            )
        )
    return notes


@transaction.atomic
def recurring_charge_stop(
    *, charge: RecurringCharge, end_date: dt.date, actor
) -> tuple[RecurringCharge, list[CreditNote]]:
    """Stop a charge after `end_date` (its last billed day). Days already billed past it
    are credited back (prorated) on the invoices that billed them."""
    require_capability(actor, Cap.BILLING_EDIT)
    charge = RecurringCharge.objects.select_for_update(of=("self",)).get(pk=charge.pk)
    if charge.end_date is not None and charge.end_date <= end_date:
        raise InvalidTransition("That charge already ends on or before that date.")
    if end_date < charge.start_date:
        raise ValidationFailed({"end_date": ["The end date is before the charge started."]})
    before = snapshot(charge, ["end_date", "billed_through"])
    notes: list[CreditNote] = []
    if charge.billed_through is not None and charge.billed_through > end_date:
        # Stopping a charge is billing.edit; the credit it implies is part of the stop, so
        # it is made here without asking for billing.credit as well.
        notes = _credit_unused(charge, end_date, actor=actor)
        charge.billed_through = end_date
    charge.end_date = end_date
    charge.save(update_fields=["end_date", "billed_through", "updated_at"])
    audit_updated(actor=actor, obj=charge, before=before, action="stop")
    return charge, notes


@transaction.atomic
def recurring_charge_change(
    *,
    charge: RecurringCharge,
    effective_date: dt.date,
    quantity: Decimal | int | str | None = None,
    price_override: Decimal | str | None = None,
    frequency: str | None = None,
    actor,
) -> RecurringCharge:
    """Change a charge's quantity, price or frequency from a date: the old charge stops the
    day before (crediting days billed past it) and a new one starts that day."""
    require_capability(actor, Cap.BILLING_EDIT)
    old = RecurringCharge.objects.select_related("agreement", "catalog_item").get(pk=charge.pk)
    if old.end_date is not None and old.end_date < effective_date:
        raise InvalidTransition("That charge has ended before the change would take effect.")
    if effective_date <= old.start_date:
        raise ValidationFailed({"effective_date": ["A change takes effect after the start."]})
    qty = Decimal(str(quantity)) if quantity not in (None, "") else old.quantity
    override = old.price_override if price_override in (None, "") else to_money(price_override)
    errors = _validate(
        agreement=old.agreement,
        catalog_item=old.catalog_item,
        quantity=qty,
        price_override=override,
        frequency=frequency or old.frequency,
        start_date=effective_date,
    )
    if errors:
        raise ValidationFailed(errors)
    end = old.end_date
    recurring_charge_stop(charge=old, end_date=effective_date - dt.timedelta(days=1), actor=actor)
    new = RecurringCharge.objects.create(
        agreement=old.agreement,
        account_id=old.account_id,
        catalog_item=old.catalog_item,
        quantity=qty,
        price_override=override,
        frequency=frequency or old.frequency,
        start_date=effective_date,
        end_date=end,
        replaces=old,
    )
    audit_created(actor=actor, obj=new, message=f"replaces charge {old.pk}")
    return new


def charge_price_per_period(charge: RecurringCharge) -> Decimal:
    if charge.price_override is not None:
        return charge.price_override
    return charge.catalog_item.price * pricing.FREQUENCY_MONTHS[charge.frequency]
