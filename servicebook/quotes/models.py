"""Models of the quotes app: customer quotes (options of lines, revisions, the accept link)
and subcontractor quotes against work orders (docs/quotes.md)."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models

from servicebook.core.models import TimeStampedModel

from .choices import PartnerRequestStatus, QuoteStatus, SubQuoteStatus

MONEY = {"max_digits": 14, "decimal_places": 2}
QTY = {"max_digits": 12, "decimal_places": 3}


class Quote(TimeStampedModel):
    """A priced offer to a customer: one or more options (good / better / best) of catalog
    lines, valid until a date, with terms. A revision is a new row with the same number and
    the next revision number, pointing at the one it replaces; the replaced row is kept
    read-only as history. The customer answers through a one-use link whose token is stored
    only as a SHA-256 hash."""

    number = models.CharField(max_length=20)
    revision = models.PositiveIntegerField(default=1)
    replaces = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="replaced_by"
    )
    account = models.ForeignKey(
        "customers.Account", on_delete=models.PROTECT, related_name="quotes"
    )
    work_order = models.ForeignKey(
        "workorders.WorkOrder",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="quotes",
        help_text="The work order this quote was written for, if any",
    )
    case = models.ForeignKey(
        "cases.Case", null=True, blank=True, on_delete=models.PROTECT, related_name="quotes"
    )
    title = models.CharField(max_length=200)
    work_type = models.CharField(
        max_length=30, default="repair", help_text="Type of the work order an acceptance opens"
    )
    status = models.CharField(
        max_length=20, choices=QuoteStatus.choices, default=QuoteStatus.DRAFT, db_index=True
    )
    valid_until = models.DateField()
    terms = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    sent_at = models.DateTimeField(null=True, blank=True)
    sent_to = models.EmailField(blank=True)
    link_hash = models.CharField(max_length=64, blank=True, db_index=True)
    link_used_at = models.DateTimeField(null=True, blank=True)
    chosen_option = models.ForeignKey(
        "QuoteOption", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decline_reason = models.CharField(max_length=500, blank=True)
    converted_work_order = models.OneToOneField(
        "workorders.WorkOrder",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="from_quote",
    )
    invoice = models.OneToOneField(
        "billing.Invoice", null=True, blank=True, on_delete=models.PROTECT, related_name="quote"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["number", "revision"], name="quote_number_revision")
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return f"{self.number} rev {self.revision}" if self.revision > 1 else self.number

    @property
    def is_draft(self) -> bool:
        return self.status == QuoteStatus.DRAFT


class QuoteOption(models.Model):
    """One choice the customer may accept (good / better / best); a quote with one option
    is the plain case. Totals are the sums of its rounded lines."""

    quote = models.ForeignKey(Quote, on_delete=models.CASCADE, related_name="options")
    position = models.PositiveIntegerField(default=1)
    label = models.CharField(max_length=80)
    subtotal = models.DecimalField(default=Decimal("0.00"), **MONEY)
    tax_total = models.DecimalField(default=Decimal("0.00"), **MONEY)
    total = models.DecimalField(default=Decimal("0.00"), **MONEY)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.label


class QuoteLine(models.Model):
    """A catalog item on an option, priced by inventory.pricing.prices_for for the account
    on the day it was added (the source and its explanation are kept), taxed at the rate of
    the item's tax code in the account's jurisdiction; amounts half-up at the line."""

    option = models.ForeignKey(QuoteOption, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveIntegerField(default=1)
    catalog_item = models.ForeignKey(
        "billing.CatalogItem", on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(max_length=20)
    description = models.CharField(max_length=300)
    quantity = models.DecimalField(**QTY)
    unit = models.CharField(max_length=20, blank=True)
    unit_price = models.DecimalField(**MONEY)
    price_source = models.CharField(max_length=20)
    price_explanation = models.CharField(max_length=300, blank=True)
    amount = models.DecimalField(**MONEY)
    tax_code = models.ForeignKey(
        "billing.TaxCode", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    tax_rate = models.DecimalField(max_digits=7, decimal_places=4, default=Decimal("0"))
    tax_amount = models.DecimalField(default=Decimal("0.00"), **MONEY)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return f"{self.description}: {self.quantity.normalize():f} x {self.unit_price}"


class SubcontractorQuote(TimeStampedModel):
    """What a subcontractor company asks to be paid for work on one of our work orders:
    submitted by the company's user (own jobs only) or entered by staff, then approved within
    the approver's limit (escalated above it) or rejected with a reason. Approval raises the
    company's purchase order through inventory.purchasing."""

    number = models.CharField(max_length=20, unique=True)
    work_order = models.ForeignKey(
        "workorders.WorkOrder", on_delete=models.PROTECT, related_name="subcontractor_quotes"
    )
    subcontractor = models.ForeignKey(
        "scheduling.Subcontractor", on_delete=models.PROTECT, related_name="quotes"
    )
    status = models.CharField(
        max_length=20,
        choices=SubQuoteStatus.choices,
        default=SubQuoteStatus.SUBMITTED,
        db_index=True,
    )
    notes = models.TextField(blank=True)
    total = models.DecimalField(default=Decimal("0.00"), **MONEY)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    escalation_note = models.CharField(max_length=500, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.CharField(max_length=500, blank=True)
    purchase_order = models.OneToOneField(
        "inventory.PurchaseOrder",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="subcontractor_quote",
    )

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.number


class SubcontractorQuoteLine(models.Model):
    """A line of a subcontractor quote: what, how many, at what cost (or one amount)."""

    quote = models.ForeignKey(SubcontractorQuote, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveIntegerField(default=1)
    description = models.CharField(max_length=200)
    quantity = models.DecimalField(**QTY)
    unit_cost = models.DecimalField(**MONEY)
    amount = models.DecimalField(**MONEY)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return f"{self.description}: {self.amount}"


class QuotePolicy(models.Model):
    """The defaults of a new quote, kept by supervisors in the admin (never constants):
    how many days a quote stays valid and the standard terms printed on it."""

    key = models.CharField(max_length=20, unique=True, default="default")
    valid_days = models.PositiveIntegerField(default=30)
    terms = models.TextField(
        blank=True,
        default="Prices include the taxes shown. Work is scheduled once the quote is accepted.",
    )

    class Meta:
        verbose_name_plural = "quote policies"

    def __str__(self) -> str:
        return f"Quote policy ({self.key})"


class PartnerRequest(TimeStampedModel):
    """Out-of-scope work handed to the third party that owns it (a warranty company, a
    manufacturer, a carrier): what is asked, for how much, the partner's reference, and a
    status tracked sent -> acknowledged -> approved / rejected -> done (or cancelled), each
    change a PartnerRequestEvent. Lives in quotes because quotes already depend on
    integrations (Partner, the outbox) and may attach the customer quote."""

    number = models.CharField(max_length=20, unique=True)
    account = models.ForeignKey(
        "customers.Account", on_delete=models.PROTECT, related_name="partner_requests"
    )
    work_order = models.ForeignKey(
        "workorders.WorkOrder",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="partner_requests",
    )
    case = models.ForeignKey(
        "cases.Case", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    partner = models.ForeignKey(
        "integrations.Partner", on_delete=models.PROTECT, related_name="requests"
    )
    quote = models.ForeignKey(
        Quote, null=True, blank=True, on_delete=models.PROTECT, related_name="partner_requests"
    )
    summary = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    amount = models.DecimalField(null=True, blank=True, **MONEY)
    partner_reference = models.CharField(max_length=100, blank=True)
    status = models.CharField(
        max_length=15,
        choices=PartnerRequestStatus.choices,
        default=PartnerRequestStatus.SENT,
        db_index=True,
    )
    notify_customer = models.BooleanField(default=False)
    sent_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-sent_at", "-id"]
        indexes = [models.Index(fields=["status", "sent_at"])]

    def __str__(self) -> str:
        return f"{self.number} to {self.partner_id}"


class PartnerRequestEvent(models.Model):
    """One status change of a partner request: from, to, who (a user, or the partner
    through the inbound API), when, a note, and the partner's event id when it came in."""

    request = models.ForeignKey(PartnerRequest, on_delete=models.CASCADE, related_name="history")
    from_status = models.CharField(max_length=15, blank=True)
    to_status = models.CharField(max_length=15, choices=PartnerRequestStatus.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    by_partner = models.BooleanField(default=False)
    note = models.CharField(max_length=1000, blank=True)
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.from_status or '-'} -> {self.to_status}"
