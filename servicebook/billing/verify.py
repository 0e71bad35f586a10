"""Billing's invariants, checked by `servicebook ledger-verify` next to the ledger's own
(BillingConfig.ready() adds them to servicebook.ledger.verify.CHECKS; the ledger does not
import billing, the arrow stays ledger <- billing). Set-based, like the ledger's checks.

- an invoice's subtotal, tax and total equal the sums of its lines;
- a posted invoice has its entry and open item, the open item's amount is the total, and
  the entry's receivable line is the total on the invoice's account;
- a credit note's totals equal its lines, and an invoice's credited total is the sum of its
  credit notes and never more than the invoice;
- no account is billed twice for a period (also a unique key; checked for the report).
"""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Count, F, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from servicebook.ledger.models import JournalLine, LedgerRole
from servicebook.ledger.verify import MONEY, Violation, _violation, cents

from .choices import InvoiceStatus
from .models import BillRunItem, CreditNote, CreditNoteLine, Invoice, InvoiceLine

ZERO = Value(Decimal("0.00"), output_field=MONEY)


def _sum(queryset, expression, group: str):
    return Coalesce(
        Subquery(
            queryset.values(group).annotate(total=Sum(expression)).values("total")[:1],
            output_field=MONEY,
        ),
        ZERO,
    )


def check_invoice_totals() -> list[Violation]:
    lines = InvoiceLine.objects.filter(invoice=OuterRef("pk"))
    wrong = (
        Invoice.objects.annotate(
            lines_subtotal=cents(_sum(lines, "amount", "invoice")),
            lines_tax=cents(_sum(lines, "tax_amount", "invoice")),
            subtotal_c=cents(F("subtotal")),
            tax_c=cents(F("tax_total")),
            total_c=cents(F("total")),
        )
        .filter(
            ~Q(subtotal_c=F("lines_subtotal"))
            | ~Q(tax_c=F("lines_tax"))
            | ~Q(total_c=F("lines_subtotal") + F("lines_tax"))
        )
        .order_by("pk")
    )
    found = _violation(
        "invoices whose totals are not the sums of their lines",
        wrong,
        lambda i: f"{i.label}: total {i.total}, lines {(i.lines_subtotal + i.lines_tax) / 100:.2f}",
    )
    return [found] if found else []


def check_invoice_postings() -> list[Violation]:
    posted = Invoice.objects.exclude(status=InvoiceStatus.DRAFT)
    unposted = posted.filter(Q(entry__isnull=True) | Q(open_item__isnull=True) | Q(number=None))
    # The receivable lines of the entry on the invoice's own account.
    receivable = JournalLine.objects.filter(
        entry=OuterRef("entry"),
        account=OuterRef("account"),
        ledger_account__role=LedgerRole.RECEIVABLE,
    )
    mismatched = (
        posted.filter(entry__isnull=False, open_item__isnull=False)
        .annotate(
            receivable=cents(_sum(receivable, "amount", "entry")),
            item_amount=cents(F("open_item__amount")),
            total_c=cents(F("total")),
        )
        .filter(
            ~Q(receivable=F("total_c"))
            | ~Q(item_amount=F("total_c"))
            | ~Q(open_item__account=F("account"))
        )
        .order_by("pk")
    )
    found = [
        _violation(
            "issued invoices without a journal entry, open item or number",
            unposted.order_by("pk"),
            lambda i: f"invoice {i.pk}",
        ),
        _violation(
            "invoices whose entry or open item does not carry their total and account",
            mismatched,
            lambda i: (
                f"{i.label}: total {i.total}, receivable {i.receivable / 100:.2f}, "
                f"open item {i.item_amount / 100:.2f}"
            ),
        ),
    ]
    return [v for v in found if v]


def check_credit_notes() -> list[Violation]:
    lines = CreditNoteLine.objects.filter(credit_note=OuterRef("pk"))
    wrong_notes = (
        CreditNote.objects.annotate(
            lines_total=cents(_sum(lines, F("amount") + F("tax_amount"), "credit_note")),
            total_c=cents(F("total")),
            item_c=cents(F("open_item__amount")),
        )
        .filter(~Q(lines_total=F("total_c")) | ~Q(item_c=F("total_c")))
        .order_by("pk")
    )
    notes = CreditNote.objects.filter(invoice=OuterRef("pk"))
    over = (
        Invoice.objects.annotate(
            credited=cents(_sum(notes, "total", "invoice")),
            credited_c=cents(F("credited_total")),
            total_c=cents(F("total")),
        )
        .filter(~Q(credited=F("credited_c")) | Q(credited__gt=F("total_c")))
        .order_by("pk")
    )
    found = [
        _violation(
            "credit notes whose total is not their lines' (or their open item's)",
            wrong_notes,
            lambda n: f"{n.number}: total {n.total}, lines {n.lines_total / 100:.2f}",
        ),
        _violation(
            "invoices credited more than their total, or not as their credit notes say",
            over,
            lambda i: f"{i.label}: total {i.total}, credited {i.credited / 100:.2f}",
        ),
    ]
    return [v for v in found if v]


def check_bill_run_items() -> list[Violation]:
    twice = (
        BillRunItem.objects.values("account", "period")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .order_by("account", "period")
    )
    found = _violation(
        "accounts billed more than once for a period",
        twice,
        lambda r: f"account {r['account']} in {r['period']}: {r['n']} times",
    )
    return [found] if found else []


CHECKS = [check_invoice_totals, check_invoice_postings, check_credit_notes, check_bill_run_items]

__all__ = ["CHECKS"]
