"""Transfers of credit between accounts: both sides in one entry, one transaction."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction

from servicebook.core.audit import audit_created
from servicebook.core.errors import InvalidTransition, ValidationFailed
from servicebook.core.permissions import require_capability
from servicebook.customers.models import Account
from servicebook.ledger.models import LedgerRole, OpenItemKind
from servicebook.ledger.services import Line, allocation_reverse, journal_post, open_item_create
from servicebook.users.roles import Cap

from ..choices import PaymentPurpose, PaymentStatus
from ..idempotency import claim_document, clean_key, fingerprint
from ..models import Payment, Transfer
from .common import (
    allocate_plan,
    amount_of,
    apply_open_credits,
    consume_credits,
    lock_balances,
    oldest_first_plan,
    open_credit_total,
    refresh_invoices,
    text_of,
    today,
    unapplied_sync,
)


@transaction.atomic
def transfer_post(
    *,
    from_account: Account,
    to_account: Account,
    amount: Decimal | str,
    reason: str,
    actor,
    idempotency_key: str,
    payment: Payment | None = None,
) -> Transfer:
    """Move credit from one account to another.

    With `payment` (a payment posted to the wrong account), its allocations on the first
    account are undone first — the charges it paid there are open again — and its credit
    is what moves. Without, the first account's open credit moves (oldest first). On the
    second account the credit applies to its charges oldest first; what is left is held
    as unapplied credit. One journal entry carries both sides (receivable of the first
    account debited, of the second credited), and the reclassifications follow in the same
    transaction.

    Idempotent by key."""
    require_capability(actor, Cap.PAYMENTS_TRANSFER)
    key = clean_key(idempotency_key)
    value = amount_of(amount)
    reason = text_of(reason, field="reason")
    if from_account.pk == to_account.pk:
        raise ValidationFailed({"to_account": ["Choose another account to transfer to."]})
    if payment is not None:
        if payment.account_id != from_account.pk:
            raise ValidationFailed({"payment": ["That payment is not on the account it leaves."]})
        if payment.status != PaymentStatus.POSTED or payment.purpose != PaymentPurpose.ACCOUNT:
            raise InvalidTransition(f"Payment {payment.number} cannot be transferred.")
        if value > payment.amount - payment.refunded_amount:
            raise ValidationFailed(
                {"amount": [f"Payment {payment.number} has {payment.amount} to move."]}
            )
    digest = fingerprint(
        from_account=from_account.pk,
        to_account=to_account.pk,
        amount=value,
        reason=reason,
        payment=payment,
    )
    transfer, created = claim_document(
        Transfer,
        key=key,
        digest=digest,
        create=lambda: Transfer.objects.create(
            from_account=from_account,
            to_account=to_account,
            amount=value,
            reason=reason,
            payment=payment,
            idempotency_key=key,
            fingerprint=digest,
            created_by=actor,
        ),
    )
    if not created:
        return transfer
    touched: list[int] = []
    first = None
    if payment is not None:
        payment = Payment.objects.select_for_update(of=("self",)).get(pk=payment.pk)
    lock_balances(from_account, to_account)
    if payment is not None:
        first = payment.credit_item
        for allocation in first.credit_allocations.filter(reversed_at__isnull=True):
            touched.append(allocation.debit_id)
            allocation_reverse(
                allocation=allocation, reason=f"Transferred ({transfer.number})", actor=actor
            )
    available = open_credit_total(from_account)
    if value > available:
        raise ValidationFailed(
            {"amount": [f"Account {from_account.number} has {available} of credit to transfer."]}
        )
    entry = journal_post(
        lines=[
            Line(LedgerRole.RECEIVABLE, value, from_account),
            Line(LedgerRole.RECEIVABLE, -value, to_account),
        ],
        memo=f"Transfer {transfer.number} from {from_account.number} to {to_account.number}: "
        f"{reason}",
        source_type="transfer",
        source_id=str(transfer.pk),
        actor=actor,
    )
    out_item = open_item_create(
        account=from_account,
        kind=OpenItemKind.DEBIT,
        document_type="transfer_out",
        reference=transfer.number,
        amount=value,
        issued_on=today(),
        due_date=today(),
        entry=entry,
        source_type="transfer",
        source_id=str(transfer.pk),
    )
    consume_credits(from_account, out_item, value, actor=actor, first=first)
    in_item = open_item_create(
        account=to_account,
        kind=OpenItemKind.CREDIT,
        document_type="transfer_in",
        reference=transfer.number,
        amount=value,
        issued_on=today(),
        entry=entry,
        source_type="transfer",
        source_id=str(transfer.pk),
    )
    touched += allocate_plan(in_item, oldest_first_plan(to_account, value), actor)
    # What the moved payment paid on the first account is open again: any other credit
    # there applies to it.
    touched += apply_open_credits(from_account, actor=actor)
    unapplied_sync(account=from_account, actor=actor)
    unapplied_sync(account=to_account, actor=actor)
    transfer.entry, transfer.out_item, transfer.in_item = entry, out_item, in_item
    transfer.save(update_fields=["entry", "out_item", "in_item"])
    refresh_invoices(touched)
    audit_created(actor=actor, obj=transfer, message=f"Transfer {transfer.number}")
    return transfer
