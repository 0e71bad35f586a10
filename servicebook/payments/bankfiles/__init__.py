"""Bank files: BAI2 (the banks' cash-management format) and a plain CSV lockbox layout.

Parsing is all-or-nothing: `parse_bank_file` returns every credit of a well-formed file or
raises BankFileInvalid naming each bad line (its number and why), and then nothing is
posted. Posting is in payments.bankfiles.services."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal


@dataclass(frozen=True)
class BankLineError:
    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


class BankFileInvalid(Exception):
    """The file is malformed; `errors` names each bad line."""

    def __init__(self, errors: list[BankLineError]):
        self.errors = sorted(errors, key=lambda e: e.line)
        super().__init__("; ".join(str(e) for e in self.errors[:20]))


@dataclass
class ParsedItem:
    """One customer payment found in a file."""

    line: int
    amount: Decimal
    paid_on: dt.date
    method: str
    account_number: str = ""
    invoice_reference: str = ""
    check_number: str = ""
    bank_reference: str = ""
    type_code: str = ""
    text: str = ""
    identity: tuple = ()
    key: str = ""


@dataclass
class ParsedFile:
    format: str
    as_of: dt.date | None
    items: list[ParsedItem] = field(default_factory=list)
    skipped: list[BankLineError] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return sum((i.amount for i in self.items), Decimal("0.00"))


def assign_keys(parsed: ParsedFile) -> ParsedFile:
    """Give each item a key that names the same credit in any file: a hash of what
    identifies it (date, amount, references) and how many identical ones came before it in
    this file (two equal checks the same day are two payments)."""
    seen: Counter = Counter()
    for item in parsed.items:
        seen[item.identity] += 1
        raw = "|".join(str(x) for x in (parsed.format, *item.identity, seen[item.identity]))
        item.key = f"{parsed.format}:{hashlib.sha256(raw.encode()).hexdigest()[:40]}"
    return parsed


def sniff_format(content: bytes) -> str:
    head = content.lstrip()[:3]
    return "bai2" if head.startswith(b"01,") else "lockbox"


def parse_bank_file(content: bytes, file_format: str | None = None) -> ParsedFile:
    """Parse a BAI2 or lockbox file (format sniffed when not given)."""
    from . import bai2, lockbox

    file_format = file_format or sniff_format(content)
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = content[: exc.start].count(b"\n") + 1
        raise BankFileInvalid([BankLineError(line, "not UTF-8 or ASCII text")]) from None
    parser = {"bai2": bai2.parse, "lockbox": lockbox.parse}.get(file_format)
    if parser is None:
        raise BankFileInvalid([BankLineError(0, f"unknown format {file_format!r}")])
    return assign_keys(parser(text))
