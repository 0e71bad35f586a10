"""What payments shows on the account page (customers.panels): the Payments panel with the
"Take a payment" button (the form is one click away, posting it the second) and the
account's money activity — unapplied credit, the latest payments and refunds, the open
deposit and open disputes — newest first.

One query, whatever the account's history: the account page's query budget is pinned by a
test, so the activity is a single UNION ALL of the five kinds, ordered and cut once
(SQLite allows no ORDER BY / LIMIT inside the parts). The unapplied-credit row sorts first.
The payments page of the account (payments:account) has the full lists."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import (
    CharField,
    DateTimeField,
    DecimalField,
    F,
    OuterRef,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce

from servicebook.core.money import ZERO
from servicebook.core.permissions import has_capability
from servicebook.customers.models import Account
from servicebook.customers.panels import AccountPanel, register_panel
from servicebook.ledger.models import OpenItem, OpenItemKind
from servicebook.users.roles import Cap

from .choices import (
    ApprovalStatus,
    DepositStatus,
    DisputeStatus,
    PaymentMethod,
    PaymentStatus,
)
from .models import Deposit, Dispute, Payment, Refund

ROWS = 12
# The credit row's sort key: after every real date, so it comes first.
FIRST = dt.datetime(9999, 1, 1, tzinfo=dt.UTC)
_MONEY = DecimalField(max_digits=14, decimal_places=2)


@dataclass
class Activity:
    """One line of the panel."""

    kind: str  # credit, payment, refund, deposit, dispute
    pk: int
    at: dt.datetime | None
    amount: Decimal
    other: Decimal  # refunded (payment), collected (deposit)
    status: str
    text: str

    @property
    def number(self) -> str:
        prefix = {"payment": "P", "refund": "R", "deposit": "D", "dispute": "DS"}.get(self.kind)
        return f"{prefix}-{self.pk:08d}" if prefix else ""

    @property
    def status_label(self) -> str:
        choices = {
            "payment": PaymentStatus,
            "refund": ApprovalStatus,
            "deposit": DepositStatus,
            "dispute": DisputeStatus,
        }.get(self.kind)
        return choices(self.status).label if choices else ""

    @property
    def method_label(self) -> str:
        return PaymentMethod(self.text).label if self.kind == "payment" else ""


def _part(queryset, kind, *, at, amount, other, status, text):
    return (
        queryset.annotate(
            x_kind=Value(kind, output_field=CharField()),
            x_pk=F("pk"),
            x_at=at,
            x_amount=amount,
            x_other=other,
            x_status=status,
            x_text=text,
        )
        .values_list("x_kind", "x_pk", "x_at", "x_amount", "x_other", "x_status", "x_text")
        .order_by()
    )


def account_activity(account, *, limit: int = ROWS) -> list[Activity]:
    """The panel's lines in one query (see the module docstring)."""
    zero = Value(ZERO, output_field=_MONEY)
    open_credit = (
        OpenItem.objects.filter(account=OuterRef("pk"), kind=OpenItemKind.CREDIT, open_amount__gt=0)
        .values("account_id")
        .annotate(total=Sum("open_amount"))
        .values("total")
    )
    # Always one row (the account's), whatever its credit: the template shows it when > 0.
    credit = _part(
        Account.objects.filter(pk=account.pk),
        "credit",
        at=Value(FIRST, output_field=DateTimeField()),
        amount=Coalesce(Subquery(open_credit, output_field=_MONEY), zero, output_field=_MONEY),
        other=zero,
        status=Value("", output_field=CharField()),
        text=Value("", output_field=CharField()),
    )
    parts = [
        _part(
            Payment.objects.filter(account=account),
            "payment",
            at=F("created_at"),
            amount=F("amount"),
            other=F("refunded_amount"),
            status=F("status"),
            text=F("method"),
        ),
        _part(
            Refund.objects.filter(account=account),
            "refund",
            at=F("requested_at"),
            amount=F("amount"),
            other=zero,
            status=F("status"),
            text=F("reason"),
        ),
        _part(
            Deposit.objects.filter(
                account=account, status__in=(DepositStatus.BILLED, DepositStatus.HELD)
            ),
            "deposit",
            at=F("created_at"),
            amount=F("amount_required"),
            other=F("collected_amount"),
            status=F("status"),
            text=F("reason"),
        ),
        _part(
            Dispute.objects.filter(account=account, status=DisputeStatus.OPEN),
            "dispute",
            at=F("opened_at"),
            amount=F("amount"),
            other=zero,
            status=F("status"),
            text=F("reason"),
        ),
    ]
    rows = credit.union(*parts, all=True).order_by("-x_at", "-x_pk")[:limit]
    return [Activity(*row) for row in rows]


def payments_context(*, request, account) -> dict:
    if not has_capability(request.user, Cap.PAYMENTS_VIEW):
        return {"account": account, "hidden": True}
    return {"account": account, "activity": account_activity(account)}


def register() -> None:
    register_panel(
        AccountPanel(
            key="payments",
            template="payments/partials/account_payments.html",
            context=payments_context,
            column="main",
            order=25,
        )
    )
