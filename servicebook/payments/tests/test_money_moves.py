"""Refunds and adjustments within approval limits (or waiting for approval), transfers
between accounts, deposits with interest, and disputes."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from servicebook.core.errors import Conflict, InvalidTransition, ValidationFailed
from servicebook.ledger.models import JournalEntry, OpenItem
from servicebook.ledger.selectors import account_aging, balance_of
from servicebook.ledger.verify import ledger_verify
from servicebook.payments.gateways import GatewayDeclined
from servicebook.payments.models import Adjustment, AdjustmentReason, Deposit, Refund, Transfer
from servicebook.payments.services import (
    adjustment_approve,
    adjustment_post,
    adjustment_reject,
    card_tokenize,
    deposit_apply,
    deposit_bill,
    deposit_cancel,
    deposit_collect,
    deposit_interest,
    deposit_refund,
    dispute_open,
    dispute_resolve,
    payment_post,
    payment_reverse,
    refund_approve,
    refund_reject,
    refund_request,
    transfer_post,
)

from .conftest import NO_REFUNDS, VISA, VISA_CVC, key

pytestmark = pytest.mark.django_db
D = Decimal
FUTURE = dt.date.today().year + 4


def state(account) -> tuple:
    """Everything a refused action must leave as it was."""
    row = balance_of(account)
    return (
        row.balance,
        row.deposits_held,
        JournalEntry.objects.count(),
        OpenItem.objects.count(),
        Refund.objects.count(),
        Adjustment.objects.count(),
        Transfer.objects.count(),
    )


def pay(actor, account, amount, *, method="cash", card=None, **extra):
    return payment_post(
        account=account,
        amount=amount,
        method=method,
        channel="phone" if method != "cash" else "counter",
        card=card,
        idempotency_key=key(),
        actor=actor,
        **extra,
    )


def visa(actor, account, number=VISA):
    return card_tokenize(
        account=account, number=number, exp_month=12, exp_year=FUTURE, cvc=VISA_CVC, actor=actor
    )


# --- Refunds ---------------------------------------------------------------------------------


def test_a_refund_within_the_limit_posts_and_goes_back_to_the_card(rep, account, invoice):
    invoice(account, "20.00")
    payment = pay(rep, account, "60.00", method="card", card=visa(rep, account))
    refund = refund_request(
        payment=payment, amount="40.00", reason="Paid twice", actor=rep, idempotency_key=key()
    )
    assert refund.status == "posted" and refund.gateway_reference.startswith("tgr_")
    assert refund.decided_by == rep
    payment.refresh_from_db()
    assert payment.refunded_amount == D("40.00")
    assert balance_of(account).balance == 0
    assert ledger_verify() == []


def test_a_tier_one_rep_cannot_refund_above_the_limit_and_nothing_changes(rep, account):
    payment = pay(rep, account, "120.00")
    before = state(account)
    with pytest.raises(ValidationFailed) as exc:
        refund_request(
            payment=payment, amount="80.00", reason="Overpaid", actor=rep, idempotency_key=key()
        )
    assert "limit of 50.00" in exc.value.errors["amount"][0]
    assert state(account) == before
    payment.refresh_from_db()
    assert payment.refunded_amount == 0


def test_above_the_limit_a_refund_waits_for_approval_by_a_higher_limit(
    rep, rep2, supervisor, account
):
    payment = pay(rep, account, "300.00")
    before = state(account)
    refund = refund_request(
        payment=payment,
        amount="250.00",
        reason="Moved out",
        actor=rep,
        idempotency_key=key(),
        request_approval=True,
    )
    assert refund.status == "pending"
    assert state(account)[:4] == before[:4]  # nothing posted while it waits
    with pytest.raises(ValidationFailed):  # tier II's limit (200) does not cover it
        refund_approve(refund=refund, actor=rep2)
    with pytest.raises(ValidationFailed):  # four eyes
        refund_approve(refund=refund, actor=rep)
    refund = refund_approve(refund=refund, actor=supervisor, note="OK")
    assert refund.status == "posted" and refund.decided_by == supervisor
    assert balance_of(account).balance == D("-50.00")
    with pytest.raises(InvalidTransition):
        refund_approve(refund=refund, actor=supervisor)
    assert ledger_verify() == []


def test_a_rejected_refund_posts_nothing(rep, supervisor, account):
    payment = pay(rep, account, "300.00")
    refund = refund_request(
        payment=payment,
        amount="250.00",
        reason="x",
        actor=rep,
        idempotency_key=key(),
        request_approval=True,
    )
    refund_reject(refund=refund, actor=supervisor, note="Not eligible")
    refund.refresh_from_db()
    assert refund.status == "rejected"
    assert balance_of(account).balance == D("-300.00")


def test_a_refund_gives_back_credit_not_money_that_paid_charges(rep, account, invoice):
    invoice(account, "100.00")
    payment = pay(rep, account, "100.00")
    with pytest.raises(ValidationFailed) as exc:
        refund_request(
            payment=payment, amount="10.00", reason="x", actor=rep, idempotency_key=key()
        )
    assert "credit" in exc.value.errors["amount"][0]


def test_a_refund_never_exceeds_the_payment(rep, supervisor, account):
    payment = pay(rep, account, "30.00")
    pay(rep, account, "100.00")
    refund_request(payment=payment, amount="20.00", reason="a", actor=rep, idempotency_key=key())
    with pytest.raises(ValidationFailed):
        refund_request(
            payment=payment, amount="10.01", reason="b", actor=supervisor, idempotency_key=key()
        )


def test_a_refund_the_card_issuer_declines_posts_nothing(rep, account):
    payment = pay(rep, account, "30.00", method="card", card=visa(rep, account, NO_REFUNDS))
    before = state(account)
    with pytest.raises(GatewayDeclined):
        refund_request(
            payment=payment, amount="30.00", reason="x", actor=rep, idempotency_key=key()
        )
    assert state(account) == before
    payment.refresh_from_db()
    assert payment.refunded_amount == 0


def test_a_refund_retried_with_its_key_is_not_refunded_twice(rep, account):
    payment = pay(rep, account, "30.00")
    first = refund_request(
        payment=payment, amount="30.00", reason="x", actor=rep, idempotency_key="r-1"
    )
    again = refund_request(
        payment=payment, amount="30.00", reason="x", actor=rep, idempotency_key="r-1"
    )
    assert again.pk == first.pk
    assert balance_of(account).balance == 0
    with pytest.raises(Conflict):
        refund_request(payment=payment, amount="1.00", reason="x", actor=rep, idempotency_key="r-1")


def test_a_returned_payment_cannot_be_refunded(rep, biller, account):
    payment = pay(rep, account, "30.00")
    payment_reverse(payment=payment, reason="nsf", actor=biller)
    with pytest.raises(InvalidTransition):
        refund_request(payment=payment, amount="5.00", reason="x", actor=rep, idempotency_key=key())


def test_a_refund_of_a_check_goes_to_refunds_payable(rep, account):
    payment = pay(rep, account, "30.00", method="check", check_number="77")
    refund = refund_request(
        payment=payment, amount="30.00", reason="x", actor=rep, idempotency_key=key()
    )
    roles = set(refund.entry.lines.values_list("ledger_account__role", flat=True))
    assert roles == {"unapplied_credit", "refunds_payable"}


# --- Adjustments ---------------------------------------------------------------------------------


def reason(code):
    return AdjustmentReason.objects.get(code=code)


def test_a_credit_adjustment_applies_to_the_charge_and_is_audited(biller, account, invoice):
    bill = invoice(account, "80.00")
    adjustment = adjustment_post(
        account=account,
        amount="30.00",
        direction="credit",
        reason=reason("goodwill"),
        memo="Outage last week",
        actor=biller,
        idempotency_key=key(),
    )
    assert adjustment.status == "posted"
    bill.refresh_from_db()
    assert bill.status == "partially_paid"
    assert balance_of(account).balance == D("50.00")
    assert ledger_verify() == []


def test_a_debit_adjustment_raises_the_balance_and_takes_open_credit(rep, biller, account):
    pay(rep, account, "10.00")
    adjustment_post(
        account=account,
        amount="25.00",
        direction="debit",
        reason=reason("missed_charge"),
        memo="Trip charge not billed",
        actor=biller,
        idempotency_key=key(),
    )
    assert balance_of(account).balance == D("15.00")
    assert ledger_verify() == []


def test_a_reason_code_must_fit_the_direction(biller, account):
    with pytest.raises(ValidationFailed) as exc:
        adjustment_post(
            account=account,
            amount="5.00",
            direction="debit",
            reason=reason("goodwill"),
            memo="x",
            actor=biller,
            idempotency_key=key(),
        )
    assert "reason" in exc.value.errors


def test_an_adjustment_above_the_limit_is_refused_or_waits(rep2, biller, supervisor, account):
    kwargs = {
        "account": account,
        "amount": "600.00",
        "direction": "credit",
        "reason": reason("goodwill"),
        "memo": "Angry customer",
    }
    before = state(account)
    with pytest.raises(PermissionDenied):  # representatives do not adjust at all
        adjustment_post(actor=rep2, idempotency_key=key(), request_approval=True, **kwargs)
    with pytest.raises(ValidationFailed) as exc:  # billing's limit is 500
        adjustment_post(actor=biller, idempotency_key=key(), **kwargs)
    assert "limit of 500.00" in exc.value.errors["amount"][0]
    assert state(account) == before
    waiting = adjustment_post(actor=biller, idempotency_key=key(), request_approval=True, **kwargs)
    assert waiting.status == "pending" and balance_of(account).balance == 0
    adjustment_approve(adjustment=waiting, actor=supervisor)
    assert balance_of(account).balance == D("-600.00")
    small = {**kwargs, "amount": "100.00"}
    other = adjustment_post(actor=biller, idempotency_key=key(), request_approval=True, **small)
    assert other.status == "posted"  # within the limit: no wait
    rejected = adjustment_post(actor=biller, idempotency_key=key(), request_approval=True, **kwargs)
    adjustment_reject(adjustment=rejected, actor=supervisor, note="No")
    assert balance_of(account).balance == D("-700.00")
    assert ledger_verify() == []


# --- Transfers ---------------------------------------------------------------------------------


def test_a_misapplied_payment_moves_to_the_right_account(
    rep, biller, account, other_account, invoice
):
    wrong_bill = invoice(account, "50.00")
    right_bill = invoice(other_account, "50.00")
    payment = pay(rep, account, "50.00")  # meant for other_account
    wrong_bill.refresh_from_db()
    assert wrong_bill.status == "paid"
    transfer = transfer_post(
        from_account=account,
        to_account=other_account,
        amount="50.00",
        reason="Posted to the wrong account",
        payment=payment,
        actor=biller,
        idempotency_key=key(),
    )
    wrong_bill.refresh_from_db()
    right_bill.refresh_from_db()
    assert (wrong_bill.status, right_bill.status) == ("issued", "paid")
    assert balance_of(account).balance == D("50.00")
    assert balance_of(other_account).balance == 0
    lines = transfer.entry.lines.all()
    assert {line.account_id for line in lines} == {account.pk, other_account.pk}
    assert ledger_verify() == []


def test_a_transfer_moves_only_credit_there_is(rep, biller, account, other_account):
    pay(rep, account, "20.00")
    before = (state(account), state(other_account))
    with pytest.raises(ValidationFailed):
        transfer_post(
            from_account=account,
            to_account=other_account,
            amount="20.01",
            reason="x",
            actor=biller,
            idempotency_key=key(),
        )
    assert (state(account), state(other_account)) == before
    transfer_post(
        from_account=account,
        to_account=other_account,
        amount="20.00",
        reason="Customer moved",
        actor=biller,
        idempotency_key=key(),
    )
    assert balance_of(account).balance == 0
    assert balance_of(other_account).balance == D("-20.00")
    assert ledger_verify() == []


def test_a_transfer_to_the_same_account_is_refused(biller, account):
    with pytest.raises(ValidationFailed):
        transfer_post(
            from_account=account,
            to_account=account,
            amount="1",
            reason="x",
            actor=biller,
            idempotency_key=key(),
        )


# --- Deposits ---------------------------------------------------------------------------------


def test_a_deposit_is_held_outside_the_balance_and_applied_with_interest(
    rep, biller, account, invoice, settings
):
    settings.DEPOSIT_INTEREST_RATE_PERCENT = "3.65"
    deposit = deposit_bill(account=account, amount="200.00", reason="New service", actor=biller)
    start = dt.date.today() - dt.timedelta(days=100)
    deposit_collect(
        deposit=deposit,
        amount="150.00",
        method="cash",
        channel="counter",
        idempotency_key=key(),
        actor=rep,
        received_on=start,
    )
    deposit_collect(
        deposit=deposit,
        amount="50.00",
        method="check",
        channel="counter",
        check_number="12",
        idempotency_key=key(),
        actor=rep,
        received_on=start + dt.timedelta(days=50),
    )
    deposit.refresh_from_db()
    assert deposit.status == "held"
    row = balance_of(account)
    assert (row.balance, row.deposits_held) == (0, D("200.00"))
    # 150 x 3.65% x 100/365 = 1.50; 50 x 3.65% x 50/365 = 0.25
    assert deposit_interest(deposit) == D("1.75")
    final = invoice(account, "180.00", days_ago=1)
    deposit_apply(deposit=deposit, actor=biller)
    final.refresh_from_db()
    deposit.refresh_from_db()
    assert final.status == "paid"
    assert (deposit.status, deposit.applied_amount, deposit.interest_paid) == (
        "applied",
        D("200.00"),
        D("1.75"),
    )
    row = balance_of(account)
    assert (row.balance, row.deposits_held) == (D("-21.75"), 0)
    assert ledger_verify() == []


def test_a_deposit_is_refunded_with_interest_by_check(rep, biller, account, settings):
    settings.DEPOSIT_INTEREST_RATE_PERCENT = "2.00"
    deposit = deposit_bill(account=account, amount="365.00", actor=biller)
    deposit_collect(
        deposit=deposit,
        amount="365.00",
        method="cash",
        channel="counter",
        idempotency_key=key(),
        actor=rep,
        received_on=dt.date.today() - dt.timedelta(days=365),
    )
    deposit_refund(deposit=deposit, actor=biller)
    deposit.refresh_from_db()
    assert (deposit.status, deposit.interest_paid) == ("refunded", D("7.30"))
    assert balance_of(account).deposits_held == 0
    assert ledger_verify() == []


def test_a_deposit_cannot_be_overcollected_or_billed_twice(rep, biller, account):
    deposit = deposit_bill(account=account, amount="100.00", actor=biller)
    with pytest.raises(ValidationFailed):
        deposit_collect(
            deposit=deposit,
            amount="100.01",
            method="cash",
            channel="counter",
            idempotency_key=key(),
            actor=rep,
        )
    with pytest.raises(InvalidTransition):
        deposit_bill(account=account, amount="50.00", actor=biller)
    deposit_cancel(deposit=deposit, actor=biller, reason="Good credit letter")
    assert Deposit.objects.get().status == "cancelled"


def test_a_returned_deposit_check_is_no_longer_held(rep, biller, account):
    deposit = deposit_bill(account=account, amount="100.00", actor=biller)
    payment = deposit_collect(
        deposit=deposit,
        amount="100.00",
        method="check",
        channel="counter",
        check_number="5",
        idempotency_key=key(),
        actor=rep,
    )
    payment_reverse(payment=payment, reason="nsf", actor=biller)
    deposit.refresh_from_db()
    assert (deposit.status, deposit.collected_amount) == ("billed", 0)
    row = balance_of(account)
    assert (row.deposits_held, row.balance) == (0, D("25.00"))
    assert ledger_verify() == []


# --- Disputes ---------------------------------------------------------------------------------


def test_a_disputed_amount_is_out_of_aging_until_resolved(rep, biller, account, invoice):
    bill = invoice(account, "90.00", days_ago=60)
    dispute = dispute_open(
        item=bill.open_item, amount="40.00", reason="Billed twice for one visit", actor=rep
    )
    aging = account_aging(account)
    assert (aging.disputed, aging.total) == (D("40.00"), D("50.00"))
    with pytest.raises(ValidationFailed):  # only 50 left undisputed
        dispute_open(item=bill.open_item, amount="50.01", reason="x", actor=rep)
    dispute_resolve(dispute=dispute, outcome="upheld", note="Duplicate visit line", actor=biller)
    dispute.refresh_from_db()
    bill.refresh_from_db()
    assert dispute.status == "upheld" and dispute.adjustment.amount == D("40.00")
    assert bill.open_item.disputed_amount == 0
    assert bill.status == "partially_paid"
    assert balance_of(account).balance == D("50.00")
    with pytest.raises(InvalidTransition):
        dispute_resolve(dispute=dispute, outcome="denied", note="again", actor=biller)
    assert ledger_verify() == []


def test_a_denied_dispute_puts_the_amount_back_into_collections(rep, biller, account, invoice):
    bill = invoice(account, "90.00", days_ago=60)
    dispute = dispute_open(item=bill.open_item, amount="90.00", reason="x", actor=rep)
    dispute_resolve(dispute=dispute, outcome="denied", note="Meter read verified", actor=biller)
    aging = account_aging(account)
    assert (aging.disputed, aging.total) == (0, D("90.00"))
