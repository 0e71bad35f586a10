"""Refunds to the payment's original method, within the requester's approval limit or
approved by someone whose limit covers them."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone

from servicebook.core.audit import audit_created, audit_updated, snapshot
from servicebook.core.errors import Conflict, InvalidTransition, ValidationFailed
from servicebook.core.money import ZERO, to_money
from servicebook.core.permissions import require_capability
from servicebook.ledger.models import LedgerRole, OpenItemKind
from servicebook.ledger.services import Line, journal_post, ledger_account_for
from servicebook.ledger.services import open_item_create as item_create
from servicebook.users.models import ApprovalKind
from servicebook.users.roles import Cap

from ..choices import ApprovalStatus, PaymentMethod, PaymentPurpose, PaymentStatus
from ..gateways import get_gateway
from ..idempotency import claim_document, clean_key, fingerprint
from ..models import Payment, Refund
from .common import (
    amount_of,
    cents,
    consume_credits,
    limit_message,
    lock_balances,
    open_credit_total,
    over_limit,
    text_of,
    today,
    unapplied_sync,
)


def _pending_total(payment: Payment, exclude: int | None = None) -> Decimal:
    pending = Refund.objects.filter(payment=payment, status=ApprovalStatus.PENDING)
    if exclude:
        pending = pending.exclude(pk=exclude)
    return to_money(pending.aggregate(t=Sum("amount"))["t"] or ZERO)


def _check_refundable(payment: Payment, value: Decimal, *, refund_id: int | None = None) -> None:
    if payment.status != PaymentStatus.POSTED:
        raise InvalidTransition(f"Payment {payment.number} was returned; it cannot be refunded.")
    if payment.purpose != PaymentPurpose.ACCOUNT:
        raise InvalidTransition("A deposit payment is refunded with the deposit.")
    room = payment.amount - payment.refunded_amount - _pending_total(payment, exclude=refund_id)
    if value > room:
        raise ValidationFailed(
            {"amount": [f"At most {max(room, ZERO)} of payment {payment.number} can be refunded."]}
        )
    credit = open_credit_total(payment.account)
    if value > credit:
        raise ValidationFailed(
            {
                "amount": [
                    f"The account has {credit} of credit to refund; a refund gives back "
                    "credit, not money that paid charges (adjust the charges first)."
                ]
            }
        )


@transaction.atomic
def refund_request(
    *,
    payment: Payment,
    amount: Decimal | str,
    reason: str,
    actor,
    idempotency_key: str,
    request_approval: bool = False,
) -> Refund:
    """Refund part or all of a payment to its original method.

    Within the requester's refund limit (users.ApprovalLimit) it is posted at once. Above
    it, it is refused and nothing changes — unless the requester asks for approval
    (`request_approval`), when it waits, posting nothing, for someone whose limit covers it
    (`refund_approve`). A refund gives back credit the account has (an overpayment, a
    credit note): it never takes money back from charges it paid.

    Idempotent by key, like payment_post."""
    require_capability(actor, Cap.PAYMENTS_REFUND)
    key = clean_key(idempotency_key)
    value = amount_of(amount)
    reason = text_of(reason, field="reason")
    digest = fingerprint(payment=payment.pk, amount=value, reason=reason)
    locked = Payment.objects.select_for_update(of=("self",)).get(pk=payment.pk)
    # Read after the lock: a twin that held it has committed, and its refund is found here
    # instead of this request failing on the room the twin used.
    if Refund.objects.filter(idempotency_key=key).exists():
        return claim_document(Refund, key=key, digest=digest, create=None)[0]
    _check_refundable(locked, value)
    limit = over_limit(actor, ApprovalKind.REFUND, value)
    if limit is not None and not request_approval:
        raise ValidationFailed({"amount": [limit_message("refund", limit)]})
    refund, created = claim_document(
        Refund,
        key=key,
        digest=digest,
        create=lambda: Refund.objects.create(
            payment=locked,
            account_id=locked.account_id,
            amount=value,
            method=locked.method,
            reason=reason,
            requested_by=actor,
            idempotency_key=key,
            fingerprint=digest,
        ),
    )
    if not created:
        return refund
    audit_created(actor=actor, obj=refund, message=f"Refund {refund.number} requested")
    if limit is None:
        _execute(refund, locked, actor)
    return refund


@transaction.atomic
def refund_approve(*, refund: Refund, actor, note: str = "") -> Refund:
    """Approve a waiting refund and post it: the approver's limit must cover it, and the
    approver is not the one who asked (four eyes)."""
    require_capability(actor, Cap.PAYMENTS_REFUND)
    refund = Refund.objects.select_for_update(of=("self",)).get(pk=refund.pk)
    if refund.status != ApprovalStatus.PENDING:
        raise InvalidTransition(f"Refund {refund.number} is {refund.get_status_display()}.")
    if refund.requested_by_id == actor.pk:
        raise ValidationFailed({"approver": ["Someone else must approve your own request."]})
    limit = over_limit(actor, ApprovalKind.REFUND, refund.amount)
    if limit is not None:
        raise ValidationFailed({"amount": [f"This is above your refund limit of {limit}."]})
    payment = Payment.objects.select_for_update(of=("self",)).get(pk=refund.payment_id)
    _check_refundable(payment, refund.amount, refund_id=refund.pk)
    refund.decision_note = text_of(note, field="note", required=False)
    _execute(refund, payment, actor)
    return refund


@transaction.atomic
def refund_reject(*, refund: Refund, actor, note: str) -> Refund:
    """Turn down a waiting refund; nothing was posted, nothing is."""
    require_capability(actor, Cap.PAYMENTS_REFUND)
    note = text_of(note, field="note")
    before = snapshot(refund, ["status"])
    updated = Refund.objects.filter(pk=refund.pk, status=ApprovalStatus.PENDING).update(
        status=ApprovalStatus.REJECTED,
        decided_by=actor,
        decided_at=timezone.now(),
        decision_note=note,
    )
    if not updated:
        raise InvalidTransition(f"Refund {refund.number} is no longer waiting.")
    refund.refresh_from_db()
    audit_updated(actor=actor, obj=refund, before=before, message=note)
    return refund


def _execute(refund: Refund, payment: Payment, actor) -> None:
    """Post the refund: unapplied credit debited; cash clearing of a card or bank debit
    credited (the gateway gives the money back), or refunds payable for checks and cash (a
    check from accounts payable). A debit item takes the account's open credit, the
    payment's own first."""
    account = payment.account
    lock_balances(account)
    if not Payment.objects.filter(
        pk=payment.pk, refunded_amount__lte=payment.amount - refund.amount
    ).update(refunded_amount=cents(F("refunded_amount") + refund.amount)):
        raise Conflict(f"Payment {payment.number} was refunded meanwhile.")
    by_gateway = payment.method in (PaymentMethod.CARD, PaymentMethod.ACH)
    target = (
        ledger_account_for(LedgerRole.CASH_CLEARING, payment_method=payment.method)
        if by_gateway
        else ledger_account_for(LedgerRole.REFUNDS_PAYABLE)
    )
    entry = journal_post(
        lines=[
            Line(LedgerRole.UNAPPLIED_CREDIT, refund.amount, account),
            Line(target, -refund.amount),
        ],
        memo=f"Refund {refund.number} of payment {payment.number}: {refund.reason}",
        source_type="refund",
        source_id=str(refund.pk),
        actor=actor,
    )
    debit = item_create(
        account=account,
        kind=OpenItemKind.DEBIT,
        document_type="refund",
        reference=refund.number,
        amount=refund.amount,
        issued_on=today(),
        due_date=today(),
        entry=entry,
        source_type="refund",
        source_id=str(refund.pk),
    )
    consume_credits(account, debit, refund.amount, actor=actor, first=payment.credit_item)
    unapplied_sync(account=account, actor=actor)
    if by_gateway:
        gateway = get_gateway()
        if payment.method == PaymentMethod.CARD:
            result = gateway.refund(
                charge_id=payment.gateway_reference,
                token=payment.card.token,
                amount=refund.amount,
                idempotency_key=refund.idempotency_key,
            )
        else:
            result = gateway.credit_bank(
                token=payment.bank_account.token,
                amount=refund.amount,
                idempotency_key=refund.idempotency_key,
            )
        refund.gateway_reference = result.id
    before = snapshot(refund, ["status"])
    refund.status = ApprovalStatus.POSTED
    refund.entry, refund.debit_item = entry, debit
    # Within the requester's own limit, the requester is the one who decided.
    refund.decided_by, refund.decided_at = actor, timezone.now()
    refund.save(
        update_fields=[
            "status",
            "entry",
            "debit_item",
            "gateway_reference",
            "decided_by",
            "decided_at",
            "decision_note",
        ]
    )
    audit_updated(actor=actor, obj=refund, before=before, message=f"Refund {refund.number} posted")
