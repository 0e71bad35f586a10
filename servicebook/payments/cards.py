"""Card and bank-account checks done on our side before anything reaches a gateway:
the Luhn check and brand of a card number, its expiry, the ABA routing-number checksum, and
masking for display. Nothing here stores or logs what it is given."""

from __future__ import annotations

import datetime as dt
import re

from django.views.decorators.debug import sensitive_variables

from servicebook.core.sequences import luhn_valid

# (brand, prefixes, lengths, security-code length)
BRANDS: list[tuple[str, tuple[str, ...], tuple[int, ...], int]] = [
    ("amex", ("34", "37"), (15,), 4),
    ("visa", ("4",), (13, 16, 19), 3),
    (
        "mastercard",
        ("51", "52", "53", "54", "55", *(str(n) for n in range(2221, 2721))),
        (16,),
        3,
    ),
    ("discover", ("6011", "65", *(str(n) for n in range(644, 650))), (16, 19), 3),
]
BRAND_LABELS = {
    "amex": "American Express",
    "visa": "Visa",
    "mastercard": "Mastercard",
    "discover": "Discover",
}
_SEPARATORS = re.compile(r"[\s-]")


def digits_of(value: str) -> str:
    """The digits a person typed, without the spaces and dashes they grouped them with."""
    return _SEPARATORS.sub("", value or "")


@sensitive_variables("number")
def card_brand(number: str) -> str | None:
    """The brand of a card number (by prefix and length), or None when unknown."""
    for brand, prefixes, lengths, _ in BRANDS:
        if len(number) in lengths and number.startswith(prefixes):
            return brand
    return None


def security_code_length(brand: str) -> int:
    return next((cvc for name, _, _, cvc in BRANDS if name == brand), 3)


@sensitive_variables("number", "digits")
def card_number_problem(number: str) -> str | None:
    """Why a typed card number cannot be a card (None when it can). The messages never
    repeat the number."""
    digits = digits_of(number)
    if not digits.isdigit():
        return "Enter the card number as digits."
    if not 13 <= len(digits) <= 19:
        return "A card number has 13 to 19 digits."
    if not luhn_valid(digits):
        return "That card number is not valid; check the digits."
    if card_brand(digits) is None:
        return "We accept Visa, Mastercard, American Express and Discover."
    return None


def expiry_problem(month: int, year: int, today: dt.date | None = None) -> str | None:
    today = today or dt.date.today()
    if not 1 <= month <= 12:
        return "The expiry month is 1 to 12."
    if year < 100:
        year += 2000
    if (year, month) < (today.year, today.month):
        return "The card has expired."
    if year > today.year + 20:
        return "The expiry year is too far ahead."
    return None


def routing_number_valid(routing: str) -> bool:
    """The ABA checksum: 3 x (d1 + d4 + d7) + 7 x (d2 + d5 + d8) + (d3 + d6 + d9) is a
    multiple of 10."""
    if len(routing) != 9 or not routing.isdigit():
        return False
    d = [int(c) for c in routing]
    total = 3 * (d[0] + d[3] + d[6]) + 7 * (d[1] + d[4] + d[7]) + (d[2] + d[5] + d[8])
    return total % 10 == 0


def mask(last4: str) -> str:
    """How a card or bank account is shown: the last four only."""
    return f"•••• {last4}"
