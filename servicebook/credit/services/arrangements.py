"""Payment arrangements: the proposal the policy allows, setting one up, tracking its
installments as payments arrive, and the daily review that marks it kept or broken.

An arrangement covers the account's arrears (past due, undisputed, net of open credit) on
the day it is set up. The down payment (number 0) is due first; the rest is split into
equal installments on the policy's day of the month, the rounding difference on the
last. Every payment posted to the account while the arrangement is active pays its
installments in due-date order (the down payment first): the customer is expected to keep
paying the current bills too, but we count what comes in against the promise, which is
what a collector checks on the phone. A returned payment takes back what it paid.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from servicebook.core.audit import audit_created, audit_updated, snapshot
from servicebook.core.errors import InvalidTransition, ValidationFailed
from servicebook.core.money import ZERO, to_money
from servicebook.core.permissions import require_capability
from servicebook.customers.choices import AccountStatus
from servicebook.customers.models import Account
from servicebook.users.roles import Cap

from ..models import (
    ArrangementInstallment,
    ArrangementPayment,
    ArrangementPolicy,
    ArrangementStatus,
    CreditEventKind,
    DownPaymentKind,
    InstallmentStatus,
    PaymentArrangement,
)
from ..selectors import past_due_of, policy_of
from .rating import credit_event_record

HUNDRED = Decimal(100)


def _user(actor):
    return actor if getattr(actor, "pk", None) else None


def months_before(day: dt.date, months: int) -> dt.date:
    """The same day `months` earlier (the month's last day when it is shorter)."""
    month_index = day.year * 12 + day.month - 1 - months
    year, month = divmod(month_index, 12)
    month += 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _on_day(year: int, month: int, day: int) -> dt.date:
    return dt.date(year, month, min(day, calendar.monthrange(year, month)[1]))


def installment_dates(after: dt.date, count: int, day: int) -> list[dt.date]:
    """`count` monthly dates on `day` of the month, the first strictly after `after`."""
    first = _on_day(after.year, after.month, day)
    month_index = after.year * 12 + after.month - 1
    if first <= after:
        month_index += 1
    dates = []
    for i in range(count):
        year, month = divmod(month_index + i, 12)
        dates.append(_on_day(year, month + 1, day))
    return dates


def split_equal(total: Decimal, count: int) -> list[Decimal]:
    """`count` equal amounts (half-up to cents) summing to `total`; the rounding
    difference goes on the last."""
    base = to_money(total / count)
    return [base] * (count - 1) + [to_money(total - base * (count - 1))]


@dataclass
class Proposal:
    """What the policy allows for the account on a day, and the schedule it gives for
    the chosen (or default) down payment and number of installments."""

    account: Account
    on: dt.date
    policy: ArrangementPolicy | None
    arrears: Decimal = ZERO
    reasons: list[str] = field(default_factory=list)  # why not eligible; empty = eligible
    errors: dict[str, list[str]] = field(default_factory=dict)  # the choices out of limits
    min_down_payment: Decimal = ZERO
    down_payment: Decimal = ZERO
    installment_count: int = 0
    max_installments: int = 0
    schedule: list[tuple[int, dt.date, Decimal]] = field(default_factory=list)

    @property
    def eligible(self) -> bool:
        return not self.reasons

    @property
    def valid(self) -> bool:
        return self.eligible and not self.errors


def required_down_payment(policy: ArrangementPolicy, arrears: Decimal) -> Decimal:
    """The policy's down payment: a percent of the arrears or a fixed amount, capped at
    the policy's share of the arrears (e.g. at most half), half-up to cents."""
    if policy.down_payment_kind == DownPaymentKind.PERCENT:
        wanted = arrears * policy.down_payment_value / HUNDRED
    else:
        wanted = policy.down_payment_value
    cap = arrears * policy.down_payment_cap_percent / HUNDRED
    return to_money(max(min(wanted, cap), ZERO))


def arrangement_proposal(
    *,
    account: Account,
    on: dt.date | None = None,
    down_payment: Decimal | str | None = None,
    installments: int | str | None = None,
) -> Proposal:
    """The arrangement the policy allows the account today: eligibility (a policy
    applies, no active arrangement, arrears at least the minimum, none broken within the
    lookback, not in bankruptcy), the smallest down payment, the most installments, and
    the schedule for the chosen values (defaults: the smallest down payment and the most
    installments). Writes nothing."""
    on = on or timezone.localdate()
    policy = policy_of(ArrangementPolicy, account)
    proposal = Proposal(account=account, on=on, policy=policy)
    if policy is None:
        proposal.reasons.append("No arrangement policy applies to this account.")
        return proposal
    proposal.arrears = arrears = past_due_of(account, as_of=on)
    proposal.max_installments = policy.max_installments
    if PaymentArrangement.objects.filter(account=account, status=ArrangementStatus.ACTIVE).exists():
        proposal.reasons.append("The account already has an active arrangement.")
    if account.status == AccountStatus.IN_BANKRUPTCY:
        proposal.reasons.append("The account is in bankruptcy: the stay covers its arrears.")
    if arrears < policy.min_arrears:
        proposal.reasons.append(
            f"Arrears of {arrears} are below the policy's minimum of {policy.min_arrears}."
        )
    since = months_before(on, policy.broken_lookback_months)
    broken = (
        PaymentArrangement.objects.filter(
            account=account, status=ArrangementStatus.BROKEN, ended_on__gt=since
        )
        .order_by("-ended_on")
        .first()
    )
    if broken is not None:
        proposal.reasons.append(
            f"An arrangement was broken on {broken.ended_on:%Y-%m-%d}, within the last "
            f"{policy.broken_lookback_months} months."
        )
    proposal.min_down_payment = required_down_payment(policy, arrears)
    # Choices: parse, then hold them to the policy's limits.
    try:
        down = proposal.min_down_payment if down_payment in (None, "") else to_money(down_payment)
    except (ValueError, TypeError):
        proposal.errors["down_payment"] = ["Enter an amount, e.g. 120.00."]
        down = proposal.min_down_payment
    try:
        count = policy.max_installments if installments in (None, "") else int(installments)
    except (ValueError, TypeError):
        proposal.errors["installments"] = ["Enter a whole number of installments."]
        count = policy.max_installments
    if down < proposal.min_down_payment:
        proposal.errors["down_payment"] = [
            f"The down payment must be at least {proposal.min_down_payment}."
        ]
    elif arrears > 0 and down >= arrears:
        proposal.errors["down_payment"] = [
            f"The down payment must be less than the arrears of {arrears}."
        ]
    if not 1 <= count <= policy.max_installments:
        proposal.errors["installments"] = [
            f"Choose between 1 and {policy.max_installments} installments."
        ]
    proposal.down_payment, proposal.installment_count = down, count
    if proposal.errors or arrears <= 0:
        return proposal
    rest = arrears - down
    amounts = split_equal(rest, count)
    if any(a <= 0 for a in amounts):
        proposal.errors["installments"] = [f"{rest} cannot be split into {count} installments."]
        return proposal
    down_due = on + dt.timedelta(days=policy.down_payment_days)
    if down > 0:
        proposal.schedule.append((0, down_due, down))
    dates = installment_dates(down_due, count, policy.installment_day)
    proposal.schedule += [
        (i + 1, d, a) for i, (d, a) in enumerate(zip(dates, amounts, strict=True))
    ]
    return proposal


@transaction.atomic
def arrangement_create(
    *,
    account: Account,
    actor,
    on: dt.date | None = None,
    down_payment: Decimal | str | None = None,
    installments: int | str | None = None,
) -> PaymentArrangement:
    """Set up the proposed arrangement (see arrangement_proposal), active at once: the
    account is protected from collection steps from today. Refuses an ineligible account
    or choices out of the policy's limits, naming the field."""
    require_capability(actor, Cap.CREDIT_ARRANGE)
    account = Account.objects.select_for_update(of=("self",)).get(pk=account.pk)
    proposal = arrangement_proposal(
        account=account, on=on, down_payment=down_payment, installments=installments
    )
    if not proposal.eligible:
        raise ValidationFailed({"account": proposal.reasons})
    if proposal.errors:
        raise ValidationFailed(proposal.errors)
    arrangement = PaymentArrangement.objects.create(
        account=account,
        policy=proposal.policy,
        arrears=proposal.arrears,
        down_payment=proposal.down_payment,
        installment_count=proposal.installment_count,
        started_on=proposal.on,
        created_by=_user(actor),
    )
    ArrangementInstallment.objects.bulk_create(
        [
            ArrangementInstallment(arrangement=arrangement, number=n, due_date=d, amount=a)
            for n, d, a in proposal.schedule
        ]
    )
    audit_created(
        actor=actor,
        obj=arrangement,
        message=f"Arrangement of {proposal.arrears}: down payment {proposal.down_payment}, "
        f"{proposal.installment_count} installments",
    )
    return arrangement


def _end(arrangement: PaymentArrangement, *, status: str, on: dt.date, reason: str, actor):
    before = snapshot(arrangement, ["status", "ended_on", "end_reason"])
    arrangement.status, arrangement.ended_on, arrangement.end_reason = status, on, reason[:300]
    arrangement.save(update_fields=["status", "ended_on", "end_reason"])
    audit_updated(actor=actor, obj=arrangement, before=before, message=reason)


@transaction.atomic
def arrangement_cancel(*, arrangement: PaymentArrangement, reason: str, actor):
    """End an active arrangement by agreement (the customer paid it off another way, or
    asked to change it); no credit event. Collections resume."""
    require_capability(actor, Cap.CREDIT_ARRANGE)
    if not (reason or "").strip():
        raise ValidationFailed({"reason": ["Say why the arrangement is cancelled."]})
    arrangement = PaymentArrangement.objects.select_for_update(of=("self",)).get(pk=arrangement.pk)
    if arrangement.status != ArrangementStatus.ACTIVE:
        raise InvalidTransition(f"The arrangement is {arrangement.get_status_display().lower()}.")
    _end(
        arrangement,
        status=ArrangementStatus.CANCELLED,
        on=timezone.localdate(),
        reason=reason.strip(),
        actor=actor,
    )
    return arrangement


def _keep(arrangement: PaymentArrangement, *, on: dt.date, actor) -> None:
    _end(arrangement, status=ArrangementStatus.KEPT, on=on, reason="Fully paid", actor=actor)
    credit_event_record(
        account=arrangement.account,
        kind=CreditEventKind.ARRANGEMENT_KEPT,
        on=on,
        actor=actor,
        source=f"arrangement:{arrangement.pk}",
    )


def arrangement_payment_apply(*, payment, actor) -> Decimal:
    """A payment was posted to the account (payments hook): it pays the active
    arrangement's open installments in due-date order; what is left over is not the
    arrangement's. Fully paid -> kept. Called inside the posting transaction; counts a
    payment once. Returns what it applied."""
    if payment.deposit_id:
        return ZERO  # a deposit payment pays the deposit, not the arrears
    arrangement = (
        PaymentArrangement.objects.select_for_update(of=("self",))
        .filter(account_id=payment.account_id, status=ArrangementStatus.ACTIVE)
        .first()
    )
    if arrangement is None or ArrangementPayment.objects.filter(payment=payment).exists():
        return ZERO
    left = to_money(payment.amount)
    applied = ZERO
    on = payment.received_on
    for installment in arrangement.installments.filter(
        status__in=(InstallmentStatus.OPEN, InstallmentStatus.MISSED)
    ).order_by("due_date", "number"):
        if left <= 0:
            break
        part = min(left, installment.outstanding)
        installment.paid_amount = to_money(installment.paid_amount + part)
        if installment.paid_amount >= installment.amount:
            installment.status, installment.paid_on = InstallmentStatus.PAID, on
        installment.save(update_fields=["paid_amount", "status", "paid_on"])
        left -= part
        applied += part
    if applied <= 0:
        return ZERO
    ArrangementPayment.objects.create(arrangement=arrangement, payment=payment, amount=applied)
    arrangement.paid_amount = to_money(arrangement.paid_amount + applied)
    arrangement.save(update_fields=["paid_amount"])
    if not arrangement.installments.exclude(status=InstallmentStatus.PAID).exists():
        _keep(arrangement, on=on, actor=actor)
    return applied


def arrangement_payment_reverse(*, payment, actor) -> Decimal:
    """A payment came back (payments hook): what it paid of an arrangement is owed again,
    taken back from the latest paid installments first. A kept arrangement becomes active
    again (the promise was not kept after all); the review then judges its dates."""
    link = (
        ArrangementPayment.objects.select_for_update(of=("self",))
        .filter(payment=payment, reversed=False)
        .select_related("arrangement")
        .first()
    )
    if link is None:
        return ZERO
    arrangement = PaymentArrangement.objects.select_for_update(of=("self",)).get(
        pk=link.arrangement_id
    )
    left = link.amount
    for installment in arrangement.installments.filter(paid_amount__gt=0).order_by(
        "-due_date", "-number"
    ):
        if left <= 0:
            break
        part = min(left, installment.paid_amount)
        installment.paid_amount = to_money(installment.paid_amount - part)
        if installment.status == InstallmentStatus.PAID:
            installment.status, installment.paid_on = InstallmentStatus.OPEN, None
        installment.save(update_fields=["paid_amount", "status", "paid_on"])
        left -= part
    link.reversed = True
    link.save(update_fields=["reversed"])
    arrangement.paid_amount = to_money(arrangement.paid_amount - link.amount)
    arrangement.save(update_fields=["paid_amount"])
    if arrangement.status == ArrangementStatus.KEPT:
        before = snapshot(arrangement, ["status", "ended_on", "end_reason"])
        arrangement.status, arrangement.ended_on, arrangement.end_reason = (
            ArrangementStatus.ACTIVE,
            None,
            "",
        )
        arrangement.save(update_fields=["status", "ended_on", "end_reason"])
        audit_updated(
            actor=actor,
            obj=arrangement,
            before=before,
            message=f"Payment {payment.number} returned: the arrangement is open again",
        )
    return link.amount


@dataclass
class ReviewResult:
    as_of: dt.date
    broken: list[int] = field(default_factory=list)
    kept: list[int] = field(default_factory=list)


@transaction.atomic
def credit_arrangements_review(*, as_of: dt.date, actor=None) -> ReviewResult:
    """The daily check: an active arrangement with an installment still unpaid more than
    the policy's grace days after its due date is broken (its protection ends, so
    collections resume; credit event arrangement_broken); one fully paid is kept (event
    arrangement_kept). Running it twice for the same day changes nothing more."""
    if actor is not None:
        require_capability(actor, Cap.CREDIT_MANAGE)
    result = ReviewResult(as_of=as_of)
    active = PaymentArrangement.objects.filter(
        status=ArrangementStatus.ACTIVE, started_on__lte=as_of
    ).select_related("policy", "account")
    for arrangement in active.select_for_update(of=("self",)):
        grace = arrangement.policy.grace_days if arrangement.policy else 0
        late = arrangement.installments.filter(
            status=InstallmentStatus.OPEN, due_date__lt=as_of - dt.timedelta(days=grace)
        ).order_by("due_date")
        missed = late.first()
        if missed is not None:
            late.update(status=InstallmentStatus.MISSED)
            _end(
                arrangement,
                status=ArrangementStatus.BROKEN,
                on=as_of,
                reason=f"{missed} unpaid {grace} days after its due date",
                actor=actor,
            )
            credit_event_record(
                account=arrangement.account,
                kind=CreditEventKind.ARRANGEMENT_BROKEN,
                on=as_of,
                actor=actor,
                source=f"arrangement:{arrangement.pk}",
            )
            result.broken.append(arrangement.pk)
        elif not arrangement.installments.exclude(status=InstallmentStatus.PAID).exists():
            _keep(arrangement, on=as_of, actor=actor)
            result.kept.append(arrangement.pk)
    return result
