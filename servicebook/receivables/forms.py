"""The aging report's parameters (validation only)."""

from __future__ import annotations

from django import forms
from django.utils import timezone

from servicebook.core.forms import DateInput, PagedForm
from servicebook.customers.choices import CustomerClass, LineOfBusiness

from .selectors import BASES, GROUPINGS


class AgingForm(forms.Form):
    """As of which day, by due date or invoice date, which part of the book, broken down
    how. Every field may be left out: today, by due date, the whole book."""

    as_of = forms.DateField(label="As of", widget=DateInput, required=False)
    basis = forms.ChoiceField(label="Age by", choices=list(BASES.items()), required=False)
    customer_class = forms.ChoiceField(
        label="Customer class", choices=[("", "All"), *CustomerClass.choices], required=False
    )
    line_of_business = forms.ChoiceField(
        label="Line of business", choices=[("", "All"), *LineOfBusiness.choices], required=False
    )
    group_by = forms.ChoiceField(
        label="Break down by",
        choices=[("", "Nothing"), *((k, k.replace("_", " ").capitalize()) for k in GROUPINGS)],
        required=False,
    )

    def parameters(self) -> dict:
        """The selector's keyword arguments (call after is_valid())."""
        data = self.cleaned_data
        return {
            "as_of": data.get("as_of") or timezone.localdate(),
            "basis": data.get("basis") or "due_date",
            "customer_class": data.get("customer_class") or None,
            "line_of_business": data.get("line_of_business") or None,
            "group_by": data.get("group_by") or None,
        }


class WorklistForm(forms.Form):
    """The worklist's filters (all optional)."""

    step = forms.ChoiceField(label="Step", required=False)
    hold = forms.ChoiceField(label="Hold", required=False)
    customer_class = forms.ChoiceField(
        label="Customer class",
        choices=[("", "All classes"), *CustomerClass.choices],
        required=False,
    )
    promises_due = forms.BooleanField(label="Promises due only", required=False)

    def __init__(self, *args, **kwargs):
        from .models import HoldReason, StepKind

        super().__init__(*args, **kwargs)
        self.fields["step"].choices = [
            ("", "Any step"),
            ("none", "No step yet"),
            *StepKind.choices,
        ]
        self.fields["hold"].choices = [
            ("", "Held or not"),
            ("any", "Held"),
            ("none", "Not held"),
            *HoldReason.choices,
        ]


class PromiseForm(forms.Form):
    """A promise to pay: how much, by when, when to follow up."""

    amount = forms.DecimalField(label="Amount", max_digits=14, decimal_places=2)
    promised_on = forms.DateField(label="Pay by", widget=DateInput)
    follow_up_on = forms.DateField(label="Follow up on", widget=DateInput, required=False)
    note = forms.CharField(label="Note", max_length=300, required=False)


class MedicalCertificateForm(forms.Form):
    """A medical certificate: severance is held between the dates."""

    starts_on = forms.DateField(label="From", widget=DateInput, initial=timezone.localdate)
    ends_on = forms.DateField(
        label="To",
        widget=DateInput,
        required=False,
        help_text="Blank: the policy's postponement (e.g. 30 days)",
    )
    note = forms.CharField(label="Note", max_length=300, required=False)


class WriteOffForm(PagedForm):
    """A write-off by hand: why, and a confirmation (it books bad debt at once)."""

    id_prefix = "writeoff"

    reason = forms.CharField(label="Reason", max_length=300)
    confirm = forms.BooleanField(
        label="I confirm: write off the open undisputed debt as bad debt",
        error_messages={"required": "Tick the box to confirm the write-off."},
    )


class ReferralForm(forms.Form):
    """Refer the account's written-off debt to an active agency."""

    agency = forms.ModelChoiceField(label="Agency", queryset=None, empty_label=None)

    def __init__(self, *args, **kwargs):
        from .models import CollectionAgency
        from .writeoffs import default_agency

        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = CollectionAgency.objects.filter(active=True).order_by(
            "name"
        )
        chosen = default_agency()
        if chosen is not None:
            self.fields["agency"].initial = chosen.pk


class RecallForm(PagedForm):
    """Recall an open referral by hand (paid in full is the payments' listener's)."""

    id_prefix = "recall"

    reason = forms.ChoiceField(label="Why")
    note = forms.CharField(label="Note", max_length=300, required=False)

    def __init__(self, *args, **kwargs):
        from .models import RecallReason

        super().__init__(*args, **kwargs)
        self.fields["reason"].choices = [
            (value, label) for value, label in RecallReason.choices if value != RecallReason.PAID
        ]
