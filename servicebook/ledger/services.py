"""Writes to the ledger: post and reverse journal entries, open items, allocations.

These are building blocks for billing, payments and collections, which own the business
events (an invoice issued, a payment posted) and call them inside their own transaction and
capability check. A ledger service never checks a capability itself: it has no business
event of its own to authorise.

Rules kept here, whoever calls:
- an entry has at least two lines, every amount in cents and not zero, and they sum to zero;
- a line on a customer ledger account (receivable, unapplied credit, deposits held) names
  the customer account, and no other line does;
- the account's cached balance moves in the same transaction as its lines (F() updates, so
  concurrent postings on one account add up instead of overwriting each other);
- an allocation never exceeds the open amount of either side (a compare-and-set update: if
  another allocation got there first, this one fails rather than over-allocating).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Case, DecimalField, F, Value, When
from django.db.models.functions import Coalesce, Round
from django.utils import timezone

from servicebook.core.audit import audit_record
from servicebook.core.errors import Conflict, InvalidTransition, ValidationFailed
from servicebook.core.money import ZERO, to_money
from servicebook.customers.models import Account

from .models import (
    BALANCE_ROLES,
    DEPOSIT_ROLES,
    AccountBalance,
    Allocation,
    JournalEntry,
    JournalLine,
    LedgerAccount,
    LedgerRole,
    OpenItem,
    OpenItemKind,
)

MONEY = DecimalField(max_digits=14, decimal_places=2)


@dataclass(frozen=True)
class Line:
    """One line to post: a ledger account (object, or its role for the single account of
    that role), a signed amount (debit positive) and the customer account if it is one."""

    ledger_account: LedgerAccount | str
    amount: Decimal | int | str
    account: Account | None = None


def _cents(expression):
    """Round arithmetic done in the database to cents. PostgreSQL's numeric is exact; SQLite
    computes decimals as binary floats, and rounding after every step keeps each stored
    value the float nearest to a whole number of cents, so comparisons with amounts in
    cents stay exact."""
    return Round(expression, 2, output_field=MONEY)


def ledger_account_for(role: str, *, payment_method: str = "") -> LedgerAccount:
    """The active ledger account of a role (and payment method, for cash clearing)."""
    accounts = LedgerAccount.objects.filter(role=role, active=True)
    if payment_method:
        accounts = accounts.filter(payment_method=payment_method)
    account = accounts.order_by("code").first()
    if account is None:
        raise ValidationFailed(
            {"ledger_account": [f"No active ledger account for {role} {payment_method}".strip()]}
        )
    return account


def _resolve(lines: Iterable[Line]) -> list[tuple[LedgerAccount, Decimal, Account | None]]:
    resolved = []
    for i, line in enumerate(lines):
        ledger = line.ledger_account
        if isinstance(ledger, str):
            ledger = ledger_account_for(ledger)
        try:
            amount = to_money(line.amount)
        except (TypeError, ValueError) as exc:
            raise ValidationFailed({"lines": [f"Line {i + 1}: {exc}"]}) from exc
        if amount == 0:
            raise ValidationFailed({"lines": [f"Line {i + 1} has no amount."]})
        if ledger.is_customer_account and line.account is None:
            raise ValidationFailed(
                {"lines": [f"Line {i + 1} on {ledger} must name the customer account."]}
            )
        if not ledger.is_customer_account and line.account is not None:
            raise ValidationFailed(
                {"lines": [f"Line {i + 1} on {ledger} is not a customer ledger account."]}
            )
        resolved.append((ledger, amount, line.account))
    return resolved


@transaction.atomic
def journal_post(
    *,
    lines: Iterable[Line],
    memo: str,
    source_type: str = "",
    source_id: str = "",
    effective_date: dt.date | None = None,
    actor=None,
    reverses: JournalEntry | None = None,
) -> JournalEntry:
    """Post one balanced entry and move the balances of the customer accounts it touches.

    Raises ValidationFailed (nothing written) when the lines do not balance, a line has no
    amount, or a customer line lacks its account.
    """
    resolved = _resolve(lines)
    if len(resolved) < 2:
        raise ValidationFailed({"lines": ["An entry needs at least two lines."]})
    total = sum((amount for _, amount, _ in resolved), ZERO)
    if total != 0:
        raise ValidationFailed({"lines": [f"The lines do not balance: they sum to {total}."]})
    if not (memo or "").strip():
        raise ValidationFailed({"memo": ["Say what the entry is for."]})
    try:
        with transaction.atomic():
            entry = JournalEntry.objects.create(
                memo=memo.strip()[:300],
                source_type=source_type,
                source_id=str(source_id),
                effective_date=effective_date or timezone.localdate(),
                created_by=actor if getattr(actor, "pk", None) else None,
                reverses=reverses,
            )
    except IntegrityError as exc:
        # The one-to-one on `reverses`: a concurrent reversal of the same entry won.
        raise Conflict("That entry has already been reversed.") from exc
    JournalLine.objects.bulk_create(
        JournalLine(entry=entry, ledger_account=ledger, amount=amount, account=account)
        for ledger, amount, account in resolved
    )
    _move_balances(resolved)
    audit_record(
        actor=actor,
        action="post",
        obj=entry,
        changes={
            "lines": [
                None,
                [
                    [ledger.code, str(amount), account.pk if account else None]
                    for ledger, amount, account in resolved
                ],
            ]
        },
        message=memo[:500],
    )
    return entry


def _move_balances(resolved: list[tuple[LedgerAccount, Decimal, Account | None]]) -> None:
    balance: dict[int, Decimal] = defaultdict(Decimal)
    deposits: dict[int, Decimal] = defaultdict(Decimal)
    for ledger, amount, account in resolved:
        if account is None:
            continue
        if ledger.role in BALANCE_ROLES:
            balance[account.pk] += amount
        elif ledger.role in DEPOSIT_ROLES:
            # Deposits held is a liability: a credit (negative line) is money we hold.
            deposits[account.pk] -= amount
    for account_id in sorted(set(balance) | set(deposits)):
        AccountBalance.objects.get_or_create(account_id=account_id)
        AccountBalance.objects.filter(account_id=account_id).update(
            balance=_cents(F("balance") + balance.get(account_id, ZERO)),
            deposits_held=_cents(F("deposits_held") + deposits.get(account_id, ZERO)),
            updated_at=timezone.now(),
        )


@transaction.atomic
def journal_reverse(
    *, entry: JournalEntry, memo: str, actor=None, effective_date: dt.date | None = None
) -> JournalEntry:
    """Post the mirror image of an entry (every line negated), linked to it. An entry is
    reversed at most once; a reversal itself is not reversed (post a new entry instead)."""
    if entry.reverses_id is not None:
        raise InvalidTransition("A reversal cannot itself be reversed; post a new entry.")
    if JournalEntry.objects.filter(reverses=entry).exists():
        raise InvalidTransition("That entry has already been reversed.")
    lines = [
        Line(line.ledger_account, -line.amount, line.account)
        for line in entry.lines.select_related("ledger_account", "account")
    ]
    return journal_post(
        lines=lines,
        memo=memo,
        source_type=entry.source_type,
        source_id=entry.source_id,
        effective_date=effective_date,
        actor=actor,
        reverses=entry,
    )


# --- Open items and allocations ------------------------------------------------------------


def open_item_create(
    *,
    account: Account,
    kind: str,
    document_type: str,
    reference: str,
    amount: Decimal,
    issued_on: dt.date,
    due_date: dt.date | None = None,
    entry: JournalEntry | None = None,
    source_type: str = "",
    source_id: str = "",
) -> OpenItem:
    """Open an item for a document that moved the balance (call in the same transaction as
    its journal entry)."""
    value = to_money(amount)
    if value <= 0:
        raise ValidationFailed({"amount": ["An open item's amount must be positive."]})
    if kind not in OpenItemKind.values:
        raise ValidationFailed({"kind": [f"Unknown open item kind “{kind}”."]})
    return OpenItem.objects.create(
        account=account,
        kind=kind,
        document_type=document_type,
        reference=reference,
        amount=value,
        open_amount=value,
        issued_on=issued_on,
        due_date=due_date if kind == OpenItemKind.DEBIT else None,
        entry=entry,
        source_type=source_type,
        source_id=str(source_id),
    )


def _take(item: OpenItem, amount: Decimal) -> None:
    """Reduce an item's open amount, refusing to go below zero even under a race, and
    close it when nothing is left: one statement (SET reads the row as it was, so
    open_amount = amount means it is now 0). Two statements per item were a measurable
    share of posting a payment that settles several invoices."""
    updated = OpenItem.objects.filter(pk=item.pk, open_amount__gte=amount).update(
        open_amount=_cents(F("open_amount") - amount),
        closed_at=Case(
            When(open_amount=amount, then=Coalesce(F("closed_at"), Value(timezone.now()))),
            default=F("closed_at"),
        ),
    )
    if not updated:
        raise Conflict(f"{item.reference} no longer has {amount} open.")


def _give_back(item_id: int, amount: Decimal) -> None:
    OpenItem.objects.filter(pk=item_id).update(
        open_amount=_cents(F("open_amount") + amount), closed_at=None
    )


@transaction.atomic
def allocate(*, debit: OpenItem, credit: OpenItem, amount: Decimal, actor=None) -> Allocation:
    """Apply part of a credit to a debit of the same account. A refusal (Conflict,
    ValidationFailed) leaves the caller's transaction usable."""
    return allocate_within(debit=debit, credit=credit, amount=amount, actor=actor)


def allocate_within(
    *, debit: OpenItem, credit: OpenItem, amount: Decimal, actor=None
) -> Allocation:
    """allocate() for a caller that holds the transaction and lets any failure roll all of
    it back: no savepoint of its own (two statements less per allocation, a measurable
    share of posting a payment that settles several invoices)."""
    assert transaction.get_connection().in_atomic_block, "allocate_within needs a transaction"
    value = to_money(amount)
    if value <= 0:
        raise ValidationFailed({"amount": ["Allocate a positive amount."]})
    if debit.kind != OpenItemKind.DEBIT or credit.kind != OpenItemKind.CREDIT:
        raise ValidationFailed({"allocation": ["Allocate a credit to a debit."]})
    if debit.account_id != credit.account_id:
        raise ValidationFailed({"allocation": ["Both items must be on the same account."]})
    _take(debit, value)
    _take(credit, value)
    allocation = Allocation.objects.create(
        debit=debit,
        credit=credit,
        amount=value,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    return allocation


def open_debits(account: Account):
    """The account's open debits, oldest first (by due date, then issue date)."""
    return OpenItem.objects.filter(
        account=account, kind=OpenItemKind.DEBIT, open_amount__gt=0
    ).order_by(F("due_date").asc(nulls_last=True), "issued_on", "id")


def open_credits(account: Account):
    return OpenItem.objects.filter(
        account=account, kind=OpenItemKind.CREDIT, open_amount__gt=0
    ).order_by("issued_on", "id")


@transaction.atomic
def allocate_oldest_first(
    *, account: Account, credits: list[OpenItem] | None = None, actor=None
) -> list[Allocation]:
    """Apply open credits (all of the account's, or the given ones) to its open debits,
    oldest debt first, the way PRODUCT.md says payments apply unless a user chooses."""
    # Lock the account's balance row: two postings on one account allocate one at a time.
    AccountBalance.objects.get_or_create(account=account)
    AccountBalance.objects.select_for_update().filter(account=account).first()
    made = []
    debits = list(open_debits(account))
    pool = credits if credits is not None else list(open_credits(account))
    for credit in pool:
        credit.refresh_from_db(fields=["open_amount"])
        remaining = credit.open_amount
        for debit in debits:
            if remaining <= 0:
                break
            if debit.open_amount <= 0:
                continue
            amount = min(remaining, debit.open_amount)
            made.append(allocate_within(debit=debit, credit=credit, amount=amount, actor=actor))
            debit.open_amount -= amount
            remaining -= amount
    return made


@transaction.atomic
def allocation_reverse(*, allocation: Allocation, reason: str, actor=None) -> Allocation:
    """Undo an allocation (a returned payment): both items reopen by its amount."""
    updated = Allocation.objects.filter(pk=allocation.pk, reversed_at__isnull=True).update(
        reversed_at=timezone.now(), reversal_reason=reason[:200]
    )
    if not updated:
        raise InvalidTransition("That allocation was already undone.")
    _give_back(allocation.debit_id, allocation.amount)
    _give_back(allocation.credit_id, allocation.amount)
    allocation.refresh_from_db()
    return allocation


__all__ = [
    "LedgerRole",
    "Line",
    "allocate",
    "allocate_oldest_first",
    "allocate_within",
    "allocation_reverse",
    "journal_post",
    "journal_reverse",
    "ledger_account_for",
    "open_credits",
    "open_debits",
    "open_item_create",
]
