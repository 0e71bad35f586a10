"""Forms of the contact centre's pages. They validate shapes; the services own the rules."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone

from servicebook.cases.choices import CaseType
from servicebook.cases.models import Case
from servicebook.core.forms import DateInput, PagedForm

from .choices import BreakReason, ContactChannel, ContactDirection
from .models import TEXT_MAX_LENGTH, Disposition, Script

STARTABLE_CHANNELS = [c for c in ContactChannel.choices if c[0] != ContactChannel.ANSWERING_SERVICE]


class AgentStateForm(forms.Form):
    action = forms.ChoiceField(
        choices=[
            ("login", "Log in"),
            ("available", "Available"),
            ("break", "Break"),
            ("logout", "Log out"),
        ]
    )
    reason = forms.ChoiceField(choices=[("", "Reason…"), *BreakReason.choices], required=False)


class StartContactForm(PagedForm):
    id_prefix = "start"

    channel = forms.ChoiceField(choices=STARTABLE_CHANNELS, initial=ContactChannel.PHONE)
    direction = forms.ChoiceField(
        choices=ContactDirection.choices, initial=ContactDirection.OUTBOUND
    )


class WrapUpForm(PagedForm):
    """The one-screen wrap-up: the note, how it ended, and the case it was about."""

    id_prefix = "wrap"

    summary = forms.CharField(
        label="Note",
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    disposition = forms.ModelChoiceField(
        queryset=Disposition.objects.filter(active=True), label="Disposition"
    )
    case = forms.ModelChoiceField(
        queryset=Case.objects.none(), required=False, label="About case", empty_label="No case"
    )
    new_case_type = forms.ChoiceField(
        label="Or open a case",
        choices=[("", "No new case"), *CaseType.choices],
        required=False,
    )

    def __init__(self, *args, open_cases=None, **kwargs):
        super().__init__(*args, **kwargs)
        if open_cases is not None:
            self.fields["case"].queryset = open_cases

    def clean(self):
        data = super().clean()
        if data.get("case") and data.get("new_case_type"):
            self.add_error("new_case_type", "Choose an existing case or a new one, not both.")
        return data


class ScriptStartForm(PagedForm):
    id_prefix = "script"

    script = forms.ModelChoiceField(
        queryset=Script.objects.filter(active=True), label="Call script"
    )


class AccountNumberForm(PagedForm):
    id_prefix = "acct"

    account_number = forms.CharField(label="Account number", max_length=20)


class ImportForm(forms.Form):
    kind = forms.ChoiceField(
        # Not "File": the upload next to it is the file, and two fields with one label
        # cannot be told apart by a screen reader (or a test).
        label="Records",
        choices=[("cdr", "Call records (Master.csv)"), ("queue_log", "Queue log (queue_log)")],
    )
    file = forms.FileField(label="File from the PBX")


class PeriodForm(forms.Form):
    start = forms.DateField(label="From", widget=DateInput, required=False)
    end = forms.DateField(label="To", widget=DateInput, required=False)
    group_by = forms.ChoiceField(
        label="Group by",
        choices=[("agent", "Agent"), ("team", "Team"), ("day", "Day")],
        required=False,
    )
    agent = forms.ModelChoiceField(
        label="Agent",
        queryset=None,
        required=False,
        empty_label="All agents",
        help_text="One agent's figures; by day, their numbers over time.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from servicebook.users.models import User

        self.fields["agent"].queryset = User.objects.filter(agent_profile__isnull=False).order_by(
            "first_name", "last_name", "username"
        )
        self.fields["agent"].label_from_instance = lambda u: u.display_name

    def agent_id(self) -> int | None:
        """The agent chosen, or None for all."""
        if self.is_bound and self.is_valid() and self.cleaned_data.get("agent"):
            return self.cleaned_data["agent"].pk
        return None

    def period(self) -> tuple[dt.date, dt.date, str]:
        """The period asked for, or the month to date."""
        today = timezone.localdate()
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        end = data.get("end") or today
        start = data.get("start") or end.replace(day=1)
        if start > end:
            start, end = end, start
        if (end - start).days > 366:
            start = end - dt.timedelta(days=366)
        return start, end, data.get("group_by") or "agent"
