"""Deposit policy (required, amount, waiver, refund eligibility and the review) and
bankruptcy (split, stay, claim, adequate assurance, status)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from servicebook.core.errors import ValidationFailed
from servicebook.credit.models import Bankruptcy, BankruptcyStatus, CreditStanding
from servicebook.credit.selectors import bankruptcy_split, bankruptcy_stayed_account_ids
from servicebook.credit.services import (
    bankruptcy_claim_record,
    bankruptcy_close,
    bankruptcy_file,
    credit_deposits_review,
    credit_event_record,
    deposit_requirement,
    deposit_waiver_grant,
)
from servicebook.customers.models import Account
from servicebook.payments.models import Deposit
from servicebook.payments.services import deposit_bill, deposit_collect

from .conftest import D, key

TODAY = dt.date.today()


def test_new_service_requires_the_minimum(account, deposit_policy):
    req = deposit_requirement(account=account)
    assert req.required and req.amount == D("50.00")
    assert req.reasons[0].startswith("New service")


def test_amount_is_months_of_average_billing_capped(account, invoice, deposit_policy):
    Account.objects.filter(pk=account.pk).update(opened_on=TODAY - dt.timedelta(days=400))
    account.refresh_from_db()
    assert not deposit_requirement(account=account).required
    invoice(account, "150.00", days_ago=70)
    invoice(account, "130.00", days_ago=40)
    CreditStanding.objects.create(account=account, score=45)
    req = deposit_requirement(account=account)
    assert req.required
    assert req.amount == D("280.00")  # (150 + 130) / 2 months x 2
    deposit_policy.cap = D("250.00")
    deposit_policy.save()
    assert deposit_requirement(account=account).amount == D("250.00")


def test_waiver_exempts(account, deposit_policy, collector):
    with pytest.raises(ValidationFailed) as err:
        deposit_waiver_grant(account=account, kind="guarantor", detail=" ", actor=collector)
    assert "detail" in err.value.errors
    deposit_waiver_grant(account=account, kind="guarantor", detail="Pat Doe", actor=collector)
    req = deposit_requirement(account=account)
    assert not req.required and req.exempt.startswith("Waived")


def _held_deposit(account, actor, *, months_ago=13):
    """A deposit billed and collected `months_ago` months ago (interest runs since)."""
    deposit = deposit_bill(account=account, amount="100.00", actor=actor)
    deposit_collect(
        deposit=deposit,
        amount="100.00",
        method="cash",
        channel="counter",
        idempotency_key=key(),
        actor=actor,
        received_on=TODAY - dt.timedelta(days=31 * months_ago),
    )
    Deposit.objects.filter(pk=deposit.pk).update(
        created_at=timezone.now() - dt.timedelta(days=31 * months_ago)
    )
    deposit.refresh_from_db()
    return deposit


def test_refund_after_prompt_payment_through_the_review(
    account, other_account, deposit_policy, credit_policy, supervisor, verified
):
    Account.objects.update(opened_on=TODAY - dt.timedelta(days=800))
    good = _held_deposit(account, supervisor)
    late = _held_deposit(other_account, supervisor)
    for days in (10, 40, 70):
        credit_event_record(
            account=other_account, kind="late_payment", on=TODAY - dt.timedelta(days=days)
        )
    review = credit_deposits_review(as_of=TODAY)
    assert [d.pk for d in review.refundable] == [good.pk]
    review = credit_deposits_review(as_of=TODAY, actor=supervisor, refund=True)
    assert [d.pk for d in review.refunded] == [good.pk]
    good.refresh_from_db()
    late.refresh_from_db()
    assert (good.status, late.status) == ("refunded", "held")
    assert good.interest_paid > 0
    verified()


def test_review_bills_required_deposits(account, deposit_policy, supervisor, verified):
    review = credit_deposits_review(as_of=TODAY, actor=supervisor, bill=True)
    assert [r.account.pk for r in review.required] == [account.pk]
    assert Deposit.objects.get(account=account).amount_required == D("50.00")
    # Billed once: the next review finds it billed.
    assert credit_deposits_review(as_of=TODAY, actor=supervisor, bill=True).billed == []
    verified()


def test_bankruptcy_split_stay_claim_and_assurance(
    account, invoice, deposit_policy, collector, pay, verified
):
    invoice(account, "120.00", days_ago=40)
    petition = TODAY - dt.timedelta(days=10)
    invoice(account, "80.00", days_ago=5)
    split = bankruptcy_split(account, petition_date=petition)
    assert (split.pre_petition, split.post_petition) == (D("120.00"), D("80.00"))
    case = bankruptcy_file(
        account=account,
        petition_date=petition,
        chapter="11",
        court="U.S. Bankruptcy Court, D. Colo.",
        case_number="26-10001",
        actor=collector,
    )
    account.refresh_from_db()
    assert account.status == "in_bankruptcy"
    assert case.pre_petition_amount == D("120.00")
    assert case.assurance_due_on == petition + dt.timedelta(days=30)  # chapter 11
    assert case.assurance_deposit.amount_required == case.assurance_amount > 0
    assert bankruptcy_stayed_account_ids(as_of=TODAY).filter(account_id=account.pk).exists()
    with pytest.raises(ValidationFailed):
        bankruptcy_claim_record(
            bankruptcy=case, amount="120.00", filed_on=petition - dt.timedelta(1), actor=collector
        )
    bankruptcy_claim_record(bankruptcy=case, amount="120.00", filed_on=TODAY, actor=collector)
    bankruptcy_close(bankruptcy=case, status="discharged", on=TODAY, actor=collector)
    case.refresh_from_db()
    account.refresh_from_db()
    assert (case.status, case.claim_amount, account.status) == (
        BankruptcyStatus.DISCHARGED,
        D("120.00"),
        "active",
    )
    assert not bankruptcy_stayed_account_ids(as_of=TODAY).filter(account_id=account.pk).exists()
    verified()


def test_bankruptcy_bad_input_writes_nothing(account, collector):
    with pytest.raises(ValidationFailed) as err:
        bankruptcy_file(
            account=account,
            petition_date=TODAY,
            chapter="9",
            court="",
            case_number="x",
            actor=collector,
        )
    assert set(err.value.errors) == {"chapter", "court"}
    assert not Bankruptcy.objects.exists()
