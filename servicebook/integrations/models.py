"""Models of the integrations app: partners and their connectors (webhook endpoints, inbound
tokens, work-order links), the transactional outbox (events, deliveries, attempts), portal
tasks and inbound events. docs/integrations.md explains the rules."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone

from servicebook.core.models import TimeStampedModel

from .choices import (
    Connector,
    DeliveryStatus,
    EndpointScope,
    InboundStatus,
    PartnerKind,
    PortalTaskStatus,
)


class Partner(TimeStampedModel):
    """Another company that must hear about our work: a warranty company, a manufacturer, a
    carrier, a lender. Its connector says how: signed webhooks to its endpoints, or a portal
    that a coordinator updates by hand (portal tasks)."""

    name = models.CharField(max_length=120, unique=True)
    kind = models.CharField(max_length=20, choices=PartnerKind.choices)
    connector = models.CharField(max_length=10, choices=Connector.choices)
    active = models.BooleanField(default=True)
    contact_name = models.CharField(max_length=120, blank=True)
    contact_email = models.EmailField(blank=True)
    contact_phone = models.CharField(max_length=40, blank=True)
    portal_url = models.URLField(blank=True, help_text="Where coordinators update the portal")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class WebhookEndpoint(TimeStampedModel):
    """A URL of a partner that receives signed POSTs for the event types it subscribes to.

    The secret is kept in clear because signing needs it; it is shown once, when the
    endpoint is created, and never logged, audited or listed. Timeout and attempts may be
    set per endpoint; blank means the settings' defaults."""

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="endpoints")
    url = models.URLField(max_length=500)
    secret = models.CharField(max_length=100)
    # After a rotation the old secret keeps signing (a second v1= in the header) until
    # previous_secret_until, so the partner can switch its verifier without losing events.
    previous_secret = models.CharField(max_length=100, blank=True)
    previous_secret_until = models.DateTimeField(null=True, blank=True)
    rotated_at = models.DateTimeField(null=True, blank=True)
    event_types = models.JSONField(default=list)
    scope = models.CharField(
        max_length=10, choices=EndpointScope.choices, default=EndpointScope.LINKED
    )
    active = models.BooleanField(default=True)
    timeout_seconds = models.PositiveIntegerField(null=True, blank=True)
    max_attempts = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["partner__name", "id"]

    def __str__(self) -> str:
        return f"{self.partner.name} → {self.url}"

    def signing_secrets(self, now) -> list[str]:
        """The secrets that sign a request sent at `now`: the current one, and the previous
        one while its grace period after a rotation lasts."""
        if self.previous_secret and self.previous_secret_until and now < self.previous_secret_until:
            return [self.secret, self.previous_secret]
        return [self.secret]


class InboundToken(TimeStampedModel):
    """A partner's credential for the inbound API. Only its SHA-256 is stored; the token is
    shown once when issued. `prefix` (its first characters) lets people tell tokens apart."""

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="tokens")
    label = models.CharField(max_length=100, blank=True)
    prefix = models.CharField(max_length=12)
    token_hash = models.CharField(max_length=64, unique=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.partner.name} token {self.prefix}…"


class PartnerLink(TimeStampedModel):
    """A work order that a partner is involved in (its warranty claim, its shipment), with
    the partner's own reference. Events about the work order go to the linked partners."""

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="links")
    work_order = models.ForeignKey(
        "workorders.WorkOrder", on_delete=models.CASCADE, related_name="partner_links"
    )
    external_reference = models.CharField(max_length=100, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["partner__name"]
        constraints = [
            models.UniqueConstraint(fields=["partner", "work_order"], name="integrations_link_once")
        ]

    def __str__(self) -> str:
        return f"{self.partner.name} on {self.work_order_id}"


class OutboundEvent(models.Model):
    """Something that happened, to tell partners about: written by `events.publish` in the
    same transaction as the change, so a rolled-back change leaves no event (the outbox)."""

    event_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    event_type = models.CharField(max_length=60, db_index=True)
    payload = models.JSONField(default=dict)
    occurred_at = models.DateTimeField(default=timezone.now)
    content_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    object_id = models.CharField(max_length=64, blank=True)
    object_repr = models.CharField(max_length=200, blank=True)
    work_order = models.ForeignKey(
        "workorders.WorkOrder",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-occurred_at", "-id"]

    def __str__(self) -> str:
        return f"{self.event_type} {self.event_id}"


class Delivery(models.Model):
    """One event to one endpoint, until it is delivered (a 2xx) or dead (out of attempts).

    The sender claims a due delivery by moving it to "delivering" with a fresh claim token
    (compare-and-set), so two workers never send it at the same time; only the holder of the
    token may record the outcome. A claim older than its lease (a worker that died) is due
    again."""

    event = models.ForeignKey(OutboundEvent, on_delete=models.CASCADE, related_name="deliveries")
    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    status = models.CharField(
        max_length=12, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    claim_token = models.UUIDField(null=True, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    # A replay by hand: the status to go back to when the replay fails.
    replay_from = models.CharField(max_length=12, blank=True)
    last_status_code = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "deliveries"
        constraints = [
            models.UniqueConstraint(fields=["event", "endpoint"], name="integrations_delivery_once")
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="integrations_delivery_due",
                condition=Q(status__in=["pending", "retrying"]),
            ),
            models.Index(fields=["status", "lease_until"], name="integrations_delivery_lease"),
        ]

    def __str__(self) -> str:
        return f"delivery {self.pk} {self.status}"


class DeliveryAttempt(models.Model):
    """One try to send a delivery: when, how it ended (status code or error), how long it
    took, the start of the response. `manual` marks a replay by hand (and who did it)."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempt_log")
    number = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    duration_ms = models.PositiveIntegerField(default=0)
    status_code = models.PositiveIntegerField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)
    response_excerpt = models.TextField(blank=True)
    succeeded = models.BooleanField(default=False)
    manual = models.BooleanField(default=False)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"attempt {self.number} of delivery {self.delivery_id}"


class PortalTask(TimeStampedModel):
    """A to-do for a coordinator: update a portal partner's website with what happened
    (the partner has no API). Ticked off with the reference the portal gave."""

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="portal_tasks")
    event = models.ForeignKey(
        OutboundEvent, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    work_order = models.ForeignKey(
        "workorders.WorkOrder", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    text = models.CharField(max_length=300)
    status = models.CharField(
        max_length=6, choices=PortalTaskStatus.choices, default=PortalTaskStatus.OPEN
    )
    reference = models.CharField(max_length=100, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self) -> str:
        return self.text


class InboundEvent(models.Model):
    """An update a partner sent us, stored whatever its fate. Unique on the partner's own
    event id: a replay gets the first answer (status and body) back, the same id with
    another body is a conflict."""

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="inbound_events")
    external_event_id = models.CharField(max_length=100)
    event_type = models.CharField(max_length=60)
    body = models.JSONField(default=dict)
    fingerprint = models.CharField(max_length=64)
    received_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=10, choices=InboundStatus.choices)
    response_status = models.PositiveIntegerField()
    response_body = models.JSONField(default=dict)
    work_order = models.ForeignKey(
        "workorders.WorkOrder",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # For workorder.note: the note's text, shown on the work order and the account timeline.
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["partner", "external_event_id"], name="integrations_inbound_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.partner_id}:{self.external_event_id} {self.event_type}"
