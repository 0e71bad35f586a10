"""Models of the credit app: the account's standing.

Policies (per customer class and jurisdiction; a blank one is the default) say what an
arrangement may be, what a restoration costs, when a deposit is required and how events
move the credit score. The records say what happened: arrangements and their
installments, restorations and their reconnect work orders, credit events and each
account's standing, deposit waivers, bankruptcies. Money itself never lives here: it moves
through payments and billing, and these rows point at what those services wrote.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils import timezone

from servicebook.customers.choices import CustomerClass
from servicebook.customers.models import Account

ZERO = Decimal("0.00")
USER = settings.AUTH_USER_MODEL


def money(**kwargs) -> models.DecimalField:
    return models.DecimalField(max_digits=14, decimal_places=2, **kwargs)


class PolicyScope(models.Model):
    """Abstract: where a policy applies. A blank customer class or jurisdiction matches any;
    the most specific active policy wins (selectors.policy_for)."""

    name = models.CharField(max_length=100)
    customer_class = models.CharField(
        max_length=20, choices=CustomerClass.choices, blank=True, help_text="Blank: every class"
    )
    jurisdiction = models.CharField(max_length=50, blank=True, help_text="Blank: the default")
    active = models.BooleanField(default=True)

    class Meta:
        abstract = True
        ordering = ["customer_class", "jurisdiction", "id"]

    def __str__(self) -> str:
        return self.name


# --- Credit rating ----------------------------------------------------------------------------


class CreditEventKind(models.TextChoices):
    LATE_PAYMENT = "late_payment", "Late payment"
    RETURNED_PAYMENT = "returned_payment", "Returned payment"
    DISCONNECTION = "disconnection", "Disconnection"
    DISCONNECT_NOTICE = "disconnect_notice", "Disconnect notice"
    ARRANGEMENT_KEPT = "arrangement_kept", "Arrangement kept"
    ARRANGEMENT_BROKEN = "arrangement_broken", "Arrangement broken"
    PAID_ON_TIME = "paid_on_time", "Paid on time"
    WRITE_OFF = "write_off", "Written off"
    BANKRUPTCY = "bankruptcy", "Bankruptcy filed"
    RESTORED = "restored", "Service restored"
    MANUAL = "manual", "Manual adjustment"


class CreditPolicy(PolicyScope):
    """How events move the credit score. The score is a risk score: it starts at
    `starting_score`, each event adds its kind's points (negative points lower it, never
    below zero), and an account at or above `cash_only_threshold` is cash-only (checks and
    bank debits refused by the desk) until it falls below it again."""

    points = models.JSONField(
        default=dict,
        blank=True,
        help_text='Points per event kind, e.g. {"late_payment": 10, "paid_on_time": -2}',
    )
    starting_score = models.PositiveIntegerField(default=0)
    cash_only_threshold = models.PositiveIntegerField(default=100)

    class Meta(PolicyScope.Meta):
        verbose_name_plural = "credit policies"

    def points_for(self, kind: str) -> int:
        return int(self.points.get(kind, 0))


class CreditStanding(models.Model):
    """An account's current score and cash-only flag, kept by the credit services (one
    row per account, created on the first event)."""

    account = models.OneToOneField(
        Account, primary_key=True, on_delete=models.CASCADE, related_name="credit_standing"
    )
    score = models.IntegerField(default=0)
    cash_only = models.BooleanField(default=False)
    cash_only_since = models.DateField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.account_id}: {self.score}{' cash only' if self.cash_only else ''}"


class CreditEvent(models.Model):
    """Something that moved (or could move) the account's score: what, when, by how many
    points, and where it came from (a payment, an arrangement, the collections run)."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="credit_events")
    kind = models.CharField(max_length=30, choices=CreditEventKind.choices)
    on = models.DateField()
    points = models.IntegerField(default=0)
    source = models.CharField(max_length=100, blank=True)
    note = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-on", "-id"]
        indexes = [models.Index(fields=["account", "kind", "on"])]

    def __str__(self) -> str:
        return f"{self.account_id} {self.kind} {self.on} {self.points:+d}"


# --- Payment arrangements ---------------------------------------------------------------------


class DownPaymentKind(models.TextChoices):
    PERCENT = "percent", "Percent of the arrears"
    FIXED = "fixed", "Fixed amount"


class ArrangementPolicy(PolicyScope):
    """What a payment arrangement may be: who is eligible (a minimum arrears, none broken
    in the last months), the down payment (percent or fixed, capped at a share of the
    arrears), how many installments at most, on which day of the month, and the grace days
    after a due date before a missed installment breaks the arrangement."""

    min_arrears = money(default=Decimal("50.00"))
    broken_lookback_months = models.PositiveSmallIntegerField(
        default=12, help_text="Ineligible after a broken arrangement within these months"
    )
    down_payment_kind = models.CharField(
        max_length=10, choices=DownPaymentKind.choices, default=DownPaymentKind.PERCENT
    )
    down_payment_value = money(
        default=Decimal("25.00"), help_text="Percent of the arrears, or an amount"
    )
    down_payment_cap_percent = money(
        default=Decimal("50.00"), help_text="The down payment is at most this share of arrears"
    )
    max_installments = models.PositiveSmallIntegerField(default=6)
    installment_day = models.PositiveSmallIntegerField(
        default=1, help_text="Installments fall due on this day of the month (1-28)"
    )
    down_payment_days = models.PositiveSmallIntegerField(
        default=0, help_text="The down payment is due this many days after set-up"
    )
    grace_days = models.PositiveSmallIntegerField(default=5)

    class Meta(PolicyScope.Meta):
        verbose_name_plural = "arrangement policies"


class ArrangementStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    KEPT = "kept", "Kept"
    BROKEN = "broken", "Broken"
    CANCELLED = "cancelled", "Cancelled"


class PaymentArrangement(models.Model):
    """An agreement to pay the arrears covered by a down payment and equal installments.
    While active, the account is protected from collection steps (selectors.
    arrangement_protected_account_ids); payments posted to the account pay the
    installments in due-date order (the down payment first)."""

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="arrangements")
    policy = models.ForeignKey(
        ArrangementPolicy, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    arrears = money()
    down_payment = money(default=ZERO)
    installment_count = models.PositiveSmallIntegerField()
    status = models.CharField(
        max_length=10, choices=ArrangementStatus.choices, default=ArrangementStatus.ACTIVE
    )
    started_on = models.DateField()
    ended_on = models.DateField(null=True, blank=True)
    end_reason = models.CharField(max_length=300, blank=True)
    paid_amount = money(default=ZERO)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-started_on", "-id"]
        indexes = [models.Index(fields=["status", "started_on"])]
        constraints = [
            models.UniqueConstraint(
                fields=["account"],
                condition=models.Q(status="active"),
                name="credit_one_active_arrangement",
            ),
            models.CheckConstraint(
                condition=models.Q(arrears__gt=0), name="credit_arrangement_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"Arrangement {self.pk} ({self.get_status_display()}) {self.arrears}"

    @property
    def remaining(self) -> Decimal:
        return self.arrears - self.paid_amount


class InstallmentStatus(models.TextChoices):
    OPEN = "open", "Open"
    PAID = "paid", "Paid"
    MISSED = "missed", "Missed"


class ArrangementInstallment(models.Model):
    """One payment the arrangement expects: the down payment (number 0) or an
    installment, its due date, amount and what payments paid of it."""

    arrangement = models.ForeignKey(
        PaymentArrangement, on_delete=models.CASCADE, related_name="installments"
    )
    number = models.PositiveSmallIntegerField()  # 0 = the down payment
    due_date = models.DateField()
    amount = money()
    paid_amount = money(default=ZERO)
    status = models.CharField(
        max_length=10, choices=InstallmentStatus.choices, default=InstallmentStatus.OPEN
    )
    paid_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["arrangement", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["arrangement", "number"], name="credit_installment_number"
            ),
            models.CheckConstraint(
                condition=models.Q(amount__gt=0), name="credit_installment_positive"
            ),
        ]

    def __str__(self) -> str:
        label = "Down payment" if self.number == 0 else f"Installment {self.number}"
        return f"{label} due {self.due_date}: {self.paid_amount}/{self.amount}"

    @property
    def is_down_payment(self) -> bool:
        return self.number == 0

    @property
    def outstanding(self) -> Decimal:
        return self.amount - self.paid_amount


class ArrangementPayment(models.Model):
    """What one posted payment paid of an arrangement, so a returned payment takes exactly
    that back, and a payment is counted once however often the hook hears of it."""

    arrangement = models.ForeignKey(
        PaymentArrangement, on_delete=models.CASCADE, related_name="payments"
    )
    payment = models.OneToOneField("payments.Payment", on_delete=models.PROTECT, related_name="+")
    amount = money()
    reversed = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.payment_id} -> {self.arrangement_id}: {self.amount}"


# --- Deposits -------------------------------------------------------------------------------


class DepositPolicy(PolicyScope):
    """When a deposit is required (new service, a score at or above a threshold, after a
    disconnection), how much (the average of the last months' invoices times a number of
    months, capped, with a minimum), whether it may be paid in installments, and when it
    is refunded (after months of prompt payment: no disconnection, at most a number of
    late-payment events). Also the adequate-assurance deposit after a bankruptcy petition:
    due within days (another number in chapter 11)."""

    on_new_service = models.BooleanField(default=True)
    new_service_days = models.PositiveSmallIntegerField(
        default=30, help_text="An account opened within these days is new service"
    )
    score_threshold = models.PositiveIntegerField(
        null=True, blank=True, help_text="Required at or above this score; blank: never"
    )
    after_disconnection = models.BooleanField(default=True)
    months_of_billing = models.DecimalField(max_digits=5, decimal_places=2, default=Decimal("2"))
    average_over_months = models.PositiveSmallIntegerField(
        default=12, help_text="Average the invoices of the last this many months"
    )
    minimum = money(default=Decimal("50.00"))
    cap = money(null=True, blank=True)
    installments_allowed = models.PositiveSmallIntegerField(
        default=1, help_text="A required deposit may be paid in up to this many monthly parts"
    )
    installment_grace_days = models.PositiveSmallIntegerField(
        default=5, help_text="An installment still open this many days after its due date is missed"
    )
    due_days = models.PositiveSmallIntegerField(default=20)
    refund_after_months = models.PositiveSmallIntegerField(default=12)
    refund_max_late_events = models.PositiveSmallIntegerField(default=2)
    assurance_days = models.PositiveSmallIntegerField(default=20)
    assurance_days_chapter_11 = models.PositiveSmallIntegerField(default=30)

    class Meta(PolicyScope.Meta):
        verbose_name_plural = "deposit policies"


class DepositInstallment(models.Model):
    """One part of a required deposit the customer pays in installments (the deposit
    policy's `installments_allowed`): its due date (monthly from the deposit's due date),
    amount and what deposit payments paid of it. The deposit itself, its collections and
    the deposits-held ledger are payments'; this only tracks the promise."""

    deposit = models.ForeignKey("payments.Deposit", on_delete=models.CASCADE, related_name="+")
    account = models.ForeignKey(
        Account, on_delete=models.CASCADE, related_name="deposit_installments"
    )
    number = models.PositiveSmallIntegerField()  # 1..N
    due_date = models.DateField()
    amount = money()
    paid_amount = money(default=ZERO)
    status = models.CharField(
        max_length=10, choices=InstallmentStatus.choices, default=InstallmentStatus.OPEN
    )
    paid_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["deposit", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["deposit", "number"], name="credit_deposit_installment_number"
            ),
            models.CheckConstraint(
                condition=models.Q(amount__gt=0), name="credit_deposit_installment_positive"
            ),
        ]

    def __str__(self) -> str:
        return (
            f"Deposit installment {self.number} due {self.due_date}: "
            f"{self.paid_amount}/{self.amount}"
        )

    @property
    def outstanding(self):
        return self.amount - self.paid_amount


class WaiverKind(models.TextChoices):
    REFERENCE_LETTER = "reference_letter", "Credit reference letter"
    GUARANTOR = "guarantor", "Guarantor"


class DepositWaiver(models.Model):
    """A deposit the policy would require, waived: by a good credit reference letter
    (from whom, dated) or a guarantor (who). Recorded so the review leaves it alone."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="deposit_waivers")
    kind = models.CharField(max_length=20, choices=WaiverKind.choices)
    detail = models.CharField(max_length=300)
    granted_on = models.DateField()
    revoked_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-granted_on", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.detail}"


# --- Restoration -----------------------------------------------------------------------------


class RestorationPolicy(PolicyScope):
    """What restoring a disconnected account costs and how fast it happens: the
    restoration fee (a billing catalog item from the tariff, or an amount), whether the
    deposit policy's deposit is part of the amount to restore, and the reconnect work
    order's priority and target hours."""

    fee_item = models.ForeignKey(
        "billing.CatalogItem", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    fee_amount = money(default=ZERO, help_text="Used when no catalog item is set")
    include_deposit = models.BooleanField(default=True)
    reconnect_priority = models.CharField(max_length=20, default="high")
    reconnect_target_hours = models.PositiveSmallIntegerField(default=24)

    class Meta(PolicyScope.Meta):
        verbose_name_plural = "restoration policies"


class RestorationStatus(models.TextChoices):
    OPEN = "open", "Waiting for payment"
    PAID = "paid", "Paid, reconnect raised"
    # The reconnect work order was cancelled or ended incomplete: staff raise a new one.
    RECONNECT_STOPPED = "reconnect_stopped", "Paid, reconnect cancelled or not done"
    COMPLETED = "completed", "Reconnected"
    CANCELLED = "cancelled", "Cancelled"


class Restoration(models.Model):
    """One disconnection's way back: the amount to restore as quoted (past due, fee,
    deposit), the fee invoice and deposit billed for it, and the reconnect work order
    raised once when it was paid. At most one open restoration per account, and a
    restoration has at most one reconnect at a time (a cancelled or incomplete one is
    replaced by staff). Completing the reconnect makes the account active again and the
    restoration completed."""

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="restorations")
    policy = models.ForeignKey(
        RestorationPolicy, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(
        max_length=20, choices=RestorationStatus.choices, default=RestorationStatus.OPEN
    )
    opened_on = models.DateField()
    past_due = money(default=ZERO)
    fee = money(default=ZERO)
    deposit = money(default=ZERO)
    fee_invoice = models.ForeignKey(
        "billing.Invoice", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    deposit_record = models.ForeignKey(
        "payments.Deposit", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    work_order = models.OneToOneField(
        "workorders.WorkOrder", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    paid_on = models.DateField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-opened_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["account"],
                condition=models.Q(status="open"),
                name="credit_one_open_restoration",
            ),
        ]

    def __str__(self) -> str:
        return f"Restoration {self.pk} of {self.account_id} ({self.get_status_display()})"

    @property
    def total(self) -> Decimal:
        return self.past_due + self.fee + self.deposit


# --- Bankruptcy -----------------------------------------------------------------------------


class Chapter(models.TextChoices):
    CH7 = "7", "Chapter 7"
    CH11 = "11", "Chapter 11"
    CH13 = "13", "Chapter 13"


class BankruptcyStatus(models.TextChoices):
    FILED = "filed", "Filed (stay in force)"
    DISMISSED = "dismissed", "Dismissed"
    DISCHARGED = "discharged", "Discharged"


class Bankruptcy(models.Model):
    """A bankruptcy petition of the account's customer: while filed, the automatic stay
    stops collections and severance for pre-petition debt (open items issued before the
    petition date). The proof of claim and the adequate-assurance deposit are recorded
    here; the account's status is "in bankruptcy" while filed and returns to what it was."""

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="bankruptcies")
    petition_date = models.DateField()
    chapter = models.CharField(max_length=2, choices=Chapter.choices)
    court = models.CharField(max_length=200)
    case_number = models.CharField(max_length=50)
    status = models.CharField(
        max_length=12, choices=BankruptcyStatus.choices, default=BankruptcyStatus.FILED
    )
    closed_on = models.DateField(null=True, blank=True)
    previous_status = models.CharField(max_length=20, blank=True)
    pre_petition_amount = money(default=ZERO)
    claim_amount = money(null=True, blank=True)
    claim_filed_on = models.DateField(null=True, blank=True)
    assurance_amount = money(default=ZERO)
    assurance_due_on = models.DateField(null=True, blank=True)
    assurance_deposit = models.ForeignKey(
        "payments.Deposit", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-petition_date", "-id"]
        verbose_name_plural = "bankruptcies"
        indexes = [models.Index(fields=["status", "petition_date"])]
        constraints = [
            models.UniqueConstraint(
                fields=["account"],
                condition=models.Q(status="filed"),
                name="credit_one_filed_bankruptcy",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_chapter_display()} {self.case_number} ({self.get_status_display()})"
