"""Defence in depth for card data in logs: a logging filter that masks anything shaped like
a card number (13 to 19 digits, grouped by spaces or dashes or not, passing the Luhn check)
in a record's message, arguments and exception text before any handler writes it.

The payment views never log card data in the first place (they are marked with
sensitive_post_parameters / sensitive_variables and tokenize at once); this filter catches
what a future mistake or a third-party library might let through. Plain Python: the
logging configuration loads it before Django's apps are ready.
"""

from __future__ import annotations

import logging
import re

# 13-19 digits, optionally grouped by single spaces or dashes, not part of a longer number
# or word.
PAN_SHAPED = re.compile(r"(?<![\w.])\d(?:[ -]?\d){12,18}(?![\w])")
MASK = "[card number removed]"


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def _replace(match: re.Match) -> str:
    digits = re.sub(r"[ -]", "", match.group(0))
    if 13 <= len(digits) <= 19 and luhn_ok(digits):
        return MASK
    return match.group(0)


def mask_card_numbers(text: str) -> str:
    """The text with every Luhn-valid, card-shaped digit run replaced."""
    if not text or not any(c.isdigit() for c in text):
        return text
    return PAN_SHAPED.sub(_replace, text)


class MaskCardNumbers(logging.Filter):
    """Rewrite the record so no handler sees a card number. Never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: leave it to logging's own reporting
            return True
        masked = mask_card_numbers(message)
        if masked != message:
            record.msg, record.args = masked, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_card_numbers(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_card_numbers(record.stack_info)
        return True
