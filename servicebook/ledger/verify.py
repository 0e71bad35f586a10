"""The ledger's invariants, checked with set-based queries so they run at ten million lines.

Each check returns the violations it found (a few examples each); an empty report means the
books are right. `servicebook ledger-verify` prints the report and exits non-zero on any.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, DecimalField, F, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce, Round

from .models import (
    BALANCE_ROLES,
    CUSTOMER_ROLES,
    DEPOSIT_ROLES,
    AccountBalance,
    Allocation,
    JournalEntry,
    JournalLine,
    OpenItem,
)

EXAMPLES = 5
MONEY = DecimalField(max_digits=16, decimal_places=2)


def cents(expression):
    """A money expression as a whole number of cents, for comparing. PostgreSQL sums
    numeric exactly; SQLite keeps decimals as binary floats, whose sums carry noise like
    6.7e-16, and whole numbers compare exactly."""
    return Round(expression * 100, output_field=MONEY)


@dataclass
class Violation:
    check: str
    count: int
    examples: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        more = f" (e.g. {'; '.join(self.examples)})" if self.examples else ""
        return f"{self.check}: {self.count}{more}"


def _sum_lines(roles) -> Subquery:
    return Coalesce(
        Subquery(
            JournalLine.objects.filter(account=OuterRef("account"), ledger_account__role__in=roles)
            .values("account")
            .annotate(total=Sum("amount"))
            .values("total")[:1],
            output_field=MONEY,
        ),
        Value(Decimal("0.00"), output_field=MONEY),
    )


def _violation(check: str, queryset, describe) -> Violation | None:
    count = queryset.count()
    if not count:
        return None
    return Violation(check, count, [describe(row) for row in queryset[:EXAMPLES]])


def check_entries_balance() -> list[Violation]:
    unbalanced = (
        JournalLine.objects.values("entry")
        .annotate(total=cents(Sum("amount")), n=Count("id"))
        .filter(~Q(total=0) | Q(n__lt=2))
        .order_by("entry")
    )
    empty = JournalEntry.objects.annotate(n=Count("lines")).filter(n=0)
    found = [
        _violation(
            "entries whose lines do not sum to zero or have fewer than two lines",
            unbalanced,
            lambda r: f"entry {r['entry']} sums to {r['total'] / 100:.2f} over {r['n']} lines",
        ),
        _violation("entries without lines", empty, lambda e: f"entry {e.pk}"),
    ]
    return [v for v in found if v]


def check_customer_lines() -> list[Violation]:
    missing = JournalLine.objects.filter(
        ledger_account__role__in=CUSTOMER_ROLES, account__isnull=True
    )
    stray = JournalLine.objects.exclude(ledger_account__role__in=CUSTOMER_ROLES).filter(
        account__isnull=False
    )
    found = [
        _violation(
            "customer ledger lines without a customer account",
            missing.order_by("pk"),
            lambda line: f"line {line.pk} of entry {line.entry_id}",
        ),
        _violation(
            "lines naming a customer account on a non-customer ledger account",
            stray.order_by("pk"),
            lambda line: f"line {line.pk} of entry {line.entry_id}",
        ),
    ]
    return [v for v in found if v]


def check_cached_balances() -> list[Violation]:
    wrong = (
        AccountBalance.objects.annotate(
            lines_balance=cents(_sum_lines(BALANCE_ROLES)),
            lines_deposits=cents(-_sum_lines(DEPOSIT_ROLES)),
            cached_balance=cents(F("balance")),
            cached_deposits=cents(F("deposits_held")),
        )
        .filter(~Q(cached_balance=F("lines_balance")) | ~Q(cached_deposits=F("lines_deposits")))
        .order_by("account")
    )
    with_lines = JournalLine.objects.filter(account__isnull=False).values("account").distinct()
    no_row = with_lines.exclude(account__in=AccountBalance.objects.values("account"))
    found = [
        _violation(
            "cached balances that differ from the sum of their lines",
            wrong,
            lambda b: (
                f"account {b.account_id}: cached {b.balance}/{b.deposits_held}, "
                f"lines {b.lines_balance / 100:.2f}/{b.lines_deposits / 100:.2f}"
            ),
        ),
        _violation(
            "accounts with ledger lines but no balance row",
            no_row.order_by("account"),
            lambda r: f"account {r['account']}",
        ),
    ]
    return [v for v in found if v]


def _allocated(side: str) -> Subquery:
    return Coalesce(
        Subquery(
            Allocation.objects.filter(**{side: OuterRef("pk")}, reversed_at__isnull=True)
            .values(side)
            .annotate(total=Sum("amount"))
            .values("total")[:1],
            output_field=MONEY,
        ),
        Value(Decimal("0.00"), output_field=MONEY),
    )


def check_allocations() -> list[Violation]:
    items = OpenItem.objects.annotate(
        allocated=cents(_allocated("debit") + _allocated("credit")),
        expected_open=cents(F("amount") - _allocated("debit") - _allocated("credit")),
        open_cents=cents(F("open_amount")),
        amount_cents=cents(F("amount")),
    ).filter(~Q(open_cents=F("expected_open")) | Q(allocated__gt=F("amount_cents")))
    cross = Allocation.objects.exclude(debit__account=F("credit__account"))
    wrong_kind = Allocation.objects.filter(Q(debit__kind="credit") | Q(credit__kind="debit"))
    found = [
        _violation(
            "open items whose open amount is not their amount less their allocations "
            "(or that are over-allocated)",
            items.order_by("pk"),
            lambda i: (
                f"{i.document_type} {i.reference}: amount {i.amount}, "
                f"allocated {i.allocated / 100:.2f}, open {i.open_amount}"
            ),
        ),
        _violation(
            "allocations across two accounts",
            cross.order_by("pk"),
            lambda a: f"allocation {a.pk}",
        ),
        _violation(
            "allocations from a debit or to a credit",
            wrong_kind.order_by("pk"),
            lambda a: f"allocation {a.pk}",
        ),
    ]
    return [v for v in found if v]


def check_reversals() -> list[Violation]:
    """A reversal mirrors its entry: per ledger account and customer account, the two sum
    to zero."""
    pairs = JournalEntry.objects.filter(reverses__isnull=False).values_list("pk", "reverses_id")
    bad = []
    count = 0
    for reversal_id, original_id in pairs.iterator():
        totals = (
            JournalLine.objects.filter(entry_id__in=[reversal_id, original_id])
            .values("ledger_account", "account")
            .annotate(total=cents(Sum("amount")))
            .exclude(total=0)
        )
        if totals.exists():
            count += 1
            if len(bad) < EXAMPLES:
                bad.append(f"entry {reversal_id} does not mirror entry {original_id}")
    return [Violation("reversals that do not mirror their entry", count, bad)] if count else []


CHECKS = [
    check_entries_balance,
    check_customer_lines,
    check_cached_balances,
    check_allocations,
    check_reversals,
]


def ledger_verify() -> list[Violation]:
    """Every invariant; an empty list means the ledger is consistent."""
    violations: list[Violation] = []
    for check in CHECKS:
        violations += check()
    return violations


# --- Payments invariants (servicebook.payments) ------------------------------------------------
# The payments app's documents must agree with the entries they posted. Imported lazily:
# the ledger does not depend on payments, it only checks it when it is installed.


def _payments_installed() -> bool:
    from django.apps import apps

    return apps.is_installed("servicebook.payments")


def check_payments_post_one_entry() -> list[Violation]:
    """A payment posts exactly one entry (its own, not a reversal), and a returned payment
    exactly one reversal of it."""
    if not _payments_installed():
        return []
    from django.db.models import CharField, IntegerField
    from django.db.models.functions import Cast

    from servicebook.payments.models import Payment

    entries = (
        JournalEntry.objects.filter(
            source_type="payment",
            source_id=Cast(OuterRef("pk"), CharField()),
            reverses__isnull=True,
        )
        .order_by()
        .values("source_type")
        .annotate(n=Count("id"))
        .values("n")[:1]
    )
    wrong = (
        Payment.objects.annotate(
            n=Coalesce(Subquery(entries, output_field=IntegerField()), Value(0))
        )
        .filter(Q(entry__isnull=True) | ~Q(n=1) | ~Q(entry__source_id=Cast("pk", CharField())))
        .order_by("pk")
    )
    unreversed = (
        Payment.objects.filter(status="returned")
        .filter(Q(return_entry__isnull=True) | ~Q(return_entry__reverses=F("entry")))
        .order_by("pk")
    )
    found = [
        _violation(
            "payments that did not post exactly one entry",
            wrong,
            lambda p: f"payment {p.pk}: {p.n} entries",
        ),
        _violation(
            "returned payments whose entry is not reversed by their return entry",
            unreversed,
            lambda p: f"payment {p.pk}",
        ),
    ]
    return [v for v in found if v]


def check_returned_payments_unallocated() -> list[Violation]:
    """Every allocation of a returned payment is reversed (except the one closing its credit
    item against its own return)."""
    if not _payments_installed():
        return []
    live = (
        Allocation.objects.filter(credit__payment__status="returned", reversed_at__isnull=True)
        .exclude(debit_id=F("credit__payment__return_item_id"))
        .order_by("pk")
    )
    found = _violation(
        "allocations of returned payments that were not reversed",
        live,
        lambda a: f"allocation {a.pk} of credit {a.credit_id} to debit {a.debit_id}",
    )
    return [found] if found else []


def check_deposits_held() -> list[Violation]:
    """Deposits held in the ledger (by the payments app's deposit entries) equal, per
    account, deposits collected less applied and refunded; and each deposit's collected
    amount equals its payments that were not returned."""
    if not _payments_installed():
        return []
    from servicebook.payments.models import Deposit, Payment

    ledger = {
        row["account"]: row["t"]
        for row in JournalLine.objects.filter(
            ledger_account__role__in=DEPOSIT_ROLES,
            entry__source_type__in=["payment", "deposit"],
        )
        .values("account")
        .annotate(t=cents(-Sum("amount")))
        .order_by()
    }
    records = {
        row["account"]: row["t"]
        for row in Deposit.objects.values("account")
        .annotate(t=cents(Sum(F("collected_amount") - F("applied_amount") - F("refunded_amount"))))
        .order_by()
    }
    differ = sorted(
        a for a in ledger.keys() | records.keys() if (ledger.get(a) or 0) != (records.get(a) or 0)
    )
    paid = Coalesce(
        Subquery(
            Payment.objects.filter(deposit=OuterRef("pk"), status="posted")
            .order_by()
            .values("deposit")
            .annotate(t=Sum("amount"))
            .values("t")[:1],
            output_field=MONEY,
        ),
        Value(Decimal("0.00"), output_field=MONEY),
    )
    collected = (
        Deposit.objects.annotate(paid=cents(paid), recorded=cents(F("collected_amount")))
        .filter(~Q(paid=F("recorded")))
        .order_by("pk")
    )
    found = [
        Violation(
            "accounts whose deposits held differ from deposits collected less applied and refunded",
            len(differ),
            [
                f"account {a}: ledger {(ledger.get(a) or 0) / 100:.2f}, "
                f"deposits {(records.get(a) or 0) / 100:.2f}"
                for a in differ[:EXAMPLES]
            ],
        )
        if differ
        else None,
        _violation(
            "deposits whose collected amount differs from their payments",
            collected,
            lambda d: f"deposit {d.pk}: recorded {d.collected_amount}, paid {d.paid / 100:.2f}",
        ),
    ]
    return [v for v in found if v]


def check_refunds_match_payments() -> list[Violation]:
    """A payment's refunded amount is the sum of its posted refunds, each with its entry."""
    if not _payments_installed():
        return []
    from servicebook.payments.models import Payment, Refund

    refunded = Coalesce(
        Subquery(
            Refund.objects.filter(payment=OuterRef("pk"), status="posted")
            .order_by()
            .values("payment")
            .annotate(t=Sum("amount"))
            .values("t")[:1],
            output_field=MONEY,
        ),
        Value(Decimal("0.00"), output_field=MONEY),
    )
    wrong = (
        Payment.objects.filter(refunded_amount__gt=0)
        .annotate(posted=cents(refunded), recorded=cents(F("refunded_amount")))
        .filter(~Q(posted=F("recorded")))
        .order_by("pk")
    )
    unposted = Refund.objects.filter(status="posted", entry__isnull=True).order_by("pk")
    found = [
        _violation(
            "payments whose refunded amount differs from their posted refunds",
            wrong,
            lambda p: f"payment {p.pk}: recorded {p.refunded_amount}, refunds {p.posted / 100:.2f}",
        ),
        _violation("posted refunds without an entry", unposted, lambda r: f"refund {r.pk}"),
    ]
    return [v for v in found if v]


CHECKS += [
    check_payments_post_one_entry,
    check_returned_payments_unallocated,
    check_deposits_held,
    check_refunds_match_payments,
]
