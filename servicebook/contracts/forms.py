"""Forms of the contracts pages (validation only; the services own the rules)."""

from __future__ import annotations

from decimal import Decimal

from django import forms

from servicebook.inventory.models import PriceList
from servicebook.workorders.choices import WorkOrderType

from .choices import AppliesTo, ContractStatus


class ContractFilterForm(forms.Form):
    status = forms.ChoiceField(choices=[("", "Any"), *ContractStatus.choices], required=False)
    ending_soon = forms.BooleanField(required=False, label="Ending within notice")


class ContractForm(forms.Form):
    name = forms.CharField(max_length=150)
    start_date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    end_date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    auto_renew = forms.BooleanField(required=False)
    renewal_term_months = forms.IntegerField(min_value=1, max_value=120, initial=12)
    notice_days = forms.IntegerField(min_value=0, max_value=365, initial=30)
    response_hours = forms.IntegerField(min_value=1, max_value=720, required=False)
    visits_per_year = forms.IntegerField(min_value=0, max_value=366, initial=0)
    price_list = forms.ModelChoiceField(queryset=PriceList.objects.none(), required=False)
    notes = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=5000
    )

    def __init__(self, *args, account=None, **kwargs):
        super().__init__(*args, **kwargs)
        lists = PriceList.objects.filter(active=True)
        if account is not None:
            lists = lists.filter(account__isnull=True) | lists.filter(account=account)
        self.fields["price_list"].queryset = lists.order_by("name")


class CoverageForm(forms.Form):
    work_type = forms.ChoiceField(
        choices=[("", "Any work"), *WorkOrderType.choices], required=False
    )
    applies_to = forms.ChoiceField(choices=AppliesTo.choices, initial=AppliesTo.BOTH)
    covered_percent = forms.DecimalField(min_value=0, max_value=100, decimal_places=2, initial=100)
    excluded = forms.BooleanField(required=False)
    note = forms.CharField(max_length=200, required=False)


class POForm(forms.Form):
    number = forms.CharField(max_length=40, label="PO number")
    amount_authorised = forms.DecimalField(
        min_value=Decimal("0.01"), max_digits=14, decimal_places=2
    )
    valid_until = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))


class CancelForm(forms.Form):
    reason = forms.CharField(max_length=300)


class BillForm(forms.Form):
    allow_po_overrun = forms.BooleanField(required=False, label="Bill beyond the PO")
