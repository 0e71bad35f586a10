"""Invoices: drafts, rounding at the line, issuing (journal entry and open item), the status
that follows the open item, and credit notes as the only way back."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from servicebook.billing.choices import InvoiceStatus
from servicebook.billing.models import CreditNote, Invoice, InvoiceLine
from servicebook.billing.services import (
    CreditLineInput,
    billing_profile_set,
    credit_note_create,
    invoice_create_draft,
    invoice_issue,
    invoice_line_add,
    invoice_refresh_status,
    invoice_void,
)
from servicebook.core.errors import InvalidTransition, ValidationFailed
from servicebook.core.testing.factories import make_invoice, make_tax_code, make_user
from servicebook.ledger.models import JournalEntry, JournalLine, LedgerRole, OpenItem
from servicebook.ledger.selectors import balance_of
from servicebook.ledger.services import Line, allocate, journal_post, open_item_create
from servicebook.ledger.verify import ledger_verify

pytestmark = pytest.mark.django_db
D = Decimal


def pay(account, amount, reference="PAY-1"):
    """What the payments app posts for a payment (cash clearing debit, receivable credit)."""
    from servicebook.ledger.services import ledger_account_for

    entry = journal_post(
        lines=[
            Line(ledger_account_for(LedgerRole.CASH_CLEARING, payment_method="cash"), amount),
            Line(LedgerRole.RECEIVABLE, -D(amount), account),
        ],
        memo="Payment",
    )
    return open_item_create(
        account=account,
        kind="credit",
        document_type="payment",
        reference=reference,
        amount=D(amount),
        issued_on=dt.date.today(),
        entry=entry,
    )


def test_a_line_is_rounded_half_up_and_taxed_at_the_line(account, biller, part):
    invoice = invoice_create_draft(account=account, actor=biller)
    # 3 x 12.49 = 37.47; tax 8% = 2.9976 -> 3.00. 1.5 x 0.33 = 0.495 -> 0.50, tax 0.04.
    invoice_line_add(invoice=invoice, catalog_item=part, quantity=3, actor=biller)
    invoice_line_add(
        invoice=invoice, catalog_item=part, quantity="1.5", unit_price="0.33", actor=biller
    )
    lines = list(invoice.lines.order_by("position"))
    assert [(x.amount, x.tax_amount) for x in lines] == [
        (D("37.47"), D("3.00")),
        (D("0.50"), D("0.04")),
    ]
    invoice.refresh_from_db()
    assert (invoice.subtotal, invoice.tax_total, invoice.total) == (
        D("37.97"),
        D("3.04"),
        D("41.01"),
    )


def test_issuing_numbers_posts_and_opens_the_debit_due_after_the_terms(
    account, biller, labour, part, settings
):
    settings.BILLING_TERMS_DAYS = 21
    invoice = make_invoice(
        account=account,
        lines=[(labour, 2), (part, 1)],
        actor=biller,
        issued_on=dt.date(2026, 5, 4),
    )
    assert invoice.status == InvoiceStatus.ISSUED
    assert invoice.number.startswith("INV-")
    assert invoice.due_date == dt.date(2026, 5, 25)
    # 190.00 labour (4100) + 12.49 part (4300); tax 15.20 + 1.00.
    assert invoice.total == D("218.69")
    lines = {
        (line.ledger_account.code, line.amount, line.account_id)
        for line in JournalLine.objects.filter(entry=invoice.entry).select_related("ledger_account")
    }
    assert lines == {
        ("1200", D("218.69"), account.pk),
        ("4100", D("-190.00"), None),
        ("4300", D("-12.49"), None),
        ("2100", D("-16.20"), None),
    }
    item = invoice.open_item
    assert (item.kind, item.amount, item.open_amount, item.due_date, item.reference) == (
        "debit",
        D("218.69"),
        D("218.69"),
        dt.date(2026, 5, 25),
        invoice.number,
    )
    assert balance_of(account).balance == D("218.69")
    assert ledger_verify() == []


def test_the_profile_terms_win_over_the_setting(account, biller, labour):
    billing_profile_set(
        account=account, cycle=account.billing_profile.cycle, terms_days=10, actor=biller
    )
    invoice = make_invoice(
        account=account, lines=[(labour, 1)], actor=biller, issued_on=dt.date(2026, 1, 1)
    )
    assert invoice.due_date == dt.date(2026, 1, 11)


def test_the_jurisdictions_own_rate_applies(account, biller, labour, tax):
    make_tax_code("standard", "0.0290", jurisdiction="CO-Denver")
    account.jurisdiction = "CO-Denver"
    account.save(update_fields=["jurisdiction"])
    invoice = make_invoice(account=account, lines=[(labour, 1)], actor=biller)
    assert invoice.tax_total == D("2.76")  # 95.00 x 2.9% = 2.755 -> 2.76


def test_an_issued_invoice_is_never_edited(account, biller, labour):
    invoice = make_invoice(account=account, lines=[(labour, 1)], actor=biller)
    with pytest.raises(InvalidTransition):
        invoice_line_add(invoice=invoice, catalog_item=labour, actor=biller)
    with pytest.raises(InvalidTransition):
        invoice_issue(invoice=invoice, actor=biller)
    assert JournalEntry.objects.count() == 1


def test_an_empty_draft_is_not_issued(account, biller):
    invoice = invoice_create_draft(account=account, actor=biller)
    with pytest.raises(ValidationFailed):
        invoice_issue(invoice=invoice, actor=biller)
    invoice.refresh_from_db()
    assert (invoice.status, invoice.number) == (InvoiceStatus.DRAFT, None)
    assert JournalEntry.objects.count() == 0


def test_a_representative_cannot_issue_and_nothing_changes(account, biller, labour):
    invoice = make_invoice(account=account, lines=[(labour, 1)], actor=biller, issue=False)
    with pytest.raises(PermissionDenied):
        invoice_issue(invoice=invoice, actor=make_user("rep1"))
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.DRAFT
    assert JournalEntry.objects.count() == 0


def test_the_status_follows_the_open_item(account, biller, labour):
    invoice = make_invoice(account=account, lines=[(labour, 1)], actor=biller)  # 102.60
    payment = pay(account, "50.00")
    allocate(debit=invoice.open_item, credit=payment, amount=D("50.00"))
    assert invoice_refresh_status(invoice).status == InvoiceStatus.PARTIALLY_PAID
    second = pay(account, "52.60", reference="PAY-2")
    allocate(debit=invoice.open_item, credit=second, amount=D("52.60"))
    assert invoice_refresh_status(invoice).status == InvoiceStatus.PAID
    assert ledger_verify() == []


def test_voiding_posts_the_reverse_and_allocates_a_credit_to_the_invoice(account, biller, labour):
    invoice = make_invoice(account=account, lines=[(labour, 2)], actor=biller)  # 205.20
    note = invoice_void(invoice=invoice, reason="Billed the wrong account", actor=biller)
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.VOID
    assert note.total == D("205.20") and note.voids
    assert note.number.startswith("CN-")
    lines = {
        (line.ledger_account.code, line.amount, line.account_id)
        for line in note.entry.lines.select_related("ledger_account")
    }
    assert lines == {
        ("1200", D("-205.20"), account.pk),
        ("4100", D("190.00"), None),
        ("2100", D("15.20"), None),
    }
    note.open_item.refresh_from_db()
    invoice.open_item.refresh_from_db()
    assert (note.open_item.open_amount, invoice.open_item.open_amount) == (0, 0)
    assert balance_of(account).balance == 0
    with pytest.raises(InvalidTransition):
        invoice_void(invoice=invoice, reason="again", actor=biller)
    assert ledger_verify() == []


def test_a_partial_credit_note_takes_back_part_of_a_line_with_its_tax(account, biller, labour):
    invoice = make_invoice(account=account, lines=[(labour, 2)], actor=biller)  # 190 + 15.20
    line = invoice.lines.get()
    note = credit_note_create(
        invoice=invoice,
        reason="Goodwill: one hour",
        lines=[CreditLineInput(line, D("95.00"))],
        actor=biller,
    )
    assert (note.subtotal, note.tax_total, note.total) == (D("95.00"), D("7.60"), D("102.60"))
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PARTIALLY_PAID
    assert invoice.open_item.open_amount == D("102.60")
    with pytest.raises(ValidationFailed):
        credit_note_create(
            invoice=invoice,
            reason="too much",
            lines=[CreditLineInput(line, D("95.01"))],
            actor=biller,
        )
    assert CreditNote.objects.count() == 1
    assert ledger_verify() == []


def test_voiding_a_paid_invoice_leaves_the_customer_unapplied_credit(account, biller, labour):
    invoice = make_invoice(account=account, lines=[(labour, 1)], actor=biller)  # 102.60
    payment = pay(account, "102.60")
    allocate(debit=invoice.open_item, credit=payment, amount=D("102.60"))
    invoice_refresh_status(invoice)
    note = invoice_void(invoice=invoice, reason="Duplicate", actor=biller)
    note.open_item.refresh_from_db()
    assert note.open_item.open_amount == D("102.60")
    assert balance_of(account).balance == D("-102.60")
    unapplied = JournalLine.objects.filter(
        account=account, ledger_account__role=LedgerRole.UNAPPLIED_CREDIT
    )
    assert sum(x.amount for x in unapplied) == D("-102.60")
    receivable = JournalLine.objects.filter(
        account=account, ledger_account__role=LedgerRole.RECEIVABLE
    )
    assert sum(x.amount for x in receivable) == 0
    assert ledger_verify() == []


def test_a_credit_beyond_the_invoice_pays_older_debts_first(account, biller, labour, part):
    older = make_invoice(
        account=account, lines=[(part, 1)], actor=biller, issued_on=dt.date(2026, 1, 5)
    )  # 13.49
    invoice = make_invoice(
        account=account, lines=[(labour, 1)], actor=biller, issued_on=dt.date(2026, 2, 5)
    )
    payment = pay(account, "102.60")
    allocate(debit=invoice.open_item, credit=payment, amount=D("102.60"))
    invoice_void(invoice=invoice, reason="Not ours", actor=biller)
    older.refresh_from_db()
    assert older.status == InvoiceStatus.PAID
    assert OpenItem.objects.get(pk=older.open_item_id).open_amount == 0
    assert ledger_verify() == []


def test_drafts_and_lines_survive_nothing_half_written(account, biller, labour):
    invoice = invoice_create_draft(account=account, actor=biller)
    with pytest.raises(ValidationFailed):
        invoice_line_add(invoice=invoice, catalog_item=labour, quantity=0, actor=biller)
    assert InvoiceLine.objects.count() == 0
    assert Invoice.objects.get().total == 0


def test_a_policy_fee_is_billed_with_billing_fees_alone(account, labour):
    from servicebook.billing.services import fee_invoice_issue

    collector = make_user("collections")
    invoice = fee_invoice_issue(
        account=account,
        memo="Disconnect notice fee",
        amount="15.00",
        issued_on=dt.date(2026, 11, 20),
        actor=collector,
    )
    assert (invoice.status, invoice.total, invoice.issued_on) == (
        "issued",
        Decimal("15.00"),
        dt.date(2026, 11, 20),
    )
    line = invoice.lines.get()
    assert (line.kind, line.description, line.revenue_account.role) == (
        "fee",
        "Disconnect notice fee",
        LedgerRole.FEES,
    )
    # A catalog item at its own price, or at the policy's amount.
    assert (
        fee_invoice_issue(
            account=account, memo="Visit", catalog_item=labour, actor=collector
        ).subtotal
        == labour.price
    )
    # The collector bills the policy's fee, not invoices of their own making.
    with pytest.raises(PermissionDenied):
        invoice_create_draft(account=account, actor=collector)
    with pytest.raises(PermissionDenied):
        fee_invoice_issue(account=account, memo="Fee", amount="5.00", actor=make_user("rep1"))
    with pytest.raises(ValidationFailed) as refused:
        fee_invoice_issue(account=account, memo="Fee", actor=collector)
    assert "amount" in refused.value.errors
    assert ledger_verify() == []
