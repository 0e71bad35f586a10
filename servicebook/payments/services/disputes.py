"""Disputes: part of a charge the customer contests is marked disputed on its open item
(collections leave it alone) until someone resolves it."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from servicebook.core.audit import audit_created, audit_updated, snapshot
from servicebook.core.errors import InvalidTransition, ValidationFailed
from servicebook.core.money import to_money
from servicebook.core.permissions import require_capability
from servicebook.ledger.models import OpenItem, OpenItemKind
from servicebook.users.roles import Cap

from ..choices import Direction, DisputeOutcome, DisputeStatus
from ..models import AdjustmentReason, Dispute
from .adjustments import adjustment_post
from .common import amount_of, cents, text_of

# The reason code a dispute resolved for the customer credits with (data migration 0002).
DISPUTE_REASON = "dispute_upheld"


@transaction.atomic
def dispute_open(
    *, item: OpenItem, amount: Decimal | str, reason: str, actor, case_number: str = ""
) -> Dispute:
    """Mark `amount` of an open charge as disputed. It stays owed, but aging and
    collections leave it out until the dispute is resolved."""
    require_capability(actor, Cap.PAYMENTS_DISPUTE)
    value = amount_of(amount)
    reason = text_of(reason, field="reason", max_length=500)
    case_number = text_of(case_number, field="case_number", required=False, max_length=20)
    if item.kind != OpenItemKind.DEBIT:
        raise ValidationFailed({"item": ["Only a charge can be disputed."]})
    # Compare-and-set: two disputes opened together never hold out more than is open.
    if not OpenItem.objects.filter(
        pk=item.pk, open_amount__gte=cents(F("disputed_amount") + value)
    ).update(disputed_amount=cents(F("disputed_amount") + value)):
        item.refresh_from_db()
        room = max(item.open_amount - item.disputed_amount, to_money(0))
        raise ValidationFailed(
            {"amount": [f"Only {room} of {item.reference} is open and not yet disputed."]}
        )
    dispute = Dispute.objects.create(
        account_id=item.account_id,
        item=item,
        amount=value,
        reason=reason,
        case_number=case_number,
        opened_by=actor,
    )
    audit_created(actor=actor, obj=dispute, message=f"Dispute on {item.reference}")
    return dispute


@transaction.atomic
def dispute_resolve(
    *,
    dispute: Dispute,
    outcome: str,
    note: str,
    actor,
    credit_amount: Decimal | str | None = None,
) -> Dispute:
    """Close a dispute. For the customer (`upheld`): the disputed amount (or
    `credit_amount`) is credited to the charge by an adjustment with the "dispute upheld"
    reason, within the resolver's adjustment limit. Denied: the charge stands. Either way
    the amount is no longer held out of collections."""
    require_capability(actor, Cap.PAYMENTS_ADJUST)
    note = text_of(note, field="note", max_length=500)
    if outcome not in DisputeOutcome.values:
        raise ValidationFailed({"outcome": ["Choose for the customer or charge stands."]})
    dispute = Dispute.objects.select_for_update(of=("self",)).get(pk=dispute.pk)
    if dispute.status != DisputeStatus.OPEN:
        raise InvalidTransition(f"Dispute {dispute.number} is already resolved.")
    item = OpenItem.objects.select_for_update(of=("self",)).get(pk=dispute.item_id)
    before = snapshot(dispute, ["status"])
    release = min(dispute.amount, item.disputed_amount)
    OpenItem.objects.filter(pk=item.pk).update(
        disputed_amount=cents(F("disputed_amount") - release)
    )
    if outcome == DisputeOutcome.UPHELD:
        credit = (
            dispute.amount
            if credit_amount in (None, "")
            else amount_of(credit_amount, field="credit_amount")
        )
        reason = AdjustmentReason.objects.get(code=DISPUTE_REASON)
        dispute.adjustment = adjustment_post(
            account=dispute.account,
            amount=credit,
            direction=Direction.CREDIT,
            reason=reason,
            memo=f"Dispute {dispute.number} resolved for the customer: {note}"[:300],
            target_item=item,
            actor=actor,
            idempotency_key=f"dispute:{dispute.pk}",
        )
        dispute.status = DisputeStatus.UPHELD
    else:
        dispute.status = DisputeStatus.DENIED
    dispute.resolved_by, dispute.resolved_at = actor, timezone.now()
    dispute.resolution_note = note
    dispute.save(
        update_fields=["status", "resolved_by", "resolved_at", "resolution_note", "adjustment"]
    )
    audit_updated(actor=actor, obj=dispute, before=before, message=note)
    return dispute
