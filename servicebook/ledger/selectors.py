"""Reads of the ledger: balances, open items and aging."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from servicebook.core.money import ZERO
from servicebook.customers.models import Account

from .models import AccountBalance, JournalLine, OpenItem, OpenItemKind


def balance_of(account: Account) -> AccountBalance:
    """The account's cached balance row (zeros when nothing was ever posted)."""
    return AccountBalance.objects.filter(account=account).first() or AccountBalance(account=account)


def lines_of(account: Account) -> QuerySet[JournalLine]:
    return (
        JournalLine.objects.filter(account=account)
        .select_related("entry", "ledger_account")
        .order_by("-entry__posted_at", "-id")
    )


def open_items_of(account: Account, kind: str = OpenItemKind.DEBIT) -> QuerySet[OpenItem]:
    return OpenItem.objects.filter(account=account, kind=kind, open_amount__gt=0).order_by(
        "due_date", "issued_on", "id"
    )


def aging_buckets() -> list[tuple[str, int, int | None]]:
    """(label, first day past due, last day or None) from settings.AGING_BUCKETS, e.g.
    [0, 30, 60, 90, 120] gives current, 1-30, 31-60, 61-90, 91-120, 121+."""
    edges = list(settings.AGING_BUCKETS)
    buckets = [("current", -(10**6), 0)]
    for low, high in itertools.pairwise(edges):
        buckets.append((f"{low + 1}-{high}", low + 1, high))
    buckets.append((f"{edges[-1] + 1}+", edges[-1] + 1, None))
    return buckets


@dataclass
class Aging:
    """What an account (or the book) owes, by how late it is. Disputed amounts are out."""

    as_of: dt.date
    buckets: dict[str, Decimal] = field(default_factory=dict)
    disputed: Decimal = ZERO

    @property
    def total(self) -> Decimal:
        return sum(self.buckets.values(), ZERO)


def aging_of(
    items: QuerySet[OpenItem], *, as_of: dt.date | None = None, basis: str = "due_date"
) -> Aging:
    """Age open debits by days past their due date (or, with basis="invoice_date", past
    their issue date). An item without a due date is current."""
    as_of = as_of or timezone.localdate()
    buckets = aging_buckets()
    result = Aging(as_of=as_of, buckets={label: ZERO for label, _, _ in buckets})
    rows = items.filter(kind=OpenItemKind.DEBIT, open_amount__gt=0).values_list(
        "open_amount", "disputed_amount", "due_date", "issued_on"
    )
    for open_amount, disputed, due, issued in rows:
        undisputed = max(open_amount - disputed, ZERO)
        result.disputed += min(disputed, open_amount)
        reference = issued if basis == "invoice_date" else due
        days = (as_of - reference).days if reference else 0
        for label, low, high in buckets:
            if days >= low and (high is None or days <= high):
                result.buckets[label] += undisputed
                break
    return result


def account_aging(
    account: Account, *, as_of: dt.date | None = None, basis: str = "due_date"
) -> Aging:
    return aging_of(OpenItem.objects.filter(account=account), as_of=as_of, basis=basis)
