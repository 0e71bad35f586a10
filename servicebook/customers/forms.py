"""Forms of the account pages. They validate shapes; the services own the rules."""

from __future__ import annotations

from django import forms

from servicebook.core.forms import DateInput, PagedForm

from .choices import (
    AccountStatus,
    AgreementKind,
    AlertKind,
    AlertSeverity,
    Channel,
    ContactRole,
    CustomerClass,
    CustomerKind,
    Direction,
    LineOfBusiness,
    PhoneKind,
    PreferredChannel,
)
from .models import NOTE_MAX_LENGTH, Program, ServiceLocation


class AccountOpenForm(forms.Form):
    """A new customer and account, with the premise and the person we speak to."""

    kind = forms.ChoiceField(
        label="Customer is", choices=CustomerKind.choices, initial=CustomerKind.PERSON
    )
    first_name = forms.CharField(max_length=100, required=False)
    last_name = forms.CharField(max_length=100, required=False)
    organisation_name = forms.CharField(max_length=200, required=False, label="Organisation name")
    line_of_business = forms.ChoiceField(
        choices=LineOfBusiness.choices, initial=LineOfBusiness.UTILITY
    )
    customer_class = forms.ChoiceField(
        choices=CustomerClass.choices, initial=CustomerClass.RESIDENTIAL
    )
    phone = forms.CharField(max_length=40, label="Phone", help_text="Any format: (303) 555-0147")
    phone_kind = forms.ChoiceField(choices=PhoneKind.choices, label="Phone type")
    email = forms.EmailField(max_length=254, required=False)
    line1 = forms.CharField(max_length=200, label="Street address")
    line2 = forms.CharField(max_length=200, required=False, label="Unit, suite")
    city = forms.CharField(max_length=100)
    region = forms.CharField(max_length=50, label="State")
    postal_code = forms.CharField(max_length=20, label="ZIP / postal code")

    def clean(self):
        data = super().clean()
        if data.get("kind") == CustomerKind.ORGANISATION and not data.get("organisation_name"):
            self.add_error("organisation_name", "Enter the organisation's name.")
        if data.get("kind") == CustomerKind.PERSON and not data.get("last_name"):
            self.add_error("last_name", "Enter the customer's last name.")
        return data


class NoteForm(PagedForm):
    """Log a contact: channel, direction and what it was about, in one step."""

    id_prefix = "note"

    channel = forms.ChoiceField(choices=Channel.choices, initial=Channel.PHONE)
    direction = forms.ChoiceField(choices=Direction.choices, initial=Direction.INBOUND)
    summary = forms.CharField(
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(
            attrs={
                "rows": 3,
                "placeholder": "What the contact was about, what you did, what comes next",
            }
        ),
        label="Note",
    )


class ContactForm(PagedForm):
    id_prefix = "contact"

    name = forms.CharField(max_length=200)
    role = forms.ChoiceField(choices=ContactRole.choices, initial=ContactRole.AUTHORIZED)
    phone = forms.CharField(max_length=40, required=False, help_text="Any format")
    phone_kind = forms.ChoiceField(choices=PhoneKind.choices, label="Phone type")
    email = forms.EmailField(max_length=254, required=False)
    preferred_channel = forms.ChoiceField(choices=PreferredChannel.choices)
    do_not_call = forms.BooleanField(required=False, label="Do not call")


class PhoneForm(PagedForm):
    id_prefix = "phone"

    number = forms.CharField(max_length=40, label="Phone", help_text="Any format")
    kind = forms.ChoiceField(choices=PhoneKind.choices, label="Type")


class EmailForm(PagedForm):
    id_prefix = "email"

    email = forms.EmailField(max_length=254)


class LocationForm(PagedForm):
    id_prefix = "location"

    label = forms.CharField(max_length=100, required=False, help_text="e.g. Home, Warehouse 2")
    line1 = forms.CharField(max_length=200, label="Street address")
    line2 = forms.CharField(max_length=200, required=False, label="Unit, suite")
    city = forms.CharField(max_length=100)
    region = forms.CharField(max_length=50, label="State")
    postal_code = forms.CharField(max_length=20, label="ZIP / postal code")
    latitude = forms.DecimalField(
        max_digits=9, decimal_places=6, required=False, min_value=-90, max_value=90
    )
    longitude = forms.DecimalField(
        max_digits=9, decimal_places=6, required=False, min_value=-180, max_value=180
    )
    time_zone = forms.CharField(max_length=64, initial="America/Denver", label="Time zone")
    premise_id = forms.CharField(max_length=40, required=False, label="Premise / meter id")
    access_notes = forms.CharField(
        max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def clean_time_zone(self):
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        value = self.cleaned_data["time_zone"].strip()
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise forms.ValidationError(
                f"“{value}” is not a time zone name like America/Denver."
            ) from exc
        return value


class AgreementForm(PagedForm):
    id_prefix = "agreement"

    kind = forms.ChoiceField(choices=AgreementKind.choices)
    description = forms.CharField(max_length=200)
    location = forms.ModelChoiceField(queryset=ServiceLocation.objects.none(), required=False)
    identifier = forms.CharField(
        max_length=60, required=False, help_text="Meter number, line, contract reference"
    )
    start_date = forms.DateField(required=False, widget=DateInput)

    def __init__(self, *args, account=None, **kwargs):
        super().__init__(*args, **kwargs)
        if account is not None:
            self.fields["location"].queryset = account.locations.all()


class EquipmentForm(PagedForm):
    id_prefix = "equipment"

    location = forms.ModelChoiceField(queryset=ServiceLocation.objects.none())
    kind = forms.CharField(max_length=60, help_text="Furnace, modem, meter...")
    make = forms.CharField(max_length=60, required=False)
    model = forms.CharField(max_length=60, required=False)
    serial_number = forms.CharField(max_length=60, required=False)
    installed_on = forms.DateField(required=False, widget=DateInput)
    warranty_until = forms.DateField(required=False, widget=DateInput)

    def __init__(self, *args, account=None, **kwargs):
        super().__init__(*args, **kwargs)
        if account is not None:
            self.fields["location"].queryset = account.locations.all()


class AlertForm(PagedForm):
    id_prefix = "alert"

    kind = forms.ChoiceField(choices=AlertKind.choices)
    severity = forms.ChoiceField(choices=AlertSeverity.choices, initial=AlertSeverity.WARNING)
    message = forms.CharField(max_length=300, required=False)
    expires_on = forms.DateField(required=False, widget=DateInput)


class EnrollForm(PagedForm):
    id_prefix = "enroll"

    program = forms.ModelChoiceField(queryset=Program.objects.filter(active=True))


class StatusForm(PagedForm):
    id_prefix = "status"

    status = forms.ChoiceField(choices=AccountStatus.choices)
    reason = forms.CharField(max_length=300)
