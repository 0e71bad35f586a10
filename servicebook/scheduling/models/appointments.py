"""Appointments (who does which work order when) and the day optimizer's proposals."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from servicebook.core.models import TimeStampedModel

from ..choices import ACTIVE_STATUSES, AppointmentStatus, BookingSource, RunStatus
from .people import Technician
from .territory import Territory


class Appointment(TimeStampedModel):
    """A work order given to a technician for a planned start and end: the assignment lives
    here, the work order keeps its lifecycle. While active (scheduled to on site) it holds
    the technician's time: services.appointment_book locks the technician's row, checks for
    an overlap and only then inserts, so two coordinators never book the same time.

    `locked`: the dispatcher pinned it; the day optimizer keeps it with this technician.
    """

    work_order = models.ForeignKey(
        "workorders.WorkOrder", on_delete=models.PROTECT, related_name="appointments"
    )
    technician = models.ForeignKey(
        Technician, on_delete=models.PROTECT, related_name="appointments"
    )
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    status = models.CharField(
        max_length=20, choices=AppointmentStatus.choices, default=AppointmentStatus.SCHEDULED
    )
    locked = models.BooleanField(default=False)
    source = models.CharField(
        max_length=20, choices=BookingSource.choices, default=BookingSource.BOARD
    )
    # The arrival window quoted to the customer (from an offer): the day optimizer keeps the
    # technician's arrival inside it. Empty when none was promised beyond the work order's.
    window_start = models.DateTimeField(null=True, blank=True)
    window_end = models.DateTimeField(null=True, blank=True)
    # Estimated drive from the previous stop, when the optimizer or the offers knew it.
    travel_minutes = models.PositiveIntegerField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["starts_at", "id"]
        indexes = [
            models.Index(fields=["technician", "starts_at"]),
            models.Index(fields=["starts_at", "status"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")),
                name="scheduling_appointment_ends_after_start",
            ),
            models.CheckConstraint(
                condition=Q(window_start__isnull=True, window_end__isnull=True)
                | Q(window_end__gt=F("window_start")),
                name="scheduling_appointment_window",
            ),
            # One live appointment per work order: a second booking of the same job is a
            # move, not a new row.
            models.UniqueConstraint(
                fields=["work_order"],
                condition=Q(status__in=ACTIVE_STATUSES),
                name="scheduling_one_active_appointment",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.work_order_id} with {self.technician_id} at {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def duration_minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)


class OptimizerRun(models.Model):
    """One run of the day optimizer for a date (and perhaps a territory): the proposal it
    made, shown beside the current plan until the dispatcher accepts or discards it.

    `board_token` is the board's change token when the run started: accepting refuses a
    proposal made for a board that has changed since (someone moved a job meanwhile).
    """

    date = models.DateField()
    territory = models.ForeignKey(
        Territory, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=20, choices=RunStatus.choices, default=RunStatus.PROPOSED)
    seconds = models.PositiveSmallIntegerField()
    board_token = models.CharField(max_length=64)
    # {"current": {...metrics}, "proposed": {...metrics}}
    summary = models.JSONField(default=dict, blank=True)
    # [{"work_order": id, "technician": id, "start": iso, "end": iso, "travel_minutes": n}]
    assignments = models.JSONField(default=list, blank=True)
    # [{"work_order": id, "reason": "..."}]
    unassigned = models.JSONField(default=list, blank=True)
    error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["date", "status"])]

    def __str__(self) -> str:
        return f"Optimizer run {self.pk} for {self.date}"
