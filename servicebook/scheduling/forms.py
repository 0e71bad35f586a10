"""Forms of the scheduling pages: validation only (the services decide)."""

from __future__ import annotations

import datetime as dt
import json

from django import forms
from django.conf import settings

from servicebook.core.forms import DateInput, PagedForm
from servicebook.workorders.choices import IncompleteReason, LineKind
from servicebook.workorders.models import CompletionCode, Skill

from . import availability, selectors
from .choices import DocumentKind, TechnicianKind, TimeOffKind
from .models import (
    WEEKDAYS,
    Branch,
    OnboardingStep,
    Subcontractor,
    Technician,
    Territory,
)


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, **kwargs):
        kwargs.setdefault("format", "%H:%M")
        super().__init__(**kwargs)


class LocalDateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        kwargs.setdefault("format", "%Y-%m-%dT%H:%M")
        super().__init__(**kwargs)


def _technicians():
    return Technician.objects.filter(active=True).order_by("last_name", "first_name")


class TechnicianChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name


def board_local(date: dt.date, value: dt.time) -> dt.datetime:
    """A wall-clock time on the board's date, in the business zone, as an instant."""
    return availability.local_instant(date, value, selectors.zone())


# --- The board ---------------------------------------------------------------------------------


class BoardDayForm(forms.Form):
    """The board's date and territory (query string)."""

    date = forms.DateField(required=False, widget=DateInput)
    territory = forms.ModelChoiceField(
        queryset=Territory.objects.filter(active=True), required=False, empty_label="All"
    )


class AssignForm(PagedForm):
    """Give an unassigned job to a technician (by drag, or by this form)."""

    id_prefix = "assign"
    work_order = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2**63 - 1)
    date = forms.DateField(widget=forms.HiddenInput)
    technician = TechnicianChoice(queryset=_technicians())
    start = forms.TimeField(label="Arrival", widget=TimeInput)
    allow_outside_window = forms.BooleanField(
        required=False, label="Outside the customer's window (I will call them)"
    )
    allow_overtime = forms.BooleanField(required=False, label="Allow overtime")

    def starts_at(self) -> dt.datetime:
        return board_local(self.cleaned_data["date"], self.cleaned_data["start"])


class MoveForm(PagedForm):
    """Move a booked job to another time and/or technician."""

    id_prefix = "move"
    date = forms.DateField(widget=forms.HiddenInput)
    technician = TechnicianChoice(queryset=_technicians())
    start = forms.TimeField(label="Arrival", widget=TimeInput)
    allow_outside_window = forms.BooleanField(
        required=False, label="Outside the customer's window (I will call them)"
    )
    allow_overtime = forms.BooleanField(required=False, label="Allow overtime")

    def starts_at(self) -> dt.datetime:
        return board_local(self.cleaned_data["date"], self.cleaned_data["start"])


class ReasonForm(PagedForm):
    id_prefix = "reason"
    reason = forms.CharField(max_length=300, required=False)


class LockForm(forms.Form):
    locked = forms.BooleanField(required=False)


class EmergencyForm(PagedForm):
    id_prefix = "emergency"
    work_order = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2**63 - 1)
    technician = TechnicianChoice(queryset=_technicians())


class DispatchDayForm(forms.Form):
    date = forms.DateField(widget=forms.HiddenInput)


class RunForm(PagedForm):
    """Run the day optimizer for a date (and a territory)."""

    id_prefix = "run"
    date = forms.DateField(widget=DateInput)
    territory = forms.ModelChoiceField(
        queryset=Territory.objects.filter(active=True), required=False, empty_label="All"
    )
    seconds = forms.IntegerField(
        min_value=1,
        max_value=600,
        label="Time limit (seconds)",
        initial=lambda: settings.SCHEDULING_OPTIMIZER_SECONDS,
    )


# --- Offers and booking ----------------------------------------------------------------------


class OfferSearchForm(forms.Form):
    """What the caller needs, for the offers (a work order fills most of it)."""

    work_order = forms.IntegerField(
        required=False, min_value=1, max_value=2**63 - 1, widget=forms.HiddenInput
    )
    date_from = forms.DateField(required=False, label="From", widget=DateInput)
    date_to = forms.DateField(required=False, label="To", widget=DateInput)
    territory = forms.ModelChoiceField(
        queryset=Territory.objects.filter(active=True), required=False, empty_label="By address"
    )

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end:
            if end < start:
                self.add_error("date_to", "The range ends before it starts.")
            elif (end - start).days >= settings.SCHEDULING_OFFER_MAX_DAYS:
                self.add_error(
                    "date_to", f"At most {settings.SCHEDULING_OFFER_MAX_DAYS} days at a time."
                )
        return data


class BookForm(forms.Form):
    """Take one offer: the work order, the technician and the start it was offered at."""

    work_order = forms.IntegerField(min_value=1, max_value=2**63 - 1)
    technician = forms.ModelChoiceField(queryset=Technician.objects.filter(active=True))
    starts_at = forms.DateTimeField()
    window_start = forms.DateTimeField(required=False)
    window_end = forms.DateTimeField(required=False)


# --- The technician's day (phone) ----------------------------------------------------------------


class CompleteForm(PagedForm):
    id_prefix = "complete"
    notes = forms.CharField(label="What was done", widget=forms.Textarea(attrs={"rows": 3}))
    completion_code = forms.ModelChoiceField(
        queryset=CompletionCode.objects.filter(active=True), label="How it ended"
    )
    signer_name = forms.CharField(max_length=200, label="Signed by")

    def __init__(self, *args, work_order=None, **kwargs):
        super().__init__(*args, **kwargs)
        if work_order is not None:
            codes = [
                c.pk
                for c in CompletionCode.objects.filter(active=True)
                if c.fits(work_order.work_type)
            ]
            self.fields["completion_code"].queryset = CompletionCode.objects.filter(pk__in=codes)


class LineForm(forms.Form):
    """One part or labour line used on the job (blank rows are skipped)."""

    kind = forms.ChoiceField(choices=LineKind.choices, required=False)
    description = forms.CharField(max_length=200, required=False)
    quantity = forms.DecimalField(
        max_digits=10, decimal_places=2, min_value=0, required=False, label="Qty"
    )
    unit = forms.CharField(max_length=20, required=False, initial="ea")
    unit_price = forms.DecimalField(
        max_digits=12, decimal_places=2, min_value=0, required=False, label="Price"
    )

    def clean(self):
        data = super().clean()
        if data.get("description") and data.get("quantity") is None:
            self.add_error("quantity", "How many?")
        return data


LineFormSet = forms.formset_factory(LineForm, extra=3, max_num=20, validate_max=True)


class IncompleteForm(PagedForm):
    id_prefix = "incomplete"
    reason = forms.ChoiceField(choices=IncompleteReason.choices)
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))


# --- The field force ------------------------------------------------------------------------------


class TechnicianForm(PagedForm):
    id_prefix = "tech"
    first_name = forms.CharField(max_length=100)
    last_name = forms.CharField(max_length=100)
    kind = forms.ChoiceField(choices=TechnicianKind.choices)
    subcontractor = forms.ModelChoiceField(
        queryset=Subcontractor.objects.filter(active=True), required=False
    )
    branch = forms.ModelChoiceField(queryset=Branch.objects.filter(active=True), required=False)
    employee_number = forms.CharField(max_length=30, required=False)
    phone = forms.CharField(max_length=30, required=False)
    email = forms.EmailField(required=False)
    home_address = forms.CharField(max_length=300, required=False, label="Home base")
    home_latitude = forms.DecimalField(max_digits=9, decimal_places=6, required=False)
    home_longitude = forms.DecimalField(max_digits=9, decimal_places=6, required=False)
    time_zone = forms.CharField(max_length=64, initial=lambda: settings.TIME_ZONE)
    cost_per_hour = forms.DecimalField(max_digits=10, decimal_places=2, min_value=0, initial=0)
    max_overtime_minutes = forms.IntegerField(min_value=0, max_value=720, required=False)
    hired_on = forms.DateField(required=False, widget=DateInput)
    active = forms.BooleanField(required=False, initial=True)
    username = forms.CharField(
        max_length=150, required=False, label="Login (technician or subcontractor role)"
    )


class DocumentForm(PagedForm):
    id_prefix = "doc"
    kind = forms.ChoiceField(choices=DocumentKind.choices)
    reference = forms.CharField(max_length=100, label="Policy or license number")
    issuer = forms.CharField(max_length=200, required=False)
    valid_from = forms.DateField(required=False, widget=DateInput)
    expires_on = forms.DateField(required=False, widget=DateInput)


class SkillsForm(PagedForm):
    id_prefix = "skills"
    skills = forms.ModelMultipleChoiceField(
        queryset=Skill.objects.filter(active=True),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )


class CertificationForm(PagedForm):
    id_prefix = "cert"
    name = forms.CharField(max_length=200)
    skill = forms.ModelChoiceField(
        queryset=Skill.objects.filter(active=True),
        required=False,
        help_text="The skill it backs: the skill stops counting when it expires",
    )
    number = forms.CharField(max_length=100, required=False)
    issuer = forms.CharField(max_length=200, required=False)
    issued_on = forms.DateField(required=False, widget=DateInput)
    expires_on = forms.DateField(required=False, widget=DateInput)


class OnboardingForm(PagedForm):
    id_prefix = "onb"
    step = forms.ModelChoiceField(queryset=OnboardingStep.objects.filter(active=True))
    completed_on = forms.DateField(required=False, widget=DateInput)
    note = forms.CharField(max_length=300, required=False)


class TrainingForm(PagedForm):
    id_prefix = "train"
    course = forms.CharField(max_length=200)
    provider = forms.CharField(max_length=200, required=False)
    completed_on = forms.DateField(widget=DateInput)
    hours = forms.DecimalField(max_digits=6, decimal_places=2, min_value=0, initial=0)
    expires_on = forms.DateField(required=False, widget=DateInput)


class WeekForm(PagedForm):
    """The weekly pattern: seven rows of start, end, break start and break minutes."""

    id_prefix = "week"

    def __init__(self, *args, technician: Technician | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        current = {s.weekday: s for s in technician.shifts.all()} if technician else {}
        for day, label in WEEKDAYS:
            row = current.get(day)
            self.fields[f"d{day}_start"] = forms.TimeField(
                required=False, label=f"{label} start", widget=TimeInput, initial=row and row.start
            )
            self.fields[f"d{day}_end"] = forms.TimeField(
                required=False, label=f"{label} end", widget=TimeInput, initial=row and row.end
            )
            self.fields[f"d{day}_break_start"] = forms.TimeField(
                required=False,
                label=f"{label} break",
                widget=TimeInput,
                initial=row and row.break_start,
            )
            self.fields[f"d{day}_break_minutes"] = forms.IntegerField(
                required=False,
                min_value=0,
                max_value=240,
                label=f"{label} break minutes",
                initial=row.break_minutes if row else 0,
            )

    def rows(self):
        for day, label in WEEKDAYS:
            yield (
                label,
                [
                    self[f"d{day}_{part}"]
                    for part in ("start", "end", "break_start", "break_minutes")
                ],
            )

    def week(self) -> dict:
        data = self.cleaned_data
        result = {}
        for day, _ in WEEKDAYS:
            start, end = data.get(f"d{day}_start"), data.get(f"d{day}_end")
            if start is None and end is None:
                result[day] = None
            else:
                result[day] = (
                    start,
                    end,
                    data.get(f"d{day}_break_start"),
                    data.get(f"d{day}_break_minutes") or 0,
                )
        return result


class OverrideForm(PagedForm):
    id_prefix = "ovr"
    date = forms.DateField(widget=DateInput)
    working = forms.BooleanField(required=False, label="Working that day")
    start = forms.TimeField(required=False, widget=TimeInput)
    end = forms.TimeField(required=False, widget=TimeInput)
    break_start = forms.TimeField(required=False, widget=TimeInput)
    break_minutes = forms.IntegerField(required=False, min_value=0, max_value=240)
    reason = forms.CharField(max_length=200, required=False)


class TimeOffForm(PagedForm):
    """An absence, in the technician's own time zone."""

    id_prefix = "off"
    kind = forms.ChoiceField(choices=TimeOffKind.choices)
    starts_at = forms.DateTimeField(label="From", widget=LocalDateTimeInput)
    ends_at = forms.DateTimeField(label="Until", widget=LocalDateTimeInput)
    reason = forms.CharField(max_length=200, required=False)


class SubcontractorForm(PagedForm):
    id_prefix = "sub"
    code = forms.SlugField(max_length=20)
    name = forms.CharField(max_length=200)
    contact_name = forms.CharField(max_length=200, required=False)
    phone = forms.CharField(max_length=30, required=False)
    email = forms.EmailField(required=False)
    cost_per_hour = forms.DecimalField(max_digits=10, decimal_places=2, min_value=0, initial=0)
    cost_per_day = forms.DecimalField(max_digits=10, decimal_places=2, min_value=0, initial=0)
    active = forms.BooleanField(required=False, initial=True)


class TerritoryForm(PagedForm):
    id_prefix = "terr"
    code = forms.SlugField(max_length=30)
    name = forms.CharField(max_length=100)
    postal_codes = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Separated by commas, spaces or new lines",
    )
    polygons = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="GeoJSON: a Polygon or MultiPolygon geometry, or its coordinates",
    )
    technicians = forms.ModelMultipleChoiceField(
        queryset=Technician.objects.filter(active=True), required=False
    )
    branches = forms.ModelMultipleChoiceField(
        queryset=Branch.objects.filter(active=True), required=False
    )
    active = forms.BooleanField(required=False, initial=True)

    def clean_polygons(self):
        text = (self.cleaned_data.get("polygons") or "").strip()
        if not text:
            return []
        try:
            return json.loads(text)
        except ValueError as exc:
            raise forms.ValidationError("This is not valid JSON.") from exc
