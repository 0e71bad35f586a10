"""Forms of the quotes pages: validation of input only; the services apply the rules."""

from __future__ import annotations

from django import forms

from servicebook.billing.models import CatalogItem
from servicebook.core.forms import PagedForm
from servicebook.workorders.choices import WorkOrderType


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
