"""Credit rating: events move the account's score by the policy's points, and the
cash-only flag follows the score across the policy's threshold.

Recording an event checks no capability, like the ledger's services: the business service
that records it (a payment reversal, the collections run, an arrangement review) checked
its own. A manual adjustment (credit_score_adjust) needs credit.manage.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import transaction
from django.db.models import F, QuerySet, Value
from django.db.models.functions import Greatest
from django.utils import timezone

from servicebook.core.audit import audit_record
from servicebook.core.errors import ValidationFailed
from servicebook.core.permissions import require_capability
from servicebook.customers.models import Account
from servicebook.users.roles import Cap

from ..models import CreditEvent, CreditEventKind, CreditPolicy, CreditStanding
from ..selectors import policy_for, policy_of

BATCH = 5000


def _user(actor):
    return actor if getattr(actor, "pk", None) else None


def _check_kind(kind: str) -> None:
    if kind not in CreditEventKind.values:
        raise ValidationFailed({"kind": [f"Unknown credit event kind “{kind}”."]})


def _flag_cash_only(standings: QuerySet, *, threshold: int, on: dt.date) -> None:
    """Set the flag on standings at or above the threshold, clear it below (two
    compare-and-set updates, so the flag's date says when it was first set)."""
    standings.filter(score__gte=threshold, cash_only=False).update(
        cash_only=True, cash_only_since=on
    )
    standings.filter(score__lt=threshold, cash_only=True).update(
        cash_only=False, cash_only_since=None
    )


def _standing_locked(account: Account, policy: CreditPolicy | None) -> CreditStanding:
    start = policy.starting_score if policy else 0
    CreditStanding.objects.bulk_create(
        [CreditStanding(account=account, score=start)], ignore_conflicts=True
    )
    return CreditStanding.objects.select_for_update(of=("self",)).get(account=account)


@transaction.atomic
def credit_event_record(
    *,
    account: Account,
    kind: str,
    on: dt.date,
    actor=None,
    source: str = "",
    note: str = "",
    points: int | None = None,
) -> CreditEvent:
    """Record a credit event on the account and move its score by the policy's points for
    that kind (or `points`, for a manual adjustment); set or clear cash-only at the
    policy's threshold. With a `source` (e.g. "payment:123"), recording the same kind, day
    and source again returns the first event and moves nothing (a retried job)."""
    _check_kind(kind)
    policy = policy_of(CreditPolicy, account)
    standing = _standing_locked(account, policy)
    if source:
        first = CreditEvent.objects.filter(account=account, kind=kind, on=on, source=source).first()
        if first is not None:
            return first
    value = points if points is not None else (policy.points_for(kind) if policy else 0)
    event = CreditEvent.objects.create(
        account=account,
        kind=kind,
        on=on,
        points=value,
        source=source[:100],
        note=note[:300],
        created_by=_user(actor),
    )
    before = {"score": standing.score, "cash_only": standing.cash_only}
    standing.score = max(standing.score + value, 0)
    standing.updated_at = timezone.now()
    standing.save(update_fields=["score", "updated_at"])
    if policy is not None:
        _flag_cash_only(
            CreditStanding.objects.filter(pk=standing.pk),
            threshold=policy.cash_only_threshold,
            on=on,
        )
        standing.refresh_from_db()
    after = {"score": standing.score, "cash_only": standing.cash_only}
    audit_record(
        actor=actor,
        action="credit_event",
        obj=account,
        changes={k: [before[k], after[k]] for k in before if before[k] != after[k]},
        message=f"Credit event {CreditEventKind(kind).label} ({value:+d})"
        + (f" from {source}" if source else ""),
    )
    return event


def credit_events_record_bulk(
    *,
    account_ids: Iterable[int] | QuerySet,
    kind: str,
    on: dt.date,
    source: str = "",
) -> int:
    """Record one event of `kind` on many accounts at once (the collections run): per
    policy group (customer class and jurisdiction), missing standings are created, the
    events inserted in batches and the scores and cash-only flags moved by one UPDATE
    each. With a `source`, accounts that already have this kind, day and source are
    skipped, so a re-run of the same night moves nothing twice. Returns how many events
    were recorded. One audit row for the batch (the system did it)."""
    _check_kind(kind)
    total = 0
    with transaction.atomic():
        targets = Account.objects.filter(pk__in=account_ids)
        if source:
            targets = targets.exclude(
                pk__in=CreditEvent.objects.filter(kind=kind, on=on, source=source).values(
                    "account_id"
                )
            )
        groups = list(targets.order_by().values_list("customer_class", "jurisdiction").distinct())
        for customer_class, jurisdiction in groups:
            policy = policy_for(
                CreditPolicy, customer_class=customer_class, jurisdiction=jurisdiction
            )
            value = policy.points_for(kind) if policy else 0
            start = policy.starting_score if policy else 0
            ids = list(
                targets.filter(customer_class=customer_class, jurisdiction=jurisdiction)
                .order_by("pk")
                .values_list("pk", flat=True)
            )
            for i in range(0, len(ids), BATCH):
                chunk = ids[i : i + BATCH]
                CreditStanding.objects.bulk_create(
                    [CreditStanding(account_id=pk, score=start) for pk in chunk],
                    ignore_conflicts=True,
                )
                CreditEvent.objects.bulk_create(
                    [
                        CreditEvent(account_id=pk, kind=kind, on=on, points=value, source=source)
                        for pk in chunk
                    ]
                )
                standings = CreditStanding.objects.filter(account_id__in=chunk)
                if value:
                    standings.update(
                        score=Greatest(F("score") + value, Value(0)), updated_at=timezone.now()
                    )
                if policy is not None:
                    _flag_cash_only(standings, threshold=policy.cash_only_threshold, on=on)
            total += len(ids)
        if total:
            audit_record(
                actor=None,
                action="credit_events_bulk",
                message=f"{total} credit events {CreditEventKind(kind).label} on {on}"
                + (f" from {source}" if source else ""),
            )
    return total


@transaction.atomic
def credit_score_adjust(*, account: Account, points: int, note: str, on: dt.date, actor):
    """A manual move of the score (a supervisor's override), with the reason."""
    require_capability(actor, Cap.CREDIT_MANAGE)
    if not (note or "").strip():
        raise ValidationFailed({"note": ["Say why the score changes."]})
    try:
        points = int(points)
    except (TypeError, ValueError):
        raise ValidationFailed({"points": ["Enter a whole number of points."]}) from None
    if points == 0:
        raise ValidationFailed({"points": ["Enter a number of points other than zero."]})
    return credit_event_record(
        account=account, kind=CreditEventKind.MANUAL, on=on, actor=actor, note=note, points=points
    )
