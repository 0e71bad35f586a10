"""Forms of the billing pages: validation only; the services decide."""

from __future__ import annotations

from django import forms

from servicebook.core.forms import DateInput, PagedForm
from servicebook.ledger.models import LedgerAccount, LedgerRole

from .choices import Delivery, Frequency, ItemKind
from .models import BillCycle, CatalogItem, InvoiceLine, TaxCode


def _revenue_accounts():
    return LedgerAccount.objects.filter(role__in=[LedgerRole.REVENUE, LedgerRole.FEES], active=True)


class LineForm(PagedForm):
    id_prefix = "line"
    catalog_item = forms.ModelChoiceField(
        CatalogItem.objects.filter(active=True).exclude(kind=ItemKind.RECURRING),
        required=False,
        empty_label="Free-form line",
    )
    description = forms.CharField(max_length=300, required=False)
    quantity = forms.DecimalField(max_digits=12, decimal_places=3, initial=1)
    unit_price = forms.DecimalField(
        max_digits=14, decimal_places=4, required=False, help_text="Blank: the catalog price"
    )
    kind = forms.ChoiceField(choices=[("", "From the item"), *ItemKind.choices], required=False)
    revenue_account = forms.ModelChoiceField(
        _revenue_accounts(), required=False, empty_label="From the item"
    )
    tax_code = forms.ModelChoiceField(
        TaxCode.objects.filter(active=True), required=False, empty_label="From the item"
    )


class CreditForm(PagedForm):
    id_prefix = "credit"
    reason = forms.CharField(max_length=300)
    void = forms.BooleanField(required=False, label="Void the whole invoice")
    line = forms.ModelChoiceField(InvoiceLine.objects.none(), required=False)
    amount = forms.DecimalField(
        max_digits=14, decimal_places=2, required=False, help_text="Before tax; the tax follows"
    )

    def __init__(self, *args, invoice=None, **kwargs):
        super().__init__(*args, **kwargs)
        if invoice is not None:
            self.fields["line"].queryset = invoice.lines.all()

    def clean(self):
        data = super().clean()
        if not data.get("void") and not (data.get("line") and data.get("amount")):
            raise forms.ValidationError("Void the invoice, or choose a line and an amount.")
        return data


class SendForm(PagedForm):
    id_prefix = "send"
    to_email = forms.EmailField(
        required=False, label="Email to", help_text="Blank: the account's billing email"
    )


class ProfileForm(PagedForm):
    id_prefix = "profile"
    cycle = forms.ModelChoiceField(BillCycle.objects.filter(active=True), empty_label=None)
    terms_days = forms.IntegerField(
        min_value=0, max_value=365, required=False, help_text="Blank: the standard terms"
    )
    delivery = forms.ChoiceField(choices=Delivery.choices)
    email = forms.EmailField(required=False)


class ChargeForm(PagedForm):
    id_prefix = "charge"
    agreement = forms.ModelChoiceField(queryset=None, empty_label=None)
    catalog_item = forms.ModelChoiceField(
        CatalogItem.objects.filter(active=True, kind=ItemKind.RECURRING), empty_label=None
    )
    quantity = forms.DecimalField(max_digits=10, decimal_places=3, initial=1)
    price_override = forms.DecimalField(
        max_digits=14,
        decimal_places=2,
        required=False,
        help_text="Per period; blank: the catalog price",
    )
    frequency = forms.ChoiceField(choices=Frequency.choices)
    start_date = forms.DateField(widget=DateInput, required=False)

    def __init__(self, *args, account=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agreement"].queryset = (
            account.agreements.exclude(status="ended") if account else CatalogItem.objects.none()
        )


class ChargeStopForm(PagedForm):
    id_prefix = "stop"
    end_date = forms.DateField(widget=DateInput, label="Last day billed")


class ChargeChangeForm(PagedForm):
    id_prefix = "change"
    effective_date = forms.DateField(widget=DateInput)
    quantity = forms.DecimalField(max_digits=10, decimal_places=3, required=False)
    price_override = forms.DecimalField(max_digits=14, decimal_places=2, required=False)


class CatalogItemForm(forms.ModelForm):
    class Meta:
        model = CatalogItem
        fields = [
            "code",
            "name",
            "kind",
            "unit",
            "price",
            "tax_code",
            "revenue_account",
            "description",
            "active",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["revenue_account"].queryset = _revenue_accounts()
        if self.instance.pk:
            self.fields["code"].disabled = True
            self.fields["kind"].disabled = True


class RunStartForm(PagedForm):
    id_prefix = "run"
    cycle = forms.ModelChoiceField(
        BillCycle.objects.filter(active=True), empty_label=None, to_field_name="number"
    )
    period = forms.RegexField(
        regex=r"^\d{4}-\d{2}$",
        help_text="YYYY-MM",
        error_messages={"invalid": "Write the month as YYYY-MM."},
    )
    issued_on = forms.DateField(
        widget=DateInput, required=False, help_text="Blank: today (first start only)"
    )
