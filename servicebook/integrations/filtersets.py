"""Filters shared by the API lists (the pages use their own small forms)."""

from __future__ import annotations

import django_filters

from .choices import DeliveryStatus, PortalTaskStatus
from .models import Delivery, PortalTask

# An id past the database's integer range overflows SQLite's driver (a server error);
# bounded, it is a 400 naming the parameter instead (as in workorders.filtersets).
ID_RANGE = {"min_value": 1, "max_value": 2**63 - 1}


class DeliveryFilterSet(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=DeliveryStatus.choices)
    partner = django_filters.NumberFilter(field_name="endpoint__partner_id", **ID_RANGE)
    event_type = django_filters.CharFilter(field_name="event__event_type")
    event_id = django_filters.UUIDFilter(field_name="event__event_id")

    class Meta:
        model = Delivery
        fields = ["status", "partner", "event_type", "event_id"]


class PortalTaskFilterSet(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=PortalTaskStatus.choices)
    partner = django_filters.NumberFilter(field_name="partner_id", **ID_RANGE)

    class Meta:
        model = PortalTask
        fields = ["status", "partner"]
