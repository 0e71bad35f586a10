"""One filterset for the case queues page and the API's query parameters."""

from __future__ import annotations

import django_filters
from django.db.models import Q

from .choices import ACTIVE_STATUSES, CaseStatus, CaseType, Priority
from .models import Case, Queue

# An id past the database's integer range overflows SQLite's driver (a server error);
# bounded, it is a 400 naming the parameter instead.
ID_RANGE = {"min_value": 1, "max_value": 2**63 - 1}


class CaseFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_q", label="Number or subject")
    status = django_filters.MultipleChoiceFilter(choices=CaseStatus.choices)
    case_type = django_filters.MultipleChoiceFilter(choices=CaseType.choices, label="Type")
    priority = django_filters.MultipleChoiceFilter(choices=Priority.choices)
    queue = django_filters.ModelChoiceFilter(queryset=Queue.objects.filter(active=True))
    assignee = django_filters.NumberFilter(field_name="assignee_id", **ID_RANGE)
    account = django_filters.NumberFilter(field_name="account_id", **ID_RANGE)
    active = django_filters.BooleanFilter(method="filter_active", label="Active only")
    at_risk = django_filters.BooleanFilter()
    breached = django_filters.BooleanFilter()
    unassigned = django_filters.BooleanFilter(field_name="assignee", lookup_expr="isnull")

    class Meta:
        model = Case
        fields = [
            "status",
            "case_type",
            "priority",
            "queue",
            "assignee",
            "account",
            "at_risk",
            "breached",
        ]

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(number__iexact=value) | Q(subject__icontains=value))

    def filter_active(self, queryset, name, value):
        if value is None:
            return queryset
        return (
            queryset.filter(status__in=ACTIVE_STATUSES)
            if value
            else queryset.exclude(status__in=ACTIVE_STATUSES)
        )
