"""Collections during a bankruptcy stay: the stay protects pre-petition debt only. An
account owing only stayed debt is held; one with past-due post-petition debt gets its
steps for the post-petition amount alone; an adequate-assurance deposit still unpaid after
its due date makes the account collectible (docs/credit.md)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from servicebook.core.testing.factories import make_account, make_user
from servicebook.credit.models import DepositPolicy
from servicebook.credit.selectors import (
    bankruptcy_held_account_ids,
    bankruptcy_post_petition_balances,
)
from servicebook.credit.services import bankruptcy_file
from servicebook.receivables.models import CollectionAction, CollectionProcess, HoldReason
from servicebook.receivables.services import collections_run
from servicebook.receivables.tests.collections import make_collection_policy, owe

D = Decimal
TODAY = dt.date.today()
PETITION = TODAY - dt.timedelta(days=40)


@pytest.fixture
def admin(db):
    return make_user("admin")


@pytest.fixture
def policy(admin):
    return make_collection_policy(admin)


def _bankrupt(admin, *, post_petition: bool):
    account = make_account(actor=admin)
    owe(account, "300.00", due=PETITION, actor=admin)  # issued 21 days before the petition
    if post_petition:
        # Issued 5 days after the petition, 14 days past due today.
        owe(account, "120.00", due=TODAY - dt.timedelta(days=14), actor=admin)
    bankruptcy_file(
        account=account,
        petition_date=PETITION,
        chapter="13",
        court="D. Colo.",
        case_number=f"26-{account.pk}",
        actor=admin,
    )
    return account


def _actions(account):
    return list(CollectionAction.objects.filter(account=account).values_list("kind", "amount"))


def test_pre_petition_debt_only_is_held(admin, policy):
    account = _bankrupt(admin, post_petition=False)
    assert bankruptcy_held_account_ids(as_of=TODAY).filter(account_id=account.pk).exists()
    collections_run(as_of=TODAY, actor=admin)
    process = CollectionProcess.objects.get(account=account, status="open")
    assert process.hold_reason == HoldReason.BANKRUPTCY
    assert _actions(account) == []


def test_post_petition_past_due_is_collected_for_that_amount_only(admin, policy):
    account = _bankrupt(admin, post_petition=True)
    assert not bankruptcy_held_account_ids(as_of=TODAY).filter(account_id=account.pk).exists()
    assert bankruptcy_post_petition_balances(as_of=TODAY) == [
        (account.pk, D("120.00"), TODAY - dt.timedelta(days=14))
    ]
    collections_run(as_of=TODAY, actor=admin)
    process = CollectionProcess.objects.get(account=account, status="open")
    assert process.hold_reason == ""
    assert _actions(account) == [("reminder", D("120.00"))]


def test_unpaid_assurance_deposit_after_its_due_date_makes_the_account_collectible(admin, policy):
    DepositPolicy.objects.create(name="Deposits", minimum=D("50.00"), assurance_days=20)
    account = _bankrupt(admin, post_petition=False)
    case = account.bankruptcies.get()
    assert case.assurance_deposit is not None
    assert case.assurance_due_on == PETITION + dt.timedelta(days=20)  # before today
    assert not bankruptcy_held_account_ids(as_of=TODAY).filter(account_id=account.pk).exists()
    # Before its due date the stay still holds the account.
    assert (
        bankruptcy_held_account_ids(as_of=case.assurance_due_on)
        .filter(account_id=account.pk)
        .exists()
    )
    collections_run(as_of=TODAY, actor=admin)
    assert _actions(account) == [("reminder", D("300.00"))]


def test_a_held_assurance_deposit_keeps_the_stay(admin, policy):
    from servicebook.payments.services import deposit_collect

    DepositPolicy.objects.create(name="Deposits", minimum=D("50.00"), assurance_days=20)
    account = _bankrupt(admin, post_petition=False)
    deposit = account.bankruptcies.get().assurance_deposit
    deposit_collect(
        deposit=deposit,
        amount=deposit.amount_required,
        method="cash",
        channel="counter",
        idempotency_key="assurance",
        actor=admin,
    )
    collections_run(as_of=TODAY, actor=admin)
    assert CollectionProcess.objects.get(account=account).hold_reason == HoldReason.BANKRUPTCY
    assert _actions(account) == []
