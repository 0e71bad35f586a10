"""Input and output serializers of the contracts API, and the account 360 view's
`contracts` section."""

from __future__ import annotations

from rest_framework import serializers

from ..models import ContractCoverage, CustomerPO, ServiceContract


class CoverageLineSerializer(serializers.ModelSerializer):
    class Meta:
        model = ContractCoverage
        fields = [
            "id",
            "work_type",
            "catalog_item",
            "applies_to",
            "covered_percent",
            "excluded",
            "note",
        ]


class CustomerPOSerializer(serializers.ModelSerializer):
    remaining = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True)

    class Meta:
        model = CustomerPO
        fields = [
            "id",
            "number",
            "amount_authorised",
            "consumed",
            "remaining",
            "valid_until",
            "status",
        ]


class ContractSerializer(serializers.ModelSerializer):
    class Meta:
        model = ServiceContract
        fields = [
            "id",
            "number",
            "account",
            "name",
            "status",
            "start_date",
            "end_date",
            "auto_renew",
            "renewal_term_months",
            "notice_days",
            "renewals",
            "response_hours",
            "visits_per_year",
            "price_list",
        ]


class ContractDetailSerializer(ContractSerializer):
    coverage = CoverageLineSerializer(source="coverage_lines", many=True, read_only=True)
    pos = CustomerPOSerializer(many=True, read_only=True)
    locations = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta(ContractSerializer.Meta):
        fields = [
            *ContractSerializer.Meta.fields,
            "agreement",
            "locations",
            "notes",
            "coverage",
            "pos",
        ]


class ContractCreateSerializer(serializers.Serializer):
    account = serializers.IntegerField(min_value=1, max_value=2**31 - 1)
    name = serializers.CharField(max_length=150)
    start_date = serializers.DateField()
    end_date = serializers.DateField()
    auto_renew = serializers.BooleanField(required=False, default=False)
    renewal_term_months = serializers.IntegerField(
        min_value=1, max_value=120, required=False, default=12
    )
    notice_days = serializers.IntegerField(min_value=0, max_value=365, required=False, default=30)
    response_hours = serializers.IntegerField(
        min_value=1, max_value=720, required=False, allow_null=True, default=None
    )
    visits_per_year = serializers.IntegerField(
        min_value=0, max_value=366, required=False, default=0
    )
    notes = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")


class LineDecisionSerializer(serializers.Serializer):
    kind = serializers.CharField(source="line.kind")
    description = serializers.CharField(source="line.description")
    amount = serializers.DecimalField(source="line.amount", max_digits=14, decimal_places=2)
    covered_percent = serializers.DecimalField(max_digits=5, decimal_places=2)
    covered = serializers.DecimalField(max_digits=14, decimal_places=2)
    customer = serializers.DecimalField(max_digits=14, decimal_places=2)
    reason = serializers.CharField()


class DecisionSerializer(serializers.Serializer):
    coverage = serializers.CharField()
    contract = ContractSerializer(allow_null=True)
    lines = LineDecisionSerializer(many=True)
    reasons = serializers.ListField(child=serializers.CharField())
    covered_total = serializers.DecimalField(max_digits=14, decimal_places=2)
    customer_total = serializers.DecimalField(max_digits=14, decimal_places=2)
    visits_included = serializers.IntegerField()
    visits_used = serializers.IntegerField()
    response_hours = serializers.IntegerField(allow_null=True)
    response_due = serializers.DateTimeField(allow_null=True)
    po = CustomerPOSerializer(allow_null=True)
    po_remaining = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    flag_for_quote = serializers.BooleanField()


def account_contracts_field() -> serializers.Field:
    return ContractSerializer(many=True, read_only=True)


def account_contracts_load(*, request, account):
    """The account's contracts for the 360 view (one query); none without contracts.view."""
    from servicebook.core.permissions import has_capability
    from servicebook.users.roles import Cap

    from ..selectors import account_contracts

    if not has_capability(request.user, Cap.CONTRACTS_VIEW):
        return []
    return account_contracts(account)
