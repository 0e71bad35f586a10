"""Forms of the case pages. They validate shapes; the services own the rules."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model

from servicebook.core.forms import PagedForm
from servicebook.customers.choices import Channel, Direction
from servicebook.customers.models import ServiceLocation
from servicebook.users.roles import ROLE_CAPABILITIES, Cap

from .choices import CaseStatus, CaseType, ConsentMethod, ConsentSubject, NoteVisibility, Priority
from .models import TEXT_MAX_LENGTH, CannedResponse, Queue, ResolutionCode

CASE_STATUS_MOVES = [
    (CaseStatus.OPEN, "Open (working on it)"),
    (CaseStatus.WAITING_CUSTOMER, "Waiting on customer"),
    (CaseStatus.WAITING_THIRD_PARTY, "Waiting on third party"),
]


def case_workers():
    """Users who may be assigned cases."""
    roles = [role for role, caps in ROLE_CAPABILITIES.items() if Cap.CASES_WORK in caps]
    return (
        get_user_model()
        .objects.filter(is_active=True, role__in=roles)
        .order_by("first_name", "last_name")
    )


class CaseOpenForm(forms.Form):
    case_type = forms.ChoiceField(label="Type", choices=CaseType.choices, initial=CaseType.INQUIRY)
    priority = forms.ChoiceField(choices=Priority.choices, initial=Priority.NORMAL)
    subject = forms.CharField(max_length=200)
    description = forms.CharField(
        max_length=TEXT_MAX_LENGTH, required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    location = forms.ModelChoiceField(queryset=ServiceLocation.objects.none(), required=False)
    channel = forms.ChoiceField(choices=Channel.choices, initial=Channel.PHONE, label="Came in by")
    queue = forms.ModelChoiceField(
        queryset=Queue.objects.filter(active=True),
        required=False,
        help_text="Leave empty to route by type",
    )
    assign_to_me = forms.BooleanField(required=False, initial=True, label="Assign to me")

    def __init__(self, *args, account=None, **kwargs):
        super().__init__(*args, **kwargs)
        if account is not None:
            self.fields["location"].queryset = account.locations.all()


class CaseNoteForm(PagedForm):
    id_prefix = "note"

    body = forms.CharField(
        label="Note",
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3, "id": "id_note_body"}),
    )
    visibility = forms.ChoiceField(choices=NoteVisibility.choices, initial=NoteVisibility.INTERNAL)
    canned_response = forms.ModelChoiceField(
        queryset=CannedResponse.objects.filter(active=True),
        required=False,
        label="Insert a canned response",
    )

    def __init__(self, *args, case=None, **kwargs):
        super().__init__(*args, **kwargs)
        if self.data.get("canned_response"):
            self.fields["body"].required = False  # the canned response is the note
        field = self.fields["canned_response"]
        if case is not None:
            field.queryset = CannedResponse.objects.filter(active=True).filter(
                case_type__in=["", case.case_type]
            )
        field.widget.attrs["data-canned-target"] = "id_note_body"

    def clean(self):
        data = super().clean()
        if not data.get("body") and not data.get("canned_response"):
            self.add_error("body", "Write the note.")
        return data


class TransitionForm(PagedForm):
    id_prefix = "move"

    to_status = forms.ChoiceField(label="Move to", choices=CASE_STATUS_MOVES)
    reason = forms.CharField(max_length=500, required=False)


class AssignForm(PagedForm):
    id_prefix = "assign"

    assignee = forms.ModelChoiceField(queryset=None, required=False, label="Assign to")
    queue = forms.ModelChoiceField(queryset=Queue.objects.filter(active=True), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = case_workers()
        self.fields["assignee"].label_from_instance = lambda u: (
            f"{u.display_name} ({u.get_role_display()})"
        )

    def clean(self):
        data = super().clean()
        if not data.get("assignee") and not data.get("queue"):
            raise forms.ValidationError("Choose a person, a queue or both.")
        return data


class EscalateForm(PagedForm):
    id_prefix = "escalate"

    reason = forms.CharField(max_length=500, widget=forms.Textarea(attrs={"rows": 2}))
    queue = forms.ModelChoiceField(
        queryset=Queue.objects.filter(active=True), required=False, label="Move to queue"
    )


class ResolveForm(PagedForm):
    id_prefix = "resolve"

    resolution_code = forms.ModelChoiceField(
        queryset=ResolutionCode.objects.none(), label="Resolution"
    )
    summary = forms.CharField(
        max_length=TEXT_MAX_LENGTH, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, case=None, **kwargs):
        super().__init__(*args, **kwargs)
        codes = ResolutionCode.objects.filter(active=True)
        if case is not None:
            codes = [c for c in codes if not c.case_types or case.case_type in c.case_types]
            self.fields["resolution_code"].queryset = ResolutionCode.objects.filter(
                pk__in=[c.pk for c in codes]
            )
        else:
            self.fields["resolution_code"].queryset = codes


class ReasonForm(PagedForm):
    id_prefix = "reopen"

    reason = forms.CharField(max_length=500)


class PriorityForm(PagedForm):
    id_prefix = "priority"

    priority = forms.ChoiceField(choices=Priority.choices)
    reason = forms.CharField(max_length=500, required=False)


class ChecklistAnswerForm(PagedForm):
    id_prefix = "check"

    item = forms.IntegerField(widget=forms.HiddenInput)
    answer = forms.CharField(max_length=500)


class ConsentForm(PagedForm):
    id_prefix = "consent"

    subject = forms.ChoiceField(choices=ConsentSubject.choices, label="Consent to")
    granted = forms.TypedChoiceField(
        choices=[("yes", "Agreed"), ("no", "Refused")],
        coerce=lambda v: v == "yes",
        initial="yes",
        label="Answer",
    )
    given_by = forms.CharField(max_length=200, label="Given by (name)")
    method = forms.ChoiceField(choices=ConsentMethod.choices, label="How")
    details = forms.CharField(max_length=500, required=False)


class CaseContactForm(PagedForm):
    id_prefix = "contact"

    channel = forms.ChoiceField(choices=Channel.choices, initial=Channel.PHONE)
    direction = forms.ChoiceField(choices=Direction.choices, initial=Direction.OUTBOUND)
    summary = forms.CharField(max_length=4000, widget=forms.Textarea(attrs={"rows": 2}))
