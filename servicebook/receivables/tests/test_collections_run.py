"""The collections run on hand-built accounts and dates: each step, each protection, the
same day twice, a payment between runs, disputes, notice rules, restart."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import call_command

from servicebook.core.testing.factories import make_account, make_user
from servicebook.customers.models import Account
from servicebook.ledger.models import OpenItem
from servicebook.ledger.verify import ledger_verify
from servicebook.receivables.models import (
    CollectionAction,
    CollectionLetter,
    CollectionProcess,
    HoldReason,
)
from servicebook.receivables.services import collections_run

from .collections import make_collection_policy, owe

D = Decimal
DAY = dt.date(2026, 11, 2)  # a Monday


def day(n: int) -> dt.date:
    return DAY + dt.timedelta(days=n)


@pytest.fixture
def admin(db):
    return make_user("admin")


@pytest.fixture
def policy(admin):
    return make_collection_policy(admin)


@pytest.fixture
def late(admin, policy):
    """An account owing 120.00 that fell due 10 days before DAY."""
    account = make_account(actor=admin)
    owe(account, "120.00", due=day(-10), actor=admin)
    return account


def process_of(account) -> CollectionProcess:
    return CollectionProcess.objects.get(account=account, status="open")


def kinds(account) -> list[str]:
    return list(
        CollectionAction.objects.filter(account=account)
        .order_by("taken_on", "id")
        .values_list("kind", flat=True)
    )


def test_first_step_waits_for_days_past_due_of_the_oldest_item(admin, policy):
    account = make_account(actor=admin)
    owe(account, "120.00", due=day(-3), actor=admin)
    collections_run(as_of=DAY, actor=admin)
    process = process_of(account)
    assert process.position == 0 and kinds(account) == []
    collections_run(as_of=day(2), actor=admin)
    assert kinds(account) == ["reminder"]


def test_reminder_records_a_rendered_letter_with_the_itemised_amounts(admin, late):
    collections_run(as_of=DAY, actor=admin)
    action = CollectionAction.objects.get(account=late)
    assert (action.kind, action.amount, action.taken_on) == ("reminder", D("120.00"), DAY)
    letter = CollectionLetter.objects.get(action=action)
    assert late.number in letter.body and "120.00 is past due on 2026-11-02" in letter.body, (
        letter.body
    )
    assert "INV-" in letter.body and letter.sent_on == DAY


def test_same_day_twice_changes_nothing(admin, late):
    collections_run(as_of=DAY, actor=admin)
    before = (
        list(CollectionProcess.objects.values()),
        list(CollectionAction.objects.values()),
        CollectionLetter.objects.count(),
    )
    report = collections_run(as_of=DAY, actor=admin)
    after = (
        list(CollectionProcess.objects.values()),
        list(CollectionAction.objects.values()),
        CollectionLetter.objects.count(),
    )
    assert before == after
    assert sum(report.taken.values()) == 0 and report.started == 0


def test_at_most_one_step_a_day_and_days_after_the_previous_step(admin, late):
    collections_run(as_of=DAY, actor=admin)
    collections_run(as_of=day(9), actor=admin)  # the notice needs 10 days after
    assert kinds(late) == ["reminder"]
    collections_run(as_of=day(10), actor=admin)
    assert kinds(late) == ["reminder", "past_due_notice"]
    assert process_of(late).next_step_on == day(20)


def walk_to_notice(admin, account):
    collections_run(as_of=DAY, actor=admin)
    collections_run(as_of=day(10), actor=admin)
    collections_run(as_of=day(20), actor=admin)
    assert kinds(account)[-1] == "disconnect_notice"


def test_disconnect_notice_charges_its_fee_through_billing_and_the_ledger_verifies(admin, late):
    walk_to_notice(admin, late)
    action = CollectionAction.objects.get(account=late, kind="disconnect_notice")
    assert action.fee == D("5.00") and action.fee_invoice is not None
    fee_item = OpenItem.objects.get(source_type="invoice", source_id=action.fee_invoice.number)
    assert fee_item.amount == D("5.00") and fee_item.account_id == late.pk
    assert late.ledger_balance.balance == D("125.00")
    assert ledger_verify() == []
    assert process_of(late).notice_on == day(20)


def test_non_pay_work_order_then_disconnection_when_it_is_completed(admin, late):
    from servicebook.workorders.models import WorkOrder

    walk_to_notice(admin, late)
    collections_run(as_of=day(32), actor=admin)  # 12 days after the notice
    process = process_of(late)
    assert process.step.kind == "nonpay_work_order" and process.work_order is not None
    assert process.work_order.work_type == "nonpay_disconnect"
    collections_run(as_of=day(33), actor=admin)
    assert kinds(late)[-1] == "nonpay_work_order"  # waits for the field
    WorkOrder.objects.filter(pk=process.work_order.pk).update(status="completed")
    collections_run(as_of=day(34), actor=admin)
    assert kinds(late)[-1] == "disconnection"
    late.refresh_from_db()
    assert late.status == "disconnected"
    collections_run(as_of=day(64), actor=admin)
    late.refresh_from_db()
    assert kinds(late)[-1] == "final_bill" and late.status == "final_billed"
    collections_run(as_of=day(124), actor=admin)
    late.refresh_from_db()
    assert kinds(late)[-1] == "write_off" and late.status == "written_off"
    collections_run(as_of=day(125), actor=admin)
    assert kinds(late)[-1] == "agency_referral"
    process = CollectionProcess.objects.get(account=late)
    assert process.status == "completed" and process.closed_on == day(125)
    collections_run(as_of=day(126), actor=admin)  # a completed process does not restart
    assert CollectionProcess.objects.filter(account=late).count() == 1
    assert ledger_verify() == []


def test_a_payment_between_runs_cancels_the_process(admin, late):
    from servicebook.payments.services import payment_post

    collections_run(as_of=DAY, actor=admin)
    payment_post(
        account=late,
        amount="115.00",
        method="cash",
        channel="counter",
        idempotency_key="pay-1",
        actor=admin,
    )
    collections_run(as_of=day(1), actor=admin)  # 5.00 left: below the first step's 10.00
    process = CollectionProcess.objects.get(account=late)
    assert (process.status, process.closed_on) == ("cancelled", day(1))
    assert ledger_verify() == []


def test_disputed_amounts_are_excluded(admin, policy):
    only_disputed = make_account(actor=admin)
    item = owe(only_disputed, "80.00", due=day(-30), actor=admin)
    OpenItem.objects.filter(pk=item.pk).update(disputed_amount=D("80.00"))
    partly = make_account(actor=admin)
    item = owe(partly, "80.00", due=day(-30), actor=admin)
    OpenItem.objects.filter(pk=item.pk).update(disputed_amount=D("75.00"))
    some = make_account(actor=admin)
    item = owe(some, "80.00", due=day(-30), actor=admin)
    OpenItem.objects.filter(pk=item.pk).update(disputed_amount=D("60.00"))
    collections_run(as_of=DAY, actor=admin)
    assert not CollectionProcess.objects.filter(account__in=[only_disputed, partly]).exists()
    assert CollectionAction.objects.get(account=some).amount == D("20.00")


def test_notice_minimum_days_and_validity_window(admin):
    from servicebook.workorders.models import WorkOrder  # noqa: F401

    make_collection_policy(admin, notice_min_days=15, notice_valid_days=30)
    account = make_account(actor=admin)
    owe(account, "120.00", due=day(-10), actor=admin)
    walk_to_notice(admin, account)
    collections_run(as_of=day(32), actor=admin)  # 12 days after: the step is due, notice not
    process = process_of(account)
    assert process.hold_reason == HoldReason.NOTICE_PERIOD and process.held_on == day(32)
    assert kinds(account)[-1] == "disconnect_notice"
    # Past the window: a new notice (and its fee) comes first.
    collections_run(as_of=day(51), actor=admin)
    assert kinds(account)[-2:] == ["disconnect_notice", "disconnect_notice"]
    assert process_of(account).notice_on == day(51)
    assert ledger_verify() == []


def test_protected_day_and_temperature_hold_severance(admin):
    from servicebook.core.models import BusinessCalendar, Holiday
    from servicebook.receivables.services import temperature_record

    week = {str(d): [["08:00", "17:00"]] for d in range(5)}
    calendar = BusinessCalendar.objects.create(name="Utility", weekly_hours=week)
    Holiday.objects.create(calendar=calendar, date=day(32), name="Holiday")  # a Friday
    make_collection_policy(admin, calendar=calendar, min_temperature=D("-5.0"))
    cold = make_account(actor=admin)
    Account.objects.filter(pk=cold.pk).update(jurisdiction="CO")
    warm = make_account(actor=admin)
    Account.objects.filter(pk=warm.pk).update(jurisdiction="TX")
    for account in (cold, warm):
        owe(account, "120.00", due=day(-10), actor=admin)
        walk_to_notice(admin, account)  # the work order is due on day 32
    temperature_record(jurisdiction="CO", on=day(32), low_temperature="-12", actor=admin)
    collections_run(as_of=day(32), actor=admin)  # a holiday: nobody
    assert {process_of(a).hold_reason for a in (cold, warm)} == {HoldReason.PROTECTED_DAY}
    collections_run(as_of=day(33), actor=admin)  # Saturday
    assert process_of(warm).hold_reason == HoldReason.PROTECTED_DAY
    temperature_record(jurisdiction="CO", on=day(35), low_temperature="-12", actor=admin)
    collections_run(as_of=day(35), actor=admin)  # Monday, cold in CO
    assert process_of(cold).hold_reason == HoldReason.TEMPERATURE
    assert kinds(cold)[-1] == "disconnect_notice"
    assert kinds(warm)[-1] == "nonpay_work_order"


def test_medical_certificate_and_moratorium_hold(admin, policy):
    from servicebook.receivables.services import medical_certificate_record, moratorium_save

    sick = make_account(actor=admin)
    winter = make_account(actor=admin)
    Account.objects.filter(pk=winter.pk).update(jurisdiction="MN")
    for account in (sick, winter):
        owe(account, "120.00", due=day(-10), actor=admin)
    walk_to_notice(admin, sick)
    medical_certificate_record(account=sick, starts_on=day(25), actor=admin)  # 30 days
    moratorium_save(
        name="Winter", jurisdiction="MN", starts_on=day(25), ends_on=day(120), actor=admin
    )
    collections_run(as_of=day(32), actor=admin)
    assert process_of(sick).hold_reason == HoldReason.MEDICAL
    assert process_of(winter).hold_reason == HoldReason.MORATORIUM
    collections_run(as_of=day(56), actor=admin)  # the certificate ended on day 55
    assert kinds(sick)[-1] == "nonpay_work_order"
    assert process_of(winter).hold_reason == HoldReason.MORATORIUM


def test_promise_holds_until_its_day_then_broken_resumes(admin, late):
    from servicebook.receivables.models import PromiseToPay
    from servicebook.receivables.services import promise_create

    collections_run(as_of=DAY, actor=admin)
    promise = promise_create(
        account=late, amount="120.00", promised_on=day(12), actor=admin, today=day(1)
    )
    collections_run(as_of=day(10), actor=admin)
    assert process_of(late).hold_reason == HoldReason.PROMISE
    assert kinds(late) == ["reminder"]
    collections_run(as_of=day(13), actor=admin)  # nothing paid: broken, collections resume
    promise.refresh_from_db()
    assert promise.status == "broken" and promise.evaluated_on == day(13)
    assert kinds(late) == ["reminder", "past_due_notice"]
    assert PromiseToPay.objects.filter(status="open").count() == 0


def test_kept_promise(admin, late):
    from servicebook.payments.services import payment_post
    from servicebook.receivables.services import promise_create

    collections_run(as_of=DAY, actor=admin)
    promise = promise_create(
        account=late, amount="50.00", promised_on=day(12), actor=admin, today=day(1)
    )
    payment_post(
        account=late,
        amount="50.00",
        method="cash",
        channel="counter",
        idempotency_key="p-kept",
        actor=admin,
        received_on=day(5),
    )
    collections_run(as_of=day(10), actor=admin)
    promise.refresh_from_db()
    assert promise.status == "kept" and promise.paid == D("50.00")
    assert process_of(late).hold_reason == HoldReason.PROMISE  # kept: held to its day
    collections_run(as_of=day(13), actor=admin)
    assert kinds(late) == ["reminder", "past_due_notice"]


def test_restart_after_a_partial_run_doubles_nothing(admin, policy):
    accounts = [make_account(actor=admin) for _ in range(5)]
    for account in accounts:
        owe(account, "50.00", due=day(-10), actor=admin)
    collections_run(as_of=DAY, actor=admin)
    # A killed run on day 10: only the first two processes got their step (the chunk of
    # the others never committed).
    from servicebook.receivables import services

    first_two = list(CollectionProcess.objects.order_by("pk").values_list("pk", flat=True)[:2])
    steps = list(policy.steps.order_by("position"))
    from servicebook.receivables.services import RunReport, _snapshot_balances

    _snapshot_balances(day(10))
    services._take_step(
        candidates=CollectionProcess.objects.filter(pk__in=first_two),
        lo=first_two[0],
        hi=first_two[-1],
        from_position=1,
        step=steps[1],
        steps=steps,
        policy=policy,
        as_of=day(10),
        actor=admin,
        report=RunReport(as_of=day(10)),
    )
    report = collections_run(as_of=day(10), actor=admin)
    assert report.taken["past_due_notice"] == 3
    assert CollectionAction.objects.filter(kind="past_due_notice").count() == 5
    assert CollectionLetter.objects.count() == 10


def test_command_runs_for_a_date(admin, late, capsys):
    call_command("collections-run", "--as-of", DAY.isoformat(), "--user", admin.username)
    assert "1 delinquent accounts" in capsys.readouterr().out
    assert kinds(late) == ["reminder"]


def test_the_run_needs_receivables_collect(late):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        collections_run(as_of=DAY, actor=make_user("billing"))
    assert not CollectionProcess.objects.exists()


def test_jurisdiction_policy_wins_over_the_default(admin, policy):
    from servicebook.receivables.services import StepInput, collection_policy_save

    special = collection_policy_save(
        name="CO residential",
        customer_class="residential",
        jurisdiction="CO",
        steps=[StepInput("reminder", "500.00", 0)],
        actor=admin,
    )
    co = make_account(actor=admin)
    Account.objects.filter(pk=co.pk).update(jurisdiction="CO")
    other = make_account(actor=admin)
    for account in (co, other):
        owe(account, "120.00", due=day(-10), actor=admin)
    collections_run(as_of=DAY, actor=admin)
    assert not CollectionProcess.objects.filter(account=co).exists()  # below 500 there
    assert process_of(other).policy == policy
    assert special.steps.count() == 1


def test_arrangement_and_bankruptcy_hold_every_step(admin, policy):
    from servicebook.credit.models import ArrangementPolicy
    from servicebook.credit.services import arrangement_create, bankruptcy_file

    ArrangementPolicy.objects.create(
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
    arranged = make_account(actor=admin)
    bankrupt = make_account(actor=admin)
    free = make_account(actor=admin)
    for account in (arranged, bankrupt, free):
        owe(account, "120.00", due=day(-10), actor=admin)
    today = dt.date.today()
    arrangement_create(account=arranged, actor=admin, on=today)
    bankruptcy_file(
        account=bankrupt,
        petition_date=today,
        chapter="7",
        court="D. Colo.",
        case_number="26-10001",
        actor=admin,
    )
    collections_run(as_of=today, actor=admin)
    assert process_of(arranged).hold_reason == HoldReason.ARRANGEMENT
    assert process_of(bankrupt).hold_reason == HoldReason.BANKRUPTCY
    assert kinds(arranged) == [] and kinds(bankrupt) == []
    assert kinds(free) == ["reminder"]
