"""Choice sets of the billing app."""

from __future__ import annotations

from django.db import models


class ItemKind(models.TextChoices):
    """What a catalog item (and so an invoice line) is."""

    LABOUR = "labour", "Labour"
    PART = "part", "Part"
    RECURRING = "recurring", "Recurring service"
    FEE = "fee", "Fee"


class Frequency(models.TextChoices):
    """How often a recurring charge bills; each period is this many months long."""

    MONTHLY = "monthly", "Monthly"
    QUARTERLY = "quarterly", "Quarterly"
    ANNUAL = "annual", "Annual"


FREQUENCY_MONTHS = {Frequency.MONTHLY: 1, Frequency.QUARTERLY: 3, Frequency.ANNUAL: 12}


class Delivery(models.TextChoices):
    PAPER = "paper", "Paper (mail)"
    EMAIL = "email", "Email"


class InvoiceStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    ISSUED = "issued", "Issued"
    PARTIALLY_PAID = "partially_paid", "Partially paid"
    PAID = "paid", "Paid"
    VOID = "void", "Void"


# Statuses of an invoice that moved the ledger (everything but a draft).
POSTED_STATUSES = frozenset(
    {InvoiceStatus.ISSUED, InvoiceStatus.PARTIALLY_PAID, InvoiceStatus.PAID, InvoiceStatus.VOID}
)
# Statuses that follow the invoice's open item (invoice_refresh_status moves among them).
SETTLEMENT_STATUSES = frozenset(
    {InvoiceStatus.ISSUED, InvoiceStatus.PARTIALLY_PAID, InvoiceStatus.PAID}
)


class InvoiceSource(models.TextChoices):
    MANUAL = "manual", "Entered by hand"
    BILL_RUN = "bill_run", "Bill run"


class BillRunStatus(models.TextChoices):
    RUNNING = "running", "Running"
    COMPLETED = "completed", "Completed"
    INTERRUPTED = "interrupted", "Interrupted"


class DeliveryStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    SENT = "sent", "Sent"
    RETRYING = "retrying", "Retrying"
    FAILED = "failed", "Failed"
