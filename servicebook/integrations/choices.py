"""Choice sets of the integrations app."""

from __future__ import annotations

from django.db import models


class PartnerKind(models.TextChoices):
    WARRANTY = "warranty", "Warranty company"
    MANUFACTURER = "manufacturer", "Manufacturer"
    CARRIER = "carrier", "Carrier"
    LENDER = "lender", "Lender"
    OTHER = "other", "Other"


class Connector(models.TextChoices):
    WEBHOOK = "webhook", "Signed webhooks"
    PORTAL = "portal", "Portal (updated by hand)"


class EndpointScope(models.TextChoices):
    # "linked": only events about work orders linked to the endpoint's partner;
    # "all": every event of the subscribed types (a lender's ledger feed, say).
    LINKED = "linked", "Linked work orders only"
    ALL = "all", "Every event of these types"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    DELIVERING = "delivering", "Delivering"
    RETRYING = "retrying", "Failed, retrying"
    DELIVERED = "delivered", "Delivered"
    DEAD = "dead", "Dead"


# Statuses the sender picks up when their next_attempt_at has come.
DUE_STATUSES = (DeliveryStatus.PENDING, DeliveryStatus.RETRYING)
# Statuses a person may replay by hand.
REPLAYABLE_STATUSES = (DeliveryStatus.DELIVERED, DeliveryStatus.DEAD)


class PortalTaskStatus(models.TextChoices):
    OPEN = "open", "Open"
    DONE = "done", "Done"


class InboundStatus(models.TextChoices):
    APPLIED = "applied", "Applied"
    REJECTED = "rejected", "Rejected"
