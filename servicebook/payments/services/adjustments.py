"""Adjustments with reason codes, within the requester's approval limit or approved by
someone whose limit covers them."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from servicebook.core.audit import audit_created, audit_updated, snapshot
from servicebook.core.errors import InvalidTransition, ValidationFailed
from servicebook.core.money import ZERO
from servicebook.core.permissions import require_capability
from servicebook.customers.models import Account
from servicebook.ledger.models import LedgerRole, OpenItem, OpenItemKind
from servicebook.ledger.services import Line, journal_post, open_item_create
from servicebook.users.models import ApprovalKind
from servicebook.users.roles import Cap

from ..choices import ApprovalStatus, Direction
from ..idempotency import claim_document, clean_key, fingerprint
from ..models import Adjustment, AdjustmentReason
from .common import (
    allocate_plan,
    amount_of,
    apply_open_credits,
    limit_message,
    lock_balances,
    oldest_first_plan,
    over_limit,
    refresh_invoices,
    text_of,
    today,
    unapplied_sync,
)


@transaction.atomic
def adjustment_post(
    *,
    account: Account,
    amount: Decimal | str,
    direction: str,
    reason: AdjustmentReason,
    memo: str,
    actor,
    idempotency_key: str,
    target_item: OpenItem | None = None,
    request_approval: bool = False,
) -> Adjustment:
    """Adjust what an account owes, with a reason code.

    A credit lowers the balance (billing adjustments debited, receivable credited) and
    applies to `target_item` or oldest first, the rest held as unapplied credit; a debit
    raises it (a new charge, due today) and takes any open credit. Within the requester's
    adjustment limit it posts at once; above it, it is refused and nothing changes, unless
    the requester asks for approval (`request_approval`): then it waits, posting nothing.

    Idempotent by key."""
    require_capability(actor, Cap.PAYMENTS_ADJUST)
    key = clean_key(idempotency_key)
    value = amount_of(amount)
    memo = text_of(memo, field="memo")
    errors: dict[str, list[str]] = {}
    if direction not in Direction.values:
        errors["direction"] = ["Choose credit or debit."]
    elif not (reason.active and reason.allows(direction)):
        errors["reason"] = [f"“{reason.label}” is not a reason for a {direction} adjustment."]
    if target_item is not None and (
        target_item.account_id != account.pk
        or target_item.kind != OpenItemKind.DEBIT
        or direction != Direction.CREDIT
    ):
        errors["target_item"] = ["A credit adjustment may target an open charge of this account."]
    if errors:
        raise ValidationFailed(errors)
    digest = fingerprint(
        account=account.pk,
        amount=value,
        direction=direction,
        reason=reason.code,
        target=target_item,
        memo=memo,
    )
    limit = over_limit(actor, ApprovalKind.ADJUSTMENT, value)
    if limit is not None and not request_approval:
        if Adjustment.objects.filter(idempotency_key=key).exists():
            return claim_document(Adjustment, key=key, digest=digest, create=None)[0]
        raise ValidationFailed({"amount": [limit_message("adjustment", limit)]})
    adjustment, created = claim_document(
        Adjustment,
        key=key,
        digest=digest,
        create=lambda: Adjustment.objects.create(
            account=account,
            direction=direction,
            amount=value,
            reason=reason,
            memo=memo,
            target_item=target_item,
            requested_by=actor,
            idempotency_key=key,
            fingerprint=digest,
        ),
    )
    if not created:
        return adjustment
    audit_created(actor=actor, obj=adjustment, message=f"Adjustment {adjustment.number}")
    if limit is None:
        _execute(adjustment, actor)
    return adjustment


@transaction.atomic
def adjustment_approve(*, adjustment: Adjustment, actor, note: str = "") -> Adjustment:
    """Approve a waiting adjustment and post it (the approver's limit covers it; the
    approver is not the requester)."""
    require_capability(actor, Cap.PAYMENTS_ADJUST)
    adjustment = Adjustment.objects.select_for_update(of=("self",)).get(pk=adjustment.pk)
    if adjustment.status != ApprovalStatus.PENDING:
        raise InvalidTransition(
            f"Adjustment {adjustment.number} is {adjustment.get_status_display()}."
        )
    if adjustment.requested_by_id == actor.pk:
        raise ValidationFailed({"approver": ["Someone else must approve your own request."]})
    limit = over_limit(actor, ApprovalKind.ADJUSTMENT, adjustment.amount)
    if limit is not None:
        raise ValidationFailed({"amount": [f"This is above your adjustment limit of {limit}."]})
    adjustment.decision_note = text_of(note, field="note", required=False)
    _execute(adjustment, actor)
    return adjustment


@transaction.atomic
def adjustment_reject(*, adjustment: Adjustment, actor, note: str) -> Adjustment:
    """Turn down a waiting adjustment; nothing was posted, nothing is."""
    require_capability(actor, Cap.PAYMENTS_ADJUST)
    note = text_of(note, field="note")
    before = snapshot(adjustment, ["status"])
    if not Adjustment.objects.filter(pk=adjustment.pk, status=ApprovalStatus.PENDING).update(
        status=ApprovalStatus.REJECTED,
        decided_by=actor,
        decided_at=timezone.now(),
        decision_note=note,
    ):
        raise InvalidTransition(f"Adjustment {adjustment.number} is no longer waiting.")
    adjustment.refresh_from_db()
    audit_updated(actor=actor, obj=adjustment, before=before, message=note)
    return adjustment


def _execute(adjustment: Adjustment, actor) -> None:
    account = adjustment.account
    value = adjustment.amount
    lock_balances(account)
    memo = f"Adjustment {adjustment.number} ({adjustment.reason.label}): {adjustment.memo}"
    touched: list[int] = []
    if adjustment.direction == Direction.CREDIT:
        target = adjustment.target_item
        if target is not None:
            target.refresh_from_db()
            plan = [(target, min(value, target.open_amount))] if target.open_amount > 0 else []
        else:
            plan = oldest_first_plan(account, value)
        applied = sum((v for _, v in plan), ZERO)
        lines = [Line(LedgerRole.ADJUSTMENTS, value)]
        if applied:
            lines.append(Line(LedgerRole.RECEIVABLE, -applied, account))
        if value - applied:
            lines.append(Line(LedgerRole.UNAPPLIED_CREDIT, -(value - applied), account))
        entry = journal_post(
            lines=lines,
            memo=memo,
            source_type="adjustment",
            source_id=str(adjustment.pk),
            actor=actor,
        )
        item = open_item_create(
            account=account,
            kind=OpenItemKind.CREDIT,
            document_type="adjustment",
            reference=adjustment.number,
            amount=value,
            issued_on=today(),
            entry=entry,
            source_type="adjustment",
            source_id=str(adjustment.pk),
        )
        touched += allocate_plan(item, plan, actor)
    else:
        entry = journal_post(
            lines=[
                Line(LedgerRole.RECEIVABLE, value, account),
                Line(LedgerRole.ADJUSTMENTS, -value),
            ],
            memo=memo,
            source_type="adjustment",
            source_id=str(adjustment.pk),
            actor=actor,
        )
        item = open_item_create(
            account=account,
            kind=OpenItemKind.DEBIT,
            document_type="adjustment",
            reference=adjustment.number,
            amount=value,
            issued_on=today(),
            due_date=today(),
            entry=entry,
            source_type="adjustment",
            source_id=str(adjustment.pk),
        )
        touched += apply_open_credits(account, actor=actor, limit_to=item)
        unapplied_sync(account=account, actor=actor)
    before = snapshot(adjustment, ["status"])
    adjustment.status = ApprovalStatus.POSTED
    adjustment.entry, adjustment.item = entry, item
    adjustment.decided_by, adjustment.decided_at = actor, timezone.now()
    adjustment.save(
        update_fields=["status", "entry", "item", "decided_by", "decided_at", "decision_note"]
    )
    refresh_invoices(touched)
    audit_updated(
        actor=actor,
        obj=adjustment,
        before=before,
        message=f"Adjustment {adjustment.number} posted",
    )
