"""The vocabulary of scheduling: kinds of technicians and documents, appointment states."""

from __future__ import annotations

from django.db import models


class TechnicianKind(models.TextChoices):
    EMPLOYEE = "employee", "Employee"
    SUBCONTRACTOR = "subcontractor", "Subcontractor"


class DocumentKind(models.TextChoices):
    INSURANCE = "insurance", "Insurance certificate"
    LICENSE = "license", "License"


class OnboardingAudience(models.TextChoices):
    ALL = "all", "Everyone"
    EMPLOYEE = "employee", "Employees"
    SUBCONTRACTOR = "subcontractor", "Subcontractor technicians"


class TimeOffKind(models.TextChoices):
    VACATION = "vacation", "Vacation"
    SICK = "sick", "Sick"
    TRAINING = "training", "Training"
    PERSONAL = "personal", "Personal"
    OTHER = "other", "Other"


class AppointmentStatus(models.TextChoices):
    """Mirrors the work order's field states while the visit is planned or under way; the
    work order keeps the rest of its lifecycle (closed) on its own."""

    SCHEDULED = "scheduled", "Scheduled"
    DISPATCHED = "dispatched", "Dispatched"
    EN_ROUTE = "en_route", "On the way"
    ON_SITE = "on_site", "On site"
    COMPLETED = "completed", "Completed"
    INCOMPLETE = "incomplete", "Incomplete"
    CANCELLED = "cancelled", "Cancelled"


A = AppointmentStatus
# An appointment in these states holds its technician's time: no other may overlap it.
ACTIVE_STATUSES = (A.SCHEDULED, A.DISPATCHED, A.EN_ROUTE, A.ON_SITE)
# The dispatcher may still move or unassign it; once someone is on the way it stays put.
MOVABLE_STATUSES = (A.SCHEDULED, A.DISPATCHED)
# The technician is on it: the optimizer keeps it first on their day.
STARTED_STATUSES = (A.EN_ROUTE, A.ON_SITE)

# The work order's lifecycle action -> the appointment status it leads to (the listener
# keeps the two in step whichever app made the move).
STATUS_AFTER_ACTION = {
    "dispatch": A.DISPATCHED,
    "travel": A.EN_ROUTE,
    "arrive": A.ON_SITE,
    "complete": A.COMPLETED,
    "incomplete": A.INCOMPLETE,
    "unschedule": A.CANCELLED,
    "cancel": A.CANCELLED,
}


class BookingSource(models.TextChoices):
    CALL = "call", "Booked from a call"
    BOARD = "board", "Dispatch board"
    EMERGENCY = "emergency", "Emergency insertion"
    OPTIMIZER = "optimizer", "Day optimizer"
    API = "api", "API"


class RunStatus(models.TextChoices):
    PROPOSED = "proposed", "Proposed"
    ACCEPTED = "accepted", "Accepted"
    DISCARDED = "discarded", "Discarded"
    FAILED = "failed", "Failed"
