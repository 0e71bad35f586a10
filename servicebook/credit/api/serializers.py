"""Serializers of the credit API: output (arrangements, installments, restorations and
their quote, bankruptcies, standing) and input (what the services take)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from servicebook.core.api.schema import EnumField

from ..models import (
    ArrangementInstallment,
    Bankruptcy,
    BankruptcyStatus,
    Chapter,
    CreditStanding,
    PaymentArrangement,
    Restoration,
)

MONEY = {"max_digits": 14, "decimal_places": 2}


class ArrangementInstallmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = ArrangementInstallment
        fields = ["number", "due_date", "amount", "paid_amount", "status", "paid_on"]
        read_only_fields = fields


class ArrangementSerializer(serializers.ModelSerializer):
    """A payment arrangement with its installments (number 0 is the down payment)."""

    installments = ArrangementInstallmentSerializer(many=True, read_only=True)

    class Meta:
        model = PaymentArrangement
        fields = [
            "id",
            "account",
            "status",
            "arrears",
            "down_payment",
            "installment_count",
            "paid_amount",
            "started_on",
            "ended_on",
            "end_reason",
            "created_at",
            "installments",
        ]
        read_only_fields = fields


class ArrangementScheduleLineSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    due_date = serializers.DateField()
    amount = serializers.DecimalField(**MONEY)


class ArrangementProposalSerializer(serializers.Serializer):
    """What the policy allows the account today and the schedule it gives."""

    account = serializers.IntegerField(source="account.pk")
    on = serializers.DateField()
    eligible = serializers.BooleanField()
    reasons = serializers.ListField(child=serializers.CharField())
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))
    arrears = serializers.DecimalField(**MONEY)
    min_down_payment = serializers.DecimalField(**MONEY)
    down_payment = serializers.DecimalField(**MONEY)
    installment_count = serializers.IntegerField()
    max_installments = serializers.IntegerField()
    schedule = serializers.SerializerMethodField()

    @extend_schema_field(ArrangementScheduleLineSerializer(many=True))
    def get_schedule(self, proposal) -> list[dict]:
        lines = [{"number": n, "due_date": d, "amount": a} for n, d, a in proposal.schedule]
        return ArrangementScheduleLineSerializer(lines, many=True).data


class ArrangementProposalQuerySerializer(serializers.Serializer):
    down_payment = serializers.DecimalField(required=False, allow_null=True, **MONEY)
    installments = serializers.IntegerField(required=False, allow_null=True, min_value=1)


class ArrangementInputSerializer(ArrangementProposalQuerySerializer):
    pass


class ArrangementCancelInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300)


class RestorationQuoteItemSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    amount = serializers.DecimalField(**MONEY)
    explanation = serializers.CharField()


class RestorationQuoteSerializer(serializers.Serializer):
    """The amount to restore, item by item."""

    on = serializers.DateField()
    amount = serializers.DecimalField(source="total", **MONEY)
    items = RestorationQuoteItemSerializer(many=True)
    restoration = serializers.IntegerField(source="restoration.pk", allow_null=True, default=None)


class RestorationSerializer(serializers.ModelSerializer):
    total = serializers.DecimalField(read_only=True, **MONEY)

    class Meta:
        model = Restoration
        fields = [
            "id",
            "account",
            "status",
            "opened_on",
            "past_due",
            "fee",
            "deposit",
            "total",
            "fee_invoice",
            "deposit_record",
            "work_order",
            "paid_on",
        ]
        read_only_fields = fields


class RestorationInputSerializer(serializers.Serializer):
    """Opening a restoration: the amounts come from the policies; `on` is the day it opens
    (default today), the day whose past due it waits for."""

    on = serializers.DateField(required=False, allow_null=True)


class BankruptcySerializer(serializers.ModelSerializer):
    class Meta:
        model = Bankruptcy
        fields = [
            "id",
            "account",
            "petition_date",
            "chapter",
            "court",
            "case_number",
            "status",
            "closed_on",
            "pre_petition_amount",
            "claim_amount",
            "claim_filed_on",
            "assurance_amount",
            "assurance_due_on",
            "assurance_deposit",
        ]
        read_only_fields = fields


class BankruptcyInputSerializer(serializers.Serializer):
    petition_date = serializers.DateField()
    chapter = EnumField(Chapter)
    court = serializers.CharField(max_length=200)
    case_number = serializers.CharField(max_length=50)


class BankruptcyClaimInputSerializer(serializers.Serializer):
    amount = serializers.DecimalField(**MONEY)
    filed_on = serializers.DateField()


class BankruptcyCloseInputSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=[BankruptcyStatus.DISMISSED.value, BankruptcyStatus.DISCHARGED.value]
    )
    on = serializers.DateField()


class CreditStandingSerializer(serializers.ModelSerializer):
    class Meta:
        model = CreditStanding
        fields = ["score", "cash_only", "cash_only_since"]
        read_only_fields = fields
