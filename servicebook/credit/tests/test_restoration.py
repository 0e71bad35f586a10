"""Restoration: the amount itemised and explained, and the reconnect work order raised
exactly once when payments cover it (two payments, a retry); the ledger verifies."""

from __future__ import annotations

import datetime as dt

import pytest

from servicebook.core.errors import InvalidTransition, ValidationFailed
from servicebook.credit.models import Restoration, RestorationStatus
from servicebook.credit.services import restoration_open, restoration_quote
from servicebook.customers.models import Account
from servicebook.payments.services import deposit_collect
from servicebook.workorders.models import WorkOrder

from .conftest import D, key

TODAY = dt.date.today()


def _disconnect(account):
    Account.objects.filter(pk=account.pk).update(status="disconnected")
    account.refresh_from_db()


def test_quote_itemises_past_due_fee_and_deposit(
    account, invoice, restoration_policy, deposit_policy
):
    invoice(account, "90.00", days_ago=60)  # due 39 days ago
    invoice(account, "30.00", days_ago=45)  # due 24 days ago
    invoice(account, "200.00", days_ago=5)  # not due yet: not part of the past due
    _disconnect(account)
    quote = restoration_quote(account)
    items = {i.key: i.amount for i in quote.items}
    assert items["past_due"] == D("120.00")
    assert items["fee"] == D("35.00")
    # Deposit: two months of average billing (320 over the calendar months billed).
    months = len({(TODAY - dt.timedelta(days=d)).replace(day=1) for d in (60, 45, 5)})
    assert items["deposit"] == (D("320.00") / months * 2).quantize(D("0.01"))
    assert quote.total == D("155.00") + items["deposit"]
    assert "restoration-fee" in next(i.explanation for i in quote.items if i.key == "fee")
    assert "Disconnected" in next(i.explanation for i in quote.items if i.key == "deposit")


def test_deposit_left_out_when_policy_says_so(account, invoice, restoration_policy):
    restoration_policy.include_deposit = False
    restoration_policy.save()
    invoice(account, "90.00")
    _disconnect(account)
    assert [i.key for i in restoration_quote(account).items] == ["past_due", "fee"]


def test_only_a_disconnected_account_opens_one(account, restoration_policy, supervisor):
    with pytest.raises(ValidationFailed) as err:
        restoration_open(account=account, actor=supervisor)
    assert "not disconnected" in err.value.errors["account"][0]
    assert not Restoration.objects.exists()


def test_paying_raises_the_reconnect_once(
    account, invoice, restoration_policy, deposit_policy, supervisor, pay, verified
):
    invoice(account, "90.00", days_ago=60)
    _disconnect(account)
    restoration = restoration_open(account=account, actor=supervisor)
    assert (restoration.past_due, restoration.fee, restoration.deposit) == (
        D("90.00"),
        D("35.00"),
        D("180.00"),  # 2 x 90, above the 50 minimum
    )
    assert restoration.fee_invoice.total == D("35.00")
    with pytest.raises(InvalidTransition):
        restoration_open(account=account, actor=supervisor)
    # The past due and the fee first: no reconnect yet, the deposit is not held.
    pay(account, "100.00")
    pay(account, "25.00", idempotency_key="fee-rest")
    pay(account, "25.00", idempotency_key="fee-rest")  # a retry of the same payment
    assert not WorkOrder.objects.filter(work_type="reconnect").exists()
    quote = restoration_quote(account)
    assert {i.key: i.amount for i in quote.items} == {
        "past_due": D("0.00"),
        "fee": D("0.00"),
        "deposit": D("180.00"),
    }
    deposit = restoration.deposit_record
    deposit_collect(
        deposit=deposit,
        amount="80.00",
        method="cash",
        channel="counter",
        idempotency_key=key(),
        actor=supervisor,
    )
    assert not WorkOrder.objects.filter(work_type="reconnect").exists()
    deposit_collect(
        deposit=deposit,
        amount="100.00",
        method="cash",
        channel="counter",
        idempotency_key="last-deposit",
        actor=supervisor,
    )
    reconnects = WorkOrder.objects.filter(account=account, work_type="reconnect")
    assert reconnects.count() == 1
    wo = reconnects.get()
    assert wo.priority == "high"
    assert wo.window_end - wo.window_start == dt.timedelta(hours=24)
    restoration.refresh_from_db()
    assert restoration.status == RestorationStatus.PAID
    assert restoration.work_order_id == wo.pk
    # More payments (a retry, a new one) raise nothing more.
    deposit_collect(
        deposit=deposit,
        amount="100.00",
        method="cash",
        channel="counter",
        idempotency_key="last-deposit",
        actor=supervisor,
    )
    pay(account, "10.00")
    assert reconnects.count() == 1
    verified()


def test_already_paid_raises_at_once(account, restoration_policy, supervisor, pay, verified):
    restoration_policy.fee_item = None
    restoration_policy.fee_amount = D("0.00")
    restoration_policy.include_deposit = False
    restoration_policy.save()
    _disconnect(account)
    restoration = restoration_open(account=account, actor=supervisor)
    assert restoration.status == RestorationStatus.PAID
    assert restoration.work_order.work_type == "reconnect"
    verified()
