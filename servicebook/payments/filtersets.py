"""Filtersets shared by the payments pages and the API's query parameters."""

from __future__ import annotations

import django_filters
from django.db.models import Q

from .choices import (
    ApprovalStatus,
    BankItemStatus,
    DepositStatus,
    DisputeStatus,
    PaymentChannel,
    PaymentMethod,
    PaymentStatus,
)
from .models import Adjustment, BankFileItem, Deposit, Dispute, Payment, Refund, Transfer

# Bounded ids: a 30-digit id is a 400 naming the parameter, not an overflow.
ID_RANGE = {"min_value": 1, "max_value": 2**63 - 1}


class PaymentFilterSet(django_filters.FilterSet):
    account = django_filters.NumberFilter(field_name="account_id", **ID_RANGE)
    status = django_filters.MultipleChoiceFilter(choices=PaymentStatus.choices)
    method = django_filters.MultipleChoiceFilter(choices=PaymentMethod.choices)
    channel = django_filters.MultipleChoiceFilter(choices=PaymentChannel.choices)
    received_from = django_filters.DateFilter(field_name="received_on", lookup_expr="gte")
    received_to = django_filters.DateFilter(field_name="received_on", lookup_expr="lte")

    class Meta:
        model = Payment
        fields = ["account", "status", "method", "channel"]


class RefundFilterSet(django_filters.FilterSet):
    account = django_filters.NumberFilter(field_name="account_id", **ID_RANGE)
    payment = django_filters.NumberFilter(field_name="payment_id", **ID_RANGE)
    status = django_filters.MultipleChoiceFilter(choices=ApprovalStatus.choices)

    class Meta:
        model = Refund
        fields = ["account", "payment", "status"]


class AdjustmentFilterSet(django_filters.FilterSet):
    account = django_filters.NumberFilter(field_name="account_id", **ID_RANGE)
    status = django_filters.MultipleChoiceFilter(choices=ApprovalStatus.choices)

    class Meta:
        model = Adjustment
        fields = ["account", "status"]


class TransferFilterSet(django_filters.FilterSet):
    account = django_filters.NumberFilter(
        method="filter_account", label="Either account", **ID_RANGE
    )

    class Meta:
        model = Transfer
        fields = ["account"]

    def filter_account(self, queryset, name, value):
        return queryset.filter(Q(from_account_id=value) | Q(to_account_id=value))


class DepositFilterSet(django_filters.FilterSet):
    account = django_filters.NumberFilter(field_name="account_id", **ID_RANGE)
    status = django_filters.MultipleChoiceFilter(choices=DepositStatus.choices)

    class Meta:
        model = Deposit
        fields = ["account", "status"]


class DisputeFilterSet(django_filters.FilterSet):
    account = django_filters.NumberFilter(field_name="account_id", **ID_RANGE)
    status = django_filters.MultipleChoiceFilter(choices=DisputeStatus.choices)

    class Meta:
        model = Dispute
        fields = ["account", "status"]


class BankFileItemFilterSet(django_filters.FilterSet):
    file = django_filters.NumberFilter(field_name="file_id", **ID_RANGE)
    status = django_filters.MultipleChoiceFilter(choices=BankItemStatus.choices)

    class Meta:
        model = BankFileItem
        fields = ["file", "status"]
