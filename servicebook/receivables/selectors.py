"""Reads of the receivables app: the whole book's aging.

The buckets and the per-item rules (undisputed = open - disputed, an item without a due
date is current, basis due date or invoice date) are the ledger's: `ledger.selectors.
aging_buckets()` names the buckets and `aging_of()` ages one account's items in Python.
`book_aging()` computes the same figures for the whole book in one set-based query, so it
scales to a million accounts; the tests prove both agree to the cent.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Case, F, Q, QuerySet, Sum, When
from django.utils import timezone

from servicebook.core.money import ZERO, to_money
from servicebook.core.permissions import has_capability
from servicebook.customers.choices import CustomerClass, LineOfBusiness
from servicebook.customers.selectors import accounts_visible_to
from servicebook.ledger.models import OpenItem, OpenItemKind
from servicebook.ledger.selectors import Aging, aging_buckets
from servicebook.users.roles import Cap

BASES = {"due_date": "Due date", "invoice_date": "Invoice date"}
# Breakdowns of the book: an Account field and its choices (labels for the page).
GROUPINGS: dict[str, type] = {
    "customer_class": CustomerClass,
    "line_of_business": LineOfBusiness,
}


@dataclass
class BookAging(Aging):
    """The book's (or a part of it) aging: the amounts of `Aging`, plus how many accounts
    sit in each bucket (an account counts once, in its oldest bucket holding an undisputed
    amount) and, when asked for, the same figures per customer class or line of business."""

    basis: str = "due_date"
    accounts: dict[str, int] = field(default_factory=dict)
    disputed_accounts: int = 0
    group_by: str | None = None
    groups: list[tuple[str, str, BookAging]] = field(default_factory=list)  # (key, label, ..)

    @property
    def account_total(self) -> int:
        return sum(self.accounts.values())

    def rows(self) -> list[dict]:
        """[{label, amount, accounts}] in bucket order: what the page, exports and API show."""
        return [
            {"label": label, "amount": amount, "accounts": self.accounts.get(label, 0)}
            for label, amount in self.buckets.items()
        ]


def open_debits_visible_to(user) -> QuerySet[OpenItem]:
    """Open debits of the accounts this user may see, and only with receivables.view. The
    whole book is not narrowed by `account IN (every account)`: at a million accounts the
    database would list them all first (payments.selectors does the same)."""
    queryset = OpenItem.objects.filter(kind=OpenItemKind.DEBIT, open_amount__gt=0)
    if not has_capability(user, Cap.RECEIVABLES_VIEW):
        return queryset.none()
    visible = accounts_visible_to(user)
    if visible.query.where:
        queryset = queryset.filter(account__in=visible)
    return queryset


def _bucket_conditions(as_of: dt.date, basis: str) -> list[Q]:
    """One condition per bucket (current first), a partition of every item: `days past due
    <= high` is `reference >= as_of - high`, so the database compares dates with constants
    (no date arithmetic in SQL, which differs between databases) and each bucket's sum is a
    plain range test. An item without a reference date is current."""
    reference = "issued_on" if basis == "invoice_date" else "due_date"
    buckets = aging_buckets()
    conditions = [Q(**{f"{reference}__isnull": True}) | Q(**{f"{reference}__gte": as_of})]
    upper = as_of  # items of the next bucket are strictly older than this
    for _, _, high in buckets[1:-1]:
        lower = as_of - dt.timedelta(days=high)
        conditions.append(Q(**{f"{reference}__gte": lower, f"{reference}__lt": upper}))
        upper = lower
    conditions.append(Q(**{f"{reference}__lt": upper}))
    return conditions


def _money(value) -> Decimal:
    """A sum from the database as cents. SQLite sums decimals as binary floats; the repr of
    the float is within a fraction of a cent of the exact sum, so quantizing restores it."""
    if value is None:
        return ZERO
    if isinstance(value, float):
        value = repr(value)
    return to_money(value)


def book_aging(
    *,
    user,
    as_of: dt.date | None = None,
    basis: str = "due_date",
    customer_class: str | None = None,
    line_of_business: str | None = None,
    jurisdiction: str | None = None,
    group_by: str | None = None,
) -> BookAging:
    """The book's open debits by how late they are, as the user may see them, in ONE query:
    per account (GROUP BY account) the undisputed amount in each bucket and the disputed
    amount; then, over those rows, the sums and the count of accounts whose oldest bucket
    holding an undisputed amount is each bucket (optionally per `group_by`).

    Figures agree exactly with summing `ledger.selectors.aging_of` over every account.
    """
    if basis not in BASES:
        raise ValueError(f"unknown aging basis {basis!r}")
    if group_by is not None and group_by not in GROUPINGS:
        raise ValueError(f"unknown grouping {group_by!r}")
    as_of = as_of or timezone.localdate()
    buckets = aging_buckets()
    labels = [label for label, _, _ in buckets]

    items = open_debits_visible_to(user)
    if customer_class:
        items = items.filter(account__customer_class=customer_class)
    if line_of_business:
        items = items.filter(account__line_of_business=line_of_business)
    if jurisdiction:
        items = items.filter(account__jurisdiction=jurisdiction)

    conditions = _bucket_conditions(as_of, basis)
    n = len(buckets)
    undisputed_part = Q(open_amount__gt=F("disputed_amount"))
    undisputed = F("open_amount") - F("disputed_amount")
    keys = ["account"]
    if group_by:
        items = items.annotate(grp=F(f"account__{group_by}"))
        keys.append("grp")
    per_account = (
        items.values(*keys)
        .annotate(
            **{
                f"b{i}": Sum(Case(When(condition & undisputed_part, then=undisputed)))
                for i, condition in enumerate(conditions)
            },
            disputed=Sum(
                Case(When(undisputed_part, then=F("disputed_amount")), default=F("open_amount"))
            ),
        )
        .order_by()
    )
    try:
        inner_sql, params = per_account.query.sql_with_params()
    except EmptyResultSet:  # the user may see no account at all
        inner_sql = None
    # The ORM cannot aggregate over a grouped subquery with a GROUP BY of its own, so the
    # outer query is written here, in plain SQL both databases run, over the ORM's inner
    # query and its annotation aliases.
    qn = connection.ops.quote_name
    group_column = qn("grp") if group_by else None
    # An account's bucket sum is NULL when it has no undisputed amount there (SUM skips the
    # NULLs of the other buckets), so it counts in bucket i when b_i is not NULL and every
    # older bucket is: worked out once per account here rather than once per item.
    bucket_sums = [f"t.{qn(f'b{i}')}" for i in range(n)]
    in_oldest = [
        f"{bucket_sums[i]} IS NOT NULL"
        + (f" AND COALESCE({', '.join(bucket_sums[i + 1 :])}, NULL) IS NULL" if i < n - 1 else "")
        for i in range(n)
    ]
    select = [
        *(f"SUM({column})" for column in bucket_sums),
        *(f"SUM(CASE WHEN {condition} THEN 1 ELSE 0 END)" for condition in in_oldest),
        f"SUM(t.{qn('disputed')})",
        f"SUM(CASE WHEN t.{qn('disputed')} > 0 THEN 1 ELSE 0 END)",
    ]
    sql = f"SELECT {', '.join(select)}"
    if group_column:
        sql += f", t.{group_column} FROM ({inner_sql}) t GROUP BY t.{group_column}"
    else:
        sql += f" FROM ({inner_sql}) t"
    if inner_sql is None:
        rows = [] if group_by else [(None,) * (2 * n + 2)]
    else:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()

    def figures(row) -> BookAging:
        return BookAging(
            as_of=as_of,
            basis=basis,
            buckets={labels[i]: _money(row[i]) for i in range(n)},
            accounts={labels[i]: int(row[n + i] or 0) for i in range(n)},
            disputed=_money(row[2 * n]),
            disputed_accounts=int(row[2 * n + 1] or 0),
        )

    if not group_by:
        return figures(rows[0])
    choices = GROUPINGS[group_by]
    by_key = {row[-1]: figures(row) for row in rows}
    result = BookAging(as_of=as_of, basis=basis, group_by=group_by)
    result.buckets = dict.fromkeys(labels, ZERO)
    result.accounts = dict.fromkeys(labels, 0)
    ordered = [k for k in choices.values if k in by_key] + sorted(
        k for k in by_key if k not in choices.values
    )
    for key in ordered:
        part = by_key[key]
        label = dict(choices.choices).get(key, key or "—")
        result.groups.append((key, label, part))
        for name in labels:
            result.buckets[name] += part.buckets[name]
            result.accounts[name] += part.accounts[name]
        result.disputed += part.disputed
        result.disputed_accounts += part.disputed_accounts
    return result


# --- Collections: the worklist and an account's collection -----------------------------------


def worklist(
    *,
    user,
    today: dt.date | None = None,
    step_kind: str | None = None,
    hold: str | None = None,
    customer_class: str | None = None,
    promises_due: bool = False,
):
    """The open collection processes the user may see, in the collectors' order:

    1. a promise to pay due today or overdue (or its follow-up day reached) first;
    2. then the larger undisputed past-due amount (from the last run's snapshot);
    3. then the older oldest past-due item;
    4. then the higher credit score (the credit app's risk: more points, more risk).

    Annotated with past_due, oldest_due, promise_on, follow_up_on and risk. Filters: the
    current step's kind, a hold reason ("any": held at all, "none": not held), customer
    class, only accounts with a promise due."""
    from django.db.models import (
        BooleanField,
        Case,
        DateField,
        DecimalField,
        IntegerField,
        OuterRef,
        Subquery,
        Value,
        When,
    )

    from .models import (
        CollectionBalance,
        CollectionProcess,
        ProcessStatus,
        PromiseStatus,
        PromiseToPay,
    )

    today = today or timezone.localdate()
    processes = CollectionProcess.objects.filter(status=ProcessStatus.OPEN)
    if not has_capability(user, Cap.RECEIVABLES_COLLECT):
        return processes.none()
    visible = accounts_visible_to(user)
    if visible.query.where:
        processes = processes.filter(account__in=visible)
    balance = CollectionBalance.objects.filter(account_id=OuterRef("account_id"))
    promise = PromiseToPay.objects.filter(
        account_id=OuterRef("account_id"), status=PromiseStatus.OPEN
    ).order_by("promised_on")
    queryset = processes.annotate(
        past_due=Subquery(
            balance.values("past_due"), output_field=DecimalField(max_digits=14, decimal_places=2)
        ),
        oldest_due=Subquery(balance.values("oldest_due"), output_field=DateField()),
        promise_on=Subquery(promise.values("promised_on")[:1], output_field=DateField()),
        follow_up_on=Subquery(promise.values("follow_up_on")[:1], output_field=DateField()),
        risk=_risk_subquery(IntegerField()),
    ).annotate(
        promise_due=Case(
            When(Q(promise_on__lte=today) | Q(follow_up_on__lte=today), then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        )
    )
    if step_kind == "none":
        queryset = queryset.filter(position=0)
    elif step_kind:
        queryset = queryset.filter(step__kind=step_kind)
    if hold == "any":
        queryset = queryset.exclude(hold_reason="")
    elif hold == "none":
        queryset = queryset.filter(hold_reason="")
    elif hold:
        queryset = queryset.filter(hold_reason=hold)
    if customer_class:
        queryset = queryset.filter(account__customer_class=customer_class)
    if promises_due:
        queryset = queryset.filter(promise_due=True)
    return queryset.select_related("account__customer", "step", "policy").order_by(
        F("promise_due").desc(),
        F("past_due").desc(nulls_last=True),
        F("oldest_due").asc(nulls_last=True),
        F("risk").desc(nulls_last=True),
        "pk",
    )


def _risk_subquery(output_field):
    """The account's credit score from the credit app, when it keeps one (None: unknown)."""
    from django.db.models import OuterRef, Subquery, Value

    try:
        from servicebook.credit.models import CreditStanding
    except ImportError:  # pragma: no cover
        return Value(None, output_field=output_field)
    return Subquery(
        CreditStanding.objects.filter(account_id=OuterRef("account_id")).values("score")[:1],
        output_field=output_field,
    )


@dataclass
class AccountCollection:
    """An account's collection, as the account page and its API show it."""

    process: object | None
    past_due: Decimal | None
    oldest_due: dt.date | None
    next_step_on: dt.date | None
    actions: list
    promises: list

    @property
    def letters(self) -> list:
        return [a.letter for a in self.actions if getattr(a, "letter", None) is not None]


def account_collection(account, *, limit: int = 6) -> AccountCollection:
    """The account's latest collection process (open, else the last closed), its latest
    actions with their letters, and its promises: four queries whatever the history."""
    from .models import CollectionAction, CollectionBalance, CollectionProcess, PromiseToPay

    process = (
        CollectionProcess.objects.filter(account=account)
        .select_related("step", "policy")
        .order_by("-started_on", "-id")
        .first()
    )
    balance = CollectionBalance.objects.filter(account=account).first()
    actions = []
    if process is not None and limit:
        actions = list(
            CollectionAction.objects.filter(process=process)
            .select_related("letter", "step")
            .order_by("-taken_on", "-id")[:limit]
        )
    promises = list(PromiseToPay.objects.filter(account=account).order_by("-made_on", "-id")[:4])
    next_step_on = process.next_step_on if process else None
    if process is not None and process.position == 0 and balance is not None:
        first = process.policy.steps.order_by("position").values_list("days_after", flat=True)
        days = first.first()
        if days is not None:
            next_step_on = balance.oldest_due + dt.timedelta(days=days)
    return AccountCollection(
        process=process,
        past_due=balance.past_due if balance else None,
        oldest_due=balance.oldest_due if balance else None,
        next_step_on=next_step_on,
        actions=actions,
        promises=promises,
    )


def account_collection_brief(account) -> AccountCollection:
    """The account's latest process with its past due, oldest due date, first step's days
    and latest promise, in ONE query (the account page's box and the API section: the
    account page has a query budget)."""
    from django.db.models import DateField, DecimalField, IntegerField, OuterRef, Subquery

    from .models import CollectionBalance, CollectionProcess, CollectionStep, PromiseToPay

    balance = CollectionBalance.objects.filter(account_id=OuterRef("account_id"))
    promise = PromiseToPay.objects.filter(account_id=OuterRef("account_id")).order_by(
        "-made_on", "-id"
    )
    process = (
        CollectionProcess.objects.filter(account=account)
        .select_related("step", "policy")
        .annotate(
            b_past_due=Subquery(
                balance.values("past_due"),
                output_field=DecimalField(max_digits=14, decimal_places=2),
            ),
            b_oldest_due=Subquery(balance.values("oldest_due"), output_field=DateField()),
            first_days=Subquery(
                CollectionStep.objects.filter(policy_id=OuterRef("policy_id"), position=1).values(
                    "days_after"
                )[:1],
                output_field=IntegerField(),
            ),
            promise_pk=Subquery(promise.values("pk")[:1], output_field=IntegerField()),
            promise_amount=Subquery(
                promise.values("amount")[:1],
                output_field=DecimalField(max_digits=14, decimal_places=2),
            ),
            promise_on=Subquery(promise.values("promised_on")[:1], output_field=DateField()),
            promise_follow_up=Subquery(
                promise.values("follow_up_on")[:1], output_field=DateField()
            ),
            promise_status=Subquery(promise.values("status")[:1]),
        )
        .order_by("-started_on", "-id")
        .first()
    )
    if process is None:
        return AccountCollection(None, None, None, None, [], [])
    next_step_on = process.next_step_on
    if process.position == 0 and process.b_oldest_due and process.first_days is not None:
        next_step_on = process.b_oldest_due + dt.timedelta(days=process.first_days)
    promises = []
    if process.promise_pk:
        promises = [
            PromiseToPay(
                pk=process.promise_pk,
                account_id=process.account_id,
                amount=process.promise_amount,
                promised_on=process.promise_on,
                follow_up_on=process.promise_follow_up,
                status=process.promise_status,
            )
        ]
    return AccountCollection(
        process=process,
        past_due=process.b_past_due,
        oldest_due=process.b_oldest_due,
        next_step_on=next_step_on,
        actions=[],
        promises=promises,
    )


# --- Write-off, agencies, letters to print --------------------------------------------------


@dataclass
class AccountWriteOffs:
    """An account's write-offs (each with its recoveries) and agency referrals."""

    write_offs: list
    referrals: list

    @property
    def open_referral(self):
        return next((r for r in self.referrals if r.status == "referred"), None)

    @property
    def outstanding(self) -> Decimal:
        return sum((w.outstanding for w in self.write_offs), Decimal("0.00"))


def account_write_offs(account) -> AccountWriteOffs:
    """The account's write-offs with their recoveries, and its referrals with their agency:
    three queries whatever the history."""
    from .models import AgencyReferral, WriteOff

    write_offs = list(
        WriteOff.objects.filter(account=account)
        .select_related("created_by")
        .prefetch_related("recoveries")
        .order_by("-written_off_on", "-id")
    )
    referrals = list(
        AgencyReferral.objects.filter(account=account)
        .select_related("agency")
        .order_by("-referred_on", "-id")
    )
    return AccountWriteOffs(write_offs=write_offs, referrals=referrals)


def agencies_overview(*, user, on: dt.date) -> dict:
    """The Agencies page: the agencies, the open referrals (of accounts the user may see)
    and the files of the day and the days before, newest first."""
    from servicebook.customers.selectors import accounts_visible_to

    from .models import AgencyFile, AgencyReferral, CollectionAgency

    return {
        "agencies": list(CollectionAgency.objects.order_by("-active", "name")),
        "referrals": list(
            AgencyReferral.objects.filter(status="referred", account__in=accounts_visible_to(user))
            .select_related("agency", "account__customer")
            .order_by("-referred_on", "-id")[:200]
        ),
        "files_today": list(
            AgencyFile.objects.filter(on=on)
            .select_related("agency")
            .order_by("agency__name", "kind")
        ),
        "files_before": list(
            AgencyFile.objects.filter(on__lt=on)
            .select_related("agency")
            .order_by("-on", "agency__name", "kind")[:30]
        ),
    }


def letters_to_print(*, user, limit: int = 200) -> list:
    """Letters to print and mail (no email address, or the email kept failing) that nobody
    has marked printed yet, oldest first, of accounts the user may see; each with what its
    printed sheet shows (letters.letter_context), in four queries."""
    from django.conf import settings
    from django.db.models import Prefetch

    from servicebook.customers.models import ServiceLocation
    from servicebook.customers.selectors import accounts_visible_to

    from .models import CollectionLetter, LetterChannel

    letters = list(
        CollectionLetter.objects.filter(
            channel=LetterChannel.PRINT,
            printed_at__isnull=True,
            account__in=accounts_visible_to(user),
        )
        .select_related("action", "account__customer")
        .prefetch_related(
            Prefetch(
                "account__locations",
                queryset=ServiceLocation.objects.order_by("-is_primary", "id"),
            )
        )
        .order_by("sent_on", "id")[:limit]
    )
    sheets = []
    for letter in letters:
        locations = list(letter.account.locations.all())
        sheets.append(
            {
                "letter": letter,
                "account": letter.account,
                "customer": letter.account.customer,
                "location": locations[0] if locations else None,
                "step_label": letter.action.get_kind_display(),
                "business_name": settings.SERVICEBOOK_BUSINESS_NAME,
            }
        )
    return sheets
