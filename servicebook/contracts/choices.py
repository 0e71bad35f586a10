"""Choices of the contracts app."""

from decimal import Decimal

from django.db import models


def percent_label(value: Decimal) -> str:
    """50.00 -> "50", 12.50 -> "12.5" (a Decimal's :g keeps its places)."""
    return f"{Decimal(value).normalize():f}"


class ContractStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    ACTIVE = "active", "Active"
    EXPIRED = "expired", "Expired"
    CANCELLED = "cancelled", "Cancelled"


class AppliesTo(models.TextChoices):
    """Which lines of a job a coverage line speaks for (work-order and invoice line kinds)."""

    BOTH = "both", "Labour and parts"
    LABOUR = "labour", "Labour"
    PART = "part", "Parts"


class POStatus(models.TextChoices):
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


class Coverage(models.TextChoices):
    """The coverage decision's verdict on a job."""

    COVERED = "covered", "Covered"
    PARTLY = "partly", "Partly covered"
    NOT_COVERED = "not_covered", "Not covered"
    NO_CONTRACT = "no_contract", "No contract"
