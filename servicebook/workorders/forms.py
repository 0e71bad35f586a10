"""Forms of the work-order and maintenance pages. They validate shapes; the services own
the rules.

Windows are entered as a day and two times of day in the location's time zone (not a
browser-local datetime), so 8:00-12:00 means 8:00-12:00 at the premise, across DST too.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django import forms

from servicebook.core.forms import DateInput, PagedForm
from servicebook.customers.choices import AgreementStatus

from .choices import Frequency, IncompleteReason, LineKind, Priority, WorkOrderType
from .models import MAX_ESTIMATED_MINUTES, TEXT_MAX_LENGTH, CompletionCode, Skill


class TimeInput(forms.TimeInput):
    input_type = "time"


def _skills_field() -> forms.ModelMultipleChoiceField:
    return forms.ModelMultipleChoiceField(
        queryset=Skill.objects.filter(active=True),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Skills needed",
    )


def _window_fields():
    return {
        "window_date": forms.DateField(required=False, widget=DateInput, label="Window day"),
        "window_from": forms.TimeField(required=False, widget=TimeInput, label="From"),
        "window_to": forms.TimeField(required=False, widget=TimeInput, label="To"),
    }


class WindowMixin:
    """Turns (day, from, to) into an aware window in the location's zone."""

    def clean_window(self, data: dict, time_zone: str) -> None:
        day, start, end = data.get("window_date"), data.get("window_from"), data.get("window_to")
        given = [v is not None for v in (day, start, end)]
        data["window_start"] = data["window_end"] = None
        if not any(given):
            return
        if not all(given):
            self.add_error("window_date", "Give the day and both times, or leave all three empty.")
            return
        zone = ZoneInfo(time_zone)
        data["window_start"] = dt.datetime.combine(day, start, tzinfo=zone)
        data["window_end"] = dt.datetime.combine(day, end, tzinfo=zone)
        if end <= start:
            self.add_error("window_to", "The window must end after it starts.")


class WorkOrderNewForm(WindowMixin, forms.Form):
    work_type = forms.ChoiceField(label="Type", choices=WorkOrderType.choices)
    priority = forms.ChoiceField(
        choices=[("", "By type (emergency: urgent)"), *Priority.choices], required=False
    )
    summary = forms.CharField(
        max_length=200, required=False, help_text="The case's subject if empty"
    )
    description = forms.CharField(
        max_length=TEXT_MAX_LENGTH, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    location = forms.ModelChoiceField(queryset=None, empty_label=None)
    skills = _skills_field()
    estimated_minutes = forms.IntegerField(
        min_value=1, max_value=MAX_ESTIMATED_MINUTES, initial=60, label="Estimated minutes"
    )
    window_date, window_from, window_to = _window_fields().values()
    case = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, account=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["location"].queryset = account.locations.all() if account else None

    def clean(self):
        data = super().clean()
        location = data.get("location")
        self.clean_window(data, location.time_zone if location else "UTC")
        return data


class WorkOrderEditForm(WindowMixin, PagedForm):
    id_prefix = "edit"

    summary = forms.CharField(max_length=200)
    priority = forms.ChoiceField(choices=Priority.choices)
    description = forms.CharField(
        max_length=TEXT_MAX_LENGTH, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    skills = _skills_field()
    estimated_minutes = forms.IntegerField(min_value=1, max_value=MAX_ESTIMATED_MINUTES)
    window_date, window_from, window_to = _window_fields().values()
    reason = forms.CharField(max_length=500, required=False, label="Why (for the timeline)")

    def __init__(self, *args, work_order=None, **kwargs):
        self.work_order = work_order
        if work_order is not None and not args and "initial" not in kwargs:
            zone = ZoneInfo(work_order.time_zone)
            start = work_order.window_start.astimezone(zone) if work_order.window_start else None
            end = work_order.window_end.astimezone(zone) if work_order.window_end else None
            kwargs["initial"] = {
                "summary": work_order.summary,
                "priority": work_order.priority,
                "description": work_order.description,
                "skills": list(work_order.required_skills.all()),
                "estimated_minutes": work_order.estimated_minutes,
                "window_date": start.date() if start else None,
                "window_from": start.time().replace(second=0) if start else None,
                "window_to": end.time().replace(second=0) if end else None,
            }
        super().__init__(*args, **kwargs)

    def clean(self):
        data = super().clean()
        self.clean_window(data, self.work_order.time_zone if self.work_order else "UTC")
        return data


class CompleteForm(PagedForm):
    id_prefix = "complete"

    notes = forms.CharField(
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="What was done",
    )
    completion_code = forms.ModelChoiceField(queryset=None, label="Resolution")
    signer_name = forms.CharField(max_length=200, label="Signed by (name)")

    def __init__(self, *args, work_order=None, **kwargs):
        super().__init__(*args, **kwargs)
        codes = list(CompletionCode.objects.filter(active=True))
        if work_order is not None:
            codes = [c for c in codes if c.fits(work_order.work_type)]
        self.fields["completion_code"].queryset = CompletionCode.objects.filter(
            pk__in=[c.pk for c in codes]
        )


class IncompleteForm(PagedForm):
    id_prefix = "incomplete"

    reason = forms.ChoiceField(choices=IncompleteReason.choices)
    notes = forms.CharField(
        max_length=TEXT_MAX_LENGTH, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class CancelForm(PagedForm):
    id_prefix = "cancel"

    reason = forms.CharField(max_length=500)


class LineForm(PagedForm):
    id_prefix = "line"

    kind = forms.ChoiceField(choices=LineKind.choices)
    description = forms.CharField(max_length=200)
    quantity = forms.DecimalField(max_digits=10, decimal_places=2, min_value=0, initial=1)
    unit = forms.CharField(max_length=20, initial="ea")
    unit_price = forms.DecimalField(
        max_digits=12, decimal_places=2, min_value=0, label="Unit price"
    )


class TaskForm(PagedForm):
    id_prefix = "task"

    description = forms.CharField(max_length=300, label="Task")


class ChecklistAnswerForm(PagedForm):
    id_prefix = "check"

    item = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2**63 - 1)
    answer = forms.CharField(max_length=500)


class FollowUpDoneForm(PagedForm):
    id_prefix = "followup"

    outcome = forms.CharField(
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="What the customer said",
    )


# --- Maintenance plans ---------------------------------------------------------------------------


def _tasks_field() -> forms.CharField:
    return forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="One task a line",
        label="Tasks at every visit",
    )


class PlanForm(forms.Form):
    name = forms.CharField(max_length=200)
    agreement = forms.ModelChoiceField(queryset=None, required=False)
    equipment = forms.ModelChoiceField(queryset=None, required=False)
    frequency = forms.ChoiceField(choices=Frequency.choices, initial=Frequency.QUARTERLY)
    interval = forms.IntegerField(min_value=1, max_value=99, initial=1, label="Every")
    start_date = forms.DateField(widget=DateInput, label="First visit due")
    end_date = forms.DateField(widget=DateInput, required=False)
    work_type = forms.ChoiceField(
        choices=WorkOrderType.choices, initial=WorkOrderType.PREVENTIVE_MAINTENANCE, label="Type"
    )
    priority = forms.ChoiceField(choices=Priority.choices, initial=Priority.NORMAL)
    skills = _skills_field()
    estimated_minutes = forms.IntegerField(
        min_value=1, max_value=MAX_ESTIMATED_MINUTES, initial=60, label="Estimated minutes"
    )
    summary = forms.CharField(max_length=200, required=False, help_text="The name if empty")
    description = forms.CharField(
        max_length=TEXT_MAX_LENGTH, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    tasks = _tasks_field()
    window_start_time = forms.TimeField(widget=TimeInput, initial=dt.time(8), label="Window from")
    window_end_time = forms.TimeField(widget=TimeInput, initial=dt.time(17), label="Window to")
    horizon_days = forms.IntegerField(
        min_value=1,
        max_value=730,
        required=False,
        help_text="Days ahead to plan visits; empty for the standard horizon",
    )

    def __init__(self, *args, account=None, **kwargs):
        super().__init__(*args, **kwargs)
        if account is not None:
            self.fields["agreement"].queryset = account.agreements.exclude(
                status=AgreementStatus.ENDED
            )
            self.fields["equipment"].queryset = account.equipment.select_related("location")

    def clean_tasks(self):
        return [line.strip() for line in self.cleaned_data["tasks"].splitlines() if line.strip()]


class PlanEditForm(PagedForm):
    id_prefix = "plan"

    name = forms.CharField(max_length=200)
    summary = forms.CharField(max_length=200)
    description = forms.CharField(
        max_length=TEXT_MAX_LENGTH, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    priority = forms.ChoiceField(choices=Priority.choices)
    skills = _skills_field()
    estimated_minutes = forms.IntegerField(min_value=1, max_value=MAX_ESTIMATED_MINUTES)
    tasks = _tasks_field()
    window_start_time = forms.TimeField(widget=TimeInput, label="Window from")
    window_end_time = forms.TimeField(widget=TimeInput, label="Window to")
    horizon_days = forms.IntegerField(min_value=1, max_value=730, required=False)
    end_date = forms.DateField(widget=DateInput, required=False)

    def __init__(self, *args, plan=None, **kwargs):
        if plan is not None and not args and "initial" not in kwargs:
            kwargs["initial"] = {
                "name": plan.name,
                "summary": plan.summary,
                "description": plan.description,
                "priority": plan.priority,
                "skills": list(plan.required_skills.all()),
                "estimated_minutes": plan.estimated_minutes,
                "tasks": "\n".join(plan.tasks),
                "window_start_time": plan.window_start_time,
                "window_end_time": plan.window_end_time,
                "horizon_days": plan.horizon_days,
                "end_date": plan.end_date,
            }
        super().__init__(*args, **kwargs)

    def clean_tasks(self):
        return [line.strip() for line in self.cleaned_data["tasks"].splitlines() if line.strip()]
