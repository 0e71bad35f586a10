"""Recurring charges: the periods a run bills, proration on start, change and stop, and the
bill run's promises (idempotent, both paths equal, workers share without doubling)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import transaction
from hypothesis import given, settings
from hypothesis import strategies as st

from servicebook.billing import billrun
from servicebook.billing.billrun import bill_run_execute, bill_run_start
from servicebook.billing.choices import BillRunStatus, InvoiceStatus
from servicebook.billing.models import (
    BillCycle,
    BillRun,
    BillRunItem,
    CreditNote,
    Invoice,
    InvoiceLine,
    RecurringCharge,
)
from servicebook.billing.pricing import FREQUENCY_MONTHS, add_months, billable_periods
from servicebook.billing.recurring import (
    recurring_charge_add,
    recurring_charge_change,
    recurring_charge_stop,
)
from servicebook.billing.services import billing_profile_set
from servicebook.core.errors import InvalidTransition, ValidationFailed
from servicebook.core.testing.factories import make_account, make_user
from servicebook.customers.services import agreement_add
from servicebook.ledger.models import AccountBalance, JournalEntry, OpenItem
from servicebook.ledger.selectors import balance_of
from servicebook.ledger.verify import ledger_verify

pytestmark = pytest.mark.django_db
D = Decimal
d = dt.date
JUNE_1 = d(2026, 6, 1)


@pytest.fixture(autouse=True)
def _long_backdating(settings):
    # The tests bill fixed months of 2026, whatever today's date is.
    settings.BILLING_MAX_BACKDATE_DAYS = 100_000


# --- Periods and proration (plain arithmetic) -------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "billed_through", "frequency", "run", "expected"),
    [
        # A monthly charge starting mid-month: its first period is prorated.
        (
            d(2026, 5, 10),
            None,
            None,
            "monthly",
            d(2026, 5, 1),
            [(d(2026, 5, 1), d(2026, 5, 31), d(2026, 5, 10), d(2026, 5, 31))],
        ),
        # Next month: the whole month, once.
        (
            d(2026, 5, 10),
            None,
            d(2026, 5, 31),
            "monthly",
            d(2026, 6, 1),
            [(d(2026, 6, 1), d(2026, 6, 30), d(2026, 6, 1), d(2026, 6, 30))],
        ),
        # Already billed through June: the June run bills nothing.
        (d(2026, 5, 10), None, d(2026, 6, 30), "monthly", d(2026, 6, 1), []),
        # Catch-up: never billed, started in April, the June run bills April to June.
        (
            d(2026, 4, 20),
            None,
            None,
            "monthly",
            d(2026, 6, 1),
            [
                (d(2026, 4, 1), d(2026, 4, 30), d(2026, 4, 20), d(2026, 4, 30)),
                (d(2026, 5, 1), d(2026, 5, 31), d(2026, 5, 1), d(2026, 5, 31)),
                (d(2026, 6, 1), d(2026, 6, 30), d(2026, 6, 1), d(2026, 6, 30)),
            ],
        ),
        # An end inside the period: only to the end.
        (
            d(2026, 1, 1),
            d(2026, 6, 12),
            d(2026, 5, 31),
            "monthly",
            d(2026, 6, 1),
            [(d(2026, 6, 1), d(2026, 6, 30), d(2026, 6, 1), d(2026, 6, 12))],
        ),
        # Ended before the period: nothing.
        (d(2026, 1, 1), d(2026, 5, 31), d(2026, 5, 31), "monthly", d(2026, 6, 1), []),
        # Quarterly from 10 May: May-Jul billed by the May run, nothing in June.
        (
            d(2026, 5, 10),
            None,
            None,
            "quarterly",
            d(2026, 5, 1),
            [(d(2026, 5, 1), d(2026, 7, 31), d(2026, 5, 10), d(2026, 7, 31))],
        ),
        (d(2026, 5, 10), None, d(2026, 7, 31), "quarterly", d(2026, 6, 1), []),
        (
            d(2026, 5, 10),
            None,
            d(2026, 7, 31),
            "quarterly",
            d(2026, 8, 1),
            [(d(2026, 8, 1), d(2026, 10, 31), d(2026, 8, 1), d(2026, 10, 31))],
        ),
        # Annual from March, a leap-free year of 365 days.
        (
            d(2026, 3, 1),
            None,
            None,
            "annual",
            d(2026, 3, 1),
            [(d(2026, 3, 1), d(2027, 2, 28), d(2026, 3, 1), d(2027, 2, 28))],
        ),
        # Not started yet: nothing.
        (d(2026, 7, 1), None, None, "monthly", d(2026, 6, 1), []),
    ],
)
def test_the_periods_a_run_bills(start, end, billed_through, frequency, run, expected):
    periods = billable_periods(
        start=start, end=end, billed_through=billed_through, frequency=frequency, run_month=run
    )
    assert [(p.start, p.end, p.active_start, p.active_end) for p in periods] == expected


def _periods_by_walking(*, start, end, billed_through, frequency, run_month):
    """The rule of billable_periods written the plain way: every period from the anchor,
    the billed ones skipped one by one (what the code did before it jumped ahead)."""
    months = FREQUENCY_MONTHS[frequency]
    anchor = start.replace(day=1)
    periods, k = [], 0
    while True:
        p_start = add_months(anchor, k * months)
        if p_start > run_month:
            return periods
        p_end = add_months(anchor, (k + 1) * months) - dt.timedelta(days=1)
        k += 1
        if billed_through is not None and p_end <= billed_through:
            continue
        if end is not None and p_start > end:
            return periods
        active_start = max(p_start, start)
        if billed_through is not None:
            active_start = max(active_start, billed_through + dt.timedelta(days=1))
        active_end = min(p_end, end) if end is not None else p_end
        if active_end >= active_start:
            periods.append((p_start, p_end, active_start, active_end))


_days = st.dates(min_value=dt.date(2015, 1, 1), max_value=dt.date(2028, 12, 31))


@settings(max_examples=400, deadline=None)
@given(
    start=_days,
    end=st.none() | _days,
    billed_through=st.none() | _days,
    frequency=st.sampled_from(sorted(FREQUENCY_MONTHS)),
    run_month=_days.map(lambda day: day.replace(day=1)),
)
def test_jumping_to_the_first_unbilled_period_gives_the_same_periods(
    start, end, billed_through, frequency, run_month
):
    args = {
        "start": start,
        "end": end,
        "billed_through": billed_through,
        "frequency": frequency,
        "run_month": run_month,
    }
    periods = billable_periods(**args)
    assert [(p.start, p.end, p.active_start, p.active_end) for p in periods] == (
        _periods_by_walking(**args)
    )


# --- Set-up -----------------------------------------------------------------------------------


@pytest.fixture
def admin(db):
    return make_user("admin")


def make_subscriber(
    admin,
    item,
    *,
    start=JUNE_1,
    cycle=1,
    quantity=1,
    price=None,
    frequency="monthly",
    jurisdiction="",
):
    account = make_account(actor=admin)
    if jurisdiction:
        account.jurisdiction = jurisdiction
        account.save(update_fields=["jurisdiction"])
    billing_profile_set(account=account, cycle=BillCycle.objects.get(number=cycle), actor=admin)
    agreement = agreement_add(
        account=account,
        kind="internet",
        description="Internet",
        start_date=d(2025, 1, 1),
        actor=admin,
    )
    charge = recurring_charge_add(
        agreement=agreement,
        catalog_item=item,
        quantity=quantity,
        price_override=price,
        frequency=frequency,
        start_date=start,
        actor=admin,
    )
    return account, charge


def run(period="2026-06", cycle=1, mode="bulk", issued_on=JUNE_1, **kw):
    bill_run = bill_run_start(cycle=cycle, period=period, issued_on=issued_on)
    return bill_run_execute(bill_run, mode=mode, **kw)


# --- Proration on start, change and stop ------------------------------------------------------


def test_a_charge_starting_mid_month_is_prorated_by_days(admin, internet):
    account, _ = make_subscriber(admin, internet, start=d(2026, 6, 10))  # 60.00 a month
    run()
    line = InvoiceLine.objects.get()
    # 21 of 30 days: 60 x 21/30 = 42.00, tax 8% 3.36
    assert (line.unit_price, line.amount, line.tax_amount) == (D("42.0000"), D("42.00"), D("3.36"))
    assert line.period_start == d(2026, 6, 10) and line.period_end == d(2026, 6, 30)
    assert "prorated 21/30 days" in line.description
    assert Invoice.objects.get().total == D("45.36")
    assert balance_of(account).balance == D("45.36")


def test_proration_rounds_half_up_at_the_line(admin, internet):
    make_subscriber(admin, internet, start=d(2026, 5, 10), quantity=3)  # 22/31 of 60
    run(period="2026-05", issued_on=d(2026, 5, 1))
    line = InvoiceLine.objects.get()
    # 60 x 22/31 = 42.580645... -> 42.5806 a unit; x3 = 127.7418 -> 127.74; tax 10.2192 -> 10.22
    assert (line.unit_price, line.amount, line.tax_amount) == (
        D("42.5806"),
        D("127.74"),
        D("10.22"),
    )


def test_stopping_a_billed_charge_credits_the_unused_days(admin, internet):
    account, charge = make_subscriber(admin, internet)
    run()  # June billed in advance: 64.80
    invoice = Invoice.objects.get()
    _, notes = recurring_charge_stop(charge=charge, end_date=d(2026, 6, 10), actor=admin)
    (note,) = notes
    # 20 unused days of 30: 40.00 + 3.20 tax
    assert (note.subtotal, note.tax_total, note.total) == (D("40.00"), D("3.20"), D("43.20"))
    assert note.invoice == invoice
    charge.refresh_from_db()
    assert (charge.end_date, charge.billed_through) == (d(2026, 6, 10), d(2026, 6, 10))
    assert balance_of(account).balance == D("21.60")
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PARTIALLY_PAID
    # July bills nothing for the stopped charge.
    run(period="2026-07", issued_on=d(2026, 7, 1))
    assert Invoice.objects.count() == 1
    assert ledger_verify() == []


def test_a_change_mid_month_prorates_both_parts(admin, internet):
    _, charge = make_subscriber(admin, internet)
    run()  # June: 60.00
    new = recurring_charge_change(
        charge=charge, effective_date=d(2026, 6, 16), quantity=2, actor=admin
    )
    # The old charge gives back 15 days (30.00 + 2.40); the new one bills June 16-30 in July.
    assert CreditNote.objects.get().subtotal == D("30.00")
    run(period="2026-07", issued_on=d(2026, 7, 1))
    july = Invoice.objects.get(period="2026-07")
    lines = list(july.lines.order_by("period_start"))
    assert [(x.recurring_charge_id, x.period_start, x.amount) for x in lines] == [
        (new.pk, d(2026, 6, 16), D("60.00")),  # 2 x 60 x 15/30
        (new.pk, d(2026, 7, 1), D("120.00")),
    ]
    assert new.replaces == charge
    assert ledger_verify() == []


def test_a_charge_is_refused_for_a_non_recurring_item_or_zero_quantity(admin, internet, labour):
    account = make_account(actor=admin)
    agreement = agreement_add(account=account, kind="internet", description="x", actor=admin)
    with pytest.raises(ValidationFailed):
        recurring_charge_add(agreement=agreement, catalog_item=labour, actor=admin)
    with pytest.raises(ValidationFailed):
        recurring_charge_add(agreement=agreement, catalog_item=internet, quantity=0, actor=admin)
    assert RecurringCharge.objects.count() == 0


def test_a_stopped_charge_cannot_be_stopped_later(admin, internet):
    _, charge = make_subscriber(admin, internet, start=d(2026, 1, 1))
    recurring_charge_stop(charge=charge, end_date=d(2026, 3, 31), actor=admin)
    with pytest.raises(InvalidTransition):
        recurring_charge_stop(charge=charge, end_date=d(2026, 4, 30), actor=admin)


def test_an_ended_agreement_is_not_billed_past_its_end(admin, internet):
    from servicebook.customers.services import agreement_end

    _, charge = make_subscriber(admin, internet)
    agreement_end(agreement=charge.agreement, end_date=d(2026, 6, 5), actor=admin)
    run()
    assert InvoiceLine.objects.get().amount == D("10.00")  # 5 of 30 days


# --- The bill run ----------------------------------------------------------------------------


def test_a_bill_run_bills_the_cycle_once(admin, internet):
    billed = [make_subscriber(admin, internet)[0] for _ in range(3)]
    other_cycle, _ = make_subscriber(admin, internet, cycle=2)
    nothing = make_account(actor=admin)
    billing_profile_set(account=nothing, cycle=BillCycle.objects.get(number=1), actor=admin)
    report = run(chunk_size=2)
    assert (report.accounts, report.invoices, report.amount) == (4, 3, D("194.40"))
    assert report.chunks == 2
    bill_run = BillRun.objects.get()
    assert bill_run.status == BillRunStatus.COMPLETED
    assert (bill_run.accounts_done, bill_run.invoices_created) == (4, 3)
    assert {i.account_id for i in Invoice.objects.all()} == {a.pk for a in billed}
    assert BillRunItem.objects.get(account=nothing).invoice is None
    assert not Invoice.objects.filter(account=other_cycle).exists()
    for account in billed:
        assert balance_of(account).balance == D("64.80")
    assert ledger_verify() == []

    counts = (Invoice.objects.count(), JournalEntry.objects.count(), OpenItem.objects.count())
    again = run()
    assert (again.accounts, again.invoices) == (0, 0)
    assert (
        Invoice.objects.count(),
        JournalEntry.objects.count(),
        OpenItem.objects.count(),
    ) == counts
    assert BillRun.objects.get().attempts == 2


def test_the_command_reports_progress_and_a_second_run_bills_nothing(admin, internet, capsys):
    for _ in range(3):
        make_subscriber(admin, internet)
    call_command("bill-run", "--cycle", "1", "--period", "2026-06", "--chunk", "2")
    out = capsys.readouterr().out
    assert "chunk     1" in out and "accounts/s" in out and "Billed 3 accounts, 3 invoices" in out
    call_command("bill-run", "--cycle", "1", "--period", "2026-06")
    assert "Billed 0 accounts, 0 invoices" in capsys.readouterr().out
    assert Invoice.objects.count() == 3


def test_workers_share_a_cycle_without_billing_anyone_twice(admin, internet, monkeypatch):
    monkeypatch.setattr(billrun, "SHARE_BLOCK", 2)  # seven accounts span several blocks
    accounts = [make_subscriber(admin, internet)[0] for _ in range(7)]
    first = run(worker=0, workers=2)
    assert BillRun.objects.get().status == BillRunStatus.RUNNING
    billed_first = {a.pk for a in accounts if Invoice.objects.filter(account=a).exists()}
    assert billed_first == {a.pk for a in accounts if (a.pk // 2) % 2 == 0}
    second = run(worker=1, workers=2)
    assert first.accounts + second.accounts == 7
    assert first.accounts and second.accounts
    assert BillRun.objects.get().status == BillRunStatus.COMPLETED
    # A worker given everyone again finds nothing to do.
    assert run(worker=0, workers=1).accounts == 0
    assert Invoice.objects.count() == 7
    assert ledger_verify() == []


def _snapshot():
    """Everything the run wrote, without ids, numbers or times."""
    invoices = sorted(
        (
            i.account_id,
            i.status,
            i.source,
            i.issued_on,
            i.due_date,
            i.period,
            i.subtotal,
            i.tax_total,
            i.total,
            i.entry.memo[:8],
            i.entry.source_type,
            i.entry.effective_date,
            i.open_item.amount,
            i.open_item.open_amount,
            i.open_item.due_date,
            i.open_item.document_type,
            i.open_item.reference == i.number,
            i.entry.source_id == i.number,
            tuple(
                sorted((x.ledger_account_id, x.amount, x.account_id) for x in i.entry.lines.all())
            ),
            tuple(
                (
                    x.position,
                    x.kind,
                    x.catalog_item_id,
                    x.description,
                    x.quantity,
                    x.unit,
                    x.unit_price,
                    x.amount,
                    x.tax_code_id,
                    x.tax_rate,
                    x.tax_amount,
                    x.revenue_account_id,
                    x.recurring_charge_id,
                    x.period_start,
                    x.period_end,
                )
                for x in i.lines.order_by("position")
            ),
        )
        for i in Invoice.objects.select_related("entry", "open_item")
    )
    balances = sorted(AccountBalance.objects.values_list("account_id", "balance"))
    charges = sorted(RecurringCharge.objects.values_list("id", "billed_through"))
    items = sorted(
        (account_id, period, invoice_id is None)
        for account_id, period, invoice_id in BillRunItem.objects.values_list(
            "account_id", "period", "invoice_id"
        )
    )
    return invoices, balances, charges, items


def test_the_bulk_path_writes_what_the_services_write(admin, internet, labour, part, tax):
    from servicebook.core.testing.factories import make_catalog_item, make_tax_code

    labour_tax = make_tax_code("labour", "0.0500")
    make_tax_code("labour", "0.0650", jurisdiction="CO-Denver")
    alarm = make_catalog_item(
        "alarm",
        kind="recurring",
        price="19.99",
        unit="month",
        tax_code=labour_tax,
        revenue_code="4400",
    )
    exempt = make_catalog_item("meter-rent", kind="recurring", price="3.33", unit="month")
    make_subscriber(admin, internet, start=d(2026, 6, 10))
    make_subscriber(admin, alarm, start=d(2026, 4, 3), quantity=2, jurisdiction="CO-Denver")
    make_subscriber(admin, exempt, frequency="quarterly", start=d(2026, 6, 17))
    _, charge = make_subscriber(admin, internet, price="45.50")
    recurring_charge_add(
        agreement=charge.agreement, catalog_item=alarm, start_date=d(2026, 6, 2), actor=admin
    )
    zero = make_catalog_item("free", kind="recurring", price="0.00", unit="month")
    make_subscriber(admin, zero)  # nothing to bill, but the charge advances
    nothing = make_account(actor=admin)
    billing_profile_set(
        account=nothing, cycle=BillCycle.objects.get(number=1), actor=admin, terms_days=10
    )

    def billed(mode):
        sid = transaction.savepoint()
        run(mode=mode, chunk_size=3)
        assert ledger_verify() == []
        result = _snapshot()
        transaction.savepoint_rollback(sid)
        return result

    bulk = billed("bulk")
    service = billed("service")
    assert bulk == service
    assert len(bulk[0]) == 4  # four invoices; the free and the empty account have none
    assert len(bulk[3]) == 6


def test_a_changed_charge_makes_the_chunk_retry_not_double(admin, internet, monkeypatch):
    """A stop that lands between the chunk's read and its write: the compare-and-set on
    billed_through fails, the chunk rolls back and is billed again with the new end."""
    account, charge = make_subscriber(admin, internet)
    real = billrun._bills_for
    calls = {"n": 0}

    def racing(context, ids):
        bills = real(context, ids)
        if calls["n"] == 0:
            RecurringCharge.objects.filter(pk=charge.pk).update(end_date=d(2026, 6, 15))
        calls["n"] += 1
        return bills

    monkeypatch.setattr(billrun, "_bills_for", racing)
    report = run()
    assert report.retries == 1
    assert InvoiceLine.objects.get().amount == D("30.00")  # 15 of 30 days
    assert balance_of(account).balance == D("32.40")
    assert ledger_verify() == []
