"""Catalog, invoices, recurring charges, bill cycles and runs, statements, PDFs.

Money rules (PRODUCT.md): Decimal through core.money, two places, rounded half-up at the
line; an issued invoice is never edited, it is corrected by a credit note; the ledger
(servicebook.ledger) holds the journal entries and the open items, and billing posts to it
through the ledger's services (or, in the bill run, through a bulk path that writes the
very same rows; a test proves them equal).
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone

from servicebook.core.models import TimeStampedModel
from servicebook.customers.models import Account, ServiceAgreement
from servicebook.ledger.models import JournalEntry, LedgerAccount, OpenItem

from .choices import (
    BillRunStatus,
    Delivery,
    DeliveryStatus,
    Frequency,
    InvoiceSource,
    InvoiceStatus,
    ItemKind,
)

MONEY = {"max_digits": 14, "decimal_places": 2}
ZERO = Decimal("0.00")


class TaxCode(models.Model):
    """A kind of tax treatment (e.g. "standard", "labour", "exempt"). Its rates are records
    per jurisdiction and date range (TaxRate), never constants in code."""

    code = models.SlugField(max_length=30, unique=True)
    name = models.CharField(max_length=100)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class TaxRate(models.Model):
    """The rate of a tax code in a jurisdiction from a date (until the next one, or until
    `valid_to`). A blank jurisdiction is the rate wherever no specific one exists."""

    tax_code = models.ForeignKey(TaxCode, on_delete=models.PROTECT, related_name="rates")
    jurisdiction = models.CharField(max_length=50, blank=True)
    rate = models.DecimalField(
        max_digits=7, decimal_places=4, validators=[MinValueValidator(Decimal("0"))]
    )
    valid_from = models.DateField()
    valid_to = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["tax_code", "jurisdiction", "-valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["tax_code", "jurisdiction", "valid_from"], name="billing_taxrate_once"
            ),
        ]

    def __str__(self) -> str:
        where = self.jurisdiction or "default"
        return f"{self.tax_code.code} {where} {self.rate:%} from {self.valid_from}"


class CatalogItem(TimeStampedModel):
    """A product or service we sell: labour, a part, a recurring service or a fee, with its
    price per unit, tax code and the revenue ledger account its sales are credited to.

    A recurring item's price is per month; a recurring charge bills it per period
    (monthly, quarterly, annual) unless the charge overrides the price per period."""

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=150)
    kind = models.CharField(max_length=20, choices=ItemKind.choices)
    unit = models.CharField(max_length=20, default="each", help_text="each, hour, month, visit")
    price = models.DecimalField(**MONEY)
    tax_code = models.ForeignKey(
        TaxCode, null=True, blank=True, on_delete=models.PROTECT, related_name="items"
    )
    revenue_account = models.ForeignKey(
        LedgerAccount,
        on_delete=models.PROTECT,
        related_name="catalog_items",
        limit_choices_to={"role__in": ["revenue", "fees"]},
    )
    description = models.TextField(blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["kind", "name"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class BillCycle(models.Model):
    """A group of accounts billed together (cycle 1-4 spreads the month's work). The bill
    run of a cycle and a month bills the recurring charges of its accounts."""

    number = models.PositiveSmallIntegerField(unique=True)
    name = models.CharField(max_length=60)
    bill_day = models.PositiveSmallIntegerField(
        default=1, help_text="Day of the month this cycle is usually run"
    )
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["number"]

    def __str__(self) -> str:
        return f"Cycle {self.number}"


class BillingProfile(TimeStampedModel):
    """How an account is billed: its cycle, payment terms and how invoices reach it."""

    account = models.OneToOneField(
        Account, primary_key=True, on_delete=models.CASCADE, related_name="billing_profile"
    )
    cycle = models.ForeignKey(BillCycle, on_delete=models.PROTECT, related_name="profiles")
    terms_days = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text="Days from issue to due; blank uses the BILLING_TERMS_DAYS setting",
    )
    delivery = models.CharField(max_length=10, choices=Delivery.choices, default=Delivery.PAPER)
    email = models.EmailField(blank=True)

    class Meta:
        indexes = [models.Index(fields=["cycle", "account"])]

    def __str__(self) -> str:
        return f"{self.account_id} on {self.cycle}"


class RecurringCharge(TimeStampedModel):
    """A charge billed every period while a service agreement runs: a catalog item, a
    quantity and (optionally) a price per period that overrides the catalog's.

    A change of quantity or price ends this charge and starts a new one (both prorated by
    days); `billed_through` is the last day already invoiced, so no day is billed twice."""

    agreement = models.ForeignKey(
        ServiceAgreement, on_delete=models.PROTECT, related_name="recurring_charges"
    )
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="recurring_charges")
    catalog_item = models.ForeignKey(
        CatalogItem, on_delete=models.PROTECT, related_name="recurring_charges"
    )
    quantity = models.DecimalField(max_digits=10, decimal_places=3, default=Decimal("1"))
    price_override = models.DecimalField(
        null=True, blank=True, help_text="Price per period (blank: catalog price)", **MONEY
    )
    frequency = models.CharField(
        max_length=10, choices=Frequency.choices, default=Frequency.MONTHLY
    )
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    billed_through = models.DateField(null=True, blank=True)
    replaces = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="replaced_by"
    )

    class Meta:
        ordering = ["start_date", "id"]
        indexes = [models.Index(fields=["account", "end_date"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(quantity__gt=0), name="billing_charge_quantity_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(end_date__isnull=True)
                | models.Q(end_date__gte=models.F("start_date")),
                name="billing_charge_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.catalog_item.name} x {self.quantity} ({self.get_frequency_display()})"


class Invoice(TimeStampedModel):
    """A bill to an account: lines for labour, parts, recurring charges and fees, each with
    its tax. Drafts are edited freely; `invoice_issue` numbers it (INV-...), posts the
    journal entry and opens the debit item; from then on it is never edited, and a credit
    note is the only way to take it back. Its paid / partially paid status follows its open
    item (`invoice_refresh_status`)."""

    number = models.CharField(max_length=20, unique=True, null=True, blank=True)
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="invoices")
    status = models.CharField(
        max_length=20, choices=InvoiceStatus.choices, default=InvoiceStatus.DRAFT, db_index=True
    )
    source = models.CharField(
        max_length=20, choices=InvoiceSource.choices, default=InvoiceSource.MANUAL
    )
    issued_on = models.DateField(null=True, blank=True)
    due_date = models.DateField(null=True, blank=True)
    period = models.CharField(max_length=7, blank=True, help_text="YYYY-MM of a bill run")
    subtotal = models.DecimalField(default=ZERO, **MONEY)
    tax_total = models.DecimalField(default=ZERO, **MONEY)
    total = models.DecimalField(default=ZERO, **MONEY)
    credited_total = models.DecimalField(default=ZERO, **MONEY)
    memo = models.CharField(max_length=300, blank=True)
    entry = models.OneToOneField(
        JournalEntry, null=True, blank=True, on_delete=models.PROTECT, related_name="invoice"
    )
    open_item = models.OneToOneField(
        OpenItem, null=True, blank=True, on_delete=models.PROTECT, related_name="invoice"
    )
    bill_run = models.ForeignKey(
        "BillRun", null=True, blank=True, on_delete=models.PROTECT, related_name="invoices"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    issued_at = models.DateTimeField(null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-issued_on", "-id"]
        indexes = [
            models.Index(fields=["account", "-issued_on"]),
            models.Index(fields=["status", "due_date"]),
        ]

    def __str__(self) -> str:
        return self.number or f"Draft {self.pk}"

    @property
    def label(self) -> str:
        return self.number or f"Draft invoice {self.pk}"

    @property
    def is_draft(self) -> bool:
        return self.status == InvoiceStatus.DRAFT


class InvoiceLine(models.Model):
    """One line of an invoice: quantity x unit price, rounded half-up to cents, and its tax
    (rate x amount, rounded half-up at the line). A recurring line names its charge and the
    service period it bills."""

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveIntegerField(default=1)
    kind = models.CharField(max_length=20, choices=ItemKind.choices)
    catalog_item = models.ForeignKey(
        CatalogItem, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    description = models.CharField(max_length=300)
    quantity = models.DecimalField(max_digits=12, decimal_places=3)
    unit = models.CharField(max_length=20, blank=True)
    unit_price = models.DecimalField(max_digits=14, decimal_places=4)
    amount = models.DecimalField(**MONEY)
    tax_code = models.ForeignKey(
        TaxCode, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    tax_rate = models.DecimalField(max_digits=7, decimal_places=4, default=Decimal("0"))
    tax_amount = models.DecimalField(default=ZERO, **MONEY)
    revenue_account = models.ForeignKey(LedgerAccount, on_delete=models.PROTECT, related_name="+")
    recurring_charge = models.ForeignKey(
        RecurringCharge, null=True, blank=True, on_delete=models.PROTECT, related_name="lines"
    )
    period_start = models.DateField(null=True, blank=True)
    period_end = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["invoice", "position", "id"]
        indexes = [models.Index(fields=["recurring_charge", "period_start"])]

    def __str__(self) -> str:
        return f"{self.description} {self.amount}"

    @property
    def total(self) -> Decimal:
        return self.amount + self.tax_amount


class CreditNote(models.Model):
    """Takes back all or part of an issued invoice: posts the reverse (debit revenue and tax,
    credit receivable) and opens a credit item allocated to the invoice. Voiding an invoice
    is a credit note for everything not yet credited."""

    number = models.CharField(max_length=20, unique=True)
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="credit_notes")
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="credit_notes")
    reason = models.CharField(max_length=300)
    voids = models.BooleanField(default=False)
    issued_on = models.DateField(default=timezone.localdate)
    subtotal = models.DecimalField(**MONEY)
    tax_total = models.DecimalField(**MONEY)
    total = models.DecimalField(**MONEY)
    entry = models.OneToOneField(JournalEntry, on_delete=models.PROTECT, related_name="credit_note")
    open_item = models.OneToOneField(OpenItem, on_delete=models.PROTECT, related_name="credit_note")
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.number


class CreditNoteLine(models.Model):
    """What a credit note takes back from one invoice line (amount and tax)."""

    credit_note = models.ForeignKey(CreditNote, on_delete=models.CASCADE, related_name="lines")
    invoice_line = models.ForeignKey(
        InvoiceLine, on_delete=models.PROTECT, related_name="credit_lines"
    )
    description = models.CharField(max_length=300)
    amount = models.DecimalField(**MONEY)
    tax_amount = models.DecimalField(default=ZERO, **MONEY)

    class Meta:
        ordering = ["credit_note", "id"]

    def __str__(self) -> str:
        return f"{self.description} -{self.amount}"


class BillRun(models.Model):
    """One run of a bill cycle for a month. There is one per (cycle, period): running it
    again resumes it (what is billed stays billed), and several workers may share it."""

    cycle = models.ForeignKey(BillCycle, on_delete=models.PROTECT, related_name="runs")
    period = models.CharField(max_length=7, help_text="YYYY-MM")
    status = models.CharField(
        max_length=20, choices=BillRunStatus.choices, default=BillRunStatus.RUNNING
    )
    issued_on = models.DateField()
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    progress_at = models.DateTimeField(null=True, blank=True)
    accounts_total = models.PositiveIntegerField(default=0)
    accounts_done = models.PositiveIntegerField(default=0)
    invoices_created = models.PositiveIntegerField(default=0)
    amount_billed = models.DecimalField(default=ZERO, **MONEY)
    attempts = models.PositiveIntegerField(default=0)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["-period", "cycle__number"]
        constraints = [
            models.UniqueConstraint(fields=["cycle", "period"], name="billing_run_once"),
        ]

    def __str__(self) -> str:
        return f"Bill run cycle {self.cycle.number} {self.period}"


class BillRunItem(models.Model):
    """An account done by a bill run: billed (with its invoice) or with nothing to bill.
    Unique per account and period, so no account is billed twice for a month, whatever
    cycle it was in and however often the run is restarted or shared among workers."""

    bill_run = models.ForeignKey(BillRun, on_delete=models.PROTECT, related_name="items")
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="bill_run_items")
    cycle = models.PositiveSmallIntegerField()
    period = models.CharField(max_length=7)
    invoice = models.OneToOneField(
        Invoice, null=True, blank=True, on_delete=models.PROTECT, related_name="bill_run_item"
    )
    done_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "period"], name="billing_run_item_once"),
        ]
        indexes = [models.Index(fields=["bill_run", "account"])]

    def __str__(self) -> str:
        return f"{self.period} {self.account_id}"


class InvoiceDelivery(models.Model):
    """An invoice (or statement) sent by email: queued on commit, retried by the task,
    and the outcome kept for the account's history."""

    invoice = models.ForeignKey(
        Invoice, null=True, blank=True, on_delete=models.CASCADE, related_name="deliveries"
    )
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    document = models.CharField(max_length=20, default="invoice")  # invoice | statement
    period = models.CharField(max_length=7, blank=True)  # statements
    to_email = models.EmailField()
    status = models.CharField(
        max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)
    queued_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-queued_at", "-id"]
        verbose_name_plural = "invoice deliveries"

    def __str__(self) -> str:
        return f"{self.document} to {self.to_email} ({self.status})"
