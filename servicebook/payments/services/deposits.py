"""Deposits: bill (ask for) one, collect it by payments (held as a liability), then apply
it to the final bill or refund it, with simple interest for the days it was held."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from servicebook.core.audit import audit_created, audit_updated, snapshot
from servicebook.core.errors import InvalidTransition, ValidationFailed
from servicebook.core.money import CENT, ZERO, to_money
from servicebook.core.permissions import require_capability
from servicebook.customers.models import Account
from servicebook.ledger.models import LedgerRole, OpenItemKind
from servicebook.ledger.services import Line, journal_post, open_item_create
from servicebook.users.models import ApprovalKind
from servicebook.users.roles import Cap

from ..choices import DepositStatus, PaymentStatus
from ..models import BankAccount, CardToken, Deposit, Payment
from .common import (
    allocate_plan,
    amount_of,
    lock_balances,
    oldest_first_plan,
    over_limit,
    refresh_invoices,
    text_of,
    today,
)
from .payments import payment_post

OPEN_DEPOSIT = (DepositStatus.BILLED, DepositStatus.HELD)


@transaction.atomic
def deposit_bill(
    *,
    account: Account,
    amount: Decimal | str,
    actor,
    due_date: dt.date | None = None,
    reason: str = "",
) -> Deposit:
    """Ask the customer for a deposit. Nothing is posted until money comes in: a deposit is
    not revenue and not part of the balance; collecting it credits deposits held."""
    require_capability(actor, Cap.PAYMENTS_DEPOSITS)
    value = amount_of(amount)
    reason = text_of(reason, field="reason", required=False)
    if Deposit.objects.filter(account=account, status__in=OPEN_DEPOSIT).exists():
        raise InvalidTransition(
            "The account already has a deposit billed or held; apply or refund it first."
        )
    deposit = Deposit.objects.create(
        account=account,
        amount_required=value,
        due_date=due_date,
        reason=reason,
        created_by=actor,
    )
    audit_created(actor=actor, obj=deposit, message=f"Deposit {deposit.number} billed")
    return deposit


def deposit_collect(
    *,
    deposit: Deposit,
    amount: Decimal | str,
    method: str,
    channel: str,
    idempotency_key: str,
    actor,
    card: CardToken | None = None,
    bank_account: BankAccount | None = None,
    check_number: str = "",
    received_on: dt.date | None = None,
) -> Payment:
    """Take a payment toward a deposit (all of it, or an installment): a payment whose
    entry credits deposits held (see payment_post)."""
    return payment_post(
        account=deposit.account,
        amount=amount,
        method=method,
        channel=channel,
        idempotency_key=idempotency_key,
        actor=actor,
        card=card,
        bank_account=bank_account,
        check_number=check_number,
        received_on=received_on,
        deposit=deposit,
    )


def deposit_interest(deposit: Deposit, *, as_of: dt.date | None = None) -> Decimal:
    """Simple interest on what was collected, for the days each payment was held:
    amount x rate / 100 x days / 365 per payment, summed and rounded half-up to cents once
    (the rate is settings.DEPOSIT_INTEREST_RATE_PERCENT)."""
    as_of = as_of or today()
    rate = Decimal(str(settings.DEPOSIT_INTEREST_RATE_PERCENT)) / Decimal(100)
    total = Decimal(0)
    for amount, received_on in Payment.objects.filter(
        deposit=deposit, status=PaymentStatus.POSTED
    ).values_list("amount", "received_on"):
        days = max((as_of - received_on).days, 0)
        total += Decimal(amount) * rate * days / Decimal(365)
    return total.quantize(CENT, rounding=ROUND_HALF_UP)


def _lock_held(deposit: Deposit) -> Deposit:
    deposit = Deposit.objects.select_for_update(of=("self",)).get(pk=deposit.pk)
    if deposit.status not in OPEN_DEPOSIT or deposit.held <= 0:
        raise InvalidTransition(f"Deposit {deposit.number} holds nothing to release.")
    return deposit


def _release(deposit: Deposit, *, interest: Decimal, status: str, entry, item, actor) -> None:
    before = snapshot(deposit, ["status", "applied_amount", "refunded_amount", "interest_paid"])
    held = deposit.held
    if status == DepositStatus.APPLIED:
        deposit.applied_amount = to_money(deposit.applied_amount + held)
    else:
        deposit.refunded_amount = to_money(deposit.refunded_amount + held)
    deposit.interest_paid = to_money(deposit.interest_paid + interest)
    deposit.status = status
    deposit.released_at, deposit.released_by = timezone.now(), actor
    deposit.release_entry, deposit.release_item = entry, item
    deposit.save(
        update_fields=[
            "status",
            "applied_amount",
            "refunded_amount",
            "interest_paid",
            "released_at",
            "released_by",
            "release_entry",
            "release_item",
        ]
    )
    audit_updated(actor=actor, obj=deposit, before=before)


@transaction.atomic
def deposit_apply(*, deposit: Deposit, actor, as_of: dt.date | None = None) -> Deposit:
    """Apply what the deposit holds, with its interest, to the account (the final bill):
    deposits held and deposit interest debited, the account credited; the credit pays
    open charges oldest first and any rest is unapplied credit (refundable)."""
    require_capability(actor, Cap.PAYMENTS_DEPOSITS)
    deposit = _lock_held(deposit)
    account = deposit.account
    held = deposit.held
    interest = deposit_interest(deposit, as_of=as_of)
    total = held + interest
    lock_balances(account)
    plan = oldest_first_plan(account, total)
    applied = sum((v for _, v in plan), ZERO)
    lines = [Line(LedgerRole.DEPOSITS_HELD, held, account)]
    if interest:
        lines.append(Line(LedgerRole.DEPOSIT_INTEREST, interest))
    if applied:
        lines.append(Line(LedgerRole.RECEIVABLE, -applied, account))
    if total - applied:
        lines.append(Line(LedgerRole.UNAPPLIED_CREDIT, -(total - applied), account))
    entry = journal_post(
        lines=lines,
        memo=f"Deposit {deposit.number} applied"
        + (f" with {interest} interest" if interest else ""),
        source_type="deposit",
        source_id=str(deposit.pk),
        effective_date=as_of,
        actor=actor,
    )
    item = open_item_create(
        account=account,
        kind=OpenItemKind.CREDIT,
        document_type="deposit_applied",
        reference=deposit.number,
        amount=total,
        issued_on=as_of or today(),
        entry=entry,
        source_type="deposit",
        source_id=str(deposit.pk),
    )
    refresh_invoices(allocate_plan(item, plan, actor))
    _release(
        deposit,
        interest=interest,
        status=DepositStatus.APPLIED,
        entry=entry,
        item=item,
        actor=actor,
    )
    return deposit


@transaction.atomic
def deposit_refund(*, deposit: Deposit, actor, as_of: dt.date | None = None) -> Deposit:
    """Refund what the deposit holds, with its interest, by a check from accounts payable
    (refunds payable credited): deposits held and deposit interest debited. Needs a refund
    approval limit covering the total."""
    require_capability(actor, Cap.PAYMENTS_DEPOSITS)
    deposit = _lock_held(deposit)
    held = deposit.held
    interest = deposit_interest(deposit, as_of=as_of)
    total = held + interest
    limit = over_limit(actor, ApprovalKind.REFUND, total)
    if limit is not None:
        raise ValidationFailed(
            {"amount": [f"Refunding {total} is above your refund limit of {limit}."]}
        )
    lock_balances(deposit.account)
    lines = [Line(LedgerRole.DEPOSITS_HELD, held, deposit.account)]
    if interest:
        lines.append(Line(LedgerRole.DEPOSIT_INTEREST, interest))
    lines.append(Line(LedgerRole.REFUNDS_PAYABLE, -total))
    entry = journal_post(
        lines=lines,
        memo=f"Deposit {deposit.number} refunded"
        + (f" with {interest} interest" if interest else ""),
        source_type="deposit",
        source_id=str(deposit.pk),
        effective_date=as_of,
        actor=actor,
    )
    _release(
        deposit,
        interest=interest,
        status=DepositStatus.REFUNDED,
        entry=entry,
        item=None,
        actor=actor,
    )
    return deposit


@transaction.atomic
def deposit_cancel(*, deposit: Deposit, actor, reason: str) -> Deposit:
    """Withdraw a deposit request nothing was collected for (waived by policy, say)."""
    require_capability(actor, Cap.PAYMENTS_DEPOSITS)
    reason = text_of(reason, field="reason")
    before = snapshot(deposit, ["status"])
    if not Deposit.objects.filter(
        pk=deposit.pk, status=DepositStatus.BILLED, collected_amount=0
    ).update(status=DepositStatus.CANCELLED):
        raise InvalidTransition(
            f"Deposit {deposit.number} has money collected; refund or apply it instead."
        )
    deposit.refresh_from_db()
    audit_updated(actor=actor, obj=deposit, before=before, message=reason)
    return deposit
