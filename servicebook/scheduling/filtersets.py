"""Filters shared by the scheduling pages and the API's query parameters."""

from __future__ import annotations

import django_filters

from .choices import AppointmentStatus
from .models import Appointment

# An id past the database's integer range overflows SQLite's driver: bounded, it is a 400.
ID_RANGE = {"min_value": 1, "max_value": 2**63 - 1}


class AppointmentFilterSet(django_filters.FilterSet):
    date = django_filters.DateFilter(method="filter_date", label="Day (business zone)")
    date_from = django_filters.IsoDateTimeFilter(field_name="ends_at", lookup_expr="gt")
    date_to = django_filters.IsoDateTimeFilter(field_name="starts_at", lookup_expr="lt")
    technician = django_filters.NumberFilter(field_name="technician_id", **ID_RANGE)
    work_order = django_filters.NumberFilter(field_name="work_order_id", **ID_RANGE)
    status = django_filters.MultipleChoiceFilter(choices=AppointmentStatus.choices)

    class Meta:
        model = Appointment
        fields = ["technician", "work_order", "status", "locked"]

    def filter_date(self, queryset, name, value):
        from .selectors import day_bounds

        start, end = day_bounds(value)
        return queryset.filter(starts_at__lt=end, ends_at__gt=start)
