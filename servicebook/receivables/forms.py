"""The aging report's parameters (validation only)."""

from __future__ import annotations

from django import forms
from django.utils import timezone

from servicebook.core.forms import DateInput
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
