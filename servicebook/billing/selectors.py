"""Reads of the billing app, starting from what the user may see.

Staff roles with billing.view see the whole book (as for accounts); the customer portal
will scope invoices to the customer's own accounts here when it arrives.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Prefetch, QuerySet, Sum
from django.shortcuts import get_object_or_404
from django.utils import timezone

from servicebook.core.money import ZERO
from servicebook.core.permissions import has_capability
from servicebook.customers.models import Account
from servicebook.ledger.models import BALANCE_ROLES, JournalLine
from servicebook.ledger.selectors import Aging, account_aging, balance_of
from servicebook.users.roles import Cap

from . import pricing
from .choices import InvoiceStatus
from .models import BillRun, CatalogItem, CreditNote, Invoice

OPEN_STATUSES = (InvoiceStatus.ISSUED, InvoiceStatus.PARTIALLY_PAID)


def invoices_visible_to(user) -> QuerySet[Invoice]:
    if not has_capability(user, Cap.BILLING_VIEW):
        return Invoice.objects.none()
    return Invoice.objects.select_related("account__customer", "open_item")


def invoice_get(*, user, pk: int) -> Invoice:
    return get_object_or_404(invoices_visible_to(user), pk=pk)


def invoice_detail(*, user, pk: int) -> Invoice:
    """An invoice with its lines, credit notes, allocations and deliveries, in a fixed
    number of queries."""
    invoices = (
        invoices_visible_to(user)
        .select_related("entry", "bill_run__cycle", "created_by", "issued_by")
        .prefetch_related(
            Prefetch("lines", queryset=_lines()),
            Prefetch("credit_notes", queryset=CreditNote.objects.select_related("created_by")),
            "deliveries",
        )
    )
    return get_object_or_404(invoices, pk=pk)


def _lines():
    from .models import InvoiceLine

    return InvoiceLine.objects.select_related("tax_code", "revenue_account").order_by(
        "position", "id"
    )


def invoice_allocations(invoice: Invoice):
    """What paid or credited the invoice: the allocations to its open item."""
    if invoice.open_item_id is None:
        return []
    return list(
        invoice.open_item.debit_allocations.select_related("credit").order_by("created_at", "id")
    )


def catalog_items(*, user, include_inactive: bool = True) -> QuerySet[CatalogItem]:
    if not has_capability(user, Cap.BILLING_VIEW):
        return CatalogItem.objects.none()
    items = CatalogItem.objects.select_related("tax_code", "revenue_account")
    return items if include_inactive else items.filter(active=True)


def bill_runs(*, user) -> QuerySet[BillRun]:
    if not has_capability(user, Cap.BILLING_VIEW):
        return BillRun.objects.none()
    return BillRun.objects.select_related("cycle", "started_by")


# --- The account page --------------------------------------------------------------------------


@dataclass
class AccountMoney:
    """What the account page's Balance panel and the 360 view show."""

    balance: Decimal
    deposits_held: Decimal
    aging: Aging
    past_due: Decimal

    @property
    def disputed(self) -> Decimal:
        return self.aging.disputed


def account_money(account: Account, *, as_of: dt.date | None = None) -> AccountMoney:
    """Balance, deposits held, aging by due date (disputes out) and past due: 2 queries."""
    row = balance_of(account)
    aging = account_aging(account, as_of=as_of)
    past_due = sum((v for k, v in aging.buckets.items() if k != "current"), ZERO)
    return AccountMoney(
        balance=row.balance, deposits_held=row.deposits_held, aging=aging, past_due=past_due
    )


def account_invoices(account: Account, *, recent: int = 5) -> dict[str, list[Invoice]]:
    """The account's open invoices (oldest due first) and its most recent others: 2 queries."""
    base = Invoice.objects.filter(account=account).select_related("open_item")
    open_ = list(base.filter(status__in=OPEN_STATUSES).order_by("due_date", "id")[:50])
    others = list(base.exclude(status__in=OPEN_STATUSES).order_by("-issued_on", "-id")[:recent])
    return {"open": open_, "recent": others}


def open_invoices(account: Account) -> list[Invoice]:
    return account_invoices(account, recent=0)["open"]


# --- Statements --------------------------------------------------------------------------------


@dataclass
class StatementLine:
    date: dt.date
    description: str
    amount: Decimal
    balance: Decimal = ZERO


@dataclass
class Statement:
    """An account's statement for a month: opening balance, what happened, closing."""

    account: Account
    period: str
    start: dt.date
    end: dt.date
    opening: Decimal
    lines: list[StatementLine] = field(default_factory=list)
    open_invoices: list[Invoice] = field(default_factory=list)
    aging: Aging | None = None

    @property
    def closing(self) -> Decimal:
        return self.opening + sum((x.amount for x in self.lines), ZERO)

    @property
    def charges(self) -> Decimal:
        return sum((x.amount for x in self.lines if x.amount > 0), ZERO)

    @property
    def credits(self) -> Decimal:
        return sum((x.amount for x in self.lines if x.amount < 0), ZERO)


def statement_for(account: Account, period: str) -> Statement:
    """The account's statement for a month (YYYY-MM) from its ledger lines on the balance
    accounts (receivable + unapplied credit), by the entries' effective dates: opening
    balance, one line per entry that moved the balance (invoices, payments, credit notes,
    adjustments; a reclassification moves nothing and is left out), closing balance."""
    start = pricing.parse_period(period)
    end = pricing.month_end(start)
    lines = JournalLine.objects.filter(account=account, ledger_account__role__in=BALANCE_ROLES)
    opening = lines.filter(entry__effective_date__lt=start).aggregate(t=Sum("amount"))["t"]
    per_entry = (
        lines.filter(entry__effective_date__gte=start, entry__effective_date__lte=end)
        .values("entry_id", "entry__effective_date", "entry__memo")
        .annotate(total=Sum("amount"))
        .order_by("entry__effective_date", "entry_id")
    )
    statement = Statement(
        account=account,
        period=period,
        start=start,
        end=end,
        opening=_money(opening),
    )
    running = statement.opening
    for row in per_entry:
        amount = _money(row["total"])
        if not amount:
            continue
        running += amount
        statement.lines.append(
            StatementLine(row["entry__effective_date"], row["entry__memo"], amount, running)
        )
    statement.open_invoices = open_invoices(account)
    statement.aging = account_aging(account, as_of=min(end, timezone.localdate()))
    return statement


def _money(value) -> Decimal:
    """A database sum as cents (SQLite sums decimals as floats)."""
    from servicebook.core.money import to_money

    return to_money(str(value)) if value is not None else ZERO


def default_period(today: dt.date | None = None) -> str:
    today = today or timezone.localdate()
    return f"{today:%Y-%m}"
