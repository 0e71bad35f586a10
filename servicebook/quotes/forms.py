"""Forms of the quotes pages: validation of input only; the services apply the rules."""

from __future__ import annotations

from django import forms

from servicebook.billing.models import CatalogItem
from servicebook.core.forms import PagedForm
from servicebook.integrations.models import Partner
from servicebook.scheduling.models import Subcontractor
from servicebook.workorders.choices import WorkOrderType

from .choices import PartnerRequestStatus


class QuoteCreateForm(PagedForm):
    id_prefix = "quote_new"
    title = forms.CharField(max_length=200)
    options = forms.CharField(
        required=False,
        max_length=200,
        help_text="Comma-separated option labels (Good, Better, Best); blank for one option",
    )
    work_type = forms.ChoiceField(choices=WorkOrderType.choices, initial=WorkOrderType.REPAIR)
    valid_until = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def option_labels(self) -> list[str]:
        raw = self.cleaned_data.get("options") or ""
        labels = [p.strip() for p in raw.split(",") if p.strip()]
        return labels or ["Standard"]


class LineAddForm(PagedForm):
    id_prefix = "line"
    option = forms.IntegerField(widget=forms.HiddenInput)
    catalog_item = forms.ModelChoiceField(queryset=CatalogItem.objects.filter(active=True))
    quantity = forms.DecimalField(max_digits=12, decimal_places=3, min_value=0, initial=1)
    description = forms.CharField(required=False, max_length=300)


class OptionAddForm(PagedForm):
    id_prefix = "option"
    label = forms.CharField(max_length=80)


class SendForm(PagedForm):
    id_prefix = "send"
    to_email = forms.EmailField(required=False, help_text="Blank: the account's email")


class RejectForm(PagedForm):
    id_prefix = "reject"
    reason = forms.CharField(max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


class ApproveForm(PagedForm):
    id_prefix = "approve"
    note = forms.CharField(required=False, max_length=500)


class AcceptForm(forms.Form):
    option = forms.IntegerField(required=False)


class DeclineForm(forms.Form):
    reason = forms.CharField(required=False, max_length=500)


class PartnerSendForm(PagedForm):
    """Send to partner, from a work order: who, what is asked, the amount if any, and
    whether the customer is emailed at each change."""

    id_prefix = "partner_send"
    partner = forms.ModelChoiceField(queryset=Partner.objects.filter(active=True).order_by("name"))
    summary = forms.CharField(max_length=200, label="What is asked")
    description = forms.CharField(
        required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )
    amount = forms.DecimalField(
        required=False, max_digits=14, decimal_places=2, min_value=0, help_text="If any"
    )
    notify_customer = forms.BooleanField(required=False, label="Email the customer at each change")


class PartnerTransitionForm(PagedForm):
    """A status move recorded by staff; the service checks the move is allowed."""

    id_prefix = "partner_move"
    status = forms.ChoiceField(
        choices=[c for c in PartnerRequestStatus.choices if c[0] != PartnerRequestStatus.SENT]
    )
    note = forms.CharField(
        required=False, max_length=1000, help_text="Needed for a rejection: the partner's reason"
    )
    reference = forms.CharField(required=False, max_length=100, label="Partner's reference")


class SubQuoteEntryForm(PagedForm):
    """A subcontractor's quote entered by staff: the company, its notes, and one amount when
    the quote has no lines (the lines are SubQuoteLineFormSet)."""

    id_prefix = "sub_new"
    subcontractor = forms.ModelChoiceField(
        queryset=Subcontractor.objects.filter(active=True).order_by("name")
    )
    amount = forms.DecimalField(
        required=False,
        max_digits=14,
        decimal_places=2,
        label="Or one amount",
        help_text="Only when the quote has no lines",
    )
    notes = forms.CharField(
        required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )


class SubQuoteLineForm(forms.Form):
    """One line of a subcontractor's quote. Nothing is required here: a blank row is skipped,
    and the service says what a half-filled row lacks (so the page and the API give the same
    reasons)."""

    description = forms.CharField(max_length=200, required=False)
    quantity = forms.DecimalField(
        max_digits=12, decimal_places=3, required=False, initial=1, label="Qty"
    )
    unit_cost = forms.DecimalField(max_digits=14, decimal_places=2, required=False)

    def is_blank(self) -> bool:
        data = getattr(self, "cleaned_data", None) or {}
        return not data.get("description") and data.get("unit_cost") is None


SubQuoteLineFormSet = forms.formset_factory(
    SubQuoteLineForm, extra=5, max_num=30, validate_max=True
)
