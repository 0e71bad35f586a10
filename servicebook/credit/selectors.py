"""Reads of the credit app: which policy applies, who is protected (an active arrangement,
a bankruptcy stay), an account's standing, arrangements, restoration and bankruptcy split.

The two protection selectors are the interface the collections run (receivables) reads:
each returns a `.values("account_id")` queryset, usable in an `__in` subquery, so the
run stays one set-based statement per step.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q, QuerySet, Sum

from servicebook.core.money import ZERO, to_money
from servicebook.customers.models import Account
from servicebook.ledger.models import OpenItem, OpenItemKind

from .models import (
    ArrangementStatus,
    Bankruptcy,
    BankruptcyStatus,
    CreditEvent,
    CreditStanding,
    PaymentArrangement,
    Restoration,
    RestorationStatus,
)

ENDED = (ArrangementStatus.KEPT, ArrangementStatus.BROKEN, ArrangementStatus.CANCELLED)


def policy_for(model, *, customer_class: str, jurisdiction: str):
    """The most specific active policy of `model` for a customer class and jurisdiction:
    class and jurisdiction, then class with the default (blank) jurisdiction, then any
    class in the jurisdiction, then the default of every class. None when there is none."""
    candidates = list(
        model.objects.filter(
            active=True,
            customer_class__in=[customer_class, ""],
            jurisdiction__in=[jurisdiction or "", ""],
        )
    )

    def rank(policy) -> tuple[int, int, int]:
        return (policy.customer_class != "", policy.jurisdiction != "", -policy.pk)

    return max(candidates, key=rank) if candidates else None


def policy_of(model, account: Account):
    return policy_for(
        model, customer_class=account.customer_class, jurisdiction=account.jurisdiction
    )


# --- Protections (the interface of the collections run) ----------------------------------


def arrangement_protected_account_ids(*, as_of: dt.date) -> QuerySet:
    """Accounts under a payment arrangement in force on `as_of`: started by then and
    still active, or ended (kept, broken, cancelled) only after that date."""
    return (
        PaymentArrangement.objects.filter(started_on__lte=as_of)
        .filter(Q(status=ArrangementStatus.ACTIVE) | Q(status__in=ENDED, ended_on__gt=as_of))
        .values("account_id")
    )


def bankruptcy_stayed_account_ids(*, as_of: dt.date) -> QuerySet:
    """Accounts under a bankruptcy stay on `as_of`: petition filed by then and the case
    still open, or dismissed/discharged only after that date. The stay covers pre-petition
    debt (see bankruptcy_split); post-petition charges may still be collected."""
    return (
        Bankruptcy.objects.filter(petition_date__lte=as_of)
        .filter(
            Q(status=BankruptcyStatus.FILED)
            | Q(
                status__in=(BankruptcyStatus.DISMISSED, BankruptcyStatus.DISCHARGED),
                closed_on__gt=as_of,
            )
        )
        .values("account_id")
    )


# --- Standing -----------------------------------------------------------------------------


def standing_of(account: Account) -> CreditStanding | None:
    return CreditStanding.objects.filter(account=account).first()


def credit_events_of(account: Account, *, limit: int = 10) -> list[CreditEvent]:
    return list(CreditEvent.objects.filter(account=account).order_by("-on", "-id")[:limit])


# --- Balances -----------------------------------------------------------------------------


def past_due_of(account: Account, *, as_of: dt.date) -> Decimal:
    """What the account owes past its due dates on `as_of`: open debits due before that
    day, less disputed amounts (a dispute holds its amount out of collections), less any
    open credit (an unallocated payment or credit note pays it)."""
    debits = OpenItem.objects.filter(
        account=account, kind=OpenItemKind.DEBIT, open_amount__gt=0, due_date__lt=as_of
    ).aggregate(open=Sum("open_amount"), disputed=Sum("disputed_amount"))
    credits = OpenItem.objects.filter(
        account=account, kind=OpenItemKind.CREDIT, open_amount__gt=0
    ).aggregate(open=Sum("open_amount"))
    owed = (debits["open"] or ZERO) - (debits["disputed"] or ZERO) - (credits["open"] or ZERO)
    return to_money(max(owed, ZERO))


def open_balance_of(account: Account) -> Decimal:
    """Open debits less open credits (what the account owes now, due or not)."""
    debits = OpenItem.objects.filter(
        account=account, kind=OpenItemKind.DEBIT, open_amount__gt=0
    ).aggregate(open=Sum("open_amount"))["open"]
    credits = OpenItem.objects.filter(
        account=account, kind=OpenItemKind.CREDIT, open_amount__gt=0
    ).aggregate(open=Sum("open_amount"))["open"]
    return to_money((debits or ZERO) - (credits or ZERO))


# --- Arrangements -------------------------------------------------------------------------


def active_arrangement_of(account: Account) -> PaymentArrangement | None:
    return (
        PaymentArrangement.objects.filter(account=account, status=ArrangementStatus.ACTIVE)
        .prefetch_related("installments")
        .first()
    )


def arrangements_of(account: Account) -> QuerySet[PaymentArrangement]:
    return PaymentArrangement.objects.filter(account=account).prefetch_related("installments")


def open_restoration_of(account: Account) -> Restoration | None:
    return Restoration.objects.filter(account=account, status=RestorationStatus.OPEN).first()


# --- Bankruptcy ---------------------------------------------------------------------------


def filed_bankruptcy_of(account: Account) -> Bankruptcy | None:
    return Bankruptcy.objects.filter(account=account, status=BankruptcyStatus.FILED).first()


@dataclass
class PetitionSplit:
    """An account's open balance split at the petition date: debits issued before it are
    pre-petition (stayed, claimed in the case), those on or after it post-petition
    (owed as usual). Open credits are shown apart; they pay post-petition debt first."""

    petition_date: dt.date
    pre_petition: Decimal
    post_petition: Decimal
    credits: Decimal

    @property
    def total(self) -> Decimal:
        return self.pre_petition + self.post_petition - self.credits


def bankruptcy_split(account: Account, *, petition_date: dt.date) -> PetitionSplit:
    """Pre- and post-petition open debt of the account (see PetitionSplit)."""
    debits = OpenItem.objects.filter(account=account, kind=OpenItemKind.DEBIT, open_amount__gt=0)
    pre = debits.filter(issued_on__lt=petition_date).aggregate(s=Sum("open_amount"))["s"]
    post = debits.filter(issued_on__gte=petition_date).aggregate(s=Sum("open_amount"))["s"]
    credits = OpenItem.objects.filter(
        account=account, kind=OpenItemKind.CREDIT, open_amount__gt=0
    ).aggregate(s=Sum("open_amount"))["s"]
    return PetitionSplit(
        petition_date=petition_date,
        pre_petition=to_money(pre or ZERO),
        post_petition=to_money(post or ZERO),
        credits=to_money(credits or ZERO),
    )
