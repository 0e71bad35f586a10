"""Reads of the payments app, always starting from what the user may see: payments and
their kin belong to accounts, so a user sees those of the accounts they may see, and only
with payments.view."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Prefetch, Q, QuerySet, Sum
from django.shortcuts import get_object_or_404

from servicebook.core.money import ZERO, to_money
from servicebook.core.permissions import has_capability
from servicebook.customers.models import Account
from servicebook.customers.selectors import accounts_visible_to
from servicebook.ledger.models import Allocation, OpenItem, OpenItemKind
from servicebook.users.roles import Cap

from .choices import ApprovalStatus, BankItemStatus, DepositStatus, DisputeStatus
from .models import (
    Adjustment,
    BankAccount,
    BankFile,
    BankFileItem,
    CardToken,
    Deposit,
    Dispute,
    Payment,
    Refund,
    Transfer,
)


def _scoped(queryset: QuerySet, user, *fields: str) -> QuerySet:
    """Rows on accounts the user may see (any of `fields`, for a transfer's two sides)."""
    if not has_capability(user, Cap.PAYMENTS_VIEW):
        return queryset.none()
    visible = accounts_visible_to(user)
    if not visible.query.where:  # the whole book: no need to join the accounts
        return queryset
    condition = Q()
    for name in fields or ("account",):
        condition |= Q(**{f"{name}__in": visible})
    return queryset.filter(condition)


def payments_visible_to(user) -> QuerySet[Payment]:
    return _scoped(Payment.objects.all(), user)


def refunds_visible_to(user) -> QuerySet[Refund]:
    return _scoped(Refund.objects.all(), user)


def adjustments_visible_to(user) -> QuerySet[Adjustment]:
    return _scoped(Adjustment.objects.all(), user)


def transfers_visible_to(user) -> QuerySet[Transfer]:
    return _scoped(Transfer.objects.all(), user, "from_account", "to_account")


def deposits_visible_to(user) -> QuerySet[Deposit]:
    return _scoped(Deposit.objects.all(), user)


def disputes_visible_to(user) -> QuerySet[Dispute]:
    return _scoped(Dispute.objects.all(), user)


def cards_visible_to(user) -> QuerySet[CardToken]:
    return _scoped(CardToken.objects.all(), user)


def bank_accounts_visible_to(user) -> QuerySet[BankAccount]:
    return _scoped(BankAccount.objects.all(), user)


def bank_files_visible_to(user) -> QuerySet[BankFile]:
    if not has_capability(user, Cap.PAYMENTS_BANK_FILES):
        return BankFile.objects.none()
    return BankFile.objects.all()


def bank_items_visible_to(user) -> QuerySet[BankFileItem]:
    if not has_capability(user, Cap.PAYMENTS_BANK_FILES):
        return BankFileItem.objects.none()
    return BankFileItem.objects.all()


def payment_get(*, user, pk: int) -> Payment:
    """One payment with what its page shows (allocations, refunds), or 404."""
    # The relations every payment has are joined; the optional ones are fetched apart
    # (no query when a payment has none). Joining all eleven tables cost PostgreSQL 10 ms
    # of planning for 0.7 ms of execution (EXPLAIN ANALYZE at 1,000,000 accounts): the
    # largest part of posting a payment through the API.
    queryset = (
        payments_visible_to(user)
        .select_related("account__customer", "credit_item", "created_by")
        .prefetch_related("card", "bank_account", "return_fee_item", "returned_by", "deposit")
    )
    payment = get_object_or_404(queryset, pk=pk)
    payment.allocation_rows = (
        list(
            Allocation.objects.filter(credit_id=payment.credit_item_id)
            .exclude(debit_id=payment.return_item_id)
            .select_related("debit")
            .order_by("created_at", "id")
        )
        if payment.credit_item_id
        else []
    )
    payment.refund_rows = list(
        payment.refunds.select_related("requested_by", "decided_by").order_by("-requested_at")
    )
    return payment


def open_charges(account: Account) -> list[OpenItem]:
    """The account's open debits, oldest due first (what a payment would pay)."""
    return list(
        OpenItem.objects.filter(
            account=account, kind=OpenItemKind.DEBIT, open_amount__gt=0
        ).order_by("due_date", "issued_on", "id")
    )


def open_credit(account: Account) -> Decimal:
    total = OpenItem.objects.filter(
        account=account, kind=OpenItemKind.CREDIT, open_amount__gt=0
    ).aggregate(t=Sum("open_amount"))["t"]
    # SQLite sums decimals as floats: back to cents, so pages show 60.00 and not 60.
    return to_money(total) if total is not None else ZERO


@dataclass
class AccountPayments:
    """What the account page's Payments panel shows (a fixed number of queries)."""

    payments: list[Payment] = field(default_factory=list)
    refunds: list[Refund] = field(default_factory=list)
    deposit: Deposit | None = None
    open_disputes: list[Dispute] = field(default_factory=list)


def account_payments(*, user, account: Account, limit: int = 5) -> AccountPayments:
    if not has_capability(user, Cap.PAYMENTS_VIEW):
        return AccountPayments()
    return AccountPayments(
        payments=list(
            Payment.objects.filter(account=account)
            .select_related("card", "bank_account")
            .prefetch_related(
                Prefetch(
                    "refunds",
                    queryset=Refund.objects.filter(status=ApprovalStatus.POSTED),
                    to_attr="posted_refunds",
                )
            )
            .order_by("-created_at", "-id")[:limit]
        ),
        refunds=list(
            Refund.objects.filter(account=account)
            .select_related("payment")
            .order_by("-requested_at", "-id")[:limit]
        ),
        deposit=Deposit.objects.filter(
            account=account, status__in=(DepositStatus.BILLED, DepositStatus.HELD)
        )
        .order_by("-created_at")
        .first(),
        open_disputes=list(
            Dispute.objects.filter(account=account, status=DisputeStatus.OPEN)
            .select_related("item")
            .order_by("-opened_at")[:limit]
        ),
    )


def recent_payments(*, user, account: Account, limit: int = 5) -> list[Payment]:
    """The account's latest payments (one query), for the account API's 360 view."""
    return list(
        payments_visible_to(user)
        .filter(account=account)
        .select_related("account", "card", "bank_account", "credit_item")
        .order_by("-created_at", "-id")[:limit]
    )


def approvals_waiting(user) -> tuple[list[Refund], list[Adjustment]]:
    """Refunds and adjustments waiting for someone to approve them, oldest first."""
    refunds = list(
        refunds_visible_to(user)
        .filter(status=ApprovalStatus.PENDING)
        .select_related("account__customer", "payment", "requested_by")
        .order_by("requested_at")[:200]
    )
    adjustments = list(
        adjustments_visible_to(user)
        .filter(status=ApprovalStatus.PENDING)
        .select_related("account__customer", "reason", "requested_by")
        .order_by("requested_at")[:200]
    )
    return refunds, adjustments


def exception_queue(user) -> QuerySet[BankFileItem]:
    return (
        bank_items_visible_to(user)
        .filter(status=BankItemStatus.EXCEPTION)
        .select_related("file")
        .order_by("paid_on", "id")
    )
