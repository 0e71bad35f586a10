"""When technicians work: a weekly pattern, overrides for single dates, and time off."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import F, Q

from servicebook.core.models import TimeStampedModel

from ..choices import TimeOffKind
from .people import Technician

WEEKDAYS = [
    (0, "Monday"),
    (1, "Tuesday"),
    (2, "Wednesday"),
    (3, "Thursday"),
    (4, "Friday"),
    (5, "Saturday"),
    (6, "Sunday"),
]


class WeeklyShift(models.Model):
    """The technician's usual hours on one weekday, wall-clock in their time zone, with an
    optional lunch break. A weekday without a row is a day off. A shift ends the same day
    it starts (night shifts across midnight are not modelled)."""

    technician = models.ForeignKey(Technician, on_delete=models.CASCADE, related_name="shifts")
    weekday = models.PositiveSmallIntegerField(choices=WEEKDAYS)
    start = models.TimeField()
    end = models.TimeField()
    break_start = models.TimeField(null=True, blank=True)
    break_minutes = models.PositiveSmallIntegerField(default=0, validators=[MaxValueValidator(240)])

    class Meta:
        ordering = ["technician", "weekday"]
        constraints = [
            models.UniqueConstraint(
                fields=["technician", "weekday"], name="scheduling_shift_one_per_weekday"
            ),
            models.CheckConstraint(
                condition=Q(end__gt=F("start")), name="scheduling_shift_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start:%H:%M}-{self.end:%H:%M}"


class ShiftOverride(models.Model):
    """One date that differs from the weekly pattern: other hours, or not working at all
    (a Saturday on call, a half day)."""

    technician = models.ForeignKey(
        Technician, on_delete=models.CASCADE, related_name="shift_overrides"
    )
    date = models.DateField()
    working = models.BooleanField(default=True)
    start = models.TimeField(null=True, blank=True)
    end = models.TimeField(null=True, blank=True)
    break_start = models.TimeField(null=True, blank=True)
    break_minutes = models.PositiveSmallIntegerField(default=0, validators=[MaxValueValidator(240)])
    reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["technician", "date"]
        constraints = [
            models.UniqueConstraint(
                fields=["technician", "date"], name="scheduling_override_one_per_date"
            ),
            models.CheckConstraint(
                condition=Q(working=False) | Q(end__gt=F("start")),
                name="scheduling_override_hours",
            ),
        ]

    def __str__(self) -> str:
        if not self.working:
            return f"{self.date}: off"
        return f"{self.date}: {self.start:%H:%M}-{self.end:%H:%M}"


class TimeOff(TimeStampedModel):
    """An absence between two instants (vacation, sick, training). Appointments and offers
    keep clear of it; the optimizer does not plan the technician into it."""

    technician = models.ForeignKey(Technician, on_delete=models.CASCADE, related_name="time_off")
    kind = models.CharField(
        max_length=20, choices=TimeOffKind.choices, default=TimeOffKind.VACATION
    )
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    reason = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["technician", "starts_at"]
        verbose_name_plural = "time off"
        indexes = [models.Index(fields=["technician", "starts_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="scheduling_time_off_ends_after"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.starts_at:%Y-%m-%d}"
