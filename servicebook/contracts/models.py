"""Service contracts: what a customer's contract covers (coverage lines), its term and
renewal, the customer's purchase orders and what each has paid for, and the record that a
work order was billed against its contract (once)."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q

from servicebook.billing.models import CatalogItem, Invoice
from servicebook.core.models import TimeStampedModel
from servicebook.customers.models import Account, ServiceAgreement, ServiceLocation
from servicebook.inventory.models import PriceList
from servicebook.workorders.choices import WorkOrderType
from servicebook.workorders.models import WorkOrder

from .choices import AppliesTo, ContractStatus, POStatus, percent_label

MONEY = {"max_digits": 14, "decimal_places": 2}
ZERO = Decimal("0.00")


class ServiceContract(TimeStampedModel):
    """A customer's service (maintenance) contract: number `SC-00000001`, the account, the
    locations it covers (none: every location of the account), optionally the service
    agreement it belongs to; its term (start and end dates, both inclusive) and renewal
    (auto-renew by `renewal_term_months`, notice `notice_days` before the end); the price
    list its chargeable work uses; the response-time target and the visits included per
    contract year (0: not counted)."""

    number = models.CharField(max_length=20, unique=True)
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="service_contracts")
    locations = models.ManyToManyField(ServiceLocation, blank=True, related_name="contracts")
    agreement = models.ForeignKey(
        ServiceAgreement, null=True, blank=True, on_delete=models.PROTECT, related_name="contracts"
    )
    name = models.CharField(max_length=150)
    status = models.CharField(
        max_length=12, choices=ContractStatus.choices, default=ContractStatus.DRAFT
    )
    start_date = models.DateField()
    end_date = models.DateField()
    auto_renew = models.BooleanField(default=False)
    renewal_term_months = models.PositiveSmallIntegerField(
        default=12, validators=[MinValueValidator(1), MaxValueValidator(120)]
    )
    notice_days = models.PositiveSmallIntegerField(default=30, validators=[MaxValueValidator(365)])
    renewals = models.PositiveSmallIntegerField(default=0)
    price_list = models.ForeignKey(
        PriceList, null=True, blank=True, on_delete=models.PROTECT, related_name="contracts"
    )
    response_hours = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(720)]
    )
    visits_per_year = models.PositiveSmallIntegerField(
        default=0, validators=[MaxValueValidator(366)]
    )
    notes = models.TextField(blank=True, validators=[MaxLengthValidator(5000)])
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-start_date", "-id"]
        indexes = [models.Index(fields=["account", "status"]), models.Index(fields=["end_date"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=F("start_date")), name="contract_end_after_start"
            )
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.name}"


class ContractCoverage(models.Model):
    """One line of what a contract includes: work of a type (blank: any type) and/or a
    catalog item, for labour, parts or both, covered at a percent (100 = free to the
    customer, 50 = half) — or excluded. The most specific line that matches a job's line
    decides (coverage.py)."""

    contract = models.ForeignKey(
        ServiceContract, on_delete=models.CASCADE, related_name="coverage_lines"
    )
    work_type = models.CharField(max_length=30, choices=WorkOrderType.choices, blank=True)
    catalog_item = models.ForeignKey(
        CatalogItem, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    applies_to = models.CharField(max_length=10, choices=AppliesTo.choices, default=AppliesTo.BOTH)
    covered_percent = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=Decimal("100"),
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    excluded = models.BooleanField(default=False)
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        what = self.get_work_type_display() if self.work_type else "any work"
        if self.excluded:
            return f"{what} ({self.get_applies_to_display().lower()}): excluded"
        share = percent_label(self.covered_percent)
        return f"{what} ({self.get_applies_to_display().lower()}): {share}%"


class CustomerPO(TimeStampedModel):
    """A purchase order the customer gave us: its number, the amount it authorises and how
    much of it invoices have consumed (moved only by a guarded UPDATE, so two invoices at
    once can never take it below zero), valid until a date, for a contract or the whole
    account."""

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="customer_pos")
    contract = models.ForeignKey(
        ServiceContract, null=True, blank=True, on_delete=models.PROTECT, related_name="pos"
    )
    number = models.CharField(max_length=40)
    amount_authorised = models.DecimalField(**MONEY)
    consumed = models.DecimalField(default=ZERO, **MONEY)
    valid_until = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=POStatus.choices, default=POStatus.OPEN)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["account", "number"], name="customer_po_unique"),
            models.CheckConstraint(
                condition=Q(consumed__gte=0) & Q(consumed__lte=F("amount_authorised")),
                name="customer_po_within_amount",
            ),
        ]

    def __str__(self) -> str:
        return f"PO {self.number}"

    @property
    def remaining(self) -> Decimal:
        return (self.amount_authorised - self.consumed).quantize(Decimal("0.01"))


class POConsumption(models.Model):
    """What one invoice took from a customer PO; their sum is the PO's `consumed`."""

    po = models.ForeignKey(CustomerPO, on_delete=models.PROTECT, related_name="consumptions")
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="+")
    work_order = models.ForeignKey(
        WorkOrder, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    amount = models.DecimalField(**MONEY)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.po} {self.amount}"


class ContractBilling(models.Model):
    """A work order billed against its contract: once (the work order is unique), with the
    invoice (none when the contract covered everything), the covered and the customer's
    amounts and the PO charged."""

    work_order = models.OneToOneField(
        WorkOrder, on_delete=models.PROTECT, related_name="contract_billing"
    )
    contract = models.ForeignKey(ServiceContract, on_delete=models.PROTECT, related_name="billings")
    invoice = models.ForeignKey(
        Invoice, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    po = models.ForeignKey(
        CustomerPO, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    covered_amount = models.DecimalField(default=ZERO, **MONEY)
    customer_amount = models.DecimalField(default=ZERO, **MONEY)
    at = models.DateTimeField(auto_now_add=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.work_order} on {self.contract}"
