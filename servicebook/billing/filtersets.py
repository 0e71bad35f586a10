"""One filterset for the invoice list page and the API's query parameters."""

from __future__ import annotations

import django_filters

from .choices import InvoiceSource, InvoiceStatus
from .models import Invoice

# An id past the database's integer range overflows SQLite's driver; bounded, it is a 400.
ID_RANGE = {"min_value": 1, "max_value": 2**63 - 1}


class InvoiceFilterSet(django_filters.FilterSet):
    number = django_filters.CharFilter(field_name="number", lookup_expr="istartswith")
    account = django_filters.CharFilter(field_name="account__number", label="Account number")
    account_id = django_filters.NumberFilter(field_name="account_id", **ID_RANGE)
    status = django_filters.MultipleChoiceFilter(choices=InvoiceStatus.choices)
    source = django_filters.ChoiceFilter(choices=InvoiceSource.choices)
    period = django_filters.CharFilter()
    issued_from = django_filters.DateFilter(field_name="issued_on", lookup_expr="gte")
    issued_to = django_filters.DateFilter(field_name="issued_on", lookup_expr="lte")
    due_before = django_filters.DateFilter(field_name="due_date", lookup_expr="lt")

    class Meta:
        model = Invoice
        fields = ["number", "account", "account_id", "status", "source", "period"]
