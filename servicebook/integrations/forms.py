"""Forms of the integrations pages: validation of the input only; the services decide."""

from __future__ import annotations

from django import forms

from servicebook.core.forms import PagedForm

from .choices import Connector, DeliveryStatus, EndpointScope, PartnerKind, PortalTaskStatus
from .events import event_types
from .models import Partner


class PartnerForm(PagedForm):
    id_prefix = "partner"
    name = forms.CharField(max_length=120)
    kind = forms.ChoiceField(choices=PartnerKind.choices)
    connector = forms.ChoiceField(choices=Connector.choices)
    active = forms.BooleanField(required=False, initial=True)
    contact_name = forms.CharField(max_length=120, required=False)
    contact_email = forms.EmailField(required=False)
    contact_phone = forms.CharField(max_length=40, required=False)
    portal_url = forms.URLField(required=False, assume_scheme="https")


class EndpointForm(PagedForm):
    id_prefix = "endpoint"
    url = forms.URLField(max_length=500, label="URL", assume_scheme="https")
    event_types = forms.MultipleChoiceField(
        choices=[], widget=forms.CheckboxSelectMultiple, label="Events"
    )
    scope = forms.ChoiceField(choices=EndpointScope.choices, initial=EndpointScope.LINKED)
    timeout_seconds = forms.IntegerField(min_value=1, max_value=1000, required=False)
    max_attempts = forms.IntegerField(min_value=1, max_value=1000, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["event_types"].choices = [(t, t) for t in event_types()]


class EndpointEditForm(EndpointForm):
    id_prefix = "endpoint-edit"
    active = forms.BooleanField(required=False)


class TokenForm(PagedForm):
    id_prefix = "token"
    label = forms.CharField(max_length=100, required=False)


class LinkForm(forms.Form):
    partner = forms.ModelChoiceField(queryset=Partner.objects.filter(active=True))
    external_reference = forms.CharField(max_length=100, required=False)


class DeliveryFilterForm(forms.Form):
    status = forms.ChoiceField(
        choices=[("", "Any status"), *DeliveryStatus.choices], required=False
    )
    partner = forms.ModelChoiceField(
        queryset=Partner.objects.order_by("name"), required=False, empty_label="Any partner"
    )
    event_type = forms.ChoiceField(choices=[], required=False, label="Event")
    event_id = forms.UUIDField(required=False, label="Event id")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["event_type"].choices = [("", "Any event"), *((t, t) for t in event_types())]


class PortalFilterForm(forms.Form):
    status = forms.ChoiceField(
        choices=[*PortalTaskStatus.choices, ("", "All")], required=False, initial="open"
    )
    partner = forms.ModelChoiceField(
        queryset=Partner.objects.filter(connector=Connector.PORTAL).order_by("name"),
        required=False,
        empty_label="Any partner",
    )


class TaskDoneForm(forms.Form):
    reference = forms.CharField(max_length=100, required=False)  # the service requires it
