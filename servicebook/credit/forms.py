"""Forms of the credit pages: validation only; the services hold the rules."""

from __future__ import annotations

from django import forms

from servicebook.core.forms import PagedForm

from .models import BankruptcyStatus, Chapter, WaiverKind


class ArrangementForm(PagedForm):
    """The representative's choices within the policy's limits (blank: the proposal)."""

    id_prefix = "arrangement"
    down_payment = forms.DecimalField(
        required=False, max_digits=14, decimal_places=2, min_value=0, label="Down payment"
    )
    installments = forms.IntegerField(
        required=False, min_value=1, max_value=60, label="Installments"
    )


class CancelForm(PagedForm):
    id_prefix = "cancel"
    reason = forms.CharField(max_length=300, label="Reason")


class WaiverForm(PagedForm):
    id_prefix = "waiver"
    kind = forms.ChoiceField(choices=WaiverKind.choices, label="Waived by")
    detail = forms.CharField(
        max_length=300, label="Detail", help_text="Whose letter (and its date), or the guarantor"
    )


class DepositBillForm(PagedForm):
    id_prefix = "deposit"
    installments = forms.IntegerField(
        min_value=1, max_value=99, initial=1, label="Installments", help_text="Monthly parts"
    )


class BankruptcyForm(PagedForm):
    id_prefix = "bankruptcy"
    petition_date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    chapter = forms.ChoiceField(choices=Chapter.choices)
    court = forms.CharField(max_length=200)
    case_number = forms.CharField(max_length=50)


class ClaimForm(PagedForm):
    id_prefix = "claim"
    amount = forms.DecimalField(max_digits=14, decimal_places=2, label="Amount claimed")
    filed_on = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), label="Filed on")


class CloseForm(PagedForm):
    id_prefix = "close"
    status = forms.ChoiceField(
        choices=[
            (BankruptcyStatus.DISMISSED, "Dismissed"),
            (BankruptcyStatus.DISCHARGED, "Discharged"),
        ]
    )
    on = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), label="On")
