"""Input and output serializers of the quotes API."""

from __future__ import annotations

from rest_framework import serializers

from servicebook.workorders.choices import WorkOrderType

from ..choices import PartnerRequestStatus
from ..models import (
    PartnerRequest,
    PartnerRequestEvent,
    Quote,
    QuoteLine,
    QuoteOption,
    SubcontractorQuote,
    SubcontractorQuoteLine,
)


class QuoteLineSerializer(serializers.ModelSerializer):
    class Meta:
        model = QuoteLine
        fields = [
            "id",
            "position",
            "catalog_item",
            "kind",
            "description",
            "quantity",
            "unit",
            "unit_price",
            "price_source",
            "price_explanation",
            "amount",
            "tax_code",
            "tax_rate",
            "tax_amount",
        ]


class QuoteOptionSerializer(serializers.ModelSerializer):
    lines = QuoteLineSerializer(many=True, read_only=True)

    class Meta:
        model = QuoteOption
        fields = ["id", "position", "label", "subtotal", "tax_total", "total", "lines"]


class QuoteSerializer(serializers.ModelSerializer):
    account_number = serializers.CharField(source="account.number", read_only=True)

    class Meta:
        model = Quote
        fields = [
            "id",
            "number",
            "revision",
            "replaces",
            "account",
            "account_number",
            "title",
            "work_type",
            "status",
            "valid_until",
            "sent_at",
            "sent_to",
            "converted_work_order",
            "invoice",
            "created_at",
        ]


class QuoteDetailSerializer(QuoteSerializer):
    options = QuoteOptionSerializer(many=True, read_only=True)
    chosen_option = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta(QuoteSerializer.Meta):
        fields = [
            *QuoteSerializer.Meta.fields,
            "terms",
            "work_order",
            "case",
            "chosen_option",
            "decline_reason",
            "options",
        ]


class QuoteCreateSerializer(serializers.Serializer):
    account = serializers.IntegerField()
    title = serializers.CharField(max_length=200)
    options = serializers.ListField(
        child=serializers.CharField(max_length=80), required=False, max_length=3
    )
    work_type = serializers.ChoiceField(choices=WorkOrderType.choices, default="repair")
    valid_until = serializers.DateField(required=False)
    terms = serializers.CharField(required=False, allow_blank=True)


class QuoteLineInputSerializer(serializers.Serializer):
    option = serializers.IntegerField(required=False, help_text="Blank: the quote's first option")
    catalog_item = serializers.IntegerField()
    quantity = serializers.DecimalField(max_digits=12, decimal_places=3, min_value=0)
    description = serializers.CharField(required=False, allow_blank=True, max_length=300)


class QuoteSendSerializer(serializers.Serializer):
    to_email = serializers.EmailField(required=False, allow_blank=True)


class SubLineSerializer(serializers.ModelSerializer):
    class Meta:
        model = SubcontractorQuoteLine
        fields = ["position", "description", "quantity", "unit_cost", "amount"]


class SubQuoteSerializer(serializers.ModelSerializer):
    lines = SubLineSerializer(many=True, read_only=True)
    work_order_number = serializers.CharField(source="work_order.number", read_only=True)
    purchase_order_number = serializers.CharField(
        source="purchase_order.number", read_only=True, default=None
    )

    class Meta:
        model = SubcontractorQuote
        fields = [
            "id",
            "number",
            "work_order",
            "work_order_number",
            "subcontractor",
            "status",
            "notes",
            "total",
            "escalation_note",
            "decided_at",
            "decision_reason",
            "purchase_order",
            "purchase_order_number",
            "created_at",
            "lines",
        ]


class SubLineInputSerializer(serializers.Serializer):
    description = serializers.CharField(max_length=200)
    quantity = serializers.DecimalField(max_digits=12, decimal_places=3, default=1)
    unit_cost = serializers.DecimalField(max_digits=14, decimal_places=2)


class SubQuoteSubmitSerializer(serializers.Serializer):
    work_order = serializers.IntegerField()
    subcontractor = serializers.IntegerField(
        required=False, help_text="Staff name the company; a subcontractor's own is used"
    )
    lines = SubLineInputSerializer(many=True, required=False)
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, required=False)
    notes = serializers.CharField(required=False, allow_blank=True)


class ApproveSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=500)


class RejectSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500)


class EmptyInputSerializer(serializers.Serializer):
    """No fields: the action needs only the object in its path."""


class PartnerRequestEventSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor.username", read_only=True, default=None)

    class Meta:
        model = PartnerRequestEvent
        fields = ["from_status", "to_status", "actor", "by_partner", "note", "at"]


class PartnerRequestSerializer(serializers.ModelSerializer):
    account_number = serializers.CharField(source="account.number", read_only=True)
    partner_name = serializers.CharField(source="partner.name", read_only=True)
    work_order_number = serializers.CharField(
        source="work_order.number", read_only=True, default=None
    )
    is_overdue = serializers.BooleanField(read_only=True)
    last_moved_at = serializers.DateTimeField(read_only=True)

    class Meta:
        model = PartnerRequest
        fields = [
            "id",
            "number",
            "account",
            "account_number",
            "partner",
            "partner_name",
            "work_order",
            "work_order_number",
            "case",
            "quote",
            "summary",
            "description",
            "amount",
            "partner_reference",
            "status",
            "notify_customer",
            "sent_at",
            "last_moved_at",
            "is_overdue",
        ]


class PartnerRequestDetailSerializer(PartnerRequestSerializer):
    history = PartnerRequestEventSerializer(many=True, read_only=True)

    class Meta(PartnerRequestSerializer.Meta):
        fields = [*PartnerRequestSerializer.Meta.fields, "history"]


class PartnerRequestCreateSerializer(serializers.Serializer):
    account = serializers.IntegerField(
        required=False, help_text="Blank when a work order is given: its account"
    )
    work_order = serializers.IntegerField(required=False)
    quote = serializers.IntegerField(required=False, help_text="A customer quote to attach")
    partner = serializers.IntegerField()
    summary = serializers.CharField(max_length=200, help_text="What is asked")
    description = serializers.CharField(required=False, allow_blank=True, max_length=4000)
    amount = serializers.DecimalField(
        max_digits=14, decimal_places=2, min_value=0, required=False, allow_null=True
    )
    notify_customer = serializers.BooleanField(
        default=False, help_text="Email the customer at each change"
    )


class PartnerRequestStatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=PartnerRequestStatus.choices)
    note = serializers.CharField(
        required=False, allow_blank=True, max_length=1000, help_text="Needed for a rejection"
    )
    reference = serializers.CharField(
        required=False, allow_blank=True, max_length=100, help_text="The partner's reference"
    )
