"""One filterset for account lists and the API's query parameters."""

from __future__ import annotations

import django_filters

from .choices import AccountStatus, CustomerClass, LineOfBusiness
from .models import Account

# An id past the database's integer range overflows SQLite's driver (a server error);
# bounded, it is a 400 naming the parameter instead.
ID_RANGE = {"min_value": 1, "max_value": 2**63 - 1}


class AccountFilterSet(django_filters.FilterSet):
    number = django_filters.CharFilter()
    status = django_filters.MultipleChoiceFilter(choices=AccountStatus.choices)
    customer_class = django_filters.MultipleChoiceFilter(choices=CustomerClass.choices)
    line_of_business = django_filters.MultipleChoiceFilter(choices=LineOfBusiness.choices)
    customer = django_filters.NumberFilter(field_name="customer_id", **ID_RANGE)

    class Meta:
        model = Account
        fields = ["number", "status", "customer_class", "line_of_business", "customer"]
