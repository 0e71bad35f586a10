"""Forms of the payments pages: validation only; the services decide.

Card fields never come back to the browser: their widgets render empty after a refusal
(SecretInput), so a card number typed once is not written into the page's HTML again, and
the form's error messages never quote what was typed.
"""

from __future__ import annotations

import re
import uuid
from decimal import Decimal

from django import forms

from servicebook.core.forms import PagedForm
from servicebook.customers.models import Account

from .choices import (
    BankAccountType,
    Direction,
    DisputeOutcome,
    PaymentChannel,
    PaymentMethod,
    ReturnReason,
)
from .models import AdjustmentReason

PAGE_KEY = re.compile(r"^page:[0-9a-f]{32}$")
DESK_CHANNELS = [(PaymentChannel.PHONE, "Phone"), (PaymentChannel.COUNTER, "Counter")]
MONEY = {"max_digits": 14, "decimal_places": 2, "min_value": Decimal("0.01")}


def mint_key() -> str:
    """The idempotency key of one showing of a money form: posting the form twice (a double
    click, a retry after a timeout) carries the same key, so the service posts once."""
    return f"page:{uuid.uuid4().hex}"


class SecretInput(forms.TextInput):
    """A text box that never renders its value: card numbers and security codes."""

    def format_value(self, value):
        return None


class KeyedForm(PagedForm):
    """A form that moves money: carries the idempotency key minted when it was shown."""

    idempotency_key = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("idempotency_key", mint_key())
        super().__init__(*args, **kwargs)

    def clean_idempotency_key(self):
        key = self.cleaned_data["idempotency_key"]
        if not PAGE_KEY.match(key):
            raise forms.ValidationError("Reload the form: its key is missing or damaged.")
        return key


class TakePaymentForm(KeyedForm):
    """Take a payment at the desk: amount, method, where, the method's details, and an
    optional allocation to the account's open charges (`alloc_<open item id>`)."""

    id_prefix = "pay"
    amount = forms.DecimalField(**MONEY)
    method = forms.ChoiceField(
        choices=PaymentMethod.choices, widget=forms.RadioSelect, initial=PaymentMethod.CARD
    )
    channel = forms.ChoiceField(
        choices=DESK_CHANNELS, widget=forms.RadioSelect, initial=PaymentChannel.PHONE
    )
    card_number = forms.CharField(
        required=False,
        max_length=30,
        label="Card number",
        widget=SecretInput(attrs={"autocomplete": "off", "inputmode": "numeric"}),
    )
    card_expiry = forms.CharField(
        required=False,
        max_length=7,
        label="Expiry (MM/YY)",
        widget=forms.TextInput(attrs={"autocomplete": "off", "placeholder": "MM/YY"}),
    )
    card_cvc = forms.CharField(
        required=False,
        max_length=4,
        label="Security code",
        widget=SecretInput(attrs={"autocomplete": "off", "inputmode": "numeric"}),
    )
    holder_name = forms.CharField(required=False, max_length=100, label="Name on the card")
    routing_number = forms.CharField(required=False, max_length=12, label="Routing number")
    bank_account_number = forms.CharField(
        required=False,
        max_length=20,
        label="Bank account number",
        widget=SecretInput(attrs={"autocomplete": "off", "inputmode": "numeric"}),
    )
    account_type = forms.ChoiceField(
        choices=BankAccountType.choices, initial=BankAccountType.CHECKING, required=False
    )
    check_number = forms.CharField(required=False, max_length=20, label="Check number")
    memo = forms.CharField(required=False, max_length=300)

    def __init__(self, *args, open_charges=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.open_charges = list(open_charges)
        for item in self.open_charges:
            self.fields[f"alloc_{item.pk}"] = forms.DecimalField(
                required=False,
                max_digits=14,
                decimal_places=2,
                min_value=Decimal("0.01"),
                label=f"{item.reference} (due {item.due_date:%Y-%m-%d}, open {item.open_amount})",
            )

    def allocation_fields(self):
        return [self[f"alloc_{item.pk}"] for item in self.open_charges]

    def clean_card_expiry(self):
        value = self.cleaned_data["card_expiry"].strip()
        if not value:
            return None
        match = re.fullmatch(r"(\d{1,2})\s*/\s*(\d{2}|\d{4})", value)
        if not match:
            raise forms.ValidationError("Enter the expiry as MM/YY.")
        month, year = int(match[1]), int(match[2])
        if not 1 <= month <= 12:
            raise forms.ValidationError("The month is 01 to 12.")
        return (month, year + 2000 if year < 100 else year)

    def clean(self):
        data = super().clean()
        method = data.get("method")
        needed = {
            PaymentMethod.CARD: ("card_number", "card_expiry", "card_cvc"),
            PaymentMethod.ACH: ("routing_number", "bank_account_number"),
            PaymentMethod.CHECK: ("check_number",),
        }.get(method, ())
        for name in needed:
            if not data.get(name) and name not in self.errors:
                self.add_error(name, "Required for this method.")
        data["allocations"] = [
            (item.pk, data[f"alloc_{item.pk}"])
            for item in self.open_charges
            if data.get(f"alloc_{item.pk}")
        ]
        return data


class ReverseForm(PagedForm):
    id_prefix = "reverse"
    reason = forms.ChoiceField(choices=ReturnReason.choices)
    fee = forms.DecimalField(
        max_digits=14,
        decimal_places=2,
        min_value=Decimal("0"),
        required=False,
        help_text="Blank: the returned-payment fee the reason draws; 0 waives it.",
    )
    note = forms.CharField(max_length=300, required=False)


class ReallocateForm(PagedForm):
    """Allocate a payment again: an amount per open charge (`alloc_<open item id>`)."""

    id_prefix = "realloc"

    def __init__(self, *args, charges=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.charges = list(charges)
        for item in self.charges:
            self.fields[f"alloc_{item.pk}"] = forms.DecimalField(
                required=False,
                max_digits=14,
                decimal_places=2,
                min_value=Decimal("0.01"),
                label=f"{item.reference} (open {item.open_amount})",
            )

    def clean(self):
        data = super().clean()
        data["allocations"] = [
            (item.pk, data[f"alloc_{item.pk}"])
            for item in self.charges
            if data.get(f"alloc_{item.pk}")
        ]
        if not data["allocations"] and not self.errors:
            raise forms.ValidationError("Give an amount for at least one charge.")
        return data


class RefundForm(KeyedForm):
    id_prefix = "refund"
    amount = forms.DecimalField(**MONEY)
    reason = forms.CharField(max_length=300)
    request_approval = forms.BooleanField(
        required=False, label="Above my limit: send it for approval"
    )


class DecisionForm(PagedForm):
    id_prefix = "decide"
    note = forms.CharField(max_length=300, required=False)


class RejectForm(PagedForm):
    id_prefix = "reject"
    note = forms.CharField(max_length=300, label="Why")


class AdjustmentForm(KeyedForm):
    id_prefix = "adjust"
    reason = forms.ModelChoiceField(AdjustmentReason.objects.filter(active=True).order_by("label"))
    direction = forms.ChoiceField(choices=Direction.choices, initial=Direction.CREDIT)
    amount = forms.DecimalField(**MONEY)
    memo = forms.CharField(max_length=300)
    request_approval = forms.BooleanField(
        required=False, label="Above my limit: send it for approval"
    )


class TransferForm(KeyedForm):
    id_prefix = "transfer"
    to_account = forms.CharField(max_length=20, label="To account number")
    amount = forms.DecimalField(**MONEY)
    reason = forms.CharField(max_length=300)

    def __init__(self, *args, accounts=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.accounts = accounts if accounts is not None else Account.objects.none()

    def clean_to_account(self):
        number = re.sub(r"[\s-]", "", self.cleaned_data["to_account"])
        account = self.accounts.filter(number=number).first()
        if account is None:
            raise forms.ValidationError("No account has that number.")
        return account


class DepositBillForm(PagedForm):
    id_prefix = "deposit"
    amount = forms.DecimalField(**MONEY, label="Deposit required")
    reason = forms.CharField(max_length=300, required=False)


class DepositCollectForm(KeyedForm):
    """A deposit payment at the desk: check or cash (cards go through Take a payment)."""

    id_prefix = "collect"
    amount = forms.DecimalField(**MONEY)
    method = forms.ChoiceField(
        choices=[(PaymentMethod.CHECK, "Check"), (PaymentMethod.CASH, "Cash")]
    )
    channel = forms.ChoiceField(choices=DESK_CHANNELS, initial=PaymentChannel.COUNTER)
    check_number = forms.CharField(max_length=20, required=False)


class DisputeForm(PagedForm):
    id_prefix = "dispute"
    item = forms.ModelChoiceField(queryset=None, label="Charge")
    amount = forms.DecimalField(**MONEY, label="Amount disputed")
    reason = forms.CharField(max_length=500)
    case_number = forms.CharField(max_length=20, required=False)

    def __init__(self, *args, charges=None, **kwargs):
        super().__init__(*args, **kwargs)
        from servicebook.ledger.models import OpenItem

        self.fields["item"].queryset = charges if charges is not None else OpenItem.objects.none()
        self.fields["item"].label_from_instance = lambda item: (
            f"{item.reference} (open {item.open_amount})"
        )


class DisputeResolveForm(PagedForm):
    id_prefix = "resolve"
    outcome = forms.ChoiceField(choices=DisputeOutcome.choices)
    note = forms.CharField(max_length=500)
    credit_amount = forms.DecimalField(
        max_digits=14,
        decimal_places=2,
        min_value=Decimal("0.01"),
        required=False,
        help_text="For the customer: blank credits the whole disputed amount.",
    )


class BankFileForm(forms.Form):
    file = forms.FileField(label="Bank file (BAI2 or lockbox CSV)")
    format = forms.ChoiceField(
        choices=[("", "Tell from the file"), ("bai2", "BAI2"), ("lockbox", "Lockbox CSV")],
        required=False,
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > 20 * 1024 * 1024:
            raise forms.ValidationError("A bank file is at most 20 MB.")
        return upload


class MatchForm(PagedForm):
    id_prefix = "match"
    account_number = forms.CharField(max_length=20, label="Account number")

    def __init__(self, *args, accounts=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.accounts = accounts if accounts is not None else Account.objects.none()

    def clean_account_number(self):
        number = re.sub(r"[\s-]", "", self.cleaned_data["account_number"])
        account = self.accounts.filter(number=number).first()
        if account is None:
            raise forms.ValidationError("No account has that number.")
        return account


class ReturnItemForm(PagedForm):
    id_prefix = "return"
    note = forms.CharField(max_length=300, label="Why it goes back")
