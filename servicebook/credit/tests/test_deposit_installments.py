"""Deposit installments: a required deposit billed in the policy's number of monthly
parts, paid through deposit payments (the payments hook), a part unpaid past the grace
days missed (account box, review), the deposits-held ledger intact."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from servicebook.core.errors import ValidationFailed
from servicebook.credit.models import DepositInstallment
from servicebook.credit.services import (
    credit_deposits_review,
    deposit_installment_schedule,
    deposit_require,
)
from servicebook.payments.models import Deposit
from servicebook.payments.services import deposit_collect

from .conftest import D, key

TODAY = dt.date.today()


@pytest.fixture
def policy(deposit_policy):
    deposit_policy.minimum = D("100.00")
    deposit_policy.installments_allowed = 3
    deposit_policy.installment_grace_days = 5
    deposit_policy.due_days = 10
    deposit_policy.save()
    return deposit_policy


def _collect(deposit, amount, idem=None):
    return deposit_collect(
        deposit=deposit,
        amount=amount,
        method="cash",
        channel="counter",
        idempotency_key=idem or key(),
        actor=deposit.created_by,
    )


def test_schedule_splits_evenly_with_the_difference_last_monthly():
    assert deposit_installment_schedule(D("100.00"), 3, dt.date(2026, 1, 31)) == [
        (dt.date(2026, 1, 31), D("33.33")),
        (dt.date(2026, 2, 28), D("33.33")),
        (dt.date(2026, 3, 31), D("33.34")),
    ]


def test_installments_limited_by_the_policy_and_nothing_written(account, policy, supervisor):
    for bad in (0, 4, "2"):
        with pytest.raises(ValidationFailed) as info:
            deposit_require(account=account, actor=supervisor, on=TODAY, installments=bad)
        assert "installments" in info.value.errors
    assert not Deposit.objects.filter(account=account).exists()


def test_installments_billed_paid_and_missed(account, policy, supervisor, client, verified):
    deposit = deposit_require(account=account, actor=supervisor, on=TODAY, installments=3)
    assert deposit.amount_required == D("100.00")
    rows = list(DepositInstallment.objects.filter(deposit=deposit))
    first_due = TODAY + dt.timedelta(days=10)
    assert (rows[0].number, rows[0].amount, rows[0].due_date) == (1, D("33.33"), first_due)
    assert sum(r.amount for r in rows) == D("100.00")
    # A deposit payment pays the first part and some of the second.
    _collect(deposit, "40.00")
    rows = list(DepositInstallment.objects.filter(deposit=deposit))
    assert [(r.status, r.paid_amount) for r in rows] == [
        ("paid", D("33.33")),
        ("open", D("6.67")),
        ("open", D("0.00")),
    ]
    # Past the second part's due date and grace: missed, in the review and the box.
    second_due = rows[1].due_date
    review = credit_deposits_review(as_of=second_due + dt.timedelta(days=6))
    assert [(m.account_id, m.number) for m in review.missed] == [(account.pk, 2)]
    assert DepositInstallment.objects.get(deposit=deposit, number=2).status == "missed"
    client.force_login(supervisor)
    page = client.get(reverse("customers:account_detail", args=[account.pk])).content.decode()
    assert "Deposit in installments" in page and "Missed" in page
    # The rest pays the missed part and the last: the deposit is held, nothing open.
    _collect(deposit, "60.00")
    deposit.refresh_from_db()
    assert deposit.status == "held"
    assert set(
        DepositInstallment.objects.filter(deposit=deposit).values_list("status", flat=True)
    ) == {"paid"}
    verified()


def test_grace_days_before_missed(account, policy, supervisor):
    deposit = deposit_require(account=account, actor=supervisor, on=TODAY, installments=2)
    first = DepositInstallment.objects.get(deposit=deposit, number=1)
    assert credit_deposits_review(as_of=first.due_date + dt.timedelta(days=5)).missed == []
    assert [
        m.pk for m in credit_deposits_review(as_of=first.due_date + dt.timedelta(days=6)).missed
    ] == [first.pk]


def test_one_part_is_the_plain_deposit(account, policy, supervisor):
    deposit_require(account=account, actor=supervisor, on=TODAY)
    assert not DepositInstallment.objects.exists()


def test_the_page_bills_in_installments_and_refuses_too_many(account, policy, supervisor, client):
    client.force_login(supervisor)
    url = reverse("credit:deposit_bill", args=[account.pk])
    page = client.get(reverse("credit:bankruptcy", args=[account.pk])).content.decode()
    assert "Up to 3 monthly installments" in page
    response = client.post(url, {"installments": "4"})
    assert response.status_code == 400
    assert "Choose from 1 to 3 installments" in response.content.decode()
    assert not Deposit.objects.filter(account=account).exists()
    response = client.post(url, {"installments": "3"})
    assert response.status_code in (302, 303)
    assert DepositInstallment.objects.filter(account=account).count() == 3
