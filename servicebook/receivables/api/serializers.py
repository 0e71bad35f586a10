"""Input and output of the receivables API. Amounts are strings with two decimals, as in
every money API of Servicebook."""

from __future__ import annotations

from rest_framework import serializers

from servicebook.core.api.schema import EnumField
from servicebook.customers.choices import CustomerClass, LineOfBusiness

from ..selectors import BASES, GROUPINGS

# A whole book's total can exceed an account's 14 digits.
MONEY = {"max_digits": 18, "decimal_places": 2}


class AgingQuerySerializer(serializers.Serializer):
    as_of = serializers.DateField(
        required=False, help_text="The day to age on (YYYY-MM-DD); today when left out"
    )
    basis = serializers.ChoiceField(
        choices=list(BASES),
        default="due_date",
        help_text="Days past the due date (default) or past the invoice date",
    )
    customer_class = EnumField(CustomerClass, required=False, help_text="Only this class")
    line_of_business = EnumField(LineOfBusiness, required=False, help_text="Only this line")
    group_by = serializers.ChoiceField(
        choices=list(GROUPINGS), required=False, help_text="Also break the figures down"
    )


class BookAgingBucketSerializer(serializers.Serializer):
    label = serializers.CharField(help_text="current, 1-30, 31-60, 61-90, 91-120, 121+")
    amount = serializers.DecimalField(**MONEY, help_text="Undisputed open amount")
    accounts = serializers.IntegerField(help_text="Accounts whose oldest debt is in this bucket")


class BookAgingFiguresSerializer(serializers.Serializer):
    buckets = BookAgingBucketSerializer(many=True)
    total = serializers.DecimalField(**MONEY, help_text="Sum of the buckets")
    accounts = serializers.IntegerField(help_text="Accounts owing an undisputed amount")
    disputed = serializers.DecimalField(**MONEY, help_text="Disputed, left out of the buckets")
    disputed_accounts = serializers.IntegerField(help_text="Accounts with a disputed amount")


class BookAgingGroupSerializer(BookAgingFiguresSerializer):
    key = serializers.CharField()
    label = serializers.CharField()


class BookAgingSerializer(BookAgingFiguresSerializer):
    as_of = serializers.DateField()
    basis = serializers.ChoiceField(choices=list(BASES))
    group_by = serializers.CharField(allow_null=True)
    groups = BookAgingGroupSerializer(many=True, help_text="Per group, when group_by is given")


def figures(aging) -> dict:
    """A BookAging (or one of its groups) as the serializers above read it."""
    return {
        "buckets": aging.rows(),
        "total": aging.total,
        "accounts": aging.account_total,
        "disputed": aging.disputed,
        "disputed_accounts": aging.disputed_accounts,
    }


class WriteOffBriefSerializer(serializers.Serializer):
    """One write-off of the account: written off, recovered since by payments, still bad
    debt."""

    number = serializers.CharField(help_text="WO-<id>")
    amount = serializers.DecimalField(**MONEY)
    recovered = serializers.DecimalField(**MONEY, help_text="Brought back by later payments")
    outstanding = serializers.DecimalField(**MONEY, help_text="Still bad debt")
    written_off_on = serializers.DateField()
    reason = serializers.CharField()
    source = serializers.ChoiceField(
        choices=["manual", "collections"], help_text="By hand, or the collections step"
    )


class ReferralBriefSerializer(serializers.Serializer):
    """The account's open agency referral."""

    id = serializers.IntegerField()
    agency = serializers.CharField()
    agency_code = serializers.CharField()
    amount = serializers.DecimalField(**MONEY, help_text="Placed with the agency")
    paid = serializers.DecimalField(**MONEY, help_text="Paid since the referral")
    referred_on = serializers.DateField()
    status = serializers.CharField(help_text="referred (an open referral)")


class CollectionSectionSerializer(serializers.Serializer):
    """The account's collection (the latest process; its fields null when the account was
    written off by hand without one), its write-offs and its open agency referral; null
    when it was never in collections nor written off."""

    status = serializers.CharField(
        allow_null=True, help_text="open, cancelled (brought current) or completed"
    )
    step = serializers.CharField(allow_null=True, help_text="Kind of the last step taken")
    step_label = serializers.CharField(allow_null=True)
    position = serializers.IntegerField(
        allow_null=True, help_text="0: delinquent, no step taken yet"
    )
    step_date = serializers.DateField(allow_null=True)
    next_step_on = serializers.DateField(allow_null=True)
    hold_reason = serializers.CharField(allow_blank=True, help_text="Why the step is held")
    held_on = serializers.DateField(allow_null=True)
    past_due = serializers.DecimalField(
        **MONEY, allow_null=True, help_text="Undisputed past-due amount at the last run"
    )
    policy = serializers.CharField(allow_null=True)
    promise = serializers.DictField(allow_null=True, help_text="The latest promise to pay")
    write_offs = WriteOffBriefSerializer(many=True, help_text="Oldest first")
    referral = ReferralBriefSerializer(allow_null=True, help_text="The open agency referral")


class WriteOffSerializer(serializers.ModelSerializer):
    """A write-off of the account: what was written off, recovered since, still bad debt,
    and the debits it closed (`items`: open item id, reference, amount)."""

    number = serializers.CharField(read_only=True, help_text="WO-<id>")
    outstanding = serializers.DecimalField(**MONEY, read_only=True, help_text="Still bad debt")
    items = serializers.JSONField(
        read_only=True, help_text="[[open item id, reference, amount], ...]"
    )

    class Meta:
        from ..models import WriteOff

        model = WriteOff
        fields = [
            "id",
            "number",
            "amount",
            "recovered",
            "outstanding",
            "written_off_on",
            "reason",
            "source",
            "items",
            "created_at",
        ]
        read_only_fields = fields


class WriteOffInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300, help_text="Why the debt is written off")
