"""Posting payments: oldest-first and manual allocation, partial and over-payments,
unapplied credit, cards through the gateway, idempotency, returned payments with their fee,
applying and reallocating credit."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from servicebook.core.errors import Conflict, InvalidTransition, ValidationFailed
from servicebook.core.models import AuditEvent
from servicebook.core.testing.factories import make_user
from servicebook.ledger.models import Allocation, JournalEntry, JournalLine, OpenItem
from servicebook.ledger.selectors import balance_of
from servicebook.ledger.verify import ledger_verify
from servicebook.payments.gateways import GatewayDeclined, GatewayUnavailable
from servicebook.payments.models import CardToken, Payment
from servicebook.payments.services import (
    card_tokenize,
    credits_apply,
    payment_post,
    payment_reallocate,
    payment_reverse,
)

from .conftest import DECLINED, VISA, VISA_CVC, key

pytestmark = pytest.mark.django_db
D = Decimal
FUTURE = dt.date.today().year + 4


def unapplied(account) -> Decimal:
    return sum(
        (
            line.amount
            for line in JournalLine.objects.filter(
                account=account, ledger_account__role="unapplied_credit"
            )
        ),
        D("0"),
    )


def receivable(account) -> Decimal:
    return sum(
        (
            line.amount
            for line in JournalLine.objects.filter(
                account=account, ledger_account__role="receivable"
            )
        ),
        D("0"),
    )


def cash(rep, account, amount, **extra):
    return payment_post(
        account=account,
        amount=amount,
        method=extra.pop("method", "cash"),
        channel=extra.pop("channel", "counter"),
        idempotency_key=extra.pop("idempotency_key", key()),
        actor=rep,
        **extra,
    )


def test_a_payment_pays_the_oldest_invoice_first_and_marks_invoices(rep, account, invoice):
    old = invoice(account, "40.00", days_ago=60)
    new = invoice(account, "60.00", days_ago=10)
    payment = cash(rep, account, "70.00")
    allocations = Allocation.objects.filter(credit=payment.credit_item).order_by("id")
    assert [(a.debit_id, a.amount) for a in allocations] == [
        (old.open_item_id, D("40.00")),
        (new.open_item_id, D("30.00")),
    ]
    old.refresh_from_db()
    new.refresh_from_db()
    assert (old.status, new.status) == ("paid", "partially_paid")
    assert balance_of(account).balance == D("30.00")
    assert ledger_verify() == []


def test_one_entry_per_payment_and_an_audit_row(rep, account, invoice):
    invoice(account, "20.00")
    payment = cash(rep, account, "20.00")
    entries = JournalEntry.objects.filter(source_type="payment", source_id=str(payment.pk))
    assert entries.count() == 1
    assert AuditEvent.objects.filter(object_id=str(payment.pk), action="create").exists()


def test_an_overpayment_is_held_as_unapplied_credit(rep, account, invoice):
    invoice(account, "25.00")
    payment = cash(rep, account, "40.00")
    payment.credit_item.refresh_from_db()
    assert payment.credit_item.open_amount == D("15.00")
    assert balance_of(account).balance == D("-15.00")
    # The contract: receivables never negative per account; the credit sits in unapplied.
    assert receivable(account) == D("0.00")
    assert unapplied(account) == D("-15.00")
    assert ledger_verify() == []


def test_a_payment_with_nothing_owed_is_all_credit(rep, account):
    payment = cash(rep, account, "10.00")
    assert receivable(account) == 0
    assert unapplied(account) == D("-10.00")
    assert payment.credit_item.open_amount == D("10.00")


def test_credit_applies_to_a_later_invoice_and_leaves_unapplied(rep, account, invoice):
    cash(rep, account, "50.00")
    later = invoice(account, "30.00", days_ago=1)
    credits_apply(account=account, actor=rep)
    later.refresh_from_db()
    assert later.status == "paid"
    assert (receivable(account), unapplied(account)) == (D("0.00"), D("-20.00"))
    assert balance_of(account).balance == D("-20.00")
    assert ledger_verify() == []


def test_a_manual_allocation_overrides_oldest_first(rep, account, invoice):
    old = invoice(account, "40.00", days_ago=60)
    new = invoice(account, "60.00", days_ago=10)
    payment = cash(rep, account, "60.00", allocations=[(new.open_item, D("60.00"))])
    old.refresh_from_db()
    new.refresh_from_db()
    assert (old.status, new.status) == ("issued", "paid")
    payment.credit_item.refresh_from_db()
    assert payment.credit_item.open_amount == 0


def test_manual_allocations_that_do_not_fit_are_refused_with_nothing_posted(
    rep, account, other_account, invoice
):
    mine = invoice(account, "40.00")
    theirs = invoice(other_account, "40.00")
    for allocations in (
        [(mine.open_item, D("40.01"))],
        [(theirs.open_item, D("10.00"))],
        [(mine.open_item, D("30.00")), (mine.open_item, D("30.00"))],
    ):
        with pytest.raises(ValidationFailed) as exc:
            cash(rep, account, "50.00", allocations=allocations)
        assert "allocations" in exc.value.errors
    assert not Payment.objects.exists()
    assert balance_of(account).balance == D("40.00")


def test_payments_pay_undisputed_debt_before_disputed(rep, account, invoice):
    from servicebook.payments.services import dispute_open

    old = invoice(account, "40.00", days_ago=60)
    new = invoice(account, "60.00", days_ago=10)
    dispute_open(item=old.open_item, amount="40.00", reason="Never had service", actor=rep)
    cash(rep, account, "60.00")
    old.refresh_from_db()
    new.refresh_from_db()
    assert (old.status, new.status) == ("issued", "paid")


def test_the_same_key_returns_the_first_payment_and_posts_nothing(rep, account, invoice):
    invoice(account, "80.00")
    first = cash(rep, account, "30.00", idempotency_key="same")
    again = cash(rep, account, "30.00", idempotency_key="same")
    assert again.pk == first.pk and again.replayed
    assert Payment.objects.count() == 1
    assert balance_of(account).balance == D("50.00")


def test_the_same_key_with_other_parameters_is_a_conflict(rep, account):
    cash(rep, account, "30.00", idempotency_key="same")
    with pytest.raises(Conflict):
        cash(rep, account, "31.00", idempotency_key="same")
    assert Payment.objects.count() == 1


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"method": "check", "channel": "phone"}, "check_number"),
        ({"method": "cash", "channel": "phone"}, "channel"),
        ({"method": "card", "channel": "phone"}, "card"),
        ({"method": "ach", "channel": "phone"}, "bank_account"),
        ({"method": "bitcoin"}, "method"),
        ({"amount": "0"}, "amount"),
        ({"amount": "-5"}, "amount"),
        ({"amount": "abc"}, "amount"),
        ({"amount": "1000000"}, "amount"),
        ({"idempotency_key": ""}, "idempotency_key"),
    ],
)
def test_bad_payments_are_refused_naming_the_field(rep, account, extra, field):
    amount = extra.pop("amount", "10.00")
    with pytest.raises(ValidationFailed) as exc:
        cash(rep, account, amount, **extra)
    assert field in exc.value.errors
    assert not Payment.objects.exists() and not JournalEntry.objects.exists()


def test_a_role_without_payments_take_is_refused_and_nothing_changes(account):
    dispatcher = make_user("dispatcher")
    with pytest.raises(PermissionDenied):
        cash(dispatcher, account, "10.00")
    assert not Payment.objects.exists()


def card(rep, account, number=VISA, cvc=VISA_CVC):
    return card_tokenize(
        account=account, number=number, exp_month=12, exp_year=FUTURE, cvc=cvc, actor=rep
    )


def test_a_card_payment_charges_through_the_gateway(rep, account, invoice):
    invoice(account, "45.00")
    visa = card(rep, account)
    assert (visa.brand, visa.last4, visa.exp_year) == ("visa", "4242", FUTURE)
    payment = payment_post(
        account=account,
        amount="45.00",
        method="card",
        channel="phone",
        card=visa,
        idempotency_key=key(),
        actor=rep,
    )
    assert payment.gateway == "test" and payment.gateway_reference.startswith("tgch_")
    assert len(payment.authorization_code) == 6
    assert balance_of(account).balance == 0


def test_a_declined_card_posts_nothing(rep, account, invoice):
    invoice(account, "45.00")
    declined = card(rep, account, DECLINED)
    with pytest.raises(GatewayDeclined) as exc:
        payment_post(
            account=account,
            amount="45.00",
            method="card",
            channel="phone",
            card=declined,
            idempotency_key=key(),
            actor=rep,
        )
    assert exc.value.status_code == 402
    assert not Payment.objects.exists()
    assert balance_of(account).balance == D("45.00")
    assert Allocation.objects.count() == 0


def test_a_gateway_error_posts_nothing(rep, account):
    broken = card(rep, account, "4000 0000 0000 0119")
    with pytest.raises(GatewayUnavailable):
        payment_post(
            account=account,
            amount="5.00",
            method="card",
            channel="phone",
            card=broken,
            idempotency_key=key(),
            actor=rep,
        )
    assert not Payment.objects.exists()


@pytest.mark.parametrize(
    ("number", "month", "year", "cvc", "field"),
    [
        ("4242 4242 4242 4241", 12, FUTURE, "123", "card_number"),
        ("1234", 12, FUTURE, "123", "card_number"),
        ("9999 9999 9999 9995", 12, FUTURE, "123", "card_number"),
        (VISA, 13, 2099, "123", "card_expiry"),
        (VISA, 1, 2020, "123", "card_expiry"),
        (VISA, 12, FUTURE, "12", "card_cvc"),
        ("3782 822463 10005", 12, FUTURE, "123", "card_cvc"),
    ],
)
def test_bad_cards_are_refused_without_repeating_the_number(
    rep, account, number, month, year, cvc, field
):
    with pytest.raises(ValidationFailed) as exc:
        card_tokenize(
            account=account, number=number, exp_month=month, exp_year=year, cvc=cvc, actor=rep
        )
    assert field in exc.value.errors
    digits = number.replace(" ", "")
    assert digits not in str(exc.value.errors) and digits not in str(exc.value)
    assert not CardToken.objects.exists()


def test_a_returned_check_reopens_the_invoice_and_charges_the_fee(
    rep, biller, account, invoice, settings
):
    settings.PAYMENTS_RETURNED_PAYMENT_FEE = "25.00"
    bill = invoice(account, "100.00")
    payment = cash(rep, account, "100.00", method="check", channel="phone", check_number="1042")
    bill.refresh_from_db()
    assert bill.status == "paid"
    payment = payment_reverse(payment=payment, reason="nsf", actor=biller)
    bill.refresh_from_db()
    assert bill.status == "issued"
    assert payment.status == "returned"
    assert payment.return_fee_item.amount == D("25.00")
    assert balance_of(account).balance == D("125.00")
    assert not Allocation.objects.filter(
        credit=payment.credit_item, reversed_at__isnull=True
    ).exclude(debit=payment.return_item)
    assert JournalEntry.objects.get(reverses=payment.entry) == payment.return_entry
    assert ledger_verify() == []
    with pytest.raises(InvalidTransition):
        payment_reverse(payment=payment, reason="nsf", actor=biller)


def test_a_payment_posted_in_error_is_reversed_without_a_fee(rep, biller, account, invoice):
    invoice(account, "30.00")
    payment = cash(rep, account, "50.00")
    payment_reverse(payment=payment, reason="entered_in_error", actor=biller)
    assert balance_of(account).balance == D("30.00")
    assert (receivable(account), unapplied(account)) == (D("30.00"), D("0.00"))
    assert ledger_verify() == []


def test_a_return_lets_other_credit_pay_the_reopened_invoice(rep, biller, account, invoice):
    bill = invoice(account, "40.00")
    first = cash(rep, account, "40.00")
    cash(rep, account, "40.00")  # all credit now
    payment_reverse(payment=first, reason="nsf", actor=biller, fee="0")
    bill.refresh_from_db()
    assert bill.status == "paid"
    assert balance_of(account).balance == 0
    assert (receivable(account), unapplied(account)) == (0, 0)
    assert ledger_verify() == []


def test_representatives_cannot_reverse_payments(rep, account):
    payment = cash(rep, account, "10.00")
    with pytest.raises(PermissionDenied):
        payment_reverse(payment=payment, reason="nsf", actor=rep)
    payment.refresh_from_db()
    assert payment.status == "posted"


def test_a_payment_is_reallocated_by_hand(rep, biller, account, invoice):
    old = invoice(account, "40.00", days_ago=60)
    new = invoice(account, "60.00", days_ago=10)
    payment = cash(rep, account, "40.00")
    payment_reallocate(payment=payment, allocations=[(new.open_item_id, D("40.00"))], actor=biller)
    old.refresh_from_db()
    new.refresh_from_db()
    assert (old.status, new.status) == ("issued", "partially_paid")
    assert OpenItem.objects.get(pk=new.open_item_id).open_amount == D("20.00")
    assert ledger_verify() == []
