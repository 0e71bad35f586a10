"""Field rules for customer data that the models' own validation does not know."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

_POSTAL = {
    "US": (re.compile(r"^\d{5}(-\d{4})?$"), "a ZIP code like 80202 or 80202-1234"),
    "CA": (re.compile(r"^[A-Za-z]\d[A-Za-z] ?\d[A-Za-z]\d$"), "a postal code like K1A 0B1"),
}
_GENERIC_POSTAL = (re.compile(r"^[A-Za-z0-9][A-Za-z0-9 -]{1,9}$"), "a postal code")


def normalize_postal_code(value: str, country: str = "US") -> str:
    """The postal code in its usual form; ValidationError naming the expected shape."""
    text = (value or "").strip().upper()
    pattern, expected = _POSTAL.get(country.upper(), _GENERIC_POSTAL)
    if not pattern.match(text):
        raise ValidationError(f"“{value}” is not {expected}.")
    if country.upper() == "CA" and " " not in text:
        text = f"{text[:3]} {text[3:]}"
    return text


def normalize_email(value: str) -> str:
    """The address lower-cased, once it is a valid address."""
    text = (value or "").strip()
    validate_email(text)
    return text.lower()
