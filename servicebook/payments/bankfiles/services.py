"""Importing bank files, and the exception queue of credits no account was found for.

An import is one transaction: a malformed file raises BankFileInvalid before anything is
written; a well-formed one posts every matched credit as a payment (channel "bank file")
and puts the others in the exception queue, all or nothing. The file's SHA-256 is unique,
so importing it again posts nothing; each credit has its own key (payments.bankfiles
.assign_keys) and so does its payment, so a credit that comes again in another file is
recognised too.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.utils import timezone

from servicebook.core.audit import audit_record, audit_updated, snapshot
from servicebook.core.errors import InvalidTransition, ValidationFailed
from servicebook.core.permissions import require_capability
from servicebook.core.sequences import luhn_valid
from servicebook.customers.models import Account
from servicebook.ledger.models import OpenItem
from servicebook.users.roles import Cap

from ..choices import BankFileFormat, BankItemStatus, PaymentChannel
from ..models import BankFile, BankFileItem, Payment
from ..services import payment_post
from ..services.common import oldest_first_plan, text_of
from . import BankLineError, ParsedItem, parse_bank_file

ACCOUNT_NUMBER = re.compile(r"(?<!\d)\d{10}(?!\d)")


@dataclass
class ImportResult:
    file: BankFile
    already_imported: bool = False
    posted: int = 0
    exceptions: int = 0
    duplicates: list[BankLineError] = field(default_factory=list)
    skipped: list[BankLineError] = field(default_factory=list)


def _invoice(reference: str):
    """The issued invoice with this number (billing's), or None."""
    if not reference:
        return None
    from servicebook.billing.models import Invoice

    return (
        Invoice.objects.filter(number__iexact=reference, open_item__isnull=False)
        .select_related("open_item", "account")
        .first()
    )


def match_credit(item: ParsedItem | BankFileItem) -> tuple[Account | None, OpenItem | None, str]:
    """The account a credit is for, the invoice's open item when one was quoted, or why no
    account was found. An account number must pass its Luhn check digit; an invoice
    reference finds its invoice's account."""
    quoted = re.sub(r"[\s-]", "", item.account_number or "")
    candidates = [quoted] if quoted.isdigit() else []
    candidates += ACCOUNT_NUMBER.findall(f"{item.account_number} {getattr(item, 'text', '')}")
    invoice = _invoice(item.invoice_reference)
    reasons = []
    for number in dict.fromkeys(candidates):
        if not luhn_valid(number):
            reasons.append(f"account number {number} fails its check digit")
            continue
        account = Account.objects.filter(number=number).first()
        if account is None:
            reasons.append(f"no account {number}")
            continue
        item_for_invoice = (
            invoice.open_item if invoice and invoice.account_id == account.pk else None
        )
        return account, item_for_invoice, ""
    if invoice is not None:
        return invoice.account, invoice.open_item, ""
    if item.invoice_reference:
        reasons.append(f"no invoice {item.invoice_reference}")
    if not reasons:
        reasons.append("no account number or invoice reference")
    return None, None, "; ".join(reasons)[:200]


def _post(item: BankFileItem, account: Account, invoice_item: OpenItem | None, actor) -> Payment:
    allocations = None
    if invoice_item is not None:
        invoice_item.refresh_from_db(fields=["open_amount"])
        first = min(item.amount, invoice_item.open_amount)
        rest = oldest_first_plan(account, item.amount - first, exclude=[invoice_item.pk])
        allocations = [(invoice_item, first)] if first > 0 else []
        allocations += rest
    return payment_post(
        account=account,
        amount=item.amount,
        method=item.method,
        channel=PaymentChannel.BANK_FILE,
        idempotency_key=f"bank:{item.item_key}",
        actor=actor,
        allocations=allocations or None,
        check_number=item.check_number,
        reference=(item.bank_reference or f"{item.file.name} line {item.line_number}")[:100],
        received_on=item.paid_on,
    )


def bank_file_import(
    *, content: bytes, name: str, actor, file_format: str | None = None
) -> ImportResult:
    """Import a BAI2 or lockbox file: post what matches, queue what does not.

    Raises BankFileInvalid (naming every bad line) for a malformed file; nothing is
    written then. The same file again returns the first import (already_imported)."""
    require_capability(actor, Cap.PAYMENTS_BANK_FILES)
    if file_format not in (None, "", *BankFileFormat.values):
        raise ValidationFailed({"format": ["bai2 or lockbox"]})
    digest = hashlib.sha256(content).hexdigest()
    known = BankFile.objects.filter(sha256=digest).first()
    if known is not None:
        return ImportResult(file=known, already_imported=True)
    parsed = parse_bank_file(content, file_format or None)
    try:
        with transaction.atomic():
            return _import(parsed, digest=digest, name=name, actor=actor)
    except IntegrityError:
        # The same file imported at the same moment by someone else: theirs won.
        known = BankFile.objects.filter(sha256=digest).first()
        if known is None:
            raise
        return ImportResult(file=known, already_imported=True)


def _import(parsed, *, digest: str, name: str, actor) -> ImportResult:
    bank_file = BankFile.objects.create(
        sha256=digest,
        name=(name or "bank file")[:200],
        format=parsed.format,
        as_of=parsed.as_of,
        item_count=len(parsed.items),
        total=parsed.total,
        imported_by=actor,
    )
    result = ImportResult(file=bank_file, skipped=list(parsed.skipped))
    known = dict(
        BankFileItem.objects.filter(item_key__in=[i.key for i in parsed.items]).values_list(
            "item_key", "file__name"
        )
    )
    for parsed_item in parsed.items:
        if parsed_item.key in known:
            result.duplicates.append(
                BankLineError(parsed_item.line, f"already imported with {known[parsed_item.key]}")
            )
            continue
        item = BankFileItem(
            file=bank_file,
            line_number=parsed_item.line,
            item_key=parsed_item.key,
            amount=parsed_item.amount,
            paid_on=parsed_item.paid_on,
            method=parsed_item.method,
            account_number=parsed_item.account_number,
            invoice_reference=parsed_item.invoice_reference,
            check_number=parsed_item.check_number,
            bank_reference=parsed_item.bank_reference,
            type_code=parsed_item.type_code,
            text=parsed_item.text,
        )
        account, invoice_item, why = match_credit(parsed_item)
        if account is None:
            item.status, item.exception_reason = BankItemStatus.EXCEPTION, why
            result.exceptions += 1
        else:
            item.status = BankItemStatus.POSTED
            item.payment = _post(item, account, invoice_item, actor)
            result.posted += 1
        item.save()
    BankFile.objects.filter(pk=bank_file.pk).update(
        posted_count=result.posted, exception_count=result.exceptions
    )
    bank_file.posted_count, bank_file.exception_count = result.posted, result.exceptions
    audit_record(
        actor=actor,
        action="import",
        obj=bank_file,
        message=f"{bank_file.name}: {result.posted} posted, {result.exceptions} to match, "
        f"{len(result.duplicates)} already imported, {len(result.skipped)} skipped",
    )
    return result


@transaction.atomic
def bank_item_match(
    *, item: BankFileItem, account: Account, actor, invoice_item: OpenItem | None = None
) -> BankFileItem:
    """Post a credit from the exception queue to the account a person found for it
    (optionally to one of its invoices first)."""
    require_capability(actor, Cap.PAYMENTS_BANK_FILES)
    item = (
        BankFileItem.objects.select_for_update(of=("self",)).select_related("file").get(pk=item.pk)
    )
    if item.status != BankItemStatus.EXCEPTION:
        raise InvalidTransition("That credit is no longer waiting to be matched.")
    if invoice_item is not None and invoice_item.account_id != account.pk:
        raise ValidationFailed({"invoice": ["That invoice is on another account."]})
    before = snapshot(item, ["status"])
    item.payment = _post(item, account, invoice_item, actor)
    item.status = BankItemStatus.POSTED
    item.resolved_by, item.resolved_at = actor, timezone.now()
    item.resolution_note = f"Matched to {account.number}"
    item.save(update_fields=["payment", "status", "resolved_by", "resolved_at", "resolution_note"])
    audit_updated(actor=actor, obj=item, before=before, message=item.resolution_note)
    return item


@transaction.atomic
def bank_item_return(*, item: BankFileItem, actor, note: str) -> BankFileItem:
    """Send a credit nobody's account could be found for back to the remitter (through the
    bank); nothing posts to the ledger."""
    require_capability(actor, Cap.PAYMENTS_BANK_FILES)
    note = text_of(note, field="note")
    before = snapshot(item, ["status"])
    if not BankFileItem.objects.filter(pk=item.pk, status=BankItemStatus.EXCEPTION).update(
        status=BankItemStatus.RETURNED,
        resolved_by=actor,
        resolved_at=timezone.now(),
        resolution_note=note,
    ):
        raise InvalidTransition("That credit is no longer waiting to be matched.")
    item.refresh_from_db()
    audit_updated(actor=actor, obj=item, before=before, message=note)
    return item
