"""Forms of the inventory pages: validation of shape only; the services decide."""

from __future__ import annotations

from django import forms

from servicebook.billing.choices import ItemKind
from servicebook.billing.models import CatalogItem
from servicebook.core.forms import DateInput, PagedForm
from servicebook.customers.choices import CustomerClass

from .choices import VendorKind, WarehouseKind
from .models import Item, Vendor, Warehouse

QTY = {"max_digits": 12, "decimal_places": 3}
MONEY = {"max_digits": 14, "decimal_places": 2}


def _places():
    return Warehouse.objects.filter(active=True)


class ItemForm(PagedForm):
    id_prefix = "item"
    catalog_item = forms.ModelChoiceField(
        CatalogItem.objects.filter(kind=ItemKind.PART, active=True, stock_item__isnull=True),
        label="Catalog part",
    )
    sku = forms.CharField(max_length=40, label="SKU")
    vendor_part_number = forms.CharField(max_length=60, required=False)
    preferred_vendor = forms.ModelChoiceField(Vendor.objects.filter(active=True), required=False)
    reorder_point = forms.DecimalField(min_value=0, initial=0, **QTY)
    reorder_quantity = forms.DecimalField(min_value=0, initial=0, **QTY)
    standard_cost = forms.DecimalField(min_value=0, initial=0, **MONEY)
    allow_negative = forms.BooleanField(required=False, label="Stock may go below zero")


class ReceiveForm(PagedForm):
    id_prefix = "receive"
    warehouse = forms.ModelChoiceField(_places(), empty_label=None, label="Into")
    quantity = forms.DecimalField(**QTY)
    unit_cost = forms.DecimalField(required=False, min_value=0, **MONEY)
    reference = forms.CharField(max_length=80, required=False)


class TransferForm(PagedForm):
    id_prefix = "transfer"
    from_warehouse = forms.ModelChoiceField(_places(), empty_label=None, label="From")
    to_warehouse = forms.ModelChoiceField(_places(), empty_label=None, label="To")
    quantity = forms.DecimalField(**QTY)


class CountForm(PagedForm):
    id_prefix = "count"
    warehouse = forms.ModelChoiceField(_places(), empty_label=None, label="At")
    counted = forms.DecimalField(min_value=0, **QTY)
    reason = forms.CharField(max_length=200)


class WarehouseForm(PagedForm):
    id_prefix = "warehouse"
    code = forms.SlugField(max_length=30)
    name = forms.CharField(max_length=120)
    kind = forms.ChoiceField(choices=WarehouseKind.choices)
    technician = forms.ModelChoiceField(queryset=None, required=False, help_text="For a van")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from servicebook.scheduling.models import Technician

        self.fields["technician"].queryset = Technician.objects.filter(van__isnull=True)


class VendorForm(PagedForm):
    id_prefix = "vendor"
    code = forms.SlugField(max_length=30)
    name = forms.CharField(max_length=200)
    kind = forms.ChoiceField(choices=VendorKind.choices)
    email = forms.EmailField(required=False)
    phone = forms.CharField(max_length=30, required=False)
    address = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)


class PriceListForm(PagedForm):
    id_prefix = "pricelist"
    name = forms.CharField(max_length=120)
    customer_class = forms.ChoiceField(
        choices=[("", "— (an account's list)"), *CustomerClass.choices], required=False
    )
    account_number = forms.CharField(
        max_length=12, required=False, help_text="For one account's (contract) prices"
    )
    valid_from = forms.DateField(widget=DateInput)
    valid_to = forms.DateField(widget=DateInput, required=False)
    priority = forms.IntegerField(initial=0)


class PriceLineForm(PagedForm):
    id_prefix = "priceline"
    catalog_item = forms.ModelChoiceField(
        CatalogItem.objects.filter(active=True).exclude(kind=ItemKind.RECURRING)
    )
    min_quantity = forms.DecimalField(initial=1, min_value=0, **QTY)
    unit_price = forms.DecimalField(required=False, min_value=0, **MONEY)
    percent_off = forms.DecimalField(required=False, max_digits=5, decimal_places=2)


class PurchaseOrderForm(PagedForm):
    id_prefix = "po"
    vendor = forms.ModelChoiceField(Vendor.objects.filter(active=True))
    deliver_to = forms.ModelChoiceField(_places(), required=False)
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)


class PurchaseLineForm(PagedForm):
    id_prefix = "poline"
    item = forms.ModelChoiceField(
        Item.objects.select_related("catalog_item"), required=False, empty_label="Free text"
    )
    description = forms.CharField(max_length=200, required=False)
    quantity = forms.DecimalField(**QTY)
    unit_cost = forms.DecimalField(
        required=False, min_value=0, help_text="Blank: the standard cost", **MONEY
    )


class ReasonForm(PagedForm):
    id_prefix = "reason"
    reason = forms.CharField(max_length=500)


class NoteForm(PagedForm):
    id_prefix = "approve"
    note = forms.CharField(max_length=500, required=False)


class SendForm(PagedForm):
    id_prefix = "send"
    to_email = forms.EmailField(required=False, help_text="Blank: the vendor's email")


class BillForm(PagedForm):
    id_prefix = "bill"
    bill_number = forms.CharField(max_length=60)
    amount = forms.DecimalField(min_value=0, **MONEY)


class POReceiveForm(PagedForm):
    """One quantity field per outstanding line (`line_<id>`), and the warehouse."""

    id_prefix = "poreceive"
    warehouse = forms.ModelChoiceField(_places(), empty_label=None, label="Into")

    def __init__(self, *args, order=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.line_fields = []
        for line in order.lines.all() if order is not None else []:
            if line.outstanding > 0:
                name = f"line_{line.pk}"
                self.fields[name] = forms.DecimalField(
                    required=False,
                    min_value=0,
                    label=f"{line.description} (outstanding {line.outstanding.normalize():f})",
                    **QTY,
                )
                self.line_fields.append(name)

    def quantities(self) -> dict[int, object]:
        return {
            int(name.removeprefix("line_")): self.cleaned_data.get(name)
            for name in self.line_fields
        }


class SaleForm(PagedForm):
    id_prefix = "sale"
    warehouse = forms.ModelChoiceField(_places(), empty_label=None, label="Sell from")


class SaleLineForm(PagedForm):
    id_prefix = "saleline"
    catalog_item = forms.ModelChoiceField(
        CatalogItem.objects.filter(active=True).exclude(kind=ItemKind.RECURRING), label="Item"
    )
    quantity = forms.DecimalField(initial=1, **QTY)


class ImportForm(PagedForm):
    id_prefix = "import"
    file = forms.FileField(help_text="CSV or Excel (.xlsx)")
    dry_run = forms.BooleanField(required=False, initial=True, label="Dry run (change nothing)")
