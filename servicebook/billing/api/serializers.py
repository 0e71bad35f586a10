"""Input and output serializers of the billing API."""

from __future__ import annotations

from rest_framework import serializers

from servicebook.core.api.schema import EnumField
from servicebook.ledger.models import LedgerAccount

from ..choices import BillRunStatus, InvoiceSource, InvoiceStatus, ItemKind
from ..models import (
    BillRun,
    CatalogItem,
    CreditNote,
    Invoice,
    InvoiceLine,
    TaxCode,
)

MONEY = {"max_digits": 14, "decimal_places": 2}


class TaxCodeSerializer(serializers.ModelSerializer):
    class Meta:
        model = TaxCode
        fields = ["id", "code", "name", "active"]


class CatalogItemSerializer(serializers.ModelSerializer):
    kind = EnumField(ItemKind)

    class Meta:
        model = CatalogItem
        fields = [
            "id",
            "code",
            "name",
            "kind",
            "unit",
            "price",
            "tax_code",
            "revenue_account",
            "description",
            "active",
        ]


class CatalogItemInputSerializer(serializers.Serializer):
    code = serializers.SlugField(max_length=40)
    name = serializers.CharField(max_length=150)
    kind = EnumField(ItemKind)
    unit = serializers.CharField(max_length=20, required=False, default="each")
    price = serializers.DecimalField(**MONEY)
    tax_code = serializers.PrimaryKeyRelatedField(
        queryset=TaxCode.objects.all(), required=False, allow_null=True
    )
    revenue_account = serializers.PrimaryKeyRelatedField(queryset=LedgerAccount.objects.all())
    description = serializers.CharField(required=False, allow_blank=True, default="")


class CatalogItemUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=150, required=False)
    unit = serializers.CharField(max_length=20, required=False)
    price = serializers.DecimalField(required=False, **MONEY)
    tax_code = serializers.PrimaryKeyRelatedField(
        queryset=TaxCode.objects.all(), required=False, allow_null=True
    )
    revenue_account = serializers.PrimaryKeyRelatedField(
        queryset=LedgerAccount.objects.all(), required=False
    )
    description = serializers.CharField(required=False, allow_blank=True)
    active = serializers.BooleanField(required=False)


class InvoiceLineSerializer(serializers.ModelSerializer):
    kind = EnumField(ItemKind)

    class Meta:
        model = InvoiceLine
        fields = [
            "id",
            "position",
            "kind",
            "catalog_item",
            "description",
            "quantity",
            "unit",
            "unit_price",
            "amount",
            "tax_code",
            "tax_rate",
            "tax_amount",
            "revenue_account",
            "recurring_charge",
            "period_start",
            "period_end",
        ]


class CreditNoteSerializer(serializers.ModelSerializer):
    class Meta:
        model = CreditNote
        fields = [
            "id",
            "number",
            "invoice",
            "reason",
            "voids",
            "issued_on",
            "subtotal",
            "tax_total",
            "total",
            "created_at",
        ]


class InvoiceSerializer(serializers.ModelSerializer):
    """An invoice as a list shows it."""

    status = EnumField(InvoiceStatus)
    source = EnumField(InvoiceSource)
    account_number = serializers.CharField(source="account.number", read_only=True)
    open_amount = serializers.SerializerMethodField()

    class Meta:
        model = Invoice
        fields = [
            "id",
            "number",
            "account",
            "account_number",
            "status",
            "source",
            "issued_on",
            "due_date",
            "period",
            "subtotal",
            "tax_total",
            "total",
            "credited_total",
            "open_amount",
        ]

    def get_open_amount(self, invoice) -> str | None:
        item = invoice.open_item
        return None if item is None else str(item.open_amount)


class InvoiceDetailSerializer(InvoiceSerializer):
    """An invoice with its lines and credit notes."""

    lines = InvoiceLineSerializer(many=True, read_only=True)
    credit_notes = CreditNoteSerializer(many=True, read_only=True)

    class Meta(InvoiceSerializer.Meta):
        fields = [*InvoiceSerializer.Meta.fields, "memo", "lines", "credit_notes"]


class InvoiceCreateSerializer(serializers.Serializer):
    account = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
    memo = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class InvoiceLineInputSerializer(serializers.Serializer):
    catalog_item = serializers.PrimaryKeyRelatedField(
        queryset=CatalogItem.objects.all(), required=False, allow_null=True
    )
    description = serializers.CharField(
        max_length=300, required=False, allow_blank=True, default=""
    )
    quantity = serializers.DecimalField(max_digits=12, decimal_places=3, default=1)
    unit_price = serializers.DecimalField(
        max_digits=14, decimal_places=4, required=False, allow_null=True
    )
    kind = EnumField(ItemKind, required=False)
    revenue_account = serializers.PrimaryKeyRelatedField(
        queryset=LedgerAccount.objects.all(), required=False, allow_null=True
    )
    tax_code = serializers.PrimaryKeyRelatedField(
        queryset=TaxCode.objects.all(), required=False, allow_null=True
    )


class IssueInputSerializer(serializers.Serializer):
    issued_on = serializers.DateField(required=False, allow_null=True)


class CreditLineInputSerializer(serializers.Serializer):
    line = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
    amount = serializers.DecimalField(**MONEY)


class CreditNoteInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300)
    void = serializers.BooleanField(default=False)
    lines = CreditLineInputSerializer(many=True, required=False)


class SendInputSerializer(serializers.Serializer):
    to_email = serializers.EmailField(required=False, allow_blank=True, default="")


class DeliverySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    to_email = serializers.EmailField()
    status = serializers.CharField()


class BillRunSerializer(serializers.ModelSerializer):
    status = EnumField(BillRunStatus)
    cycle = serializers.IntegerField(source="cycle.number", read_only=True)

    class Meta:
        model = BillRun
        fields = [
            "id",
            "cycle",
            "period",
            "status",
            "issued_on",
            "started_at",
            "finished_at",
            "progress_at",
            "accounts_total",
            "accounts_done",
            "invoices_created",
            "amount_billed",
            "attempts",
        ]


class BillRunStartSerializer(serializers.Serializer):
    cycle = serializers.IntegerField(min_value=1, max_value=32767)
    period = serializers.RegexField(r"^\d{4}-\d{2}$", help_text="YYYY-MM")
    issued_on = serializers.DateField(required=False, allow_null=True)


# --- The account's 360 view ----------------------------------------------------------------------


class BalanceSectionSerializer(serializers.Serializer):
    balance = serializers.DecimalField(**MONEY)
    past_due = serializers.DecimalField(**MONEY)
    deposits_held = serializers.DecimalField(**MONEY)
    disputed = serializers.DecimalField(**MONEY)


class AgingBucketSerializer(serializers.Serializer):
    label = serializers.CharField()
    amount = serializers.DecimalField(**MONEY)


class AgingSectionSerializer(serializers.Serializer):
    as_of = serializers.DateField()
    basis = serializers.CharField()
    buckets = AgingBucketSerializer(many=True)
    total = serializers.DecimalField(**MONEY)
    disputed = serializers.DecimalField(**MONEY)


class OpenInvoiceSerializer(InvoiceSerializer):
    class Meta(InvoiceSerializer.Meta):
        fields = ["id", "number", "status", "issued_on", "due_date", "total", "open_amount"]
