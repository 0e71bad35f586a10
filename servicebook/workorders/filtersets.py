"""One filterset for the work-order list page and the API's query parameters, and one for
maintenance plans."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import django_filters
from django.conf import settings
from django.db.models import Q

from .choices import OPEN_STATUSES, Frequency, Priority, WorkOrderStatus, WorkOrderType
from .models import MaintenancePlan, Skill, WorkOrder

# An id past the database's integer range overflows SQLite's driver (a server error);
# bounded, it is a 400 naming the parameter instead.
ID_RANGE = {"min_value": 1, "max_value": 2**63 - 1}
DATE_RANGE = (dt.date(1900, 1, 1), dt.date(9998, 12, 31))


def _day_start(day: dt.date) -> dt.datetime:
    """Midnight of a day in the business's zone (the list's dates are business days)."""
    return dt.datetime.combine(day, dt.time(), tzinfo=ZoneInfo(settings.TIME_ZONE))


class WorkOrderFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_q", label="Number or summary")
    status = django_filters.MultipleChoiceFilter(choices=WorkOrderStatus.choices)
    work_type = django_filters.MultipleChoiceFilter(choices=WorkOrderType.choices, label="Type")
    priority = django_filters.MultipleChoiceFilter(choices=Priority.choices)
    account = django_filters.NumberFilter(field_name="account_id", **ID_RANGE)
    case = django_filters.NumberFilter(field_name="case_id", **ID_RANGE)
    skill = django_filters.ModelChoiceFilter(
        field_name="required_skills",
        queryset=Skill.objects.all(),
        to_field_name="code",
        label="Needs skill",
    )
    open = django_filters.BooleanFilter(method="filter_open", label="Open only")
    date_from = django_filters.DateFilter(
        method="filter_date_from", label="From (planned, else window)"
    )
    date_to = django_filters.DateFilter(method="filter_date_to", label="To")

    class Meta:
        model = WorkOrder
        fields = ["status", "work_type", "priority", "account", "case"]

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(number__iexact=value) | Q(summary__icontains=value))

    def filter_open(self, queryset, name, value):
        if value is None:
            return queryset
        if value:
            return queryset.filter(status__in=OPEN_STATUSES)
        return queryset.exclude(status__in=OPEN_STATUSES)

    # The day a work order is "on": its planned arrival, else its window's start.
    @staticmethod
    def _on_or_after(start: dt.datetime) -> Q:
        return Q(planned_start__gte=start) | Q(planned_start__isnull=True, window_start__gte=start)

    @staticmethod
    def _before(end: dt.datetime) -> Q:
        return Q(planned_start__lt=end) | Q(planned_start__isnull=True, window_start__lt=end)

    def filter_date_from(self, queryset, name, value):
        if not DATE_RANGE[0] <= value <= DATE_RANGE[1]:
            return queryset.none()
        return queryset.filter(self._on_or_after(_day_start(value)))

    def filter_date_to(self, queryset, name, value):
        if not DATE_RANGE[0] <= value <= DATE_RANGE[1]:
            return queryset.none()
        return queryset.filter(self._before(_day_start(value + dt.timedelta(days=1))))


class MaintenancePlanFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_q", label="Name")
    account = django_filters.NumberFilter(field_name="account_id", **ID_RANGE)
    frequency = django_filters.MultipleChoiceFilter(choices=Frequency.choices)
    active = django_filters.BooleanFilter()
    overdue = django_filters.BooleanFilter(method="filter_overdue", label="With overdue visits")

    class Meta:
        model = MaintenancePlan
        fields = ["account", "frequency", "active"]

    def filter_q(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(name__icontains=value) if value else queryset

    def filter_overdue(self, queryset, name, value):
        # overdue_count is annotated by selectors.plan_list.
        if value is None or "overdue_count" not in queryset.query.annotations:
            return queryset
        return queryset.filter(overdue_count__gt=0) if value else queryset.filter(overdue_count=0)
