"""Writes of the billing app: the catalog, billing profiles, draft invoices and their lines,
issuing (which posts to the ledger), credit notes (the only way back), and the status an
invoice takes from its open item.

Every public service checks the actor's capability, validates, writes in one transaction
with its audit row, and raises InvalidTransition (409) for what the invoice's state does
not allow. Ledger postings go through servicebook.ledger.services in the same transaction.
Recurring charges and the bill run live in recurring.py and billrun.py.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from servicebook.core.audit import audit_created, audit_record, audit_updated, snapshot
from servicebook.core.errors import InvalidTransition, ValidationFailed
from servicebook.core.money import ZERO, to_money
from servicebook.core.permissions import require_capability
from servicebook.core.sequences import sequence_reserve
from servicebook.core.validation import clean_or_fail
from servicebook.customers.models import Account
from servicebook.ledger.models import LedgerAccount, LedgerRole, OpenItem, OpenItemKind
from servicebook.ledger.services import (
    Line,
    allocate,
    allocate_oldest_first,
    journal_post,
    ledger_account_for,
    open_item_create,
)
from servicebook.users.roles import Cap

from . import pricing
from .choices import (
    SETTLEMENT_STATUSES,
    Delivery,
    InvoiceSource,
    InvoiceStatus,
    ItemKind,
)
from .models import (
    BillCycle,
    BillingProfile,
    CatalogItem,
    CreditNote,
    CreditNoteLine,
    Invoice,
    InvoiceLine,
    TaxCode,
    TaxRate,
)

INVOICE_SEQUENCE = "invoice_number"
CREDIT_NOTE_SEQUENCE = "credit_note_number"
REVENUE_ROLES = (LedgerRole.REVENUE, LedgerRole.FEES)


def invoice_number_for(value: int) -> str:
    return f"INV-{value:08d}"


def credit_note_number_for(value: int) -> str:
    return f"CN-{value:08d}"


# --- Tax rates and terms ----------------------------------------------------------------------


def tax_rates_for(jurisdiction: str, on: dt.date) -> dict[int, Decimal]:
    """{tax code id: rate} in force on a date for a jurisdiction: the jurisdiction's own
    rate where one exists, else the default (blank jurisdiction) rate. A code without a
    rate in force taxes at zero."""
    rows = (
        TaxRate.objects.filter(
            Q(jurisdiction=jurisdiction) | Q(jurisdiction=""),
            valid_from__lte=on,
        )
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on))
        .order_by("valid_from")
        .values_list("tax_code_id", "jurisdiction", "rate")
    )
    default: dict[int, Decimal] = {}
    specific: dict[int, Decimal] = {}
    for code_id, where, rate in rows:  # later valid_from wins
        (specific if where else default)[code_id] = rate
    return {**default, **specific}


def terms_days_for(profile: BillingProfile | None) -> int:
    if profile is not None and profile.terms_days is not None:
        return profile.terms_days
    return settings.BILLING_TERMS_DAYS


def _profile_of(account: Account) -> BillingProfile | None:
    return BillingProfile.objects.filter(account=account).first()


# --- Catalog ----------------------------------------------------------------------------------


def _check_revenue_account(ledger_account: LedgerAccount | None) -> None:
    if ledger_account is None or ledger_account.role not in REVENUE_ROLES:
        raise ValidationFailed({"revenue_account": ["Choose a revenue or fee ledger account."]})


@transaction.atomic
def catalog_item_create(
    *,
    code: str,
    name: str,
    kind: str,
    price: Decimal,
    revenue_account: LedgerAccount,
    unit: str = "each",
    tax_code: TaxCode | None = None,
    description: str = "",
    actor,
) -> CatalogItem:
    """Add a product or service to the catalog."""
    require_capability(actor, Cap.BILLING_CATALOG)
    _check_revenue_account(revenue_account)
    if CatalogItem.objects.filter(code=code).exists():
        raise ValidationFailed({"code": ["An item with that code exists."]})
    item = CatalogItem(
        code=code.strip(),
        name=name.strip(),
        kind=kind,
        unit=unit.strip() or "each",
        price=to_money(price),
        tax_code=tax_code,
        revenue_account=revenue_account,
        description=description,
    )
    clean_or_fail(item, exclude=["revenue_account", "tax_code"])
    item.save()
    audit_created(actor=actor, obj=item)
    return item


CATALOG_FIELDS = ("name", "unit", "price", "tax_code", "revenue_account", "description", "active")


@transaction.atomic
def catalog_item_update(*, item: CatalogItem, actor, **changes) -> CatalogItem:
    """Change an item's name, unit, price, tax code, revenue account or active flag. Issued
    invoices keep the price they were issued at (their lines copy it)."""
    require_capability(actor, Cap.BILLING_CATALOG)
    unknown = set(changes) - set(CATALOG_FIELDS)
    if unknown:
        raise ValidationFailed({sorted(unknown)[0]: ["This field cannot be changed."]})
    item = CatalogItem.objects.select_for_update(of=("self",)).get(pk=item.pk)
    before = snapshot(item, list(changes))
    for name, value in changes.items():
        setattr(item, name, to_money(value) if name == "price" else value)
    if "revenue_account" in changes:
        _check_revenue_account(item.revenue_account)
    clean_or_fail(item, exclude=["revenue_account", "tax_code"])
    item.save(update_fields=[*changes, "updated_at"])
    audit_updated(actor=actor, obj=item, before=before)
    return item


# --- Billing profiles -------------------------------------------------------------------------


@transaction.atomic
def billing_profile_set(
    *,
    account: Account,
    cycle: BillCycle,
    delivery: str = Delivery.PAPER,
    email: str = "",
    terms_days: int | None = None,
    actor,
) -> BillingProfile:
    """Put an account on a bill cycle with its terms and delivery (create or change)."""
    require_capability(actor, Cap.BILLING_EDIT)
    if delivery == Delivery.EMAIL and not email.strip():
        raise ValidationFailed({"email": ["Email delivery needs an email address."]})
    profile = BillingProfile.objects.select_for_update().filter(account=account).first()
    created = profile is None
    if created:
        profile = BillingProfile(account=account)
        before = {}
    else:
        before = snapshot(profile, ["cycle", "delivery", "email", "terms_days"])
    profile.cycle = cycle
    profile.delivery = delivery
    profile.email = email.strip().lower()
    profile.terms_days = terms_days
    clean_or_fail(profile, exclude=["account", "cycle"])
    profile.save()
    if created:
        audit_created(actor=actor, obj=profile)
    else:
        audit_updated(actor=actor, obj=profile, before=before)
    return profile


# --- Draft invoices ---------------------------------------------------------------------------


@transaction.atomic
def invoice_create_draft(*, account: Account, memo: str = "", actor) -> Invoice:
    """Open a draft invoice for an account; lines are added until it is issued."""
    require_capability(actor, Cap.BILLING_EDIT)
    return _create_draft(account=account, memo=memo, actor=actor)


def _create_draft(*, account: Account, memo: str, actor) -> Invoice:
    """A new draft (no capability check: callers check theirs)."""
    invoice = Invoice.objects.create(
        account=account,
        memo=memo.strip()[:300],
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    audit_created(actor=actor, obj=invoice)
    return invoice


def _locked(invoice: Invoice) -> Invoice:
    return Invoice.objects.select_for_update(of=("self",)).get(pk=invoice.pk)


def _require_draft(invoice: Invoice) -> None:
    if invoice.status != InvoiceStatus.DRAFT:
        raise InvalidTransition(
            f"{invoice.label} is {invoice.get_status_display().lower()}: an issued invoice "
            "is never edited; take it back with a credit note."
        )


def _recompute_totals(invoice: Invoice) -> None:
    totals = pricing.totals_of(invoice.lines.all())
    invoice.subtotal = totals.subtotal
    invoice.tax_total = totals.tax_total
    invoice.total = totals.total


@transaction.atomic
def invoice_line_add(
    *,
    invoice: Invoice,
    catalog_item: CatalogItem | None = None,
    description: str = "",
    quantity: Decimal | int | str = 1,
    unit_price: Decimal | str | None = None,
    kind: str | None = None,
    revenue_account: LedgerAccount | None = None,
    tax_code: TaxCode | None = None,
    actor,
) -> InvoiceLine:
    """Add a line to a draft: from a catalog item (its price, unit, tax code and revenue
    account, each of which may be overridden) or free-form (kind, description, price and
    revenue account required). Amount and tax are rounded half-up at the line."""
    require_capability(actor, Cap.BILLING_EDIT)
    return _line_add(
        invoice=invoice,
        catalog_item=catalog_item,
        description=description,
        quantity=quantity,
        unit_price=unit_price,
        kind=kind,
        revenue_account=revenue_account,
        tax_code=tax_code,
        actor=actor,
    )


def _line_add(
    *,
    invoice: Invoice,
    catalog_item: CatalogItem | None = None,
    description: str = "",
    quantity: Decimal | int | str = 1,
    unit_price: Decimal | str | None = None,
    kind: str | None = None,
    revenue_account: LedgerAccount | None = None,
    tax_code: TaxCode | None = None,
    actor,
) -> InvoiceLine:
    """invoice_line_add's work (no capability check: callers check theirs)."""
    invoice = _locked(invoice)
    _require_draft(invoice)
    errors: dict[str, list[str]] = {}
    try:
        qty = Decimal(str(quantity))
    except ArithmeticError:
        qty = Decimal("0")
    if qty == 0:
        errors["quantity"] = ["Enter a quantity other than zero."]
    if catalog_item is not None:
        if not catalog_item.active:
            errors["catalog_item"] = ["That item is no longer sold."]
        kind = kind or catalog_item.kind
        description = description.strip() or catalog_item.name
        price = catalog_item.price if unit_price in (None, "") else unit_price
        revenue_account = revenue_account or catalog_item.revenue_account
        tax_code = tax_code if tax_code is not None else catalog_item.tax_code
        unit = catalog_item.unit
    else:
        price = unit_price
        unit = ""
        if not description.strip():
            errors["description"] = ["Describe the line (or choose a catalog item)."]
        if price in (None, ""):
            errors["unit_price"] = ["Enter a unit price."]
        if revenue_account is None:
            errors["revenue_account"] = ["Choose the revenue account."]
    if kind not in ItemKind.values:
        errors["kind"] = ["Choose labour, part, recurring service or fee."]
    if revenue_account is not None and revenue_account.role not in REVENUE_ROLES:
        errors["revenue_account"] = ["Choose a revenue or fee ledger account."]
    if errors:
        raise ValidationFailed(errors)
    try:
        price = pricing.unit_price(Decimal(str(price)))
    except ArithmeticError as exc:
        raise ValidationFailed({"unit_price": ["Enter an amount."]}) from exc
    rates = tax_rates_for(invoice.account.jurisdiction, timezone.localdate())
    rate = rates.get(tax_code.pk, Decimal("0")) if tax_code else Decimal("0")
    amount = pricing.line_amount(qty, price)
    position = (invoice.lines.order_by("-position").values_list("position", flat=True).first()) or 0
    line = InvoiceLine.objects.create(
        invoice=invoice,
        position=position + 1,
        kind=kind,
        catalog_item=catalog_item,
        description=description.strip()[:300],
        quantity=qty,
        unit=unit,
        unit_price=price,
        amount=amount,
        tax_code=tax_code,
        tax_rate=rate,
        tax_amount=pricing.line_tax(amount, rate),
        revenue_account=revenue_account,
    )
    _recompute_totals(invoice)
    invoice.save(update_fields=["subtotal", "tax_total", "total", "updated_at"])
    audit_record(
        actor=actor,
        action="add_line",
        obj=invoice,
        changes={
            "line": [None, f"{line.description}: {qty} x {price} = {amount} + {line.tax_amount}"]
        },
    )
    return line


@transaction.atomic
def invoice_line_remove(*, line: InvoiceLine, actor) -> None:
    """Take a line off a draft."""
    require_capability(actor, Cap.BILLING_EDIT)
    invoice = _locked(line.invoice)
    _require_draft(invoice)
    description = f"{line.description}: {line.amount}"
    line.delete()
    _recompute_totals(invoice)
    invoice.save(update_fields=["subtotal", "tax_total", "total", "updated_at"])
    audit_record(
        actor=actor, action="remove_line", obj=invoice, changes={"line": [description, None]}
    )


# --- Issuing ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class LedgerIds:
    """The ledger accounts every invoice posts to, looked up once per run."""

    receivable: int
    tax_payable: int

    @classmethod
    def current(cls) -> LedgerIds:
        return cls(
            receivable=ledger_account_for(LedgerRole.RECEIVABLE).pk,
            tax_payable=ledger_account_for(LedgerRole.TAX_PAYABLE).pk,
        )


def invoice_memo(number: str) -> str:
    return f"Invoice {number}"


@transaction.atomic
def invoice_issue(*, invoice: Invoice, actor, issued_on: dt.date | None = None) -> Invoice:
    """Issue a draft: number it from the invoice sequence (INV-...), fix its taxes at the
    rates in force on the issue date, post the journal entry (receivable debit; revenue
    per line's revenue account and tax payable credits) and open the debit item due after
    the account's payment terms. After this the invoice is never edited.

    Raises InvalidTransition if it is not a draft, ValidationFailed if it has no lines or
    its total is not positive (credits are credit notes)."""
    require_capability(actor, Cap.BILLING_ISSUE)
    invoice = _issue(invoice=_locked(invoice), actor=actor, issued_on=issued_on)
    _deliver_on_issue(invoice, actor=actor)
    return invoice


@transaction.atomic
def fee_invoice_issue(
    *,
    account: Account,
    memo: str,
    catalog_item: CatalogItem | None = None,
    amount: Decimal | str | None = None,
    description: str = "",
    issued_on: dt.date | None = None,
    actor,
) -> Invoice:
    """A policy's fee on an invoice of its own, issued at once: a catalog item (at its price
    unless `amount` is given) or a free amount credited to the fees ledger account.

    For the services that apply a policy (a collection step's fee, the restoration fee):
    they need `billing.fees`, not the draft-and-issue capabilities of a billing clerk, so a
    collector can restore a customer without being able to edit invoices."""
    require_capability(actor, Cap.BILLING_FEES)
    if catalog_item is None and amount in (None, ""):
        raise ValidationFailed({"amount": ["Name the fee: a catalog item or an amount."]})
    invoice = _create_draft(account=account, memo=memo, actor=actor)
    if catalog_item is not None:
        _line_add(invoice=invoice, catalog_item=catalog_item, unit_price=amount, actor=actor)
    else:
        _line_add(
            invoice=invoice,
            description=description or memo,
            unit_price=amount,
            kind=ItemKind.FEE,
            revenue_account=ledger_account_for(LedgerRole.FEES),
            actor=actor,
        )
    invoice = _issue(invoice=_locked(invoice), actor=actor, issued_on=issued_on)
    _deliver_on_issue(invoice, actor=actor)
    return invoice


@dataclass(frozen=True)
class SaleLine:
    """One priced line of a sale: a catalog item, a quantity and the unit price the seller's
    price rule gave (inventory's prices_for)."""

    catalog_item: CatalogItem
    quantity: Decimal
    unit_price: Decimal


@transaction.atomic
def sale_invoice_issue(
    *, account: Account, memo: str, lines: Iterable[SaleLine], actor, issued_on=None
) -> Invoice:
    """A sale's invoice, drafted from its priced catalog lines and issued at once.

    For the services that sell at a price the price rules set (a parts sale at the counter):
    they need `billing.sales`, not a billing clerk's draft-and-issue capabilities, so a
    representative can sell a part to a caller without being able to write invoices."""
    require_capability(actor, Cap.BILLING_SALES)
    lines = list(lines)
    if not lines:
        raise ValidationFailed({"lines": ["A sale needs at least one line."]})
    invoice = _create_draft(account=account, memo=memo, actor=actor)
    for line in lines:
        _line_add(
            invoice=invoice,
            catalog_item=line.catalog_item,
            quantity=line.quantity,
            unit_price=line.unit_price,
            actor=actor,
        )
    invoice = _issue(invoice=_locked(invoice), actor=actor, issued_on=issued_on)
    _deliver_on_issue(invoice, actor=actor)
    return invoice


def _issue(
    *,
    invoice: Invoice,
    actor,
    issued_on: dt.date | None = None,
    ledger: LedgerIds | None = None,
    number: str | None = None,
) -> Invoice:
    """Issue a locked draft (no capability check: callers check theirs)."""
    _require_draft(invoice)
    issued_on = issued_on or timezone.localdate()
    lines = list(invoice.lines.all())
    if not lines:
        raise ValidationFailed({"lines": ["Add at least one line before issuing."]})
    rates = tax_rates_for(invoice.account.jurisdiction, issued_on)
    for line in lines:
        rate = rates.get(line.tax_code_id, Decimal("0")) if line.tax_code_id else Decimal("0")
        tax = pricing.line_tax(line.amount, rate)
        if (rate, tax) != (line.tax_rate, line.tax_amount):
            line.tax_rate, line.tax_amount = rate, tax
            line.save(update_fields=["tax_rate", "tax_amount"])
    totals = pricing.totals_of(lines)
    if totals.total <= 0:
        raise ValidationFailed(
            {"lines": ["The invoice's total must be positive; give credit with a credit note."]}
        )
    ledger = ledger or LedgerIds.current()
    number = number or invoice_number_for(sequence_reserve(INVOICE_SEQUENCE))
    due = issued_on + dt.timedelta(days=terms_days_for(_profile_of(invoice.account)))
    postings = pricing.invoice_postings(
        lines,
        account_id=invoice.account_id,
        receivable_id=ledger.receivable,
        tax_payable_id=ledger.tax_payable,
    )
    accounts = {a.pk: a for a in LedgerAccount.objects.filter(pk__in={p[0] for p in postings})}
    entry = journal_post(
        lines=[
            Line(accounts[ledger_id], amount, invoice.account if customer else None)
            for ledger_id, amount, customer in postings
        ],
        memo=invoice_memo(number),
        source_type="invoice",
        source_id=number,
        effective_date=issued_on,
        actor=actor,
    )
    item = open_item_create(
        account=invoice.account,
        kind=OpenItemKind.DEBIT,
        document_type="invoice",
        reference=number,
        amount=totals.total,
        issued_on=issued_on,
        due_date=due,
        entry=entry,
        source_type="invoice",
        source_id=number,
    )
    before = snapshot(invoice, ["status", "number", "total"])
    invoice.number = number
    invoice.status = InvoiceStatus.ISSUED
    invoice.issued_on = issued_on
    invoice.due_date = due
    invoice.subtotal, invoice.tax_total, invoice.total = (
        totals.subtotal,
        totals.tax_total,
        totals.total,
    )
    invoice.entry = entry
    invoice.open_item = item
    invoice.issued_at = timezone.now()
    invoice.issued_by = actor if getattr(actor, "pk", None) else None
    invoice.save()
    audit_updated(actor=actor, obj=invoice, before=before, action="issue")
    return invoice


def _deliver_on_issue(invoice: Invoice, *, actor) -> None:
    """Email the invoice after commit when the account takes its bills by email."""
    profile = _profile_of(invoice.account)
    if profile is not None and profile.delivery == Delivery.EMAIL and profile.email:
        from .documents import delivery_queue

        delivery_queue(invoice=invoice, to_email=profile.email, actor=actor)


# --- Status from the open item ----------------------------------------------------------------


def _status_for(open_amount: Decimal, amount: Decimal) -> str:
    if open_amount <= 0:
        return InvoiceStatus.PAID
    if open_amount < amount:
        return InvoiceStatus.PARTIALLY_PAID
    return InvoiceStatus.ISSUED


def invoice_refresh_status(invoice: Invoice) -> Invoice:
    """Set an issued invoice's status from its open item: paid when nothing is open,
    partially paid when part is, issued when all is. Drafts and void invoices are left
    alone. The payments app calls this after it allocates or un-allocates (no capability:
    the calling service checked its own). A compare-and-set update, so a concurrent
    refresh cannot move a void invoice back."""
    if invoice.open_item_id is None:
        return invoice
    item = OpenItem.objects.only("open_amount", "amount").get(pk=invoice.open_item_id)
    status = _status_for(item.open_amount, item.amount)
    Invoice.objects.filter(pk=invoice.pk, status__in=SETTLEMENT_STATUSES).exclude(
        status=status
    ).update(status=status, updated_at=timezone.now())
    invoice.refresh_from_db(fields=["status", "updated_at"])
    return invoice


def invoices_refresh_status(*, open_item_ids: Iterable[int]) -> int:
    """invoice_refresh_status for the invoices of many open items, set-based (a bank file
    or the bill run's credit allocation touch many). Returns how many changed."""
    ids = list(open_item_ids)
    changed = 0
    base = Invoice.objects.filter(open_item_id__in=ids, status__in=SETTLEMENT_STATUSES)
    now = timezone.now()
    changed += (
        base.filter(open_item__open_amount__lte=0)
        .exclude(status=InvoiceStatus.PAID)
        .update(status=InvoiceStatus.PAID, updated_at=now)
    )
    changed += (
        base.filter(open_item__open_amount__gt=0)
        .filter(open_item__open_amount__lt=F("open_item__amount"))
        .exclude(status=InvoiceStatus.PARTIALLY_PAID)
        .update(status=InvoiceStatus.PARTIALLY_PAID, updated_at=now)
    )
    changed += (
        base.filter(open_item__open_amount=F("open_item__amount"))
        .exclude(status=InvoiceStatus.ISSUED)
        .update(status=InvoiceStatus.ISSUED, updated_at=now)
    )
    return changed


# --- Credit notes -----------------------------------------------------------------------------


@dataclass(frozen=True)
class CreditLineInput:
    """Part of an invoice line to take back: an amount before tax (its tax follows pro rata)."""

    invoice_line: InvoiceLine
    amount: Decimal


def _remaining(line: InvoiceLine) -> tuple[Decimal, Decimal]:
    """(amount, tax) of a line not yet credited."""
    credited = ZERO
    credited_tax = ZERO
    for c in line.credit_lines.all():
        credited += c.amount
        credited_tax += c.tax_amount
    return line.amount - credited, line.tax_amount - credited_tax


@transaction.atomic
def credit_note_create(
    *,
    invoice: Invoice,
    reason: str,
    lines: list[CreditLineInput] | None = None,
    void: bool = False,
    actor,
    issued_on: dt.date | None = None,
) -> CreditNote:
    """Take back all (void=True, or no lines given) or part of an issued invoice.

    Posts the reverse of what the invoice posted for those amounts (revenue and tax payable
    debited, receivable credited), opens a credit item and allocates it to the invoice's
    open item; what the invoice no longer owes (it was paid) goes to the account's other
    open debts, oldest first, and whatever is left is the customer's unapplied credit
    (reclassified from receivable, as payments do). A void marks the invoice void."""
    require_capability(actor, Cap.BILLING_CREDIT)
    if not (reason or "").strip():
        raise ValidationFailed({"reason": ["Say why the invoice is credited."]})
    return _credit(
        invoice=_locked(invoice),
        reason=reason,
        lines=lines,
        void=void or not lines,
        actor=actor,
        issued_on=issued_on,
    )


def _credit(
    *,
    invoice: Invoice,
    reason: str,
    lines: list[CreditLineInput] | None,
    void: bool,
    actor,
    issued_on: dt.date | None = None,
) -> CreditNote:
    if invoice.status == InvoiceStatus.DRAFT:
        raise InvalidTransition("A draft is not credited: remove its lines or leave it.")
    if invoice.status == InvoiceStatus.VOID:
        raise InvalidTransition(f"{invoice.label} is already void.")
    issued_on = issued_on or timezone.localdate()
    invoice_lines = {
        line.pk: line for line in invoice.lines.prefetch_related("credit_lines").order_by("id")
    }
    specs: list[tuple[InvoiceLine, Decimal, Decimal]] = []
    if void:
        for line in invoice_lines.values():
            amount, tax = _remaining(line)
            if amount or tax:
                specs.append((line, amount, tax))
    else:
        errors = []
        for i, wanted in enumerate(lines or []):
            line = invoice_lines.get(wanted.invoice_line.pk)
            if line is None:
                errors.append(f"Line {i + 1} is not on {invoice.label}.")
                continue
            try:
                amount = to_money(wanted.amount)
            except (TypeError, ValueError):
                errors.append(f"Line {i + 1}: enter an amount.")
                continue
            left, left_tax = _remaining(line)
            if amount <= 0 or amount > left:
                errors.append(f"Line {i + 1}: credit between 0.01 and {left}.")
                continue
            # The tax follows the amount pro rata; the last credit takes what is left.
            tax = (
                left_tax
                if amount == left
                else min(to_money(line.tax_amount * amount / line.amount), left_tax)
            )
            specs.append((line, amount, tax))
        if errors:
            raise ValidationFailed({"lines": errors})
    if not specs:
        raise ValidationFailed({"lines": ["Nothing left to credit on this invoice."]})
    subtotal = sum((a for _, a, _ in specs), ZERO)
    tax_total = sum((t for _, _, t in specs), ZERO)
    total = subtotal + tax_total
    if total <= 0:
        raise ValidationFailed({"lines": ["Nothing left to credit on this invoice."]})
    number = credit_note_number_for(sequence_reserve(CREDIT_NOTE_SEQUENCE))
    ledger = LedgerIds.current()

    @dataclass
    class _Posting:
        revenue_account_id: int
        amount: Decimal
        tax_amount: Decimal

    postings = pricing.invoice_postings(
        [_Posting(line.revenue_account_id, a, t) for line, a, t in specs],
        account_id=invoice.account_id,
        receivable_id=ledger.receivable,
        tax_payable_id=ledger.tax_payable,
        sign=-1,
    )
    accounts = {a.pk: a for a in LedgerAccount.objects.filter(pk__in={p[0] for p in postings})}
    account = invoice.account
    entry = journal_post(
        lines=[
            Line(accounts[ledger_id], amount, account if customer else None)
            for ledger_id, amount, customer in postings
        ],
        memo=f"Credit note {number} for {invoice.number}: {reason.strip()}"[:300],
        source_type="credit_note",
        source_id=number,
        effective_date=issued_on,
        actor=actor,
    )
    item = open_item_create(
        account=account,
        kind=OpenItemKind.CREDIT,
        document_type="credit_note",
        reference=number,
        amount=total,
        issued_on=issued_on,
        entry=entry,
        source_type="credit_note",
        source_id=number,
    )
    note = CreditNote.objects.create(
        number=number,
        invoice=invoice,
        account=account,
        reason=reason.strip()[:300],
        voids=void,
        issued_on=issued_on,
        subtotal=subtotal,
        tax_total=tax_total,
        total=total,
        entry=entry,
        open_item=item,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    CreditNoteLine.objects.bulk_create(
        CreditNoteLine(
            credit_note=note,
            invoice_line=line,
            description=line.description,
            amount=amount,
            tax_amount=tax,
        )
        for line, amount, tax in specs
    )
    # Apply the credit: this invoice first, then the account's oldest other debts.
    touched = {invoice.open_item_id}
    debit = OpenItem.objects.get(pk=invoice.open_item_id)
    first = min(total, debit.open_amount)
    if first > 0:
        allocate(debit=debit, credit=item, amount=first, actor=actor)
    if first < total:
        for allocation in allocate_oldest_first(account=account, credits=[item], actor=actor):
            touched.add(allocation.debit_id)
        item.refresh_from_db(fields=["open_amount"])
        if item.open_amount > 0:
            # Receivables never go negative per account (ledger contract): the credit
            # nobody owes against is the customer's unapplied credit.
            journal_post(
                lines=[
                    Line(LedgerRole.RECEIVABLE, item.open_amount, account),
                    Line(LedgerRole.UNAPPLIED_CREDIT, -item.open_amount, account),
                ],
                memo=f"Credit note {number}: unapplied credit",
                source_type="credit_note",
                source_id=number,
                effective_date=issued_on,
                actor=actor,
            )
    before = snapshot(invoice, ["status", "credited_total"])
    invoice.credited_total += total
    invoice.save(update_fields=["credited_total", "updated_at"])
    if void or invoice.credited_total >= invoice.total:
        Invoice.objects.filter(pk=invoice.pk).update(status=InvoiceStatus.VOID)
        invoice.status = InvoiceStatus.VOID
        touched.discard(invoice.open_item_id)
    invoices_refresh_status(open_item_ids=touched)
    invoice.refresh_from_db()
    audit_created(actor=actor, obj=note, message=reason.strip())
    audit_updated(actor=actor, obj=invoice, before=before, action="credit", message=number)
    return note


def invoice_void(*, invoice: Invoice, reason: str, actor) -> CreditNote:
    """Void an issued invoice: a credit note for everything not yet credited."""
    return credit_note_create(invoice=invoice, reason=reason, void=True, actor=actor)


__all__ = [
    "CreditLineInput",
    "InvoiceSource",
    "billing_profile_set",
    "catalog_item_create",
    "catalog_item_update",
    "credit_note_create",
    "invoice_create_draft",
    "invoice_issue",
    "invoice_line_add",
    "invoice_line_remove",
    "invoice_refresh_status",
    "invoice_void",
    "invoices_refresh_status",
    "tax_rates_for",
]
