"""Core models: the base model, the audit trail, sequences, business calendars and the
periodic-task ledger. Nothing here knows about a domain app."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone


class TimeStampedModel(models.Model):
    """Abstract base: every row knows when it was created and last changed."""

    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class AuditEvent(models.Model):
    """One change made by a service or one authentication event: who, when, what, before and
    after. Written in the same transaction as the change (core.audit), never by a signal."""

    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The actor's username at the time, so the trail survives a renamed or deleted user.
    actor_label = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=64)
    content_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    object_id = models.CharField(max_length=64, blank=True)
    object_repr = models.CharField(max_length=200, blank=True)
    changes = models.JSONField(default=dict, blank=True)
    message = models.CharField(max_length=500, blank=True)
    remote_addr = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["content_type", "object_id", "at"])]

    def __str__(self) -> str:
        who = self.actor_label or "system"
        return f"{self.at:%Y-%m-%d %H:%M} {who} {self.action} {self.object_repr}"


class Sequence(models.Model):
    """A named counter for human-facing numbers (accounts, cases). Taken with one atomic
    UPDATE ... RETURNING, so two desks never get the same number."""

    name = models.CharField(max_length=50, primary_key=True)
    value = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name}={self.value}"


class BusinessCalendar(models.Model):
    """Working hours per weekday in one IANA time zone, plus holidays. SLA clocks run only
    inside these hours; later, collections use the same calendar for protected days."""

    name = models.CharField(max_length=100, unique=True)
    time_zone = models.CharField(max_length=64, default="America/Denver")
    # {"0": [["08:00", "17:00"]], ..., "6": []}: Monday is "0", as in date.weekday().
    weekly_hours = models.JSONField(default=dict)

    def __str__(self) -> str:
        return self.name


class Holiday(models.Model):
    """A closed day on a business calendar."""

    calendar = models.ForeignKey(
        BusinessCalendar, on_delete=models.CASCADE, related_name="holidays"
    )
    date = models.DateField()
    name = models.CharField(max_length=100)

    class Meta:
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["calendar", "date"], name="core_holiday_unique_day")
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.name}"


class PeriodicRun(models.Model):
    """One slot of a periodic task. The unique key makes the enqueue exactly-once when many
    workers run the scheduler at the same time: the first insert wins, the others skip."""

    task_path = models.CharField(max_length=200)
    slot = models.BigIntegerField(help_text="Start of the slot, as seconds since the epoch")
    enqueued_at = models.DateTimeField(default=timezone.now)
    task_result_id = models.CharField(max_length=64, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["task_path", "slot"], name="core_periodicrun_once")
        ]

    def __str__(self) -> str:
        return f"{self.task_path}@{self.slot}"
