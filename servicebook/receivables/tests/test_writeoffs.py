"""Write-off, recovery by later payments (and their return), agency referral, recall and the
agency CSV files. The ledger verifies after every scenario."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from servicebook.core.errors import ValidationFailed
from servicebook.core.testing.factories import make_account, make_user
from servicebook.customers.services import account_set_status
from servicebook.ledger.models import AccountBalance, JournalLine, OpenItem
from servicebook.ledger.verify import ledger_verify
from servicebook.payments.services import payment_post, payment_reverse
from servicebook.receivables.models import (
    AgencyFile,
    AgencyReferral,
    CollectionAgency,
    WriteOff,
    WriteOffRecovery,
)
from servicebook.receivables.services import collections_run
from servicebook.receivables.writeoffs import (
    agency_files_make,
    referral_place,
    referral_recall,
    write_off_post,
)
from servicebook.users.services import approval_limit_set

from .collections import make_collection_policy, owe

D = Decimal
DAY = dt.date(2026, 11, 20)


def verified():
    from servicebook.ledger.verify import (
        check_payments_post_one_entry,
        check_returned_payments_unallocated,
    )

    return ledger_verify() + check_payments_post_one_entry() + check_returned_payments_unallocated()


def balance(account) -> Decimal:
    return AccountBalance.objects.get(account=account).balance


def bad_debt() -> Decimal:
    total = sum(
        (line.amount for line in JournalLine.objects.filter(ledger_account__role="bad_debt")),
        D("0"),
    )
    return total


@pytest.fixture
def admin(db):
    user = make_user("admin")
    approval_limit_set(role="admin", kind="write_off", max_amount=D("1000.00"), actor=user)
    return user


@pytest.fixture
def final_billed(admin):
    """An account final-billed owing 120.00 (40.00 of it disputed on a second item)."""
    account = make_account(actor=admin)
    owe(account, "100.00", due=DAY - dt.timedelta(days=90), actor=admin)
    disputed = owe(account, "60.00", due=DAY - dt.timedelta(days=60), actor=admin)
    OpenItem.objects.filter(pk=disputed.pk).update(disputed_amount=D("40.00"))
    account_set_status(account=account, status="final_billed", reason="moved out", actor=admin)
    account.refresh_from_db()
    return account


def pay(account, amount, key, actor):
    return payment_post(
        account=account,
        amount=amount,
        method="cash",
        channel="counter",
        idempotency_key=key,
        actor=actor,
    )


def test_write_off_books_bad_debt_closes_undisputed_items_and_verifies(admin, final_billed):
    assert balance(final_billed) == D("160.00")
    write_off = write_off_post(account=final_billed, actor=admin, reason="uncollectable", on=DAY)
    assert write_off.amount == D("120.00")  # 100 + (60 - 40 disputed)
    assert bad_debt() == D("120.00")
    assert balance(final_billed) == D("40.00")  # the disputed part stays open
    open_items = OpenItem.objects.filter(account=final_billed, kind="debit", open_amount__gt=0)
    assert [(i.open_amount, i.disputed_amount) for i in open_items] == [(D("40.00"), D("40.00"))]
    assert len(write_off.items) == 2
    final_billed.refresh_from_db()
    assert final_billed.status == "written_off"
    assert verified() == []
    # Idempotent: nothing undisputed is left, the same write-off comes back.
    again = write_off_post(account=final_billed, actor=admin, reason="again", on=DAY)
    assert again.pk == write_off.pk and WriteOff.objects.count() == 1
    assert bad_debt() == D("120.00")


def test_write_off_by_hand_needs_final_billed_reason_and_limit(admin, final_billed):
    active = make_account(actor=admin)
    owe(active, "10.00", due=DAY, actor=admin)
    with pytest.raises(ValidationFailed) as exc:
        write_off_post(account=active, actor=admin, reason="x")
    assert "account" in exc.value.errors
    with pytest.raises(ValidationFailed) as exc:
        write_off_post(account=final_billed, actor=admin, reason="  ")
    assert "reason" in exc.value.errors
    collector = make_user("collections")
    approval_limit_set(role="collections", kind="write_off", max_amount=D("50.00"), actor=admin)
    with pytest.raises(ValidationFailed) as exc:
        write_off_post(account=final_billed, actor=collector, reason="too much")
    assert "limit" in exc.value.errors["amount"][0]
    assert WriteOff.objects.count() == 0 and bad_debt() == 0
    with pytest.raises(PermissionDenied):
        write_off_post(account=final_billed, actor=make_user("billing"), reason="no right")
    assert verified() == []


def test_partial_then_full_payment_after_write_off_recovers(admin, final_billed):
    write_off = write_off_post(account=final_billed, actor=admin, reason="gone", on=DAY)
    # The 40.00 disputed stays open: a payment pays open debt first (disputed last, but it is
    # the only open debt), then what is left recovers written-off debt.
    pay(final_billed, "50.00", "p1", admin)
    write_off.refresh_from_db()
    assert write_off.recovered == D("10.00")
    assert balance(final_billed) == D("0.00")
    assert bad_debt() == D("110.00")
    assert verified() == []
    pay(final_billed, "200.00", "p2", admin)
    write_off.refresh_from_db()
    assert write_off.recovered == D("120.00")
    assert balance(final_billed) == D("-90.00")  # overpaid: unapplied credit
    assert bad_debt() == D("0.00")
    assert WriteOffRecovery.objects.count() == 2
    assert verified() == []


def test_returned_payment_after_recovery_writes_off_again(admin, final_billed):
    write_off = write_off_post(account=final_billed, actor=admin, reason="gone", on=DAY)
    OpenItem.objects.filter(disputed_amount__gt=0).update(disputed_amount=0)
    write_off_post(account=final_billed, actor=admin, reason="rest", on=DAY)
    assert balance(final_billed) == D("0.00")
    payment = pay(final_billed, "70.00", "p1", admin)
    write_off.refresh_from_db()
    assert write_off.recovered == D("70.00") and bad_debt() == D("90.00")
    payment_reverse(payment=payment, reason="nsf", actor=admin, fee="0")
    write_off.refresh_from_db()
    assert write_off.recovered == D("0.00")
    assert bad_debt() == D("160.00")
    assert balance(final_billed) == D("0.00")
    recovery = WriteOffRecovery.objects.get()
    assert recovery.undone == D("70.00") and recovery.undone_at is not None
    assert verified() == []


def test_run_write_off_step_books_once_and_refers(admin):
    policy = make_collection_policy(admin)
    agency = CollectionAgency.objects.create(name="Acme Recovery", code="acme", default=True)
    account = make_account(actor=admin)
    owe(account, "120.00", due=DAY - dt.timedelta(days=10), actor=admin)
    step = {s.kind: s for s in policy.steps.all()}
    assert step["write_off"].position < step["agency_referral"].position
    account_set_status(account=account, status="final_billed", reason="test", actor=admin)
    # Walk the process up to the final bill by hand, then let the run take the write-off.
    from servicebook.receivables.models import CollectionProcess

    collections_run(as_of=DAY, actor=admin)
    CollectionProcess.objects.filter(account=account).update(
        position=step["final_bill"].position,
        step=step["final_bill"],
        step_date=DAY,
    )
    later = DAY + dt.timedelta(days=step["write_off"].days_after)
    collections_run(as_of=later, actor=admin)
    write_off = WriteOff.objects.get(account=account)
    assert write_off.amount == D("120.00") and write_off.source == "collections"
    collections_run(as_of=later, actor=admin)  # the same day again: nothing new
    assert WriteOff.objects.count() == 1 and bad_debt() == D("120.00")
    collections_run(as_of=later + dt.timedelta(days=1), actor=admin)
    referral = AgencyReferral.objects.get(account=account)
    assert (referral.agency, referral.amount, referral.status) == (agency, D("120.00"), "referred")
    assert WriteOff.objects.count() == 1
    assert verified() == []


def parse(file: AgencyFile) -> list[dict]:
    return list(csv.DictReader(io.StringIO(file.content)))


def test_agency_files_placement_payment_and_recall_when_paid(admin, final_billed):
    agency = CollectionAgency.objects.create(name="Acme", code="acme", commission_percent=25)
    write_off_post(account=final_billed, actor=admin, reason="gone", on=DAY)
    referral = referral_place(account=final_billed, actor=admin, agency=agency, on=DAY)
    assert referral_place(account=final_billed, actor=admin, agency=agency, on=DAY) == referral
    files = agency_files_make(on=DAY, actor=admin)
    assert [f.kind for f in files] == ["placement"]
    rows = parse(files[0])
    assert rows == [
        {
            "account_number": final_billed.number,
            "name": str(final_billed.customer),
            "address": rows[0]["address"],
            "phones": "+13035550147",
            "emails": rows[0]["emails"],
            "amount": "120.00",
            "write_off_date": DAY.isoformat(),
            "last_payment_date": "",
            "last_payment_amount": "",
        }
    ]
    assert "card" not in files[0].content.lower()
    # Repeatable: the day's file is the same row, unchanged.
    assert agency_files_make(on=DAY, actor=admin) == files
    # A partial payment: an update row; then the rest: paid and recalled.
    pay(final_billed, "100.00", "p1", admin)  # 40 pays the disputed debt, 60 recovers
    referral.refresh_from_db()
    assert referral.status == "referred" and referral.paid == D("60.00")
    pay(final_billed, "60.00", "p2", admin)
    referral.refresh_from_db()
    assert referral.status == "paid" and referral.recall_reason == "paid"
    next_day = DAY + dt.timedelta(days=1)
    recall = next(f for f in agency_files_make(on=next_day, actor=admin) if f.kind == "recall")
    records = [(r["record"], r["amount"], r["reason"]) for r in parse(recall)]
    assert records == [
        ("payment", "60.00", ""),
        ("payment", "60.00", ""),
        ("recall", "0.00", "paid"),
    ]
    assert verified() == []


def test_recall_by_hand_goes_in_the_next_recall_file(admin, final_billed):
    agency = CollectionAgency.objects.create(name="Acme", code="acme")
    write_off_post(account=final_billed, actor=admin, reason="gone", on=DAY)
    referral = referral_place(account=final_billed, actor=admin, on=DAY)  # the only agency
    assert referral.agency == agency
    agency_files_make(on=DAY, actor=admin)
    with pytest.raises(ValidationFailed):
        referral_recall(referral=referral, reason="because", actor=admin)
    referral_recall(referral=referral, reason="bankruptcy", note="Chapter 7", actor=admin)
    referral.refresh_from_db()
    assert referral.status == "recalled"
    recall = next(
        f
        for f in agency_files_make(on=DAY + dt.timedelta(days=1), actor=admin)
        if f.kind == "recall"
    )
    assert [(r["record"], r["reason"]) for r in parse(recall)] == [("recall", "bankruptcy")]
    # A new referral may follow a recalled one.
    assert referral_place(account=final_billed, actor=admin, on=DAY).pk != referral.pk
