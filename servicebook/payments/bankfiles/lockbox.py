"""The plain CSV lockbox layout: one check per row, under this header (any order, case
ignored):

    account_number,amount,check_number,date,invoice_reference

* account_number: the customer's account number as written on the stub (may be blank when
  the invoice reference is given, or wrong: then the payment waits for a person);
* amount: dollars and cents, e.g. 125.40 (no currency sign, no thousands separator);
* check_number: the check's number (1 to 20 letters or digits);
* date: the deposit date, YYYY-MM-DD;
* invoice_reference: the invoice number from the stub, e.g. INV-00000123 (may be blank).

Blank lines are ignored. Any other column, a missing one, or a bad value makes the file
malformed: every bad row is named and nothing posts.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from decimal import Decimal, InvalidOperation

from django.conf import settings

from . import BankFileInvalid, BankLineError, ParsedFile, ParsedItem

COLUMNS = ["account_number", "amount", "check_number", "date", "invoice_reference"]
CHECK_NUMBER = re.compile(r"^[A-Za-z0-9-]{1,20}$")
MONEY = re.compile(r"^\d{1,9}(\.\d{1,2})?$")


def _line_numbers(text: str, count: int) -> list[int]:
    """The line each CSV row starts on (a quoted field may span lines)."""
    reader = csv.reader(io.StringIO(text))
    numbers, start = [], 1
    for _ in range(count):
        next(reader)
        numbers.append(start)
        start = reader.line_num + 1
    return numbers


def parse(text: str) -> ParsedFile:
    errors: list[BankLineError] = []
    parsed = ParsedFile(format="lockbox", as_of=None)
    reader = csv.reader(io.StringIO(text))
    header: list[str] | None = None
    maximum = Decimal(settings.PAYMENTS_MAX_AMOUNT)
    try:
        rows = list(reader)
    except csv.Error as exc:
        raise BankFileInvalid([BankLineError(reader.line_num, f"not valid CSV ({exc})")]) from None
    numbers = _line_numbers(text, len(rows))
    for number, row in zip(numbers, rows, strict=True):
        if not any(cell.strip() for cell in row):
            continue
        if header is None:
            header = [cell.strip().lower() for cell in row]
            if sorted(header) != sorted(COLUMNS):
                missing = sorted(set(COLUMNS) - set(header))
                extra = sorted(set(header) - set(COLUMNS))
                why = []
                if missing:
                    why.append(f"missing column(s) {', '.join(missing)}")
                if extra:
                    why.append(f"unknown column(s) {', '.join(extra)}")
                errors.append(
                    BankLineError(
                        number,
                        "the header must name "
                        + ", ".join(COLUMNS)
                        + ": "
                        + "; ".join(why or ["a column is named twice"]),
                    )
                )
                break
            continue
        if len(row) != len(header):
            errors.append(
                BankLineError(number, f"{len(row)} values where the header has {len(header)}")
            )
            continue
        values = {name: cell.strip() for name, cell in zip(header, row, strict=True)}
        problems = []
        amount = None
        if not MONEY.match(values["amount"]):
            problems.append(f"amount {values['amount']!r} is not dollars and cents like 125.40")
        else:
            try:
                amount = Decimal(values["amount"]).quantize(Decimal("0.01"))
            except InvalidOperation:
                problems.append(f"amount {values['amount']!r} is not a number")
            else:
                if amount <= 0:
                    problems.append("the amount must be more than zero")
                elif amount > maximum:
                    problems.append(f"the amount is above the largest accepted, {maximum}")
        try:
            paid_on = dt.date.fromisoformat(values["date"])
        except ValueError:
            paid_on = None
            problems.append(f"date {values['date']!r} is not a date (YYYY-MM-DD)")
        if not CHECK_NUMBER.match(values["check_number"]):
            problems.append(f"check number {values['check_number']!r} is missing or not valid")
        if len(values["account_number"]) > 40:
            problems.append("the account number is longer than 40 characters")
        if len(values["invoice_reference"]) > 40:
            problems.append("the invoice reference is longer than 40 characters")
        if problems:
            errors.append(BankLineError(number, "; ".join(problems)))
            continue
        parsed.as_of = max(parsed.as_of or paid_on, paid_on)
        parsed.items.append(
            ParsedItem(
                line=number,
                amount=amount,
                paid_on=paid_on,
                method="check",
                account_number=values["account_number"],
                invoice_reference=values["invoice_reference"].upper(),
                check_number=values["check_number"],
                identity=(
                    paid_on.isoformat(),
                    values["check_number"],
                    values["account_number"],
                    str(amount),
                    values["invoice_reference"].upper(),
                ),
            )
        )
    if header is None and not errors:
        errors.append(BankLineError(1, "the file is empty"))
    if errors:
        raise BankFileInvalid(errors)
    return parsed
