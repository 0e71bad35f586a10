"""Taking payments: cards and bank accounts (as gateway tokens), posting a payment,
applying credit, reallocating, and recording a returned payment."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from servicebook.core.audit import audit_created, audit_record, audit_updated, snapshot
from servicebook.core.errors import InvalidTransition, ValidationFailed
from servicebook.core.money import ZERO, to_money
from servicebook.core.permissions import require_capability
from servicebook.customers.models import Account
from servicebook.ledger.models import LedgerRole, OpenItem, OpenItemKind
from servicebook.ledger.services import (
    Line,
    allocate,
    allocation_reverse,
    journal_post,
    journal_reverse,
    ledger_account_for,
    open_item_create,
)
from servicebook.users.roles import Cap

from ..cards import card_number_problem, digits_of, expiry_problem, routing_number_valid
from ..choices import (
    FEE_REASONS,
    BankAccountType,
    DepositStatus,
    PaymentChannel,
    PaymentMethod,
    PaymentPurpose,
    PaymentStatus,
    ReturnReason,
)
from ..gateways import GatewayDeclined, get_gateway
from ..hooks import run_listeners
from ..idempotency import claim_document, clean_key, fingerprint
from ..models import BankAccount, CardToken, Deposit, Payment, payment_number
from .common import (
    allocate_plan,
    amount_of,
    apply_open_credits,
    debit_ids_of_credit,
    lock_balances,
    manual_plan,
    oldest_first_plan,
    refresh_invoices,
    text_of,
    today,
    unapplied_sync,
)

# --- Instruments ------------------------------------------------------------------------------


@sensitive_variables("number", "cvc")
@transaction.atomic
def card_tokenize(
    *,
    account: Account,
    number: str,
    exp_month: int,
    exp_year: int,
    cvc: str,
    actor,
    holder_name: str = "",
    save: bool = False,
) -> CardToken:
    """Hand a card to the gateway and keep only its token, brand, last four and expiry.

    The number and the security code go no further than this call: they are checked here
    (Luhn, brand, expiry, code length), passed to the gateway and dropped. Refusals name
    the field and never repeat what was typed."""
    require_capability(actor, Cap.PAYMENTS_TAKE)
    errors: dict[str, list[str]] = {}
    problem = card_number_problem(number or "")
    if problem:
        errors["card_number"] = [problem]
    try:
        month, year = int(exp_month), int(exp_year)
    except (TypeError, ValueError):
        errors["card_expiry"] = ["Enter the expiry as MM/YY."]
    else:
        expiry = expiry_problem(month, year, timezone.localdate())
        if expiry:
            errors["card_expiry"] = [expiry]
    code = (cvc or "").strip()
    if not (code.isdigit() and len(code) in (3, 4)):
        errors["card_cvc"] = ["The security code is the 3 or 4 digits on the card."]
    elif not problem:
        from ..cards import card_brand, security_code_length

        if len(code) != security_code_length(card_brand(digits_of(number))):
            errors["card_cvc"] = ["The security code has the wrong number of digits."]
    if errors:
        raise ValidationFailed(errors)
    gateway = get_gateway()
    result = gateway.tokenize_card(
        number=digits_of(number),
        exp_month=month,
        exp_year=year,
        cvc=code,
        holder_name=holder_name[:100],
    )
    card = CardToken.objects.create(
        account=account,
        gateway=gateway.name,
        token=result.token,
        brand=result.brand,
        last4=result.last4,
        exp_month=result.exp_month,
        exp_year=result.exp_year,
        holder_name=holder_name.strip()[:100],
        saved=save,
        created_by=actor,
    )
    audit_record(
        actor=actor,
        action="card_added",
        obj=account,
        message=f"{card} {'kept on file' if save else 'for one payment'}",
    )
    return card


@sensitive_variables("account_number")
@transaction.atomic
def bank_account_add(
    *,
    account: Account,
    routing_number: str,
    account_number: str,
    actor,
    account_type: str = BankAccountType.CHECKING,
    holder_name: str = "",
) -> BankAccount:
    """Hand a bank account to the gateway for ACH debits; keep the routing number (checked
    with the ABA checksum) and the last four of the account number."""
    require_capability(actor, Cap.PAYMENTS_TAKE)
    errors: dict[str, list[str]] = {}
    routing = digits_of(routing_number or "")
    if not routing_number_valid(routing):
        errors["routing_number"] = ["That routing number is not valid (9 digits, ABA checksum)."]
    number = digits_of(account_number or "")
    if not (number.isdigit() and 4 <= len(number) <= 17):
        errors["bank_account_number"] = ["A bank account number has 4 to 17 digits."]
    if account_type not in BankAccountType.values:
        errors["account_type"] = ["Checking or savings."]
    if errors:
        raise ValidationFailed(errors)
    gateway = get_gateway()
    result = gateway.tokenize_bank_account(
        routing_number=routing, account_number=number, account_type=account_type
    )
    bank = BankAccount.objects.create(
        account=account,
        gateway=gateway.name,
        token=result.token,
        routing_number=routing,
        last4=result.last4,
        account_type=account_type,
        holder_name=holder_name.strip()[:100],
        created_by=actor,
    )
    audit_record(actor=actor, action="bank_account_added", obj=account, message=str(bank))
    return bank


# --- Posting a payment ----------------------------------------------------------------------------


def _validate_method(
    *,
    account: Account,
    method: str,
    channel: str,
    card: CardToken | None,
    bank_account: BankAccount | None,
    check_number: str,
    on: dt.date,
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if method not in PaymentMethod.values:
        errors["method"] = ["Choose card, bank debit, check or cash."]
    if channel not in PaymentChannel.values:
        errors["channel"] = ["Choose where the payment was taken."]
    if method == PaymentMethod.CARD:
        if card is None:
            errors["card"] = ["A card payment needs the card."]
        elif card.account_id != account.pk:
            errors["card"] = ["That card belongs to another account."]
        elif (card.exp_year, card.exp_month) < (on.year, on.month):
            errors["card"] = ["That card has expired."]
    elif card is not None:
        errors["card"] = ["A card is only for card payments."]
    if method == PaymentMethod.ACH:
        # An ACH credit the customer's bank sent us arrives by bank file, with no debit
        # authorisation of ours behind it.
        if bank_account is None and channel != PaymentChannel.BANK_FILE:
            errors["bank_account"] = ["A bank debit needs the bank account."]
        elif bank_account is not None and bank_account.account_id != account.pk:
            errors["bank_account"] = ["That bank account belongs to another account."]
    elif bank_account is not None:
        errors["bank_account"] = ["A bank account is only for bank debits."]
    # A lockbox or BAI2 credit may come without the check's number; the bank's reference
    # stands in for it.
    if method == PaymentMethod.CHECK and not check_number and channel != PaymentChannel.BANK_FILE:
        errors["check_number"] = ["Enter the check number."]
    if method == PaymentMethod.CASH and channel not in (
        PaymentChannel.COUNTER,
        PaymentChannel.BANK_FILE,
    ):
        errors["channel"] = ["Cash is taken at the counter."]
    return errors


def _charge(payment: Payment, *, card: CardToken | None, bank: BankAccount | None) -> None:
    """Move the money through the gateway (cards and bank debits). Runs last in the
    transaction, after the books are written: a decline raises and rolls everything back.
    The gateway gets the payment's idempotency key, so a retry after a crash between its
    answer and our commit is answered with the first authorization, never a second charge."""
    gateway = get_gateway()
    if card is not None:
        auth = gateway.authorize(
            token=card.token, amount=payment.amount, idempotency_key=payment.idempotency_key
        )
        try:
            captured = gateway.capture(authorization_id=auth.id, amount=payment.amount)
        except Exception:
            gateway.void(authorization_id=auth.id)
            raise
        payment.gateway, payment.gateway_reference = gateway.name, captured.id
        payment.authorization_code = auth.code
    elif bank is not None:
        result = gateway.debit_bank(
            token=bank.token, amount=payment.amount, idempotency_key=payment.idempotency_key
        )
        payment.gateway, payment.gateway_reference = gateway.name, result.id


@transaction.atomic
def payment_post(
    *,
    account: Account,
    amount: Decimal | str | int,
    method: str,
    channel: str,
    idempotency_key: str,
    actor,
    allocations: list[tuple[OpenItem | int, Decimal]] | None = None,
    card: CardToken | None = None,
    bank_account: BankAccount | None = None,
    check_number: str = "",
    reference: str = "",
    memo: str = "",
    received_on: dt.date | None = None,
    deposit: Deposit | None = None,
) -> Payment:
    """Post a payment to an account and apply it to what the account owes.

    One journal entry: cash clearing of the method debited; receivable credited with what
    pays open charges and unapplied credit with the rest (ledger contract: an overpayment
    sits in unapplied credit); a credit open item allocated oldest due first (undisputed
    debt before disputed), or as the user allocated it (`allocations`, an override: what
    they leave unallocated stays as credit). A deposit payment (`deposit`) credits deposits
    held instead and opens no item. Cards and bank debits go through the gateway last, so
    a decline leaves nothing behind.

    Idempotent: the same key returns the first payment (`payment.replayed` is True); the
    same key with other parameters raises IdempotencyConflict (409)."""
    require_capability(actor, Cap.PAYMENTS_TAKE)
    key = clean_key(idempotency_key)
    value = amount_of(amount)
    on = received_on or today()
    check_number = text_of(check_number, field="check_number", required=False, max_length=20)
    reference = text_of(reference, field="reference", required=False, max_length=100)
    memo = text_of(memo, field="memo", required=False)
    errors = _validate_method(
        account=account,
        method=method,
        channel=channel,
        card=card,
        bank_account=bank_account,
        check_number=check_number,
        on=on,
    )
    if deposit is not None:
        if deposit.account_id != account.pk:
            errors["deposit"] = ["That deposit belongs to another account."]
        elif allocations:
            errors["allocations"] = ["A deposit payment is not allocated to charges."]
    if errors:
        raise ValidationFailed(errors)
    wanted = [
        (item.pk if isinstance(item, OpenItem) else int(item), str(to_money(v)))
        for item, v in (allocations or [])
    ]
    digest = fingerprint(
        account=account.pk,
        amount=value,
        method=method,
        channel=channel,
        card=card,
        bank_account=bank_account,
        check_number=check_number,
        deposit=deposit,
        allocations=wanted,
    )
    payment, created = claim_document(
        Payment,
        key=key,
        digest=digest,
        create=lambda: Payment.objects.create(
            account=account,
            purpose=PaymentPurpose.DEPOSIT if deposit else PaymentPurpose.ACCOUNT,
            deposit=deposit,
            amount=value,
            method=method,
            channel=channel,
            received_on=on,
            check_number=check_number,
            reference=reference,
            memo=memo,
            card=card,
            bank_account=bank_account,
            idempotency_key=key,
            fingerprint=digest,
            created_by=actor,
        ),
    )
    if not created:
        return payment
    if deposit is not None:
        _collect_into(deposit, payment, actor)
    else:
        _post_to_account(payment, allocations, actor)
    _charge(payment, card=card, bank=bank_account)
    payment.save(
        update_fields=[
            "entry",
            "credit_item",
            "gateway",
            "gateway_reference",
            "authorization_code",
        ]
    )
    audit_created(actor=actor, obj=payment, message=f"Payment {payment.number} posted")
    payment.replayed = False
    run_listeners(action="posted", payment=payment, account=account, actor=actor)
    return payment


def _post_to_account(payment: Payment, allocations, actor) -> None:
    account = payment.account
    lock_balances(account)
    if allocations:
        plan = manual_plan(account, allocations, total=payment.amount)
    else:
        plan = oldest_first_plan(account, payment.amount)
    applied = sum((v for _, v in plan), ZERO)
    held = payment.amount - applied
    clearing = ledger_account_for(LedgerRole.CASH_CLEARING, payment_method=payment.method)
    lines = [Line(clearing, payment.amount)]
    if applied:
        lines.append(Line(LedgerRole.RECEIVABLE, -applied, account))
    if held:
        lines.append(Line(LedgerRole.UNAPPLIED_CREDIT, -held, account))
    entry = journal_post(
        lines=lines,
        memo=f"Payment {payment.number} ({payment.get_method_display()}, "
        f"{payment.get_channel_display().lower()})",
        source_type="payment",
        source_id=str(payment.pk),
        effective_date=payment.received_on,
        actor=actor,
    )
    credit = open_item_create(
        account=account,
        kind=OpenItemKind.CREDIT,
        document_type="payment",
        reference=payment.number,
        amount=payment.amount,
        issued_on=payment.received_on,
        entry=entry,
        source_type="payment",
        source_id=str(payment.pk),
    )
    refresh_invoices(allocate_plan(credit, plan, actor))
    payment.entry, payment.credit_item = entry, credit


def _collect_into(deposit: Deposit, payment: Payment, actor) -> None:
    """A deposit payment: cash clearing debited, deposits held credited (customer)."""
    locked = Deposit.objects.select_for_update(of=("self",)).get(pk=deposit.pk)
    if locked.status not in (DepositStatus.BILLED, DepositStatus.HELD):
        raise InvalidTransition(f"Deposit {locked.number} is {locked.get_status_display()}.")
    if payment.amount > locked.outstanding:
        raise ValidationFailed(
            {"amount": [f"Deposit {locked.number} needs only {locked.outstanding} more."]}
        )
    lock_balances(payment.account)
    clearing = ledger_account_for(LedgerRole.CASH_CLEARING, payment_method=payment.method)
    payment.entry = journal_post(
        lines=[
            Line(clearing, payment.amount),
            Line(LedgerRole.DEPOSITS_HELD, -payment.amount, payment.account),
        ],
        memo=f"Deposit {locked.number} collected by payment {payment.number}",
        source_type="payment",
        source_id=str(payment.pk),
        effective_date=payment.received_on,
        actor=actor,
    )
    before = snapshot(locked, ["collected_amount", "status"])
    locked.collected_amount = to_money(locked.collected_amount + payment.amount)
    if locked.collected_amount >= locked.amount_required:
        locked.status = DepositStatus.HELD
    locked.save(update_fields=["collected_amount", "status"])
    audit_updated(actor=actor, obj=locked, before=before)


# --- Applying credit ----------------------------------------------------------------------------


@transaction.atomic
def credits_apply(*, account: Account, actor) -> list[int]:
    """Apply the account's open credits (unallocated payments, credit notes, adjustments)
    to its open charges, oldest due first, and move what was applied out of unapplied
    credit. Returns the charges' open-item ids that were paid."""
    require_capability(actor, Cap.PAYMENTS_TAKE)
    lock_balances(account)
    touched = apply_open_credits(account, actor=actor)
    unapplied_sync(account=account, actor=actor)
    refresh_invoices(touched)
    if touched:
        audit_record(
            actor=actor, action="credit_applied", obj=account, message="Open credit applied"
        )
    return touched


@transaction.atomic
def payment_reallocate(
    *, payment: Payment, allocations: list[tuple[OpenItem | int, Decimal]], actor
) -> Payment:
    """Undo a payment's allocations and allocate it as the user says (an override of
    oldest-first after the fact); what is left unallocated stays as credit."""
    require_capability(actor, Cap.PAYMENTS_TRANSFER)
    payment = Payment.objects.select_for_update(of=("self",)).get(pk=payment.pk)
    if payment.status != PaymentStatus.POSTED or payment.credit_item_id is None:
        raise InvalidTransition("Only a posted payment to an account can be reallocated.")
    account = payment.account
    lock_balances(account)
    credit = payment.credit_item
    before = debit_ids_of_credit(credit)
    for allocation in credit.credit_allocations.filter(reversed_at__isnull=True):
        allocation_reverse(allocation=allocation, reason="Reallocated", actor=actor)
    credit.refresh_from_db()
    plan = manual_plan(account, allocations, total=credit.open_amount)
    after = allocate_plan(credit, plan, actor)
    unapplied_sync(account=account, actor=actor)
    refresh_invoices([*before, *after])
    audit_record(
        actor=actor,
        action="reallocate",
        obj=payment,
        changes={"allocations": [before, after]},
        message=f"Payment {payment.number} reallocated",
    )
    return payment


# --- Returned payments ------------------------------------------------------------------------


def returned_payment_fee(reason: str) -> Decimal:
    """The fee a return draws by policy: the setting for the customer's returns, none for
    a payment we posted in error."""
    return to_money(settings.PAYMENTS_RETURNED_PAYMENT_FEE) if reason in FEE_REASONS else ZERO


@transaction.atomic
def payment_reverse(
    *,
    payment: Payment,
    reason: str,
    actor,
    note: str = "",
    fee: Decimal | str | None = None,
) -> Payment:
    """Record that a posted payment came back (a bounced check, an ACH return, a
    chargeback) or was posted in error.

    Its allocations are undone (the charges it paid are open again), its entry is reversed
    by a mirror entry, its credit item is closed by a matching debit, and — for returns
    that are the customer's doing — the returned-payment fee (settings, or `fee` to waive
    or change it) is charged as a new debit. Other open credit of the account then applies
    to the reopened charges, oldest first. A payment is reversed once; a refunded payment
    is not reversed (its money already went back)."""
    require_capability(actor, Cap.PAYMENTS_REVERSE)
    if reason not in ReturnReason.values:
        raise ValidationFailed({"reason": ["Choose why the payment came back."]})
    note = text_of(note, field="note", required=False)
    charge = returned_payment_fee(reason) if fee in (None, "") else to_money(fee)
    if charge < 0:
        raise ValidationFailed({"fee": ["The fee cannot be negative."]})
    payment = Payment.objects.select_for_update(of=("self",)).get(pk=payment.pk)
    if payment.status != PaymentStatus.POSTED:
        raise InvalidTransition(f"Payment {payment.number} was already returned.")
    if payment.refunded_amount > 0:
        raise InvalidTransition(
            f"Payment {payment.number} was partly refunded; its money already went back."
        )
    account = payment.account
    before = snapshot(payment, ["status", "return_reason"])
    touched: list[int] = []
    lock_balances(account)
    if payment.credit_item_id:
        credit = payment.credit_item
        for allocation in credit.credit_allocations.filter(reversed_at__isnull=True):
            touched.append(allocation.debit_id)
            allocation_reverse(
                allocation=allocation, reason=f"Payment returned: {reason}", actor=actor
            )
    reversal = journal_reverse(
        entry=payment.entry,
        memo=f"Payment {payment.number} returned ({ReturnReason(reason).label})",
        actor=actor,
    )
    if payment.credit_item_id:
        credit = payment.credit_item
        credit.refresh_from_db()
        closing = open_item_create(
            account=account,
            kind=OpenItemKind.DEBIT,
            document_type="payment_return",
            reference=f"{payment.number}-RET",
            amount=payment.amount,
            issued_on=today(),
            due_date=today(),
            entry=reversal,
            source_type="payment",
            source_id=str(payment.pk),
        )
        allocate(debit=closing, credit=credit, amount=payment.amount, actor=actor)
        payment.return_item = closing
    else:
        _uncollect(payment, actor)
    if charge > 0:
        fee_entry = journal_post(
            lines=[Line(LedgerRole.RECEIVABLE, charge, account), Line(LedgerRole.FEES, -charge)],
            memo=f"Returned payment fee for {payment.number}",
            source_type="returned_payment_fee",
            source_id=str(payment.pk),
            actor=actor,
        )
        payment.return_fee_item = open_item_create(
            account=account,
            kind=OpenItemKind.DEBIT,
            document_type="returned_payment_fee",
            reference=f"{payment.number}-FEE",
            amount=charge,
            issued_on=today(),
            due_date=today(),
            entry=fee_entry,
            source_type="payment",
            source_id=str(payment.pk),
        )
    touched += apply_open_credits(account, actor=actor)
    unapplied_sync(account=account, actor=actor)
    payment.status = PaymentStatus.RETURNED
    payment.returned_at = timezone.now()
    payment.return_reason = reason
    payment.return_note = note
    payment.return_entry = reversal
    payment.returned_by = actor
    payment.save(
        update_fields=[
            "status",
            "returned_at",
            "return_reason",
            "return_note",
            "return_entry",
            "return_item",
            "return_fee_item",
            "returned_by",
        ]
    )
    refresh_invoices(touched)
    audit_updated(
        actor=actor,
        obj=payment,
        before=before,
        action="return",
        message=f"Payment {payment.number} returned: {ReturnReason(reason).label}"
        + (f"; fee {charge}" if charge else ""),
    )
    run_listeners(action="reversed", payment=payment, account=account, actor=actor)
    return payment


def _uncollect(payment: Payment, actor) -> None:
    """A returned deposit payment: the deposit holds that much less (it was never ours)."""
    deposit = Deposit.objects.select_for_update(of=("self",)).get(pk=payment.deposit_id)
    if deposit.held < payment.amount:
        raise InvalidTransition(
            f"Deposit {deposit.number} was already applied or refunded; "
            "charge the returned amount with an adjustment instead."
        )
    before = snapshot(deposit, ["collected_amount", "status"])
    deposit.collected_amount = to_money(deposit.collected_amount - payment.amount)
    if deposit.status == DepositStatus.HELD and deposit.collected_amount < deposit.amount_required:
        deposit.status = DepositStatus.BILLED
    deposit.save(update_fields=["collected_amount", "status"])
    audit_updated(actor=actor, obj=deposit, before=before)


__all__ = [
    "GatewayDeclined",
    "bank_account_add",
    "card_tokenize",
    "credits_apply",
    "payment_number",
    "payment_post",
    "payment_reallocate",
    "payment_reverse",
    "returned_payment_fee",
]
