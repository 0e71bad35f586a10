"""The ledger's rules: balanced entries, balances that equal their lines, reversals instead of
edits, allocations that never exceed what is open, aging, and the verifier that finds any
broken invariant."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from servicebook.core.errors import Conflict, InvalidTransition, ValidationFailed
from servicebook.core.models import AuditEvent
from servicebook.core.testing.factories import make_account, make_user
from servicebook.ledger.models import (
    AccountBalance,
    Allocation,
    ImmutableError,
    JournalEntry,
    JournalLine,
    LedgerRole,
    OpenItem,
)
from servicebook.ledger.selectors import account_aging, balance_of
from servicebook.ledger.services import (
    Line,
    allocate,
    allocate_oldest_first,
    allocation_reverse,
    journal_post,
    journal_reverse,
    ledger_account_for,
    open_item_create,
)
from servicebook.ledger.verify import ledger_verify

pytestmark = pytest.mark.django_db
D = Decimal
TODAY = dt.date(2026, 11, 20)


@pytest.fixture
def account(db):
    return make_account(actor=make_user("admin"))


def invoice(account, amount, *, due=TODAY, reference="INV-1"):
    """Post what an issued invoice posts: receivable up, revenue and tax down; open a debit."""
    amount = D(amount)
    tax = (amount * D("0.08")).quantize(D("0.01"))
    entry = journal_post(
        lines=[
            Line(LedgerRole.RECEIVABLE, amount, account),
            Line(LedgerRole.REVENUE, -(amount - tax)),
            Line(LedgerRole.TAX_PAYABLE, -tax),
        ],
        memo=f"Invoice {reference}",
        source_type="invoice",
        source_id=reference,
    )
    return open_item_create(
        account=account,
        kind="debit",
        document_type="invoice",
        reference=reference,
        amount=amount,
        issued_on=due - dt.timedelta(days=20),
        due_date=due,
        entry=entry,
    )


def payment(account, amount, *, reference="PAY-1", method="card"):
    amount = D(amount)
    entry = journal_post(
        lines=[
            Line(ledger_account_for(LedgerRole.CASH_CLEARING, payment_method=method), amount),
            Line(LedgerRole.RECEIVABLE, -amount, account),
        ],
        memo=f"Payment {reference}",
        source_type="payment",
        source_id=reference,
    )
    return open_item_create(
        account=account,
        kind="credit",
        document_type="payment",
        reference=reference,
        amount=amount,
        issued_on=TODAY,
        entry=entry,
    )


def test_a_balanced_entry_moves_the_account_balance_and_is_audited(account):
    invoice(account, "100.00")
    assert balance_of(account).balance == D("100.00")
    assert JournalLine.objects.filter(account=account).count() == 1
    assert AuditEvent.objects.filter(action="post").count() == 1
    assert ledger_verify() == []


@pytest.mark.parametrize(
    ("lines", "field_message"),
    [
        (
            lambda a: [Line(LedgerRole.RECEIVABLE, "10.00", a), Line(LedgerRole.REVENUE, "-9.99")],
            "sum to",
        ),
        (lambda a: [Line(LedgerRole.RECEIVABLE, "10.00", a)], "at least two lines"),
        (
            lambda a: [Line(LedgerRole.RECEIVABLE, "10.00"), Line(LedgerRole.REVENUE, "-10.00")],
            "customer account",
        ),
        (
            lambda a: [Line(LedgerRole.REVENUE, "10.00", a), Line(LedgerRole.FEES, "-10.00")],
            "not a customer",
        ),
        (
            lambda a: [Line(LedgerRole.RECEIVABLE, "0.00", a), Line(LedgerRole.REVENUE, "0.00")],
            "no amount",
        ),
    ],
)
def test_a_bad_entry_is_refused_and_writes_nothing(account, lines, field_message):
    with pytest.raises(ValidationFailed) as exc:
        journal_post(lines=lines(account), memo="bad")
    assert field_message in exc.value.message
    assert JournalEntry.objects.count() == 0
    assert balance_of(account).balance == 0


def test_a_float_amount_is_refused(account):
    with pytest.raises(ValidationFailed):
        journal_post(
            lines=[Line(LedgerRole.RECEIVABLE, 0.1, account), Line(LedgerRole.REVENUE, -0.1)],
            memo="float",
        )


def test_amounts_are_cents_rounded_half_up(account):
    journal_post(
        lines=[Line(LedgerRole.RECEIVABLE, "10.005", account), Line(LedgerRole.REVENUE, "-10.005")],
        memo="rounding",
    )
    assert balance_of(account).balance == D("10.01")


def test_a_reversal_mirrors_the_entry_and_happens_once(account):
    entry = invoice(account, "50.00").entry
    reversal = journal_reverse(entry=entry, memo="Issued by mistake")
    assert balance_of(account).balance == 0
    assert reversal.reverses == entry
    with pytest.raises(InvalidTransition):
        journal_reverse(entry=entry, memo="again")
    with pytest.raises(InvalidTransition):
        journal_reverse(entry=reversal, memo="reverse the reversal")
    assert ledger_verify() == []


def test_posted_rows_cannot_be_edited_or_deleted(account):
    entry = invoice(account, "20.00").entry
    line = entry.lines.first()
    line.amount = D("1.00")
    with pytest.raises(ImmutableError):
        line.save()
    with pytest.raises(ImmutableError):
        entry.delete()


def test_the_database_itself_refuses_to_update_a_journal_line(account):
    invoice(account, "20.00")
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE ledger_journalline SET amount = amount + 1")
    assert JournalLine.objects.filter(account=account).get().amount == D("20.00")


def test_deposits_are_held_outside_the_balance(account):
    journal_post(
        lines=[
            Line(ledger_account_for(LedgerRole.CASH_CLEARING, payment_method="cash"), "150.00"),
            Line(LedgerRole.DEPOSITS_HELD, "-150.00", account),
        ],
        memo="Deposit collected",
    )
    row = balance_of(account)
    assert (row.balance, row.deposits_held) == (D("0.00"), D("150.00"))
    assert ledger_verify() == []


def test_payments_apply_to_the_oldest_debt_first(account):
    old = invoice(account, "40.00", due=TODAY - dt.timedelta(days=45), reference="INV-OLD")
    new = invoice(account, "60.00", due=TODAY, reference="INV-NEW")
    credit = payment(account, "70.00")
    made = allocate_oldest_first(account=account, credits=[credit])
    assert [(a.debit.reference, a.amount) for a in made] == [
        ("INV-OLD", D("40.00")),
        ("INV-NEW", D("30.00")),
    ]
    old.refresh_from_db()
    new.refresh_from_db()
    credit.refresh_from_db()
    assert (old.open_amount, old.closed_at is not None) == (D("0.00"), True)
    assert new.open_amount == D("30.00")
    assert credit.open_amount == D("0.00")
    assert balance_of(account).balance == D("30.00")
    assert ledger_verify() == []


def test_an_overpayment_stays_open_as_credit(account):
    invoice(account, "25.00")
    credit = payment(account, "40.00")
    allocate_oldest_first(account=account, credits=[credit])
    credit.refresh_from_db()
    assert credit.open_amount == D("15.00")
    assert balance_of(account).balance == D("-15.00")


def test_an_allocation_never_exceeds_what_is_open(account):
    debit = invoice(account, "10.00")
    credit = payment(account, "30.00")
    with pytest.raises(Conflict):
        allocate(debit=debit, credit=credit, amount=D("10.01"))
    assert Allocation.objects.count() == 0
    allocate(debit=debit, credit=credit, amount=D("10.00"))
    with pytest.raises(Conflict):
        allocate(debit=debit, credit=credit, amount=D("0.01"))


def test_undoing_an_allocation_reopens_both_items_once(account):
    debit = invoice(account, "10.00")
    credit = payment(account, "10.00")
    (allocation,) = allocate_oldest_first(account=account, credits=[credit])
    allocation_reverse(allocation=allocation, reason="Returned check")
    debit.refresh_from_db()
    credit.refresh_from_db()
    assert (debit.open_amount, debit.closed_at, credit.open_amount) == (
        D("10.00"),
        None,
        D("10.00"),
    )
    with pytest.raises(InvalidTransition):
        allocation_reverse(allocation=allocation, reason="again")
    assert ledger_verify() == []


def test_aging_puts_open_debt_in_buckets_and_leaves_disputes_out(account):
    invoice(account, "10.00", due=TODAY, reference="A")  # current
    invoice(account, "20.00", due=TODAY - dt.timedelta(days=15), reference="B")  # 1-30
    invoice(account, "30.00", due=TODAY - dt.timedelta(days=61), reference="C")  # 61-90
    disputed = invoice(account, "40.00", due=TODAY - dt.timedelta(days=200), reference="D")
    OpenItem.objects.filter(pk=disputed.pk).update(disputed_amount=D("40.00"))
    aging = account_aging(account, as_of=TODAY)
    assert aging.buckets["current"] == D("10.00")
    assert aging.buckets["1-30"] == D("20.00")
    assert aging.buckets["61-90"] == D("30.00")
    assert aging.buckets["121+"] == D("0.00")
    assert aging.disputed == D("40.00")
    assert aging.total == D("60.00")


def test_aging_by_invoice_date(account):
    invoice(account, "10.00", due=TODAY, reference="A")  # issued 20 days before due
    aging = account_aging(account, as_of=TODAY, basis="invoice_date")
    assert aging.buckets["1-30"] == D("10.00")


def test_the_verifier_reports_a_cached_balance_that_drifted(account, capsys):
    invoice(account, "10.00")
    AccountBalance.objects.filter(account=account).update(balance=D("9.99"))
    violations = ledger_verify()
    assert [v.check for v in violations] == [
        "cached balances that differ from the sum of their lines"
    ]
    with pytest.raises(SystemExit) as exit_info:
        call_command("ledger-verify")
    assert exit_info.value.code == 1
    assert "9.99" in capsys.readouterr().err


def test_the_verifier_reports_an_open_amount_that_does_not_match_allocations(account):
    debit = invoice(account, "10.00")
    credit = payment(account, "4.00")
    allocate(debit=debit, credit=credit, amount=D("4.00"))
    OpenItem.objects.filter(pk=debit.pk).update(open_amount=D("10.00"))
    checks = [v.check for v in ledger_verify()]
    assert any("open amount" in c for c in checks)


def test_the_verifier_passes_a_clean_ledger(account, capsys):
    invoice(account, "10.00")
    call_command("ledger-verify")
    assert "Ledger verified" in capsys.readouterr().out


def test_cents_stay_exact_through_many_small_movements(account):
    """On SQLite decimals are binary floats in the database; 0.1 + 0.2 must still pay 0.30."""
    debits = [invoice(account, "0.10", reference=f"I{i}") for i in range(3)]
    credit = payment(account, "0.30")
    allocate_oldest_first(account=account, credits=[credit])
    for item in [*debits, credit]:
        item.refresh_from_db()
        assert item.open_amount == 0 and item.closed_at is not None
    assert balance_of(account).balance == D("0.00")
    assert not OpenItem.objects.filter(open_amount__gt=0).exists()
    assert ledger_verify() == []
