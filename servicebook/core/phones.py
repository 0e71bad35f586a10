"""Phone numbers: stored in E.164, typed in any format."""

from __future__ import annotations

import re

import phonenumbers
from django.conf import settings

_DIGITS = re.compile(r"\D+")


def normalize_phone(raw: str, region: str | None = None) -> str:
    """The E.164 form of a phone number typed in any common format.

    Raises ValueError with a message fit for the user when it is not a possible number.
    """
    text = (raw or "").strip()
    if not text:
        raise ValueError("Enter a phone number.")
    region = region or settings.PHONE_DEFAULT_REGION
    try:
        parsed = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as exc:
        raise ValueError(f"“{raw}” is not a phone number.") from exc
    reason = phonenumbers.is_possible_number_with_reason(parsed)
    # A seven-digit local number is "possible" to libphonenumber, but without its area code
    # it would be stored as a number nobody can dial ("555-0147" -> "+15550147").
    if reason == phonenumbers.ValidationResult.IS_POSSIBLE_LOCAL_ONLY:
        raise ValueError(f"“{raw}” needs its area code.")
    if reason != phonenumbers.ValidationResult.IS_POSSIBLE:
        raise ValueError(f"“{raw}” has the wrong number of digits for a phone number.")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def format_phone(e164: str, region: str | None = None) -> str:
    """A number as people read it: national format at home, international abroad."""
    try:
        parsed = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    region = region or settings.PHONE_DEFAULT_REGION
    if phonenumbers.region_code_for_number(parsed) == region:
        return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def phone_query_candidates(query: str, region: str | None = None) -> list[str]:
    """E.164 numbers a search query might mean, or [] when it does not look like a phone.

    "(303) 555-0147", "303.555.0147", "1 303 555 0147" and "+13035550147" all give
    ["+13035550147"].
    """
    digits = _DIGITS.sub("", query or "")
    # Fewer than ten digits is a local or partial number: the text search matches those.
    if len(digits) < 10 or len(digits) > 15:
        return []
    # Letters other than an extension marker mean it is not a phone number.
    if re.search(r"[A-Za-z]", re.sub(r"(?i)\b(ext|x)\b", "", query)):
        return []
    try:
        return [normalize_phone(query, region)]
    except ValueError:
        return []


def digits_only(value: str) -> str:
    return _DIGITS.sub("", value or "")
