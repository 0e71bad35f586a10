"""BAI2 (Cash Management Balance Reporting Specification, version 2), the format banks send
prior-day and intraday reports and lockbox deposits in.

Records (one per line; fields separated by commas, a record ended by a slash):

    01 file header       01,sender,receiver,YYMMDD,HHMM,file id,record length,block size,2/
    02 group header      02,receiver,originator,status,as-of YYMMDD,HHMM,currency,modifier/
    03 account           03,account number,currency,[type,amount,item count,funds type...]/
    16 transaction       16,type,amount,funds type,[funds details],bank ref,customer ref,text
    88 continuation      88,... continues the record before it (the text of a 16)
    49 account trailer   49,account control total,number of records/
    98 group trailer     98,group control total,number of accounts,number of records/
    99 file trailer      99,file control total,number of groups,number of records/

Amounts are whole numbers of the currency's smallest unit (cents), optionally signed.
Funds types: 0, 1, 2, Z (no details), V (value date and time), S (three amounts), D (a
count, then that many pairs of days and amount). A 16 record's text runs to the end of the
record and may contain commas and slashes; 88 records continue it.

Control totals are checked the way the specification defines them: an account's total is
the sum of the amounts in its 03 and 16 records; a group's, of its accounts' totals; the
file's, of its groups'. Record counts include the header and trailer and every 88.

Detail type codes 100-399 are credits; those in settings.BAI2_PAYMENT_TYPE_CODES are
customer payments (e.g. 115 lockbox deposit, 165 preauthorized ACH credit), others are
reported as skipped, as are debits (400-699).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings

from . import BankFileInvalid, BankLineError, ParsedFile, ParsedItem

RECORD_CODES = {"01", "02", "03", "16", "49", "88", "98", "99"}
AMOUNT = re.compile(r"^[+-]?\d+$")
INVOICE = re.compile(r"\bINV-?\d{4,12}\b", re.IGNORECASE)


@dataclass
class _Record:
    line: int
    code: str
    fields: list[str]
    physical: int  # physical records, counting its 88 continuations
    raw: str = ""  # a 16 record as written (its text may hold commas and slashes)
    continued: list[str] = field(default_factory=list)  # a 16 record's 88 continuations


@dataclass
class _Totals:
    line: int
    amount: int = 0
    records: int = 0
    children: int = 0
    extra: dict = field(default_factory=dict)


def _split(raw: str) -> list[str]:
    body = raw.split("/", 1)[0] if "/" in raw else raw
    return body.split(",")


def _records(text: str, errors: list[BankLineError]) -> list[_Record]:
    """Logical records: each record with its 88 continuations folded in."""
    records: list[_Record] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.rstrip()
        if not line:
            continue
        code = line[:2]
        if code not in RECORD_CODES or (len(line) > 2 and line[2] != ","):
            errors.append(BankLineError(number, f"unknown record type {line[:2]!r}"))
            continue
        if code == "88":
            if not records:
                errors.append(BankLineError(number, "continuation (88) with no record before it"))
                continue
            previous = records[-1]
            previous.physical += 1
            if previous.code == "16":
                previous.continued.append(line[3:].removesuffix("/"))
            else:
                previous.fields += _split(line[3:])
            continue
        if code == "16":
            records.append(_Record(number, code, [], 1, raw=line[3:].removesuffix("/")))
        else:
            records.append(_Record(number, code, _split(line)[1:], 1))
    return records


def _date(value: str, line: int, what: str, errors: list[BankLineError]) -> dt.date | None:
    if not re.fullmatch(r"\d{6}", value or ""):
        errors.append(BankLineError(line, f"{what} {value!r} is not a date (YYMMDD)"))
        return None
    try:
        return dt.date(2000 + int(value[:2]), int(value[2:4]), int(value[4:6]))
    except ValueError:
        errors.append(BankLineError(line, f"{what} {value!r} is not a real date"))
        return None


def _amount(value: str, line: int, what: str, errors: list[BankLineError]) -> int | None:
    if value == "":
        return 0
    if not AMOUNT.match(value):
        errors.append(BankLineError(line, f"{what} {value!r} is not a whole number of cents"))
        return None
    return int(value)


def _count(value: str, line: int, what: str, errors: list[BankLineError]) -> int | None:
    if not (value or "").isdigit():
        errors.append(BankLineError(line, f"{what} {value!r} is not a number"))
        return None
    return int(value)


def _funds_details(fields: list[str], index: int, line: int, errors) -> tuple[int, int]:
    """Skip a funds type's detail fields; returns (next index, amounts they carry)."""
    kind = fields[index] if index < len(fields) else ""
    index += 1
    extra = 0
    if kind == "V":
        index += 2
    elif kind == "S":
        for value in fields[index : index + 3]:
            extra += _amount(value, line, "funds amount", errors) or 0
        index += 3
    elif kind == "D":
        count = _count(fields[index] if index < len(fields) else "", line, "funds count", errors)
        index += 1 + 2 * (count or 0)
    elif kind not in ("", "0", "1", "2", "Z"):
        errors.append(BankLineError(line, f"unknown funds type {kind!r}"))
    return index, extra


def _detail(record: _Record, errors: list[BankLineError]):
    """Split a 16 record: (type, amount, bank ref, customer ref, text). The fields before
    the text may go on in an 88 record; once the text has begun, 88s continue the text."""
    parts = record.raw.split(",")
    continued = list(record.continued)
    if len(parts) < 3 and continued:
        parts += continued.pop(0).split(",")
    if len(parts) < 3:
        errors.append(BankLineError(record.line, "a transaction (16) needs a type and amount"))
        return None
    type_code, amount_text = parts[0], parts[1]
    if not re.fullmatch(r"\d{3}", type_code):
        errors.append(BankLineError(record.line, f"type code {type_code!r} is not 3 digits"))
    amount = _amount(amount_text, record.line, "amount", errors)
    index, _ = _funds_details(parts, 2, record.line, errors)
    while len(parts) - index < 3 and continued:
        parts += continued.pop(0).split(",")
    tail = parts[index:]
    bank_ref = tail[0].strip() if len(tail) > 0 else ""
    customer_ref = tail[1].strip() if len(tail) > 1 else ""
    text = " ".join([",".join(tail[2:]).strip(), *(c.strip() for c in continued)]).strip()
    return type_code, amount, bank_ref, customer_ref, text


def parse(text: str) -> ParsedFile:
    errors: list[BankLineError] = []
    records = _records(text, errors)
    parsed = ParsedFile(format="bai2", as_of=None)
    if not records:
        raise BankFileInvalid([BankLineError(1, "the file is empty")])
    if records[0].code != "01":
        errors.append(BankLineError(records[0].line, "a BAI2 file starts with a 01 header"))
    file_totals = _Totals(records[0].line)
    group: _Totals | None = None
    account: _Totals | None = None
    group_date: dt.date | None = None
    bank_account = ""
    ended = False
    payment_codes = settings.BAI2_PAYMENT_TYPE_CODES
    for record in records:
        f = record.fields
        if ended:
            errors.append(BankLineError(record.line, "record after the file trailer (99)"))
            continue
        file_totals.records += record.physical
        if group is not None:
            group.records += record.physical
        if account is not None:
            account.records += record.physical
        if record.code == "01":
            if record is not records[0]:
                errors.append(BankLineError(record.line, "a second file header (01)"))
            elif len(f) < 8 or f[7].strip() != "2":
                errors.append(BankLineError(record.line, "not a BAI version 2 file header"))
            elif f[2]:
                _date(f[2], record.line, "file creation date", errors)
        elif record.code == "02":
            if group is not None:
                errors.append(BankLineError(record.line, "group header (02) inside a group"))
            group = _Totals(record.line, records=record.physical)
            group_date = _date(f[3] if len(f) > 3 else "", record.line, "as-of date", errors)
            parsed.as_of = parsed.as_of or group_date
            currency = f[5] if len(f) > 5 else ""
            if currency not in ("", "USD"):
                errors.append(BankLineError(record.line, f"currency {currency!r}: only USD"))
        elif record.code == "03":
            if group is None or account is not None:
                errors.append(
                    BankLineError(record.line, "account record (03) outside a group or account")
                )
            account = _Totals(record.line, records=record.physical)
            bank_account = f[0].strip() if f else ""
            if not bank_account:
                errors.append(BankLineError(record.line, "account record (03) without an account"))
            currency = f[1] if len(f) > 1 else ""
            if currency not in ("", "USD"):
                errors.append(BankLineError(record.line, f"currency {currency!r}: only USD"))
            index = 2
            while index < len(f):
                type_code = f[index]
                amount = _amount(
                    f[index + 1] if index + 1 < len(f) else "", record.line, "amount", errors
                )
                index += 3  # type, amount, item count
                if type_code == "" and (amount or 0) == 0:
                    index += 1
                    continue
                index, _ = _funds_details(f, index, record.line, errors)
                account.amount += amount or 0
        elif record.code == "16":
            if account is None:
                errors.append(BankLineError(record.line, "transaction (16) outside an account"))
                continue
            detail = _detail(record, errors)
            if detail is None:
                continue
            type_code, amount, bank_ref, customer_ref, memo = detail
            if amount is None:
                continue
            account.amount += amount
            _item(
                parsed,
                record=record,
                type_code=type_code,
                cents=amount,
                bank_ref=bank_ref,
                customer_ref=customer_ref,
                memo=memo,
                on=group_date,
                bank_account=bank_account,
                payment_codes=payment_codes,
                errors=errors,
            )
        elif record.code == "49":
            if account is None:
                errors.append(BankLineError(record.line, "account trailer (49) without an account"))
                continue
            _check_total(record, f, 0, account.amount, "account", errors)
            _check_count(record, f, 1, account.records, errors)
            if group is not None:
                group.amount += account.amount
                group.children += 1
            account = None
        elif record.code == "98":
            if group is None or account is not None:
                errors.append(
                    BankLineError(
                        record.line, "group trailer (98) without a group, or inside an account"
                    )
                )
                account = None
                continue
            _check_total(record, f, 0, group.amount, "group", errors)
            _check_children(record, f, 1, group.children, "accounts", errors)
            _check_count(record, f, 2, group.records, errors)
            file_totals.amount += group.amount
            file_totals.children += 1
            group = None
        elif record.code == "99":
            if group is not None:
                errors.append(BankLineError(record.line, "file trailer (99) inside a group"))
            _check_total(record, f, 0, file_totals.amount, "file", errors)
            _check_children(record, f, 1, file_totals.children, "groups", errors)
            _check_count(record, f, 2, file_totals.records, errors)
            ended = True
    if not ended:
        errors.append(BankLineError(records[-1].line, "the file has no trailer (99)"))
    if errors:
        raise BankFileInvalid(errors)
    return parsed


def _check_total(record, f, index, expected, what, errors):
    value = _amount(f[index] if index < len(f) else "", record.line, f"{what} total", errors)
    if value is not None and value != expected:
        errors.append(
            BankLineError(
                record.line,
                f"{what} control total {value} does not equal the sum of its amounts {expected}",
            )
        )


def _check_count(record, f, index, expected, errors):
    value = _count(f[index] if index < len(f) else "", record.line, "record count", errors)
    if value is not None and value != expected:
        errors.append(
            BankLineError(
                record.line, f"record count {value} does not equal the {expected} records"
            )
        )


def _check_children(record, f, index, expected, what, errors):
    value = _count(f[index] if index < len(f) else "", record.line, f"number of {what}", errors)
    if value is not None and value != expected:
        errors.append(
            BankLineError(record.line, f"number of {what} {value} does not equal {expected}")
        )


def _item(
    parsed,
    *,
    record,
    type_code,
    cents,
    bank_ref,
    customer_ref,
    memo,
    on,
    bank_account,
    payment_codes,
    errors,
) -> None:
    if not type_code.isdigit():
        return
    code = int(type_code)
    if 400 <= code <= 699:
        parsed.skipped.append(BankLineError(record.line, f"type {type_code} is a debit"))
        return
    method = payment_codes.get(type_code)
    if method is None:
        parsed.skipped.append(
            BankLineError(record.line, f"type {type_code} is not a customer payment type")
        )
        return
    if cents <= 0:
        errors.append(BankLineError(record.line, "a payment's amount must be more than zero"))
        return
    if on is None:
        return
    invoice = INVOICE.search(f"{customer_ref} {memo}")
    parsed.items.append(
        ParsedItem(
            line=record.line,
            amount=(Decimal(cents) / 100).quantize(Decimal("0.01")),
            paid_on=on,
            method=method,
            account_number=customer_ref[:40],
            invoice_reference=invoice.group(0).upper() if invoice else "",
            bank_reference=bank_ref[:100],
            type_code=type_code,
            text=memo[:300],
            identity=(bank_account, on.isoformat(), type_code, cents, bank_ref, customer_ref),
        )
    )


def write(
    *,
    details: list[tuple[str, int, str, str, str]],
    as_of: dt.date,
    bank_account: str = "000123456789",
    sender: str = "121000248",
    receiver: str = "SERVICEBOOK",
    file_id: str = "1",
    opening_ledger: int = 0,
) -> str:
    """A well-formed BAI2 file with one group and one account: `details` are (type code,
    cents, bank reference, customer reference, text). Control totals and record counts
    are computed as the specification defines them (used by the tests and the demo)."""
    ymd = as_of.strftime("%y%m%d")
    lines = [
        f"01,{sender},{receiver},{ymd},0600,{file_id},,,2/",
        f"02,{receiver},{sender},1,{ymd},0600,USD,2/",
        f"03,{bank_account},USD,010,{opening_ledger},,/",
    ]
    account_total = opening_ledger
    for type_code, cents, bank_ref, customer_ref, text in details:
        lines.append(f"16,{type_code},{cents},0,{bank_ref},{customer_ref},{text}")
        account_total += cents
    account_records = len(lines) - 2 + 1  # 03, the 16s, and the 49
    lines.append(f"49,{account_total},{account_records}/")
    group_records = len(lines) - 1 + 1  # 02 through 98
    lines.append(f"98,{account_total},1,{group_records}/")
    lines.append(f"99,{account_total},1,{len(lines) + 1}/")
    return "\n".join(lines) + "\n"
