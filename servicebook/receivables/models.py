"""Collections: the policies (ordered steps per customer class and jurisdiction), the
protections that hold a step, and what the nightly run does to each delinquent account
(a process, its actions and letters), plus the collectors' promises to pay.

Every threshold is a field of a record here (policy, step, moratorium, temperature
reading), never a constant in code."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils import timezone

from servicebook.customers.choices import CustomerClass
from servicebook.customers.models import Account

USER = settings.AUTH_USER_MODEL


def money(**kwargs) -> models.DecimalField:
    return models.DecimalField(max_digits=14, decimal_places=2, **kwargs)


class StepKind(models.TextChoices):
    REMINDER = "reminder", "Reminder"
    PAST_DUE_NOTICE = "past_due_notice", "Past-due notice"
    DISCONNECT_NOTICE = "disconnect_notice", "Disconnect notice"
    NONPAY_WORK_ORDER = "nonpay_work_order", "Non-pay work order"
    DISCONNECTION = "disconnection", "Disconnection"
    FINAL_BILL = "final_bill", "Final bill"
    WRITE_OFF = "write_off", "Write-off"
    AGENCY_REFERRAL = "agency_referral", "Agency referral"


# The steps that cut service off: protected days, temperature, moratoria (by default) and
# medical certificates hold these, and they need a valid disconnect notice.
SEVERANCE_KINDS = frozenset({StepKind.NONPAY_WORK_ORDER, StepKind.DISCONNECTION})


class HoldReason(models.TextChoices):
    BANKRUPTCY = "bankruptcy", "Bankruptcy stay"
    ARRANGEMENT = "arrangement", "Payment arrangement"
    PROMISE = "promise", "Promise to pay"
    MEDICAL = "medical", "Medical certificate"
    MORATORIUM = "moratorium", "Seasonal moratorium"
    TEMPERATURE = "temperature", "Temperature below threshold"
    PROTECTED_DAY = "protected_day", "Protected day"
    CUTOFF = "cutoff", "After the cut-off hour"
    NOTICE_PERIOD = "notice_period", "Notice period not over"
    NO_NOTICE = "no_notice", "No disconnect notice"


class ProcessStatus(models.TextChoices):
    OPEN = "open", "Open"
    CANCELLED = "cancelled", "Cancelled (brought current)"
    COMPLETED = "completed", "Completed"


class PromiseStatus(models.TextChoices):
    OPEN = "open", "Open"
    KEPT = "kept", "Kept"
    BROKEN = "broken", "Broken"
    CANCELLED = "cancelled", "Cancelled"


class CollectionPolicy(models.Model):
    """How one customer class in one jurisdiction is collected: ordered steps plus the
    severance rules. A blank jurisdiction is the class's default policy, used for every
    jurisdiction without a policy of its own."""

    name = models.CharField(max_length=100)
    customer_class = models.CharField(max_length=20, choices=CustomerClass.choices)
    jurisdiction = models.CharField(max_length=50, blank=True, help_text="Blank: the default")
    active = models.BooleanField(default=True)
    notice_min_days = models.PositiveIntegerField(
        default=10, help_text="A disconnect notice must be at least this many days old"
    )
    notice_valid_days = models.PositiveIntegerField(
        default=60, help_text="After this many days a new disconnect notice is needed"
    )
    min_temperature = models.DecimalField(
        max_digits=5,
        decimal_places=1,
        null=True,
        blank=True,
        help_text="No severance when the day's reading is below this (°C); blank: no rule",
    )
    medical_postpone_days = models.PositiveIntegerField(
        default=30, help_text="How long a medical certificate holds severance by default"
    )
    calendar = models.ForeignKey(
        "core.BusinessCalendar",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Protected days: its closed weekdays and holidays take no severance",
    )
    cutoff_hour = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text="Run on the day itself after this local hour: no severance that day",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["customer_class", "jurisdiction"]
        verbose_name_plural = "collection policies"
        constraints = [
            models.UniqueConstraint(
                fields=["customer_class", "jurisdiction"], name="receivables_policy_unique"
            )
        ]

    def __str__(self) -> str:
        return self.name


class CollectionStep(models.Model):
    """One step of a policy. `days_after` counts from the previous step (the first step:
    from the due date of the oldest past-due item). The fee is a catalog item or an amount
    (the amount wins when both are given), charged on an invoice through billing."""

    policy = models.ForeignKey(CollectionPolicy, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=20, choices=StepKind.choices)
    min_balance = money(default=Decimal("0.01"), help_text="Past-due balance needed")
    days_after = models.PositiveIntegerField(default=0)
    fee_amount = money(null=True, blank=True)
    fee_item = models.ForeignKey(
        "billing.CatalogItem", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    letter_template = models.TextField(
        blank=True,
        help_text="Django template text; context: account, customer, amount_due, items, "
        "step, step_date, fee, policy. Blank: no letter",
    )

    class Meta:
        ordering = ["policy", "position"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "position"], name="receivables_step_unique"),
            models.CheckConstraint(
                condition=models.Q(position__gte=1), name="receivables_step_position"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.get_kind_display()}"


class Moratorium(models.Model):
    """A seasonal moratorium: between the dates, the listed step kinds are not taken in the
    jurisdiction (blank: everywhere)."""

    name = models.CharField(max_length=100)
    jurisdiction = models.CharField(max_length=50, blank=True)
    starts_on = models.DateField()
    ends_on = models.DateField()
    step_kinds = models.JSONField(default=list, help_text="Step kinds it blocks")

    class Meta:
        ordering = ["starts_on"]
        verbose_name_plural = "moratoria"

    def __str__(self) -> str:
        return self.name


class TemperatureReading(models.Model):
    """The day's (forecast or measured) low in a jurisdiction, entered or imported."""

    jurisdiction = models.CharField(max_length=50)
    on = models.DateField()
    low_temperature = models.DecimalField(max_digits=5, decimal_places=1, help_text="°C")

    class Meta:
        ordering = ["-on", "jurisdiction"]
        constraints = [
            models.UniqueConstraint(fields=["jurisdiction", "on"], name="receivables_temp_unique")
        ]

    def __str__(self) -> str:
        return f"{self.jurisdiction} {self.on} {self.low_temperature}"


class MedicalCertificate(models.Model):
    """A medical certificate on an account: no severance step between the dates."""

    account = models.ForeignKey(
        Account, on_delete=models.PROTECT, related_name="medical_certificates"
    )
    starts_on = models.DateField()
    ends_on = models.DateField()
    note = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-starts_on"]
        indexes = [models.Index(fields=["ends_on", "starts_on"])]

    def __str__(self) -> str:
        return f"Medical {self.starts_on}..{self.ends_on}"


class CollectionBalance(models.Model):
    """The run's snapshot of one delinquent account: undisputed past-due amount and the due
    date of its oldest past-due item, as of the last run (rewritten by every run in one
    INSERT ... SELECT; the worklist reads it)."""

    account = models.OneToOneField(
        Account, primary_key=True, on_delete=models.CASCADE, related_name="+"
    )
    as_of = models.DateField()
    past_due = money()
    oldest_due = models.DateField()

    class Meta:
        indexes = [models.Index(fields=["past_due"])]

    def __str__(self) -> str:
        return f"{self.account_id} {self.past_due} since {self.oldest_due}"


class CollectionProcess(models.Model):
    """An account's way through its policy's steps. Position 0: delinquent, no step taken
    yet. At most one open process per account."""

    account = models.ForeignKey(
        Account, on_delete=models.PROTECT, related_name="collection_processes"
    )
    policy = models.ForeignKey(CollectionPolicy, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        max_length=10, choices=ProcessStatus.choices, default=ProcessStatus.OPEN
    )
    position = models.PositiveSmallIntegerField(default=0)
    step = models.ForeignKey(
        CollectionStep, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    step_date = models.DateField(null=True, blank=True)
    next_step_on = models.DateField(null=True, blank=True)
    notice_on = models.DateField(null=True, blank=True, help_text="Last disconnect notice")
    work_order = models.ForeignKey(
        "workorders.WorkOrder", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    hold_reason = models.CharField(max_length=20, choices=HoldReason.choices, blank=True)
    held_on = models.DateField(null=True, blank=True)
    started_on = models.DateField()
    closed_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-started_on", "-id"]
        indexes = [
            models.Index(fields=["policy", "status", "position"]),
            models.Index(fields=["status", "next_step_on"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["account"],
                condition=models.Q(status="open"),
                name="receivables_one_open_process",
            )
        ]

    def __str__(self) -> str:
        return f"Collection of {self.account_id} at {self.position}"


class CollectionAction(models.Model):
    """A step taken on a process on a day: the amount due then, the fee charged, the work
    order raised. Unique per (process, position, day): a rerun or a restart cannot take the
    same step twice."""

    process = models.ForeignKey(CollectionProcess, on_delete=models.PROTECT, related_name="actions")
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="+")
    step = models.ForeignKey(CollectionStep, on_delete=models.PROTECT, related_name="+")
    position = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=20, choices=StepKind.choices)
    taken_on = models.DateField()
    amount = money(help_text="Past-due balance when taken")
    fee = money(default=Decimal("0.00"))
    fee_invoice = models.ForeignKey(
        "billing.Invoice", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    work_order = models.ForeignKey(
        "workorders.WorkOrder", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-taken_on", "-id"]
        indexes = [models.Index(fields=["account", "taken_on"])]
        constraints = [
            models.UniqueConstraint(
                fields=["process", "position", "taken_on"], name="receivables_action_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.taken_on}"


class LetterChannel(models.TextChoices):
    PENDING = "", "Not sent yet"
    EMAIL = "email", "Email"
    PRINT = "print", "Print and mail"
    STALE = "stale", "Not sent (too old when first seen)"


class CollectionLetter(models.Model):
    """The letter a step produced, as rendered on the step's day (`sent_on`), and how it
    went out: emailed by `letters.collection_letters_send` (with `to_email`, `sent_at`),
    or to print and mail when the account has no email address or the email kept failing
    (`printed_at`/`printed_by` once someone printed it).

    The delivery columns have database defaults because the collections run inserts
    letters with raw SQL (one executemany a chunk) that names only the letter's own
    columns. `claim`/`claimed_at` are a sender's lease on the row (see letters.py)."""

    action = models.OneToOneField(CollectionAction, on_delete=models.PROTECT, related_name="letter")
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="+")
    sent_on = models.DateField()
    body = models.TextField()
    channel = models.CharField(
        max_length=10, choices=LetterChannel.choices, blank=True, db_default=""
    )
    to_email = models.CharField(max_length=254, blank=True, db_default="")
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(db_default=0)
    error = models.CharField(max_length=300, blank=True, db_default="")
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    claim = models.CharField(max_length=32, blank=True, db_default="")
    claimed_at = models.DateTimeField(null=True, blank=True)
    # Set when someone marks a print-and-mail letter printed (letters.letters_mark_printed);
    # nullable, so the run's raw INSERT that names only the letter's own columns still works.
    printed_at = models.DateTimeField(null=True, blank=True)
    printed_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-sent_on", "-id"]
        indexes = [
            models.Index(fields=["account", "sent_on"]),
            # The sender's and the print list's scans: unsent (channel '') or to print.
            models.Index(fields=["channel", "sent_on"]),
        ]

    def __str__(self) -> str:
        return f"Letter {self.sent_on}"


class PromiseToPay(models.Model):
    """A customer's promise to pay an amount by a day. While open and not yet due it holds
    the next collection step; the run marks it kept (payments since it was made reach the
    amount by its day) or broken (they do not)."""

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="promises")
    amount = money()
    promised_on = models.DateField()
    follow_up_on = models.DateField(null=True, blank=True)
    made_on = models.DateField()
    status = models.CharField(
        max_length=10, choices=PromiseStatus.choices, default=PromiseStatus.OPEN
    )
    paid = money(default=Decimal("0.00"))
    evaluated_on = models.DateField(null=True, blank=True)
    note = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["promised_on", "id"]
        indexes = [models.Index(fields=["status", "promised_on"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__gt=0), name="receivables_promise_positive"
            )
        ]

    def __str__(self) -> str:
        return f"Promise {self.amount} by {self.promised_on}"


# --- Write-off and agency referral ------------------------------------------------------------


class WriteOffSource(models.TextChoices):
    MANUAL = "manual", "By hand"
    COLLECTIONS = "collections", "Collections step"


class WriteOff(models.Model):
    """Undisputed final-billed debt written off: one journal entry (bad debt expense debited,
    receivable credited) and a credit open item allocated to the debits it closed (`items`:
    `[[open_item_id, reference, amount], ...]`). `recovered` is what later payments brought
    back (WriteOffRecovery); written off less recovered is still bad debt."""

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="write_offs")
    amount = money()
    written_off_on = models.DateField()
    reason = models.CharField(max_length=300)
    source = models.CharField(max_length=12, choices=WriteOffSource.choices)
    action = models.OneToOneField(
        CollectionAction, null=True, blank=True, on_delete=models.PROTECT, related_name="write_off"
    )
    entry = models.ForeignKey("ledger.JournalEntry", on_delete=models.PROTECT, related_name="+")
    credit_item = models.ForeignKey("ledger.OpenItem", on_delete=models.PROTECT, related_name="+")
    items = models.JSONField(default=list)
    recovered = money(default=Decimal("0.00"))
    created_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["written_off_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__gt=0), name="receivables_writeoff_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(recovered__gte=0, recovered__lte=models.F("amount")),
                name="receivables_writeoff_recovered_within",
            ),
        ]

    def __str__(self) -> str:
        return f"WO-{self.pk} {self.amount} on {self.written_off_on}"

    @property
    def number(self) -> str:
        return f"WO-{self.pk}"

    @property
    def outstanding(self) -> Decimal:
        return self.amount - self.recovered


class WriteOffRecovery(models.Model):
    """Written-off debt a payment brought back: receivable debited, bad debt expense
    credited (recovery), a new open debit (`item`) that the payment's credit paid. A returned
    payment writes off again what it had recovered and is still open (`undone`)."""

    write_off = models.ForeignKey(WriteOff, on_delete=models.PROTECT, related_name="recoveries")
    payment = models.ForeignKey("payments.Payment", on_delete=models.PROTECT, related_name="+")
    amount = money()
    recovered_on = models.DateField()
    entry = models.ForeignKey("ledger.JournalEntry", on_delete=models.PROTECT, related_name="+")
    item = models.ForeignKey("ledger.OpenItem", on_delete=models.PROTECT, related_name="+")
    undone = money(default=Decimal("0.00"))
    undone_at = models.DateTimeField(null=True, blank=True)
    undo_entry = models.ForeignKey(
        "ledger.JournalEntry", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["recovered_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["write_off", "payment"], name="receivables_recovery_once"
            ),
            models.CheckConstraint(
                condition=models.Q(amount__gt=0), name="receivables_recovery_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"Recovery {self.amount} of WO-{self.write_off_id}"


class CollectionAgency(models.Model):
    """An outside collection agency. The active agency marked `default` takes the
    placements of the collections run's agency-referral step."""

    name = models.CharField(max_length=100)
    code = models.SlugField(max_length=20, unique=True)
    commission_percent = models.DecimalField(
        max_digits=5, decimal_places=2, default=Decimal("0.00")
    )
    active = models.BooleanField(default=True)
    default = models.BooleanField(default=False, help_text="Takes the collections run's referrals")

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "collection agencies"

    def __str__(self) -> str:
        return self.name


class ReferralStatus(models.TextChoices):
    REFERRED = "referred", "Referred"
    RECALLED = "recalled", "Recalled"
    PAID = "paid", "Paid in full"
    CLOSED = "closed", "Closed"


class RecallReason(models.TextChoices):
    PAID = "paid", "Paid in full"
    BANKRUPTCY = "bankruptcy", "Bankruptcy"
    DISPUTE = "dispute", "Dispute"
    ERROR = "error", "Referred in error"


class FileKind(models.TextChoices):
    PLACEMENT = "placement", "Placement"
    RECALL = "recall", "Recall and update"


class AgencyFile(models.Model):
    """A CSV file for an agency: the day's placements, or the day's recalls and payments on
    referred accounts. Kept as sent, so a download can be repeated."""

    agency = models.ForeignKey(CollectionAgency, on_delete=models.PROTECT, related_name="files")
    kind = models.CharField(max_length=10, choices=FileKind.choices)
    on = models.DateField()
    content = models.TextField()
    rows = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-on", "agency", "kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "kind", "on"], name="receivables_agency_file_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.agency.code}-{self.kind}-{self.on}.csv"

    @property
    def filename(self) -> str:
        return f"{self.agency.code}-{self.kind}-{self.on.isoformat()}.csv"


class AgencyReferral(models.Model):
    """An account's debt placed with an agency. Recalled by hand (bankruptcy, dispute,
    error) or when payments since the referral reach the amount (paid); each placement and
    recall goes in the agency's next file of its kind."""

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="referrals")
    agency = models.ForeignKey(CollectionAgency, on_delete=models.PROTECT, related_name="referrals")
    amount = money()
    referred_on = models.DateField()
    write_off = models.ForeignKey(
        WriteOff, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        max_length=10, choices=ReferralStatus.choices, default=ReferralStatus.REFERRED
    )
    paid = money(default=Decimal("0.00"))
    recall_reason = models.CharField(max_length=12, choices=RecallReason.choices, blank=True)
    recall_note = models.CharField(max_length=300, blank=True)
    recalled_on = models.DateField(null=True, blank=True)
    placement_file = models.ForeignKey(
        AgencyFile, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recall_file = models.ForeignKey(
        AgencyFile, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-referred_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["account"],
                condition=models.Q(status="referred"),
                name="receivables_one_open_referral",
            ),
            models.CheckConstraint(
                condition=models.Q(amount__gt=0), name="receivables_referral_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"Referral of {self.account_id} to {self.agency_id}"


class ReferralPayment(models.Model):
    """A payment (or its return, negative) on a referred account, reported to the agency in
    its next recall-and-update file."""

    referral = models.ForeignKey(AgencyReferral, on_delete=models.PROTECT, related_name="payments")
    payment = models.ForeignKey("payments.Payment", on_delete=models.PROTECT, related_name="+")
    amount = money()
    received_on = models.DateField()
    file = models.ForeignKey(
        AgencyFile, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["received_on", "id"]

    def __str__(self) -> str:
        return f"{self.amount} on {self.received_on}"
