"""One filterset for interaction lists (API query parameters)."""

from __future__ import annotations

import django_filters

from .choices import ContactChannel, ContactDirection, InteractionSource, InteractionState
from .models import Interaction

ID_RANGE = {"min_value": 1, "max_value": 2**63 - 1}


class InteractionFilterSet(django_filters.FilterSet):
    channel = django_filters.MultipleChoiceFilter(choices=ContactChannel.choices)
    direction = django_filters.ChoiceFilter(choices=ContactDirection.choices)
    state = django_filters.MultipleChoiceFilter(choices=InteractionState.choices)
    source = django_filters.MultipleChoiceFilter(choices=InteractionSource.choices)
    agent = django_filters.NumberFilter(field_name="agent_id", **ID_RANGE)
    account = django_filters.NumberFilter(field_name="account_id", **ID_RANGE)
    counted_from = django_filters.DateFilter(field_name="counted_on", lookup_expr="gte")
    counted_to = django_filters.DateFilter(field_name="counted_on", lookup_expr="lte")

    class Meta:
        model = Interaction
        fields = ["channel", "direction", "state", "source", "agent", "account"]
