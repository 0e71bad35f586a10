"""Payment arrangements: the proposal's amounts, eligibility, installments paid by real
posted payments, broken after grace and kept; the ledger verifies after each scenario."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied

from servicebook.core.errors import ValidationFailed
from servicebook.credit.models import (
    ArrangementStatus,
    CreditEvent,
    CreditStanding,
    InstallmentStatus,
    PaymentArrangement,
)
from servicebook.credit.selectors import arrangement_protected_account_ids
from servicebook.credit.services import (
    arrangement_cancel,
    arrangement_create,
    arrangement_proposal,
    credit_arrangements_review,
)
from servicebook.credit.services.arrangements import installment_dates, split_equal
from servicebook.payments.services import payment_reverse

from .conftest import D

TODAY = dt.date.today()


def test_split_puts_the_rounding_on_the_last():
    assert split_equal(D("100.00"), 3) == [D("33.33"), D("33.33"), D("33.34")]
    assert split_equal(D("100.01"), 6) == [D("16.67")] * 5 + [D("16.66")]
    assert sum(split_equal(D("999.99"), 7)) == D("999.99")


def test_installments_fall_monthly_on_the_policy_day():
    assert installment_dates(dt.date(2026, 1, 20), 3, 15) == [
        dt.date(2026, 2, 15),
        dt.date(2026, 3, 15),
        dt.date(2026, 4, 15),
    ]
    assert installment_dates(dt.date(2026, 1, 10), 2, 31) == [
        dt.date(2026, 1, 31),
        dt.date(2026, 2, 28),
    ]
    assert installment_dates(dt.date(2026, 11, 30), 2, 1) == [
        dt.date(2026, 12, 1),
        dt.date(2027, 1, 1),
    ]


def test_percent_down_payment_and_equal_installments(account, invoice, arrangement_policy):
    invoice(account, "400.00")
    p = arrangement_proposal(account=account)
    assert p.eligible and p.valid
    assert p.arrears == D("400.00")
    assert p.min_down_payment == D("100.00")  # 25 %
    assert [a for _, _, a in p.schedule] == [D("100.00")] + [D("50.00")] * 6
    p = arrangement_proposal(account=account, down_payment="100.00", installments=7)
    assert p.errors["installments"] == ["Choose between 1 and 6 installments."]
    p = arrangement_proposal(account=account, down_payment="99.99", installments=3)
    assert p.errors["down_payment"] == ["The down payment must be at least 100.00."]
    p = arrangement_proposal(account=account, down_payment="130.00", installments=7 - 4)
    assert [a for _, _, a in p.schedule] == [D("130.00"), D("90.00"), D("90.00"), D("90.00")]


def test_fixed_down_payment_is_capped_at_half(account, invoice, arrangement_policy):
    arrangement_policy.down_payment_kind = "fixed"
    arrangement_policy.down_payment_value = D("300.00")
    arrangement_policy.save()
    invoice(account, "250.00")
    p = arrangement_proposal(account=account, installments=3)
    assert p.min_down_payment == D("125.00")  # fixed 300 capped at half of 250
    assert [a for _, _, a in p.schedule] == [D("125.00"), D("41.67"), D("41.67"), D("41.66")]


def test_not_eligible_below_minimum_or_without_policy(account, invoice, arrangement_policy):
    invoice(account, "20.00")
    p = arrangement_proposal(account=account)
    assert not p.eligible
    assert "below the policy's minimum" in p.reasons[0]
    arrangement_policy.delete()
    assert arrangement_proposal(account=account).reasons == [
        "No arrangement policy applies to this account."
    ]


def test_refused_after_a_broken_one_within_the_lookback(
    account, invoice, arrangement_policy, rep, verified
):
    invoice(account, "300.00")
    first = arrangement_create(account=account, actor=rep, installments=2)
    late = max(i.due_date for i in first.installments.all()) + dt.timedelta(days=30)
    credit_arrangements_review(as_of=late)
    first.refresh_from_db()
    assert first.status == ArrangementStatus.BROKEN
    with pytest.raises(ValidationFailed) as err:
        arrangement_create(account=account, actor=rep, on=late)
    assert "broken on" in err.value.errors["account"][0]
    assert PaymentArrangement.objects.count() == 1
    # Past the lookback it is offered again.
    later = late + dt.timedelta(days=370)
    assert arrangement_proposal(account=account, on=later).eligible
    verified()


def test_creating_needs_the_capability(account, invoice, arrangement_policy):
    from servicebook.core.testing.factories import make_user

    invoice(account, "300.00")
    with pytest.raises(PermissionDenied):
        arrangement_create(account=account, actor=make_user("dispatcher"))
    assert not PaymentArrangement.objects.exists()


def test_posted_payments_pay_installments_in_order_then_kept(
    account, invoice, arrangement_policy, rep, pay, credit_policy, verified
):
    invoice(account, "400.00")
    arrangement = arrangement_create(account=account, actor=rep, installments=3)
    assert account.pk in set(
        arrangement_protected_account_ids(as_of=TODAY).values_list("account_id", flat=True)
    )
    rows = list(arrangement.installments.order_by("number"))
    assert [r.amount for r in rows] == [D("100.00"), D("100.00"), D("100.00"), D("100.00")]
    pay(account, "150.00")
    rows = list(arrangement.installments.order_by("number"))
    assert [(r.paid_amount, r.status) for r in rows[:2]] == [
        (D("100.00"), InstallmentStatus.PAID),
        (D("50.00"), InstallmentStatus.OPEN),
    ]
    payment = pay(account, "250.00", idempotency_key="final")
    again = pay(account, "250.00", idempotency_key="final")  # a retry: replayed, not counted
    assert again.pk == payment.pk
    arrangement.refresh_from_db()
    assert arrangement.status == ArrangementStatus.KEPT
    assert arrangement.paid_amount == D("400.00")
    assert CreditEvent.objects.filter(account=account, kind="arrangement_kept").count() == 1
    assert CreditStanding.objects.get(account=account).score == 0  # -20, floored at zero
    verified()


def test_returned_payment_reopens_installments(
    account, invoice, arrangement_policy, rep, pay, credit_policy, collector, verified
):
    invoice(account, "200.00")
    arrangement = arrangement_create(account=account, actor=rep, installments=1)
    payment = pay(account, "200.00")
    arrangement.refresh_from_db()
    assert arrangement.status == ArrangementStatus.KEPT
    payment_reverse(payment=payment, reason="nsf", actor=collector)
    arrangement.refresh_from_db()
    assert arrangement.status == ArrangementStatus.ACTIVE
    assert arrangement.paid_amount == D("0.00")
    assert not arrangement.installments.filter(status="paid").exists()
    # The returned payment counts against the customer.
    assert CreditEvent.objects.filter(account=account, kind="returned_payment").count() == 1
    assert CreditStanding.objects.get(account=account).score == 25
    verified()


def test_broken_after_grace_not_before(account, invoice, arrangement_policy, rep, credit_policy):
    invoice(account, "300.00")
    arrangement = arrangement_create(account=account, actor=rep, installments=2)
    first_due = arrangement.installments.get(number=1).due_date
    # The down payment is due today: on the last day of grace nothing breaks.
    result = credit_arrangements_review(as_of=TODAY + dt.timedelta(days=5))
    assert result.broken == []
    result = credit_arrangements_review(as_of=TODAY + dt.timedelta(days=6))
    assert result.broken == [arrangement.pk]
    arrangement.refresh_from_db()
    assert arrangement.status == ArrangementStatus.BROKEN
    assert arrangement.installments.get(number=0).status == InstallmentStatus.MISSED
    assert first_due > TODAY
    # Collections resume: not protected from the day it broke.
    protected = arrangement_protected_account_ids(as_of=TODAY + dt.timedelta(days=6))
    assert not protected.filter(account_id=account.pk).exists()
    assert CreditStanding.objects.get(account=account).score == 30
    # Running the review again the same day changes nothing.
    assert credit_arrangements_review(as_of=TODAY + dt.timedelta(days=6)).broken == []
    assert CreditEvent.objects.filter(kind="arrangement_broken").count() == 1


def test_cancel_ends_protection(account, invoice, arrangement_policy, rep):
    invoice(account, "300.00")
    arrangement = arrangement_create(account=account, actor=rep)
    with pytest.raises(ValidationFailed):
        arrangement_cancel(arrangement=arrangement, reason=" ", actor=rep)
    arrangement_cancel(arrangement=arrangement, reason="Paid in full by a relative", actor=rep)
    arrangement.refresh_from_db()
    assert arrangement.status == ArrangementStatus.CANCELLED
    assert arrangement_proposal(account=account).eligible
