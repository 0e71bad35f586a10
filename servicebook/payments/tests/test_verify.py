"""The payments invariants in ledger-verify: each one passes on clean books and reports the
breakage it is there for."""

from __future__ import annotations

from decimal import Decimal

import pytest

from servicebook.ledger.models import Allocation, LedgerRole
from servicebook.ledger.services import Line, journal_post
from servicebook.ledger.verify import ledger_verify
from servicebook.payments.models import Deposit, Payment
from servicebook.payments.services import (
    deposit_bill,
    deposit_collect,
    payment_post,
    payment_reverse,
    refund_request,
)

from .conftest import key

pytestmark = pytest.mark.django_db
D = Decimal


def checks() -> list[str]:
    return [v.check for v in ledger_verify()]


def cash(rep, account, amount):
    return payment_post(
        account=account,
        amount=amount,
        method="cash",
        channel="counter",
        idempotency_key=key(),
        actor=rep,
    )


def test_a_second_entry_for_one_payment_is_reported(rep, account):
    payment = cash(rep, account, "10.00")
    assert ledger_verify() == []
    journal_post(
        lines=[
            Line(LedgerRole.ADJUSTMENTS, "1.00"),
            Line(LedgerRole.RECEIVABLE, "-1.00", account),
        ],
        memo="stray",
        source_type="payment",
        source_id=str(payment.pk),
    )
    assert "payments that did not post exactly one entry" in checks()


def test_a_live_allocation_of_a_returned_payment_is_reported(rep, biller, account, invoice):
    invoice(account, "10.00")
    payment = cash(rep, account, "10.00")
    payment_reverse(payment=payment, reason="nsf", actor=biller)
    assert ledger_verify() == []
    allocation = Allocation.objects.filter(credit=payment.credit_item).exclude(
        debit=payment.return_item
    )
    allocation.update(reversed_at=None)
    assert "allocations of returned payments that were not reversed" in checks()


def test_deposits_held_that_drift_from_the_deposits_are_reported(rep, biller, account):
    deposit = deposit_bill(account=account, amount="50.00", actor=biller)
    deposit_collect(
        deposit=deposit,
        amount="50.00",
        method="cash",
        channel="counter",
        idempotency_key=key(),
        actor=rep,
    )
    assert ledger_verify() == []
    Deposit.objects.filter(pk=deposit.pk).update(collected_amount=D("40.00"))
    found = checks()
    assert (
        "accounts whose deposits held differ from deposits collected less applied and refunded"
        in found
    )
    assert "deposits whose collected amount differs from their payments" in found


def test_a_refunded_amount_without_its_refund_is_reported(rep, account):
    payment = cash(rep, account, "30.00")
    refund_request(payment=payment, amount="10.00", reason="x", actor=rep, idempotency_key=key())
    assert ledger_verify() == []
    Payment.objects.filter(pk=payment.pk).update(refunded_amount=D("20.00"))
    assert "payments whose refunded amount differs from their posted refunds" in checks()
