"""Payments and what happens to them: the instruments they come from (cards and bank
accounts, as gateway tokens only), payments, refunds, adjustments, transfers, deposits,
disputes, bank files, and the stored replies of idempotent API requests.

The money itself lives in the ledger (journal entries, open items, allocations); every row
here points at the entries it posted, so the books and the documents can be checked
against each other (payments.verify, run by `servicebook ledger-verify`).

Cards (PRODUCT.md): no field anywhere holds a full card number or a security code. A card
is a gateway token, brand, last four and expiry; a bank account is a token, the routing
number (public) and the last four of the account number.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils import timezone

from servicebook.customers.models import Account
from servicebook.ledger.models import JournalEntry, OpenItem

from .choices import (
    ApprovalStatus,
    BankAccountType,
    BankFileFormat,
    BankItemStatus,
    DepositStatus,
    Direction,
    DisputeStatus,
    PaymentChannel,
    PaymentMethod,
    PaymentPurpose,
    PaymentStatus,
    ReasonDirection,
    ReturnReason,
)

ZERO = Decimal("0.00")
USER = settings.AUTH_USER_MODEL


def money(**kwargs) -> models.DecimalField:
    return models.DecimalField(max_digits=14, decimal_places=2, **kwargs)


class CardToken(models.Model):
    """A card as the gateway knows it: a token we can charge, with what people may see of
    it (brand, last four, expiry). `saved` says the customer asked to keep it on file."""

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="card_tokens")
    gateway = models.CharField(max_length=30)
    token = models.CharField(max_length=100)
    brand = models.CharField(max_length=20)
    last4 = models.CharField(max_length=4)
    exp_month = models.PositiveSmallIntegerField()
    exp_year = models.PositiveSmallIntegerField()
    holder_name = models.CharField(max_length=100, blank=True)
    saved = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["gateway", "token"], name="payments_card_token_once")
        ]

    def __str__(self) -> str:
        return f"{self.brand} ending {self.last4} ({self.exp_month:02d}/{self.exp_year % 100:02d})"


class BankAccount(models.Model):
    """A customer's bank account for ACH debits: the gateway's token, the routing number
    (public; checked with the ABA checksum) and the last four of the account number."""

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="bank_accounts")
    gateway = models.CharField(max_length=30)
    token = models.CharField(max_length=100)
    routing_number = models.CharField(max_length=9)
    last4 = models.CharField(max_length=4)
    account_type = models.CharField(
        max_length=10, choices=BankAccountType.choices, default=BankAccountType.CHECKING
    )
    holder_name = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["gateway", "token"], name="payments_bank_token_once")
        ]

    def __str__(self) -> str:
        return f"{self.get_account_type_display()} ending {self.last4}"


class Payment(models.Model):
    """Money received from a customer: posted to the ledger in one entry (cash clearing of
    its method against receivable, or deposits held for a deposit) with a credit open item
    applied to what the account owes. A returned payment (a bounced check, an ACH return, a
    chargeback) is reversed by a mirror entry, never edited away."""

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="payments")
    purpose = models.CharField(
        max_length=10, choices=PaymentPurpose.choices, default=PaymentPurpose.ACCOUNT
    )
    deposit = models.ForeignKey(
        "Deposit", null=True, blank=True, on_delete=models.PROTECT, related_name="payments"
    )
    amount = money()
    method = models.CharField(max_length=10, choices=PaymentMethod.choices)
    channel = models.CharField(max_length=10, choices=PaymentChannel.choices)
    status = models.CharField(
        max_length=10, choices=PaymentStatus.choices, default=PaymentStatus.POSTED
    )
    received_on = models.DateField(default=timezone.localdate)
    check_number = models.CharField(max_length=20, blank=True)
    # The payer's or the bank's reference (lockbox batch, BAI2 bank reference).
    reference = models.CharField(max_length=100, blank=True)
    memo = models.CharField(max_length=300, blank=True)
    card = models.ForeignKey(
        CardToken, null=True, blank=True, on_delete=models.PROTECT, related_name="payments"
    )
    bank_account = models.ForeignKey(
        BankAccount, null=True, blank=True, on_delete=models.PROTECT, related_name="payments"
    )
    gateway = models.CharField(max_length=30, blank=True)
    gateway_reference = models.CharField(max_length=100, blank=True)
    authorization_code = models.CharField(max_length=20, blank=True)
    entry = models.ForeignKey(
        JournalEntry, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    credit_item = models.OneToOneField(
        OpenItem, null=True, blank=True, on_delete=models.PROTECT, related_name="payment"
    )
    # One key per intended payment (a form's hidden key, an API client's key, a bank-file
    # item's key): a retry finds the first payment instead of posting another.
    idempotency_key = models.CharField(max_length=200, unique=True)
    fingerprint = models.CharField(max_length=64)
    refunded_amount = money(default=ZERO)
    returned_at = models.DateTimeField(null=True, blank=True)
    return_reason = models.CharField(max_length=20, choices=ReturnReason.choices, blank=True)
    return_note = models.CharField(max_length=300, blank=True)
    return_entry = models.ForeignKey(
        JournalEntry, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The debit item that closes the payment's credit item when it comes back.
    return_item = models.ForeignKey(
        OpenItem, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    return_fee_item = models.ForeignKey(
        OpenItem, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    returned_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["account", "-created_at"]),
            models.Index(fields=["status", "-created_at"]),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="payments_positive"),
            models.CheckConstraint(
                condition=models.Q(refunded_amount__gte=0, refunded_amount__lte=models.F("amount")),
                name="payments_refunded_within_amount",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.amount}"

    @property
    def number(self) -> str:
        return payment_number(self.pk)

    @property
    def refundable(self) -> Decimal:
        return self.amount - self.refunded_amount


def payment_number(pk: int | None) -> str:
    """The number people read back on the phone: P- and the row id, zero-padded."""
    return f"P-{pk:08d}" if pk else "P-(new)"


class Refund(models.Model):
    """Money given back to the customer, to the payment's original method: a card refund
    through the gateway, an ACH credit, or a check from accounts payable (refunds payable)
    for checks and cash. Above the requester's approval limit it waits for approval."""

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds")
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="refunds")
    amount = money()
    method = models.CharField(max_length=10, choices=PaymentMethod.choices)
    reason = models.CharField(max_length=300)
    status = models.CharField(
        max_length=10, choices=ApprovalStatus.choices, default=ApprovalStatus.PENDING
    )
    requested_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(max_length=300, blank=True)
    entry = models.ForeignKey(
        JournalEntry, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    debit_item = models.ForeignKey(
        OpenItem, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    gateway_reference = models.CharField(max_length=100, blank=True)
    idempotency_key = models.CharField(max_length=200, unique=True)
    fingerprint = models.CharField(max_length=64)

    class Meta:
        ordering = ["-requested_at", "-id"]
        indexes = [models.Index(fields=["status", "requested_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__gt=0), name="payments_refund_positive"
            )
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.amount}"

    @property
    def number(self) -> str:
        return f"R-{self.pk:08d}" if self.pk else "R-(new)"


class AdjustmentReason(models.Model):
    """Why a balance was adjusted (a policy record kept by supervisors in the admin)."""

    code = models.SlugField(max_length=40, unique=True)
    label = models.CharField(max_length=100)
    direction = models.CharField(
        max_length=10, choices=ReasonDirection.choices, default=ReasonDirection.BOTH
    )
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["label"]

    def __str__(self) -> str:
        return self.label

    def allows(self, direction: str) -> bool:
        return self.direction in (ReasonDirection.BOTH, direction)


class Adjustment(models.Model):
    """A correction of what the account owes, with a reason code: a credit (goodwill, a
    billing error) against the adjustments ledger account, or a debit (a missed charge).
    Above the requester's approval limit it waits for approval."""

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="adjustments")
    direction = models.CharField(max_length=10, choices=Direction.choices)
    amount = money()
    reason = models.ForeignKey(AdjustmentReason, on_delete=models.PROTECT, related_name="+")
    memo = models.CharField(max_length=300)
    # The debit a credit adjustment is meant for (a disputed invoice, say); none = oldest first.
    target_item = models.ForeignKey(
        OpenItem, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        max_length=10, choices=ApprovalStatus.choices, default=ApprovalStatus.PENDING
    )
    requested_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(max_length=300, blank=True)
    entry = models.ForeignKey(
        JournalEntry, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    item = models.ForeignKey(
        OpenItem, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    idempotency_key = models.CharField(max_length=200, unique=True)
    fingerprint = models.CharField(max_length=64)

    class Meta:
        ordering = ["-requested_at", "-id"]
        indexes = [models.Index(fields=["status", "requested_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__gt=0), name="payments_adjustment_positive"
            )
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.direction} {self.amount}"

    @property
    def number(self) -> str:
        return f"ADJ-{self.pk:08d}" if self.pk else "ADJ-(new)"

    @property
    def signed_amount(self) -> Decimal:
        return self.amount if self.direction == Direction.DEBIT else -self.amount


class Transfer(models.Model):
    """Credit moved from one account to another (a payment posted to the wrong account, a
    credit following the customer to a new account): one entry with both sides."""

    from_account = models.ForeignKey(
        Account, on_delete=models.PROTECT, related_name="transfers_out"
    )
    to_account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="transfers_in")
    amount = money()
    reason = models.CharField(max_length=300)
    payment = models.ForeignKey(
        Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="transfers"
    )
    entry = models.ForeignKey(
        JournalEntry, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    out_item = models.ForeignKey(
        OpenItem, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    in_item = models.ForeignKey(
        OpenItem, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    idempotency_key = models.CharField(max_length=200, unique=True)
    fingerprint = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__gt=0), name="payments_transfer_positive"
            ),
            models.CheckConstraint(
                condition=~models.Q(from_account=models.F("to_account")),
                name="payments_transfer_two_accounts",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.amount}"

    @property
    def number(self) -> str:
        return f"T-{self.pk:08d}" if self.pk else "T-(new)"


class Deposit(models.Model):
    """A security deposit: billed (asked for), collected by one or more payments (held as a
    liability, outside the balance), then applied to the final bill or refunded, with
    simple interest for the days it was held.

    collected - applied - refunded is what we hold; it equals the account's deposits held in
    the ledger (payments.verify checks it)."""

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="deposits")
    amount_required = money()
    due_date = models.DateField(null=True, blank=True)
    reason = models.CharField(max_length=300, blank=True)
    status = models.CharField(
        max_length=10, choices=DepositStatus.choices, default=DepositStatus.BILLED
    )
    collected_amount = money(default=ZERO)
    applied_amount = money(default=ZERO)
    refunded_amount = money(default=ZERO)
    interest_paid = money(default=ZERO)
    released_at = models.DateTimeField(null=True, blank=True)
    release_entry = models.ForeignKey(
        JournalEntry, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    release_item = models.ForeignKey(
        OpenItem, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    released_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["account", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount_required__gt=0), name="payments_deposit_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(
                    collected_amount__gte=models.F("applied_amount") + models.F("refunded_amount")
                ),
                name="payments_deposit_release_within_collected",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.amount_required}"

    @property
    def number(self) -> str:
        return f"D-{self.pk:08d}" if self.pk else "D-(new)"

    @property
    def held(self) -> Decimal:
        return self.collected_amount - self.applied_amount - self.refunded_amount

    @property
    def outstanding(self) -> Decimal:
        return max(self.amount_required - self.collected_amount, ZERO)


class Dispute(models.Model):
    """The customer disputes part of a charge: that amount of the open item is held out of
    collections (OpenItem.disputed_amount) until someone resolves it."""

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="disputes")
    item = models.ForeignKey(OpenItem, on_delete=models.PROTECT, related_name="disputes")
    amount = money()
    reason = models.CharField(max_length=500)
    status = models.CharField(
        max_length=10, choices=DisputeStatus.choices, default=DisputeStatus.OPEN
    )
    # The billing-dispute case it belongs to, if any (its number; cases live in their app).
    case_number = models.CharField(max_length=20, blank=True)
    opened_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    opened_at = models.DateTimeField(default=timezone.now)
    resolved_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution_note = models.CharField(max_length=500, blank=True)
    adjustment = models.ForeignKey(
        Adjustment, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-opened_at", "-id"]
        indexes = [models.Index(fields=["status", "opened_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__gt=0), name="payments_dispute_positive"
            )
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.amount}"

    @property
    def number(self) -> str:
        return f"DSP-{self.pk:07d}" if self.pk else "DSP-(new)"


class BankFile(models.Model):
    """An imported bank file (BAI2 or lockbox CSV). Its SHA-256 is unique, so the same file
    imported twice is recognised and posts nothing the second time."""

    sha256 = models.CharField(max_length=64, unique=True)
    name = models.CharField(max_length=200)
    format = models.CharField(max_length=10, choices=BankFileFormat.choices)
    as_of = models.DateField(null=True, blank=True)
    item_count = models.PositiveIntegerField(default=0)
    total = money(default=ZERO)
    posted_count = models.PositiveIntegerField(default=0)
    exception_count = models.PositiveIntegerField(default=0)
    imported_at = models.DateTimeField(default=timezone.now)
    imported_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-imported_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_format_display()})"


class BankFileItem(models.Model):
    """One credit of a bank file: posted when it matched an account, otherwise waiting in
    the exception queue for a person to match it or return it to the remitter."""

    file = models.ForeignKey(BankFile, on_delete=models.PROTECT, related_name="items")
    line_number = models.PositiveIntegerField()
    # Identifies the credit across files (bank reference, date, amount...), so the same
    # credit sent again in another file is recognised.
    item_key = models.CharField(max_length=200, unique=True)
    amount = money()
    paid_on = models.DateField()
    method = models.CharField(max_length=10, choices=PaymentMethod.choices)
    account_number = models.CharField(max_length=40, blank=True)
    invoice_reference = models.CharField(max_length=40, blank=True)
    check_number = models.CharField(max_length=20, blank=True)
    bank_reference = models.CharField(max_length=100, blank=True)
    type_code = models.CharField(max_length=3, blank=True)
    text = models.CharField(max_length=300, blank=True)
    status = models.CharField(max_length=10, choices=BankItemStatus.choices)
    exception_reason = models.CharField(max_length=200, blank=True)
    payment = models.OneToOneField(
        Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="bank_item"
    )
    resolved_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution_note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["file", "line_number"]
        indexes = [models.Index(fields=["status", "paid_on"])]

    def __str__(self) -> str:
        return f"{self.file_id}:{self.line_number} {self.amount}"


class IdempotencyRecord(models.Model):
    """The first reply to an API request carrying an Idempotency-Key, stored so that a
    retry gets the same reply and posts nothing. The unique (scope, key) row is inserted
    before the work, in the same transaction, so concurrent duplicates wait for the first
    and then read its reply (payments.idempotency)."""

    scope = models.CharField(max_length=64)  # whose key: "user:42"
    key = models.CharField(max_length=255)
    endpoint = models.CharField(max_length=100)
    request_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["scope", "key"], name="payments_idempotency_once")
        ]

    def __str__(self) -> str:
        return f"{self.scope} {self.key}"
