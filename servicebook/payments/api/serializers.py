"""Serializers of the payments API: output serializers render, input serializers
(`...InputSerializer`) validate a request for a payments service. None of them saves.

Card data: only CardTokenInputSerializer takes a card number and security code (write-only,
never echoed in an error); everything else names a card by its token id."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from servicebook.core.api.fields import CodeRelatedField
from servicebook.core.api.schema import EnumField
from servicebook.customers.selectors import accounts_visible_to
from servicebook.ledger.models import Allocation, OpenItem, OpenItemKind
from servicebook.users.api.serializers import UserRefSerializer

from ..choices import (
    ApprovalStatus,
    BankAccountType,
    BankFileFormat,
    BankItemStatus,
    DepositStatus,
    Direction,
    DisputeOutcome,
    DisputeStatus,
    PaymentChannel,
    PaymentMethod,
    PaymentPurpose,
    PaymentStatus,
    ReasonDirection,
    ReturnReason,
)
from ..models import (
    Adjustment,
    AdjustmentReason,
    BankAccount,
    BankFile,
    BankFileItem,
    CardToken,
    Deposit,
    Dispute,
    Payment,
    Refund,
    Transfer,
)
from ..selectors import bank_accounts_visible_to, cards_visible_to, payments_visible_to

MONEY = {"max_digits": 14, "decimal_places": 2}

# --- Output --------------------------------------------------------------------------------------


class CardSerializer(serializers.ModelSerializer):
    """A card as we keep it: the gateway's token id, brand, last four and expiry."""

    class Meta:
        model = CardToken
        fields = [
            "id",
            "account",
            "brand",
            "last4",
            "exp_month",
            "exp_year",
            "holder_name",
            "saved",
        ]
        read_only_fields = fields


class BankAccountSerializer(serializers.ModelSerializer):
    account_type = EnumField(BankAccountType, read_only=True)

    class Meta:
        model = BankAccount
        fields = ["id", "account", "routing_number", "last4", "account_type", "holder_name"]
        read_only_fields = fields


class AllocationSerializer(serializers.ModelSerializer):
    document_type = serializers.CharField(source="debit.document_type", read_only=True)
    reference = serializers.CharField(source="debit.reference", read_only=True)

    class Meta:
        model = Allocation
        fields = [
            "id",
            "debit",
            "document_type",
            "reference",
            "amount",
            "created_at",
            "reversed_at",
        ]
        read_only_fields = fields


class PaymentSerializer(serializers.ModelSerializer):
    number = serializers.CharField(read_only=True)
    account_number = serializers.CharField(source="account.number", read_only=True)
    method = EnumField(PaymentMethod, read_only=True)
    channel = EnumField(PaymentChannel, read_only=True)
    status = EnumField(PaymentStatus, read_only=True)
    purpose = EnumField(PaymentPurpose, read_only=True)
    return_reason = serializers.SerializerMethodField()
    card = CardSerializer(read_only=True)
    bank_account = BankAccountSerializer(read_only=True)
    unapplied = serializers.SerializerMethodField()

    class Meta:
        model = Payment
        fields = [
            "id",
            "number",
            "account",
            "account_number",
            "amount",
            "method",
            "channel",
            "purpose",
            "deposit",
            "status",
            "received_on",
            "check_number",
            "reference",
            "memo",
            "card",
            "bank_account",
            "gateway_reference",
            "authorization_code",
            "refunded_amount",
            "unapplied",
            "returned_at",
            "return_reason",
            "created_at",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.STR)
    def get_return_reason(self, obj) -> str:
        return obj.return_reason

    @extend_schema_field(serializers.DecimalField(**MONEY))
    def get_unapplied(self, obj):
        item = obj.credit_item
        return serializers.DecimalField(**MONEY).to_representation(item.open_amount if item else 0)


class PaymentDetailSerializer(PaymentSerializer):
    """A payment with what it paid and what came back."""

    allocations = AllocationSerializer(source="allocation_rows", many=True, read_only=True)
    return_fee = serializers.SerializerMethodField()
    created_by = UserRefSerializer(read_only=True)

    class Meta(PaymentSerializer.Meta):
        fields = [*PaymentSerializer.Meta.fields, "allocations", "return_fee", "created_by"]
        read_only_fields = fields

    @extend_schema_field(serializers.DecimalField(**MONEY, allow_null=True))
    def get_return_fee(self, obj):
        item = obj.return_fee_item
        return serializers.DecimalField(**MONEY).to_representation(item.amount) if item else None


class RefundSerializer(serializers.ModelSerializer):
    number = serializers.CharField(read_only=True)
    method = EnumField(PaymentMethod, read_only=True)
    status = EnumField(ApprovalStatus, read_only=True)
    requested_by = UserRefSerializer(read_only=True)
    decided_by = UserRefSerializer(read_only=True)

    class Meta:
        model = Refund
        fields = [
            "id",
            "number",
            "payment",
            "account",
            "amount",
            "method",
            "reason",
            "status",
            "requested_by",
            "requested_at",
            "decided_by",
            "decided_at",
            "decision_note",
            "gateway_reference",
        ]
        read_only_fields = fields


class AdjustmentReasonSerializer(serializers.ModelSerializer):
    direction = EnumField(ReasonDirection, read_only=True)

    class Meta:
        model = AdjustmentReason
        fields = ["id", "code", "label", "direction", "active"]
        read_only_fields = fields


class AdjustmentSerializer(serializers.ModelSerializer):
    number = serializers.CharField(read_only=True)
    direction = EnumField(Direction, read_only=True)
    status = EnumField(ApprovalStatus, read_only=True)
    reason = AdjustmentReasonSerializer(read_only=True)
    requested_by = UserRefSerializer(read_only=True)
    decided_by = UserRefSerializer(read_only=True)

    class Meta:
        model = Adjustment
        fields = [
            "id",
            "number",
            "account",
            "direction",
            "amount",
            "reason",
            "memo",
            "target_item",
            "status",
            "requested_by",
            "requested_at",
            "decided_by",
            "decided_at",
            "decision_note",
        ]
        read_only_fields = fields


class TransferSerializer(serializers.ModelSerializer):
    number = serializers.CharField(read_only=True)
    created_by = UserRefSerializer(read_only=True)

    class Meta:
        model = Transfer
        fields = [
            "id",
            "number",
            "from_account",
            "to_account",
            "amount",
            "reason",
            "payment",
            "created_by",
            "created_at",
        ]
        read_only_fields = fields


class DepositSerializer(serializers.ModelSerializer):
    number = serializers.CharField(read_only=True)
    status = EnumField(DepositStatus, read_only=True)
    held = serializers.DecimalField(**MONEY, read_only=True)
    outstanding = serializers.DecimalField(**MONEY, read_only=True)

    class Meta:
        model = Deposit
        fields = [
            "id",
            "number",
            "account",
            "amount_required",
            "due_date",
            "reason",
            "status",
            "collected_amount",
            "held",
            "outstanding",
            "applied_amount",
            "refunded_amount",
            "interest_paid",
            "released_at",
            "created_at",
        ]
        read_only_fields = fields


class DisputeSerializer(serializers.ModelSerializer):
    number = serializers.CharField(read_only=True)
    status = EnumField(DisputeStatus, read_only=True)
    reference = serializers.CharField(source="item.reference", read_only=True)
    opened_by = UserRefSerializer(read_only=True)
    resolved_by = UserRefSerializer(read_only=True)

    class Meta:
        model = Dispute
        fields = [
            "id",
            "number",
            "account",
            "item",
            "reference",
            "amount",
            "reason",
            "status",
            "case_number",
            "opened_by",
            "opened_at",
            "resolved_by",
            "resolved_at",
            "resolution_note",
            "adjustment",
        ]
        read_only_fields = fields


class BankFileSerializer(serializers.ModelSerializer):
    format = EnumField(BankFileFormat, read_only=True)

    class Meta:
        model = BankFile
        fields = [
            "id",
            "name",
            "format",
            "sha256",
            "as_of",
            "item_count",
            "total",
            "posted_count",
            "exception_count",
            "imported_at",
        ]
        read_only_fields = fields


class BankFileItemSerializer(serializers.ModelSerializer):
    status = EnumField(BankItemStatus, read_only=True)
    method = EnumField(PaymentMethod, read_only=True)

    class Meta:
        model = BankFileItem
        fields = [
            "id",
            "file",
            "line_number",
            "amount",
            "paid_on",
            "method",
            "account_number",
            "invoice_reference",
            "check_number",
            "bank_reference",
            "type_code",
            "text",
            "status",
            "exception_reason",
            "payment",
            "resolved_at",
            "resolution_note",
        ]
        read_only_fields = fields


class BankFileImportSerializer(serializers.Serializer):
    """What an import did."""

    file = BankFileSerializer()
    already_imported = serializers.BooleanField()
    posted = serializers.IntegerField()
    exceptions = serializers.IntegerField()
    skipped = serializers.ListField(child=serializers.CharField())


# --- Input ---------------------------------------------------------------------------------------


@extend_schema_field(OpenApiTypes.INT)
class _VisibleAccountField(serializers.PrimaryKeyRelatedField):
    def get_queryset(self):
        return accounts_visible_to(self.context["request"].user)


@extend_schema_field(OpenApiTypes.INT)
class _VisiblePaymentField(serializers.PrimaryKeyRelatedField):
    def get_queryset(self):
        return payments_visible_to(self.context["request"].user)


@extend_schema_field(OpenApiTypes.INT)
class _CardField(serializers.PrimaryKeyRelatedField):
    def get_queryset(self):
        return cards_visible_to(self.context["request"].user)


@extend_schema_field(OpenApiTypes.INT)
class _BankAccountField(serializers.PrimaryKeyRelatedField):
    def get_queryset(self):
        return bank_accounts_visible_to(self.context["request"].user)


@extend_schema_field(OpenApiTypes.INT)
class _DebitItemField(serializers.PrimaryKeyRelatedField):
    """An open item that is a charge (a debit) on an account the user may see."""

    def get_queryset(self):
        return OpenItem.objects.filter(
            kind=OpenItemKind.DEBIT,
            account__in=accounts_visible_to(self.context["request"].user),
        )


def _amount(**kwargs) -> serializers.DecimalField:
    return serializers.DecimalField(**MONEY, min_value=0, **kwargs)


class AllocationInputSerializer(serializers.Serializer):
    item = _DebitItemField(help_text="A charge's open item id (an invoice's `open_item`)")
    amount = _amount()


class PaymentInputSerializer(serializers.Serializer):
    account = _VisibleAccountField()
    amount = _amount()
    method = EnumField(PaymentMethod)
    channel = EnumField(PaymentChannel, required=False, default=PaymentChannel.API)
    card = _CardField(required=False, allow_null=True, help_text="A card token id (card-tokens)")
    bank_account = _BankAccountField(
        required=False, allow_null=True, help_text="A bank account id (bank-accounts)"
    )
    check_number = serializers.CharField(max_length=20, required=False, allow_blank=True)
    reference = serializers.CharField(max_length=100, required=False, allow_blank=True)
    memo = serializers.CharField(max_length=300, required=False, allow_blank=True)
    received_on = serializers.DateField(required=False, allow_null=True)
    allocations = AllocationInputSerializer(
        many=True,
        required=False,
        help_text="Your own allocation (overrides oldest-first); what is left is credit",
    )


class ReverseInputSerializer(serializers.Serializer):
    reason = EnumField(ReturnReason)
    note = serializers.CharField(max_length=300, required=False, allow_blank=True)
    fee = _amount(
        required=False,
        allow_null=True,
        help_text="Returned-payment fee; left out, the policy's fee for the reason",
    )


class ReallocateInputSerializer(serializers.Serializer):
    allocations = AllocationInputSerializer(many=True)


class ApplyCreditInputSerializer(serializers.Serializer):
    account = _VisibleAccountField()


class RefundInputSerializer(serializers.Serializer):
    payment = _VisiblePaymentField()
    amount = _amount()
    reason = serializers.CharField(max_length=300)
    request_approval = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Above your limit: wait for approval instead of being refused",
    )


class DecisionInputSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=300, required=False, allow_blank=True)


class RejectInputSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=300)


class AdjustmentInputSerializer(serializers.Serializer):
    account = _VisibleAccountField()
    amount = _amount()
    direction = EnumField(Direction)
    reason = CodeRelatedField(
        slug_field="code", queryset=AdjustmentReason.objects.filter(active=True)
    )
    memo = serializers.CharField(max_length=300)
    target_item = _DebitItemField(required=False, allow_null=True)
    request_approval = serializers.BooleanField(required=False, default=False)


class TransferInputSerializer(serializers.Serializer):
    from_account = _VisibleAccountField()
    to_account = _VisibleAccountField()
    amount = _amount()
    reason = serializers.CharField(max_length=300)
    payment = _VisiblePaymentField(
        required=False, allow_null=True, help_text="The misapplied payment that moves"
    )


class DepositInputSerializer(serializers.Serializer):
    account = _VisibleAccountField()
    amount = _amount()
    due_date = serializers.DateField(required=False, allow_null=True)
    reason = serializers.CharField(max_length=300, required=False, allow_blank=True)


class DepositCollectInputSerializer(serializers.Serializer):
    amount = _amount()
    method = EnumField(PaymentMethod)
    channel = EnumField(PaymentChannel, required=False, default=PaymentChannel.API)
    card = _CardField(required=False, allow_null=True)
    bank_account = _BankAccountField(required=False, allow_null=True)
    check_number = serializers.CharField(max_length=20, required=False, allow_blank=True)
    received_on = serializers.DateField(required=False, allow_null=True)


class DepositReleaseInputSerializer(serializers.Serializer):
    as_of = serializers.DateField(required=False, allow_null=True)


class DepositCancelInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300)


class DisputeInputSerializer(serializers.Serializer):
    item = _DebitItemField()
    amount = _amount()
    reason = serializers.CharField(max_length=500)
    case_number = serializers.CharField(max_length=20, required=False, allow_blank=True)


class DisputeResolveInputSerializer(serializers.Serializer):
    outcome = EnumField(DisputeOutcome)
    note = serializers.CharField(max_length=500)
    credit_amount = _amount(required=False, allow_null=True)


class CardTokenInputSerializer(serializers.Serializer):
    """A card to tokenize. The number and the security code are passed to the gateway and
    dropped; only the token, brand, last four and expiry are kept."""

    account = _VisibleAccountField()
    card_number = serializers.CharField(max_length=30, write_only=True)
    exp_month = serializers.IntegerField(min_value=1, max_value=12)
    exp_year = serializers.IntegerField(min_value=0, max_value=2200)
    cvc = serializers.CharField(max_length=4, write_only=True)
    holder_name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    save = serializers.BooleanField(required=False, default=False)


class BankAccountInputSerializer(serializers.Serializer):
    account = _VisibleAccountField()
    routing_number = serializers.CharField(max_length=12)
    account_number = serializers.CharField(max_length=20, write_only=True)
    account_type = EnumField(BankAccountType, required=False, default=BankAccountType.CHECKING)
    holder_name = serializers.CharField(max_length=100, required=False, allow_blank=True)


class BankFileUploadSerializer(serializers.Serializer):
    file = serializers.FileField()
    format = EnumField(BankFileFormat, required=False, allow_null=True)


class BankFileContentSerializer(serializers.Serializer):
    """A bank file sent as text in a JSON body (BAI2 and lockbox files are text)."""

    name = serializers.CharField(max_length=200)
    content = serializers.CharField(max_length=20_000_000, trim_whitespace=False)
    format = EnumField(BankFileFormat, required=False, allow_null=True)


class BankItemMatchInputSerializer(serializers.Serializer):
    account = _VisibleAccountField()
    invoice_item = _DebitItemField(required=False, allow_null=True)


class BankItemReturnInputSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=300)
