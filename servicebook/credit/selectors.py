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

from django.db.models import F, Min, OuterRef, Q, QuerySet, Subquery, Sum

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
    debt (see bankruptcy_split); post-petition charges may still be collected: the
    collections run reads bankruptcy_held_account_ids and
    bankruptcy_post_petition_balances instead."""
    return _stays(as_of).values("account_id")


def _stays(as_of: dt.date) -> QuerySet[Bankruptcy]:
    return Bankruptcy.objects.filter(petition_date__lte=as_of).filter(
        Q(status=BankruptcyStatus.FILED)
        | Q(
            status__in=(BankruptcyStatus.DISMISSED, BankruptcyStatus.DISCHARGED),
            closed_on__gt=as_of,
        )
    )


def bankruptcy_protected_stays(*, as_of: dt.date) -> QuerySet[Bankruptcy]:
    """Stays in force on `as_of` that still protect the pre-petition debt from collection:
    all of them, except those whose adequate-assurance deposit is still unpaid (billed,
    not held) after its due date. Those are collectible as a whole: the remedy the law
    gives for no adequate assurance is discontinuing service, which is where the
    collection steps lead (docs/credit.md, "Collections during a stay")."""
    from servicebook.payments.choices import DepositStatus

    defaulted = Q(
        assurance_deposit__isnull=False,
        assurance_due_on__lt=as_of,
        assurance_deposit__status=DepositStatus.BILLED,
    )
    return _stays(as_of).exclude(defaulted)


def _post_petition_past_due(as_of: dt.date) -> QuerySet:
    """Per protected account: the undisputed past due (due before `as_of`) of the debits
    issued on or after its petition date, and the oldest such due date."""
    petition = bankruptcy_protected_stays(as_of=as_of).filter(account_id=OuterRef("account_id"))
    return (
        OpenItem.objects.filter(
            kind=OpenItemKind.DEBIT,
            open_amount__gt=F("disputed_amount"),
            due_date__lt=as_of,
            account_id__in=bankruptcy_protected_stays(as_of=as_of).values("account_id"),
            issued_on__gte=Subquery(petition.values("petition_date")[:1]),
        )
        .values("account_id")
        .annotate(past_due=Sum(F("open_amount") - F("disputed_amount")), oldest_due=Min("due_date"))
    )


def bankruptcy_post_petition_balances(*, as_of: dt.date) -> list[tuple[int, Decimal, dt.date]]:
    """(account id, post-petition past due, oldest due date) of each account under a
    protected stay that owes past-due post-petition debt: the collections run counts that
    amount, not the pre-petition debt, for these accounts."""
    return [
        (row["account_id"], to_money(row["past_due"]), row["oldest_due"])
        for row in _post_petition_past_due(as_of)
        if row["past_due"] and row["past_due"] > 0
    ]


def bankruptcy_held_account_ids(*, as_of: dt.date) -> QuerySet:
    """Accounts the collections run holds for a bankruptcy stay on `as_of`: a protected
    stay (bankruptcy_protected_stays) and no past-due post-petition debt, so all they owe
    past due is stayed. One with post-petition past due is collected for that amount only
    (bankruptcy_post_petition_balances); one whose assurance deposit is unpaid after its
    due date is not held at all."""
    return (
        bankruptcy_protected_stays(as_of=as_of)
        .exclude(account_id__in=_post_petition_past_due(as_of).values("account_id"))
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


def deposit_installments_of(account: Account) -> list:
    """The installments of the account's deposit still billed (empty when it is paid in
    one), each with `late` set when unpaid past its grace days (missed before the review
    marks it)."""
    from servicebook.payments.choices import DepositStatus

    from .models import DepositInstallment, DepositPolicy, InstallmentStatus

    rows = list(
        DepositInstallment.objects.filter(
            account=account, deposit__status=DepositStatus.BILLED
        ).select_related("deposit")
    )
    if rows:
        policy = policy_of(DepositPolicy, account)
        grace = dt.timedelta(days=policy.installment_grace_days if policy else 0)
        today = dt.date.today()
        for row in rows:
            row.late = row.status == InstallmentStatus.MISSED or (
                row.status == InstallmentStatus.OPEN and row.due_date + grace < today
            )
    return rows


def reconnect_pending_of(account: Account) -> Restoration | None:
    """The account's paid restoration whose reconnect is not completed yet: raised, or
    cancelled / not done (staff raise a new one)."""
    return (
        Restoration.objects.filter(
            account=account,
            status__in=[RestorationStatus.PAID, RestorationStatus.RECONNECT_STOPPED],
        )
        .select_related("work_order")
        .order_by("-id")
        .first()
    )


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
