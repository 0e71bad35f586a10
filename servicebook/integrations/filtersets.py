"""Filters shared by the API lists (the pages use their own small forms)."""

from __future__ import annotations

import django_filters

from .choices import DeliveryStatus, PortalTaskStatus
from .models import Delivery, PortalTask


class DeliveryFilterSet(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=DeliveryStatus.choices)
    partner = django_filters.NumberFilter(field_name="endpoint__partner_id")
    event_type = django_filters.CharFilter(field_name="event__event_type")
    event_id = django_filters.UUIDFilter(field_name="event__event_id")

    class Meta:
        model = Delivery
        fields = ["status", "partner", "event_type", "event_id"]


class PortalTaskFilterSet(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=PortalTaskStatus.choices)
    partner = django_filters.NumberFilter(field_name="partner_id")

    class Meta:
        model = PortalTask
        fields = ["status", "partner"]
