"""Deposit policy: when a deposit is required and how much, waivers, and the periodic
review that bills required deposits and refunds those earned back.

The deposits themselves (billed, collected, held, applied, refunded with interest) are
payments' (payments.services.deposits); this module decides, and calls those services.

- Required when the account is new service (opened within the policy's days), its credit
  score is at or above the policy's threshold, or it was disconnected (status
  disconnected, or a disconnection event within the refund period) — unless a waiver
  (credit reference letter or guarantor) is in force, or a deposit is already billed or
  held.
- Amount: the average monthly billing (the account's invoices over the policy's months,
  divided by the months that had an invoice) times the policy's months, capped, never
  below the minimum; half-up to cents.
- Refund: a held deposit collected at least the policy's months ago, no disconnection and
  at most the policy's late-payment events in that time, on an account not disconnected.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.db.models import Q, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from servicebook.core.audit import audit_created, audit_updated, snapshot
from servicebook.core.errors import InvalidTransition, ValidationFailed
from servicebook.core.money import ZERO, to_money
from servicebook.core.permissions import require_capability
from servicebook.customers.choices import AccountStatus
from servicebook.customers.models import Account
from servicebook.ledger.models import OpenItem, OpenItemKind
from servicebook.payments.choices import DepositStatus
from servicebook.payments.models import Deposit
from servicebook.users.roles import Cap

from ..models import (
    CreditEvent,
    CreditEventKind,
    CreditStanding,
    DepositInstallment,
    DepositPolicy,
    DepositWaiver,
    InstallmentStatus,
    WaiverKind,
)
from ..selectors import policy_of
from .arrangements import months_before

OPEN_DEPOSIT = (DepositStatus.BILLED, DepositStatus.HELD)


def _user(actor):
    return actor if getattr(actor, "pk", None) else None


def average_monthly_billing(account: Account, *, on: dt.date, months: int) -> Decimal:
    """The account's invoices of the last `months` months (before `on`), divided by the
    number of months that had an invoice (a new account is not averaged down by months
    it did not exist). Not rounded: the deposit is rounded once, at the end."""
    since = months_before(on, months)
    invoices = OpenItem.objects.filter(
        account=account,
        kind=OpenItemKind.DEBIT,
        document_type="invoice",
        issued_on__gte=since,
        issued_on__lt=on,
    )
    total = invoices.aggregate(s=Sum("amount"))["s"] or ZERO
    billed_months = (
        invoices.annotate(m=TruncMonth("issued_on")).order_by().values("m").distinct().count()
    )
    return Decimal(total) / billed_months if billed_months else ZERO


def deposit_amount_for(account: Account, policy: DepositPolicy, *, on: dt.date) -> Decimal:
    """The policy's deposit: average monthly billing x months, capped, at least the
    minimum."""
    average = average_monthly_billing(account, on=on, months=policy.average_over_months)
    amount = to_money(average * policy.months_of_billing)
    if policy.cap is not None:
        amount = min(amount, policy.cap)
    return max(amount, policy.minimum)


@dataclass
class Requirement:
    """Whether the account needs a deposit on a day, how much, and why (or why not)."""

    account: Account
    on: dt.date
    policy: DepositPolicy | None
    required: bool = False
    amount: Decimal = ZERO
    reasons: list[str] = field(default_factory=list)  # why it is required
    exempt: str = ""  # why not, though a reason applies (waiver, already held)
    existing: Deposit | None = None


def deposit_requirement(*, account: Account, on: dt.date | None = None) -> Requirement:
    """What the deposit policy asks of the account on `on` (see the module's rules)."""
    on = on or timezone.localdate()
    policy = policy_of(DepositPolicy, account)
    result = Requirement(account=account, on=on, policy=policy)
    if policy is None:
        return result
    if policy.on_new_service and account.opened_on > on - dt.timedelta(
        days=policy.new_service_days
    ):
        result.reasons.append(f"New service (opened {account.opened_on:%Y-%m-%d})")
    standing = CreditStanding.objects.filter(account=account).first()
    if (
        policy.score_threshold is not None
        and standing is not None
        and standing.score >= policy.score_threshold
    ):
        result.reasons.append(f"Credit score {standing.score} at or above {policy.score_threshold}")
    if policy.after_disconnection and (
        account.status == AccountStatus.DISCONNECTED
        or CreditEvent.objects.filter(
            account=account,
            kind=CreditEventKind.DISCONNECTION,
            on__gt=months_before(on, policy.refund_after_months),
        ).exists()
    ):
        result.reasons.append("Disconnected for non-payment")
    if not result.reasons:
        return result
    result.existing = Deposit.objects.filter(account=account, status__in=OPEN_DEPOSIT).first()
    waiver = DepositWaiver.objects.filter(
        account=account, revoked_on__isnull=True, granted_on__lte=on
    ).first()
    if waiver is not None:
        result.exempt = f"Waived: {waiver}"
    elif result.existing is not None:
        result.exempt = f"Deposit {result.existing.number} already {result.existing.status}"
    else:
        result.required = True
        result.amount = deposit_amount_for(account, policy, on=on)
    return result


@transaction.atomic
def deposit_waiver_grant(
    *, account: Account, kind: str, detail: str, actor, on: dt.date | None = None
) -> DepositWaiver:
    """Waive the deposit the policy would require: a good credit reference letter (from
    whom, dated) or a guarantor (who), recorded."""
    require_capability(actor, Cap.CREDIT_MANAGE)
    errors: dict[str, list[str]] = {}
    if kind not in WaiverKind.values:
        errors["kind"] = ["Choose a credit reference letter or a guarantor."]
    detail = (detail or "").strip()
    if not detail:
        errors["detail"] = ["Say whose letter or who guarantees the account."]
    elif len(detail) > 300:
        errors["detail"] = ["Keep it under 300 characters."]
    if errors:
        raise ValidationFailed(errors)
    waiver = DepositWaiver.objects.create(
        account=account,
        kind=kind,
        detail=detail,
        granted_on=on or timezone.localdate(),
        created_by=_user(actor),
    )
    audit_created(actor=actor, obj=waiver, message=f"Deposit waived: {waiver}")
    return waiver


@transaction.atomic
def deposit_waiver_revoke(*, waiver: DepositWaiver, actor, on: dt.date | None = None):
    require_capability(actor, Cap.CREDIT_MANAGE)
    if waiver.revoked_on is not None:
        raise InvalidTransition("The waiver was already revoked.")
    before = snapshot(waiver, ["revoked_on"])
    waiver.revoked_on = on or timezone.localdate()
    waiver.save(update_fields=["revoked_on"])
    audit_updated(actor=actor, obj=waiver, before=before)
    return waiver


def deposit_installment_schedule(
    amount: Decimal, count: int, first_due: dt.date
) -> list[tuple[dt.date, Decimal]]:
    """`amount` in `count` equal parts, half-up to cents, the rounding difference on the
    last; the first due on `first_due`, the next ones monthly (a shorter month: its last
    day)."""
    part = to_money(amount / count)
    parts = [part] * (count - 1) + [to_money(amount - part * (count - 1))]
    return [(months_before(first_due, -i), value) for i, value in enumerate(parts)]


@transaction.atomic
def deposit_require(
    *, account: Account, actor, on: dt.date | None = None, installments: int = 1
) -> Deposit | None:
    """Bill the deposit the policy requires now (payments' deposit_bill, due after the
    policy's days), or None when none is required. With `installments` (at most the
    policy's `installments_allowed`) the deposit is tracked as that many monthly parts,
    the first due on the deposit's due date; deposit payments pay them in order (the
    payments listener) and the review marks one still open past the grace days missed."""
    from servicebook.payments.services import deposit_bill

    requirement = deposit_requirement(account=account, on=on)
    if not requirement.required:
        return None
    allowed = requirement.policy.installments_allowed or 1
    if not isinstance(installments, int) or not 1 <= installments <= allowed:
        raise ValidationFailed(
            {"installments": [f"Choose from 1 to {allowed} installments (the deposit policy)."]}
        )
    due = requirement.on + dt.timedelta(days=requirement.policy.due_days)
    deposit = deposit_bill(
        account=account,
        amount=requirement.amount,
        due_date=due,
        reason="; ".join(requirement.reasons)
        + (f"; in {installments} installments" if installments > 1 else ""),
        actor=actor,
    )
    if installments > 1:
        DepositInstallment.objects.bulk_create(
            DepositInstallment(
                deposit=deposit, account=account, number=n, due_date=day, amount=value
            )
            for n, (day, value) in enumerate(
                deposit_installment_schedule(deposit.amount_required, installments, due), 1
            )
        )
        audit_updated(
            actor=actor,
            obj=deposit,
            before={},
            message=f"Deposit {deposit.number} in {installments} monthly installments",
        )
    return deposit


def deposit_installments_pay(*, payment, actor) -> Decimal:
    """A posted deposit payment pays that deposit's open (or missed) installments in
    order; returns what it counted. Runs in the payments hook, inside the payment's
    transaction (posted once per payment: a replay does not reach the hook)."""
    if not payment.deposit_id:
        return ZERO
    left = to_money(payment.amount)
    counted = ZERO
    rows = DepositInstallment.objects.select_for_update().filter(
        deposit_id=payment.deposit_id,
        status__in=(InstallmentStatus.OPEN, InstallmentStatus.MISSED),
    )
    for row in rows.order_by("number"):
        if left <= 0:
            break
        take = min(left, row.outstanding)
        row.paid_amount += take
        left -= take
        counted += take
        if row.paid_amount >= row.amount:
            row.status, row.paid_on = InstallmentStatus.PAID, payment.received_on
        row.save(update_fields=["paid_amount", "status", "paid_on"])
    return counted


def deposit_installments_missed(*, as_of: dt.date, mark: bool = False) -> list:
    """Deposit installments still unpaid more than the policy's grace days after their due
    date, on a deposit still billed; with `mark`, set them missed (the review)."""
    late = list(
        DepositInstallment.objects.filter(
            status__in=(InstallmentStatus.OPEN, InstallmentStatus.MISSED),
            due_date__lt=as_of,
            deposit__status=DepositStatus.BILLED,
        ).select_related("account", "deposit")
    )
    missed = []
    for row in late:
        policy = policy_of(DepositPolicy, row.account)
        grace = policy.installment_grace_days if policy else 0
        if row.due_date + dt.timedelta(days=grace) < as_of:
            missed.append(row)
    if mark:
        DepositInstallment.objects.filter(
            pk__in=[r.pk for r in missed], status=InstallmentStatus.OPEN
        ).update(status=InstallmentStatus.MISSED)
        for row in missed:
            row.status = InstallmentStatus.MISSED
    return missed


def refund_eligible(deposit: Deposit, *, on: dt.date) -> tuple[bool, str]:
    """Whether a held deposit has been earned back on `on` (see the module's rules)."""
    account = deposit.account
    policy = policy_of(DepositPolicy, account)
    if policy is None:
        return False, "No deposit policy applies."
    if deposit.status != DepositStatus.HELD:
        return False, f"Deposit is {deposit.get_status_display().lower()}."
    since = months_before(on, policy.refund_after_months)
    if deposit.created_at.date() > since:
        return False, f"Held less than {policy.refund_after_months} months."
    if account.status in (AccountStatus.DISCONNECTED, AccountStatus.IN_BANKRUPTCY):
        return False, f"Account is {account.get_status_display().lower()}."
    events = CreditEvent.objects.filter(account=account, on__gt=since)
    if events.filter(
        kind__in=(CreditEventKind.DISCONNECTION, CreditEventKind.DISCONNECT_NOTICE)
    ).exists():
        return False, "Disconnection or disconnect notice in the period."
    late = events.filter(kind=CreditEventKind.LATE_PAYMENT).count()
    if late > policy.refund_max_late_events:
        return False, f"{late} late payments (at most {policy.refund_max_late_events})."
    return True, f"{policy.refund_after_months} months of prompt payment."


@dataclass
class DepositReview:
    as_of: dt.date
    refundable: list[Deposit] = field(default_factory=list)
    required: list[Requirement] = field(default_factory=list)
    refunded: list[Deposit] = field(default_factory=list)
    billed: list[Deposit] = field(default_factory=list)
    missed: list[DepositInstallment] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def credit_deposits_review(
    *,
    as_of: dt.date,
    actor=None,
    refund: bool = False,
    bill: bool = False,
    accounts=None,
) -> DepositReview:
    """The periodic review: held deposits earned back (refund eligible) and accounts that
    need a deposit and have none. Lists them; with `refund` / `bill` (and an actor who
    holds payments.deposits and a refund approval limit) refunds through payments'
    deposit_refund and bills through deposit_bill, each in its own transaction, so one
    refusal (above the actor's limit) leaves the others done and is reported."""
    if actor is not None:
        require_capability(actor, Cap.CREDIT_VIEW)
    result = DepositReview(as_of=as_of)
    # Installments past their grace days: marked missed and listed (the collector calls).
    result.missed = deposit_installments_missed(as_of=as_of, mark=True)
    if accounts is not None:
        wanted = {a.pk for a in accounts}
        result.missed = [m for m in result.missed if m.account_id in wanted]
    held = Deposit.objects.filter(status=DepositStatus.HELD).select_related("account")
    if accounts is not None:
        held = held.filter(account__in=accounts)
    for deposit in held:
        ok, _why = refund_eligible(deposit, on=as_of)
        if ok:
            result.refundable.append(deposit)
    candidates = Account.objects.exclude(
        status__in=(AccountStatus.CLOSED, AccountStatus.WRITTEN_OFF)
    ).exclude(deposits__status__in=OPEN_DEPOSIT)
    if accounts is not None:
        candidates = candidates.filter(pk__in=[a.pk for a in accounts])
    # Only accounts some policy's rule could catch, found set-based (new, disconnected,
    # a score at a threshold, a recent disconnection); each is then judged by its policy.
    policies = list(DepositPolicy.objects.filter(active=True))
    if not policies:
        return result
    newest = max(p.new_service_days for p in policies)
    longest = max(p.refund_after_months for p in policies)
    thresholds = [p.score_threshold for p in policies if p.score_threshold is not None]
    caught = Q(opened_on__gt=as_of - dt.timedelta(days=newest)) | Q(
        status=AccountStatus.DISCONNECTED
    )
    caught |= Q(
        pk__in=CreditEvent.objects.filter(
            kind=CreditEventKind.DISCONNECTION, on__gt=months_before(as_of, longest)
        ).values("account_id")
    )
    if thresholds:
        caught |= Q(
            pk__in=CreditStanding.objects.filter(score__gte=min(thresholds)).values("account_id")
        )
    for account in candidates.filter(caught).distinct():
        requirement = deposit_requirement(account=account, on=as_of)
        if requirement.required:
            result.required.append(requirement)
    if refund:
        from servicebook.payments.services import deposit_refund

        for deposit in result.refundable:
            try:
                with transaction.atomic():
                    result.refunded.append(
                        deposit_refund(deposit=deposit, actor=actor, as_of=as_of)
                    )
            except (ValidationFailed, InvalidTransition) as exc:
                result.errors.append(f"{deposit.number}: {exc.message}")
    if bill:
        for requirement in result.required:
            try:
                with transaction.atomic():
                    billed = deposit_require(account=requirement.account, actor=actor, on=as_of)
                    if billed is not None:
                        result.billed.append(billed)
            except (ValidationFailed, InvalidTransition) as exc:
                result.errors.append(f"{requirement.account.number}: {exc.message}")
    return result
