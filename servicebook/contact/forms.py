"""Forms of the contact centre's pages. They validate shapes; the services own the rules."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone

from servicebook.cases.choices import CaseType
from servicebook.cases.models import Case
from servicebook.core.forms import DateInput, PagedForm

from .choices import BreakReason, ContactChannel, ContactDirection, NodeKind
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


class AdherenceForm(PeriodForm):
    """The adherence page's filters: the period, and one script version or all."""

    script = forms.ModelChoiceField(
        label="Script", queryset=None, required=False, empty_label="All scripts"
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from .models import Script

        self.fields["script"].queryset = Script.objects.order_by("name", "pk")
        self.fields["script"].label_from_instance = lambda script: (
            script.name if script.active else f"{script.name} (inactive)"
        )

    def script_id(self) -> int | None:
        """The script version chosen, or None for all."""
        if self.is_bound and self.is_valid() and self.cleaned_data.get("script"):
            return self.cleaned_data["script"].pk
        return None


# --- Supervisor pages: the shift schedule and the script editor --------------------------------


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%H:%M")


def _agents():
    from servicebook.users.models import User

    return User.objects.filter(agent_profile__active=True).order_by(
        "first_name", "last_name", "username"
    )


class ScheduleFilterForm(forms.Form):
    """Which week (any day of it) and which team the grid shows."""

    week = forms.DateField(label="Week of", widget=DateInput, required=False)
    team = forms.ModelChoiceField(
        label="Team", queryset=None, required=False, empty_label="All teams"
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from .models import Team

        self.fields["team"].queryset = Team.objects.filter(active=True).order_by("name")

    def chosen(self):
        """(week day, team) asked for; this week and every team by default."""
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        return data.get("week") or timezone.localdate(), data.get("team")


class ShiftEditForm(PagedForm):
    """A shift's day and wall-clock times in the business zone. The fields are named as the
    service's so its refusals (overlap, end before start) land on the right field."""

    id_prefix = "shift"

    day = forms.DateField(label="Day", widget=DateInput)
    starts_at = forms.TimeField(label="Start", widget=TimeInput)
    ends_at = forms.TimeField(
        label="End",
        widget=TimeInput,
        help_text="Before the start: the next day (a night shift).",
    )
    break_minutes = forms.IntegerField(
        label="Break (minutes)",
        min_value=0,
        max_value=24 * 60,
        initial=0,
        required=False,
        help_text="Planned breaks inside the shift (lunch).",
    )

    def instants(self) -> tuple[dt.datetime, dt.datetime, int]:
        """The shift as aware instants in the business zone, and its break minutes."""
        from .schedule import local_instant

        data = self.cleaned_data
        day, starts, ends = data["day"], data["starts_at"], data["ends_at"]
        # 22:00-06:00 is a night shift ending the next morning; the service refuses one
        # longer than CONTACT_SHIFT_MAX_HOURS (times typed the wrong way round).
        end_day = day + dt.timedelta(days=1) if ends <= starts else day
        return (
            local_instant(day, starts),
            local_instant(end_day, ends),
            data.get("break_minutes") or 0,
        )


class ShiftForm(ShiftEditForm):
    id_prefix = "newshift"

    field_order = ["agent", "day", "starts_at", "ends_at", "break_minutes"]

    agent = forms.ModelChoiceField(label="Agent", queryset=None)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agent"].queryset = _agents()
        self.fields["agent"].label_from_instance = lambda u: u.display_name


class CopyWeekForm(PagedForm):
    id_prefix = "copy"

    week = forms.DateField(label="Into the week of", widget=DateInput)
    team = forms.ModelChoiceField(
        label="Team", queryset=None, required=False, empty_label="All teams"
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from .models import Team

        self.fields["team"].queryset = Team.objects.filter(active=True).order_by("name")


class ScriptForm(PagedForm):
    id_prefix = "scriptdef"

    name = forms.CharField(label="Name", max_length=100)
    call_type = forms.ChoiceField(label="Call type", choices=CaseType.choices)
    description = forms.CharField(label="Description", max_length=300, required=False)


def _steps_of(script):
    from .models import ScriptNode

    if script is None:
        return ScriptNode.objects.none()
    return ScriptNode.objects.filter(script=script).order_by("position", "id")


class ScriptNodeForm(PagedForm):
    id_prefix = "node"

    key = forms.SlugField(
        label="Key", max_length=40, help_text="A short name for the step, unique in the script."
    )
    kind = forms.ChoiceField(label="Kind", choices=NodeKind.choices)
    text = forms.CharField(label="Text", max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    required = forms.BooleanField(label="Required reading (statements)", required=False)
    position = forms.IntegerField(
        label="Position",
        min_value=0,
        max_value=32767,
        initial=0,
        required=False,
        help_text="The lowest position is where the script starts.",
    )
    next_node = forms.ModelChoiceField(
        label="Then go to",
        queryset=None,
        required=False,
        empty_label="(nothing: ends here)",
        help_text="For statements and free-answer questions; answers have their own.",
    )

    def __init__(self, *args, script=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["next_node"].queryset = _steps_of(script)


class ScriptOptionForm(PagedForm):
    id_prefix = "option"

    label = forms.CharField(label="Answer", max_length=200)
    next_node = forms.ModelChoiceField(
        label="Leads to", queryset=None, required=False, empty_label="(nothing: ends here)"
    )
    position = forms.IntegerField(
        label="Position", min_value=0, max_value=32767, initial=0, required=False
    )

    def __init__(self, *args, script=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["next_node"].queryset = _steps_of(script)
