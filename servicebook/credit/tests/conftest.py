"""Fixtures of the credit tests: the people who work credit, policies as records, an
account with past-due invoices, and a helper to post payments through payments' service."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import pytest

from servicebook.core.testing.factories import (
    make_account,
    make_catalog_item,
    make_invoice,
    make_tax_code,
    make_user,
)
from servicebook.credit.models import (
    ArrangementPolicy,
    CreditPolicy,
    DepositPolicy,
    RestorationPolicy,
)
from servicebook.ledger.verify import ledger_verify
from servicebook.users.models import ApprovalLimit

D = Decimal
_keys = itertools.count(1)


def key(prefix: str = "credit") -> str:
    return f"{prefix}-{next(_keys)}"


@pytest.fixture
def limits(db):
    amounts = {"billing": "1000.00", "collections": "500.00", "supervisor": "10000.00"}
    for role, amount in amounts.items():
        ApprovalLimit.objects.update_or_create(
            role=role, kind="refund", defaults={"max_amount": D(amount)}
        )


@pytest.fixture
def rep(db):
    return make_user("rep1")


@pytest.fixture
def collector(db, limits):
    return make_user("collections")


@pytest.fixture
def supervisor(db, limits):
    return make_user("supervisor")


@pytest.fixture
def account(db):
    return make_account(actor=make_user("admin"))


@pytest.fixture
def other_account(db):
    return make_account(actor=make_user("admin"), first_name="Sam", phone="(720) 555-0100")


@pytest.fixture
def service_item(db):
    return make_catalog_item("service-call", price="1.00", tax_code=make_tax_code("exempt", "0"))


@pytest.fixture
def invoice(service_item):
    """Issue an invoice of `amount` on `account`, issued `days_ago` (due 21 days later)."""

    def make(account, amount, *, days_ago: int = 60, on: dt.date | None = None):
        issued = on or dt.date.today() - dt.timedelta(days=days_ago)
        return make_invoice(account=account, lines=[(service_item, 1, D(amount))], issued_on=issued)

    return make


@pytest.fixture
def pay(db):
    """Post a payment through payments' real service (cash at the counter)."""
    from servicebook.payments.services import payment_post

    cashier = make_user("rep2")

    def post(account, amount, *, idempotency_key: str | None = None, on=None):
        return payment_post(
            account=account,
            amount=D(amount),
            method="cash",
            channel="counter",
            idempotency_key=idempotency_key or key("pay"),
            actor=cashier,
            received_on=on,
        )

    return post


@pytest.fixture
def credit_policy(db):
    return CreditPolicy.objects.create(
        name="Default rating",
        points={
            "late_payment": 10,
            "returned_payment": 25,
            "disconnection": 40,
            "arrangement_broken": 30,
            "arrangement_kept": -20,
            "paid_on_time": -5,
        },
        starting_score=0,
        cash_only_threshold=50,
    )


@pytest.fixture
def arrangement_policy(db):
    return ArrangementPolicy.objects.create(
        name="Residential arrangements",
        customer_class="residential",
        min_arrears=D("50.00"),
        broken_lookback_months=12,
        down_payment_kind="percent",
        down_payment_value=D("25.00"),
        down_payment_cap_percent=D("50.00"),
        max_installments=6,
        installment_day=15,
        grace_days=5,
    )


@pytest.fixture
def deposit_policy(db):
    return DepositPolicy.objects.create(
        name="Default deposits",
        score_threshold=40,
        months_of_billing=D("2"),
        average_over_months=12,
        minimum=D("50.00"),
        cap=D("400.00"),
        refund_after_months=12,
        refund_max_late_events=2,
    )


@pytest.fixture
def restoration_policy(db):
    fee = make_catalog_item(
        "restoration-fee",
        kind="fee",
        price="35.00",
        unit="each",
        tax_code=make_tax_code("exempt", "0"),
    )
    return RestorationPolicy.objects.create(
        name="Default restoration", fee_item=fee, reconnect_target_hours=24
    )


@pytest.fixture
def verified():
    """Assert the ledger verifies (call at the end of a money scenario)."""

    def check():
        problems = ledger_verify()
        assert problems == [], problems

    return check
