"""The double-entry receivables ledger: the chart of ledger accounts, immutable journal
entries whose lines sum to zero, each customer account's cached balance, and the open items
(what is owed and what was paid) with the allocations between them.

Two views of the same money, kept in step by the services in one transaction:

- the **journal** says where money sits (receivables, revenue, cash clearing, deposits held,
  unapplied credit, ...); an account's balance is the sum of its lines on the
  balance-bearing ledger accounts (`LedgerRole.BALANCE_ROLES`);
- the **open items** say which debt is still open and which payment paid which invoice;
  aging and collections read them.

Nothing here is ever edited: a correction is a reversing entry, an allocation is undone by
marking it reversed. `servicebook ledger-verify` checks every invariant.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils import timezone

from servicebook.customers.models import Account


class LedgerKind(models.TextChoices):
    ASSET = "asset", "Asset"
    LIABILITY = "liability", "Liability"
    REVENUE = "revenue", "Revenue"
    EXPENSE = "expense", "Expense"
    EQUITY = "equity", "Equity"


class LedgerRole(models.TextChoices):
    """What a ledger account is for; services find accounts by role, never by code."""

    RECEIVABLE = "receivable", "Accounts receivable"
    UNAPPLIED_CREDIT = "unapplied_credit", "Unapplied customer credit"
    DEPOSITS_HELD = "deposits_held", "Customer deposits held"
    REVENUE = "revenue", "Revenue"
    FEES = "fees", "Fee income"
    TAX_PAYABLE = "tax_payable", "Tax payable"
    CASH_CLEARING = "cash_clearing", "Cash clearing"
    REFUNDS_PAYABLE = "refunds_payable", "Refunds payable"
    ADJUSTMENTS = "adjustments", "Billing adjustments"
    BAD_DEBT = "bad_debt", "Bad debt expense"
    DEPOSIT_INTEREST = "deposit_interest", "Interest on deposits"
    ROUNDING = "rounding", "Rounding differences"


# Lines on these ledger accounts carry a customer account and make up its balance: what
# the customer owes (receivable) net of credit they have with us not yet applied.
BALANCE_ROLES = frozenset({LedgerRole.RECEIVABLE, LedgerRole.UNAPPLIED_CREDIT})
# Lines here carry a customer account but sit outside the balance: a deposit is the
# customer's money we hold, not a payment of what they owe.
DEPOSIT_ROLES = frozenset({LedgerRole.DEPOSITS_HELD})
CUSTOMER_ROLES = BALANCE_ROLES | DEPOSIT_ROLES


class LedgerAccount(models.Model):
    """One account of the chart (e.g. 1200 Accounts receivable, 4100 Service revenue, 1010
    Cash clearing - card). Revenue accounts may be many (one per kind of revenue); cash
    clearing is one per payment method."""

    code = models.CharField(max_length=20, unique=True)
    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=10, choices=LedgerKind.choices)
    role = models.CharField(max_length=20, choices=LedgerRole.choices)
    # For cash clearing: which payment method lands here ("card", "ach", "check", "cash").
    payment_method = models.CharField(max_length=20, blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def is_customer_account(self) -> bool:
        return self.role in CUSTOMER_ROLES


class ImmutableError(Exception):
    """Raised on an attempt to change or delete a posted journal row."""


class ImmutableModel(models.Model):
    """A row written once. The database refuses updates too (triggers in the migration)."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise ImmutableError(f"{type(self).__name__} rows are immutable; post a reversal.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableError(f"{type(self).__name__} rows are immutable; post a reversal.")


class JournalEntry(ImmutableModel):
    """One posting: lines that sum to zero, for one business event (an invoice issued, a
    payment received, a refund, an adjustment), or the reversal of an earlier entry."""

    posted_at = models.DateTimeField(default=timezone.now, db_index=True)
    effective_date = models.DateField(default=timezone.localdate)
    memo = models.CharField(max_length=300)
    # What caused it: ("invoice", "INV-0000123"), ("payment", "42").
    source_type = models.CharField(max_length=30, blank=True)
    source_id = models.CharField(max_length=64, blank=True)
    reverses = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversed_by"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-posted_at", "-id"]
        indexes = [models.Index(fields=["source_type", "source_id"])]
        verbose_name_plural = "journal entries"

    def __str__(self) -> str:
        return f"JE{self.pk} {self.memo}"


class JournalLine(ImmutableModel):
    """One side of an entry: an amount on a ledger account (debits positive, credits
    negative), tied to a customer account when the ledger account is a customer one."""

    entry = models.ForeignKey(JournalEntry, on_delete=models.PROTECT, related_name="lines")
    ledger_account = models.ForeignKey(
        LedgerAccount, on_delete=models.PROTECT, related_name="lines"
    )
    account = models.ForeignKey(
        Account, null=True, blank=True, on_delete=models.PROTECT, related_name="ledger_lines"
    )
    amount = models.DecimalField(max_digits=14, decimal_places=2)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["account", "ledger_account"]),
            models.Index(fields=["ledger_account"]),
        ]
        constraints = [
            models.CheckConstraint(condition=~models.Q(amount=0), name="ledger_line_not_zero"),
        ]

    def __str__(self) -> str:
        return f"{self.ledger_account_id} {self.amount}"


class AccountBalance(models.Model):
    """The customer account's balance (what it owes, net of unapplied credit) and the
    deposits we hold for it, kept current by journal_post in the same transaction. Always
    equal to the sum of its lines; ledger-verify checks it."""

    account = models.OneToOneField(
        Account, primary_key=True, on_delete=models.PROTECT, related_name="ledger_balance"
    )
    balance = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0.00"))
    deposits_held = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0.00"))
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.account_id}: {self.balance}"


class OpenItemKind(models.TextChoices):
    DEBIT = "debit", "Owed by the customer"
    CREDIT = "credit", "Paid or credited to the customer"


class OpenItem(models.Model):
    """A document that moves the customer's balance, tracked until it is settled: a debit
    (invoice, fee, returned-payment charge) stays open until credits are allocated to it; a
    credit (payment, credit note, adjustment) stays open until allocated to debits. Aging,
    collections and "what does this payment pay" read these."""

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="open_items")
    kind = models.CharField(max_length=10, choices=OpenItemKind.choices)
    document_type = models.CharField(max_length=30)  # invoice, fee, payment, credit_note, ...
    reference = models.CharField(max_length=40)  # the document's number, shown to people
    source_type = models.CharField(max_length=30, blank=True)
    source_id = models.CharField(max_length=64, blank=True)
    entry = models.ForeignKey(
        JournalEntry, null=True, blank=True, on_delete=models.PROTECT, related_name="open_items"
    )
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    open_amount = models.DecimalField(max_digits=14, decimal_places=2)
    # Part of the open amount the customer disputes: collections leave it alone.
    disputed_amount = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0.00"))
    issued_on = models.DateField()
    due_date = models.DateField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["due_date", "issued_on", "id"]
        indexes = [
            models.Index(fields=["account", "kind", "closed_at"]),
            models.Index(fields=["kind", "closed_at", "due_date"]),
            models.Index(fields=["source_type", "source_id"]),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="ledger_item_positive"),
            models.CheckConstraint(
                condition=models.Q(open_amount__gte=0, open_amount__lte=models.F("amount")),
                name="ledger_item_open_within_amount",
            ),
            models.CheckConstraint(
                condition=models.Q(disputed_amount__gte=0, disputed_amount__lte=models.F("amount")),
                name="ledger_item_disputed_within_amount",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.document_type} {self.reference} {self.open_amount}/{self.amount}"


class Allocation(models.Model):
    """Part of a credit (a payment) applied to a debit (an invoice). Never edited: undoing it
    (a returned payment) marks it reversed and reopens both items."""

    debit = models.ForeignKey(OpenItem, on_delete=models.PROTECT, related_name="debit_allocations")
    credit = models.ForeignKey(
        OpenItem, on_delete=models.PROTECT, related_name="credit_allocations"
    )
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reversed_at = models.DateTimeField(null=True, blank=True)
    reversal_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__gt=0), name="ledger_allocation_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.credit_id} -> {self.debit_id}: {self.amount}"
