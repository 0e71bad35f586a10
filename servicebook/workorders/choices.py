"""The vocabulary of work orders and preventive maintenance, and the work-order lifecycle."""

from __future__ import annotations

from django.db import models

# Work orders share the case priorities (urgent, high, normal, low) and their ranking, so a
# trouble ticket's urgency carries to the visit it causes without a translation table.
from servicebook.cases.choices import PRIORITY_RANK, Priority  # noqa: F401


class WorkOrderType(models.TextChoices):
    EMERGENCY = "emergency", "Emergency"
    REPAIR = "repair", "Repair"
    INSTALL = "install", "Install"
    PREVENTIVE_MAINTENANCE = "preventive_maintenance", "Preventive maintenance"
    INSPECTION = "inspection", "Inspection"
    NONPAY_DISCONNECT = "nonpay_disconnect", "Non-pay disconnect"
    RECONNECT = "reconnect", "Reconnect"
    INVESTIGATION = "investigation", "Investigation"
    CARRIER_DISPATCH = "carrier_dispatch", "Carrier dispatch"


class WorkOrderStatus(models.TextChoices):
    NEW = "new", "New"
    SCHEDULED = "scheduled", "Scheduled"
    DISPATCHED = "dispatched", "Dispatched"
    EN_ROUTE = "en_route", "En route"
    ON_SITE = "on_site", "On site"
    COMPLETED = "completed", "Completed"
    INCOMPLETE = "incomplete", "Incomplete"
    CLOSED = "closed", "Closed"
    CANCELLED = "cancelled", "Cancelled"


S = WorkOrderStatus

# The lifecycle, one service per action: action -> (statuses it may start from, status it
# leads to). `schedule` from scheduled or dispatched is a re-plan (the board moved the job):
# a dispatched job that moves goes back to scheduled and is dispatched again.
TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "schedule": (frozenset({S.NEW, S.SCHEDULED, S.DISPATCHED}), S.SCHEDULED),
    "unschedule": (frozenset({S.SCHEDULED, S.DISPATCHED}), S.NEW),
    "dispatch": (frozenset({S.SCHEDULED}), S.DISPATCHED),
    "travel": (frozenset({S.DISPATCHED}), S.EN_ROUTE),
    # A technician who forgot "on my way" may still say "arrived".
    "arrive": (frozenset({S.DISPATCHED, S.EN_ROUTE}), S.ON_SITE),
    "complete": (frozenset({S.ON_SITE}), S.COMPLETED),
    # Could not finish: no access on the way in counts, as does anything found on site.
    "incomplete": (frozenset({S.EN_ROUTE, S.ON_SITE}), S.INCOMPLETE),
    "close": (frozenset({S.COMPLETED, S.INCOMPLETE}), S.CLOSED),
    # Once on site the visit ends as completed or incomplete, never as cancelled.
    "cancel": (frozenset({S.NEW, S.SCHEDULED, S.DISPATCHED, S.EN_ROUTE}), S.CANCELLED),
}

# Work not yet finished in the field: what the account page, the board and "open" mean.
OPEN_STATUSES = (S.NEW, S.SCHEDULED, S.DISPATCHED, S.EN_ROUTE, S.ON_SITE)
# A technician is on it: details may no longer change.
FIELD_STATUSES = (S.EN_ROUTE, S.ON_SITE)
# The visit happened (or was given up): waiting to be closed, or closed.
DONE_STATUSES = (S.COMPLETED, S.INCOMPLETE, S.CLOSED)
# Nothing changes any more.
TERMINAL_STATUSES = (S.CLOSED, S.CANCELLED)
# Details (summary, window, skills, duration) may change only before anyone is on the way.
EDITABLE_STATUSES = (S.NEW, S.SCHEDULED, S.DISPATCHED)


class EventKind(models.TextChoices):
    CREATED = "created", "Created"
    UPDATED = "updated", "Details changed"
    SCHEDULED = "scheduled", "Scheduled"
    UNSCHEDULED = "unscheduled", "Unscheduled"
    DISPATCHED = "dispatched", "Dispatched"
    EN_ROUTE = "en_route", "On the way"
    ARRIVED = "arrived", "Arrived"
    COMPLETED = "completed", "Completed"
    INCOMPLETE = "incomplete", "Incomplete"
    CLOSED = "closed", "Closed"
    CANCELLED = "cancelled", "Cancelled"
    CHECKLIST = "checklist", "Checklist answered"
    LINE_ADDED = "line_added", "Part or labour added"
    LINE_REMOVED = "line_removed", "Part or labour removed"
    TASK = "task", "Task updated"
    CARRIED_FORWARD = "carried_forward", "Work carried forward"


ACTION_EVENTS = {
    "schedule": EventKind.SCHEDULED,
    "unschedule": EventKind.UNSCHEDULED,
    "dispatch": EventKind.DISPATCHED,
    "travel": EventKind.EN_ROUTE,
    "arrive": EventKind.ARRIVED,
    "complete": EventKind.COMPLETED,
    "incomplete": EventKind.INCOMPLETE,
    "close": EventKind.CLOSED,
    "cancel": EventKind.CANCELLED,
}


class IncompleteReason(models.TextChoices):
    NO_ACCESS = "no_access", "No access to the premise"
    CUSTOMER_NOT_HOME = "customer_not_home", "Customer not home"
    PARTS_NEEDED = "parts_needed", "Parts needed"
    MORE_TIME_NEEDED = "more_time_needed", "More time needed"
    OTHER_SKILL_NEEDED = "other_skill_needed", "Another skill or crew needed"
    UNSAFE = "unsafe", "Unsafe conditions"
    CUSTOMER_DECLINED = "customer_declined", "Customer declined the work"
    WEATHER = "weather", "Weather"
    OTHER = "other", "Other"


class LineKind(models.TextChoices):
    LABOUR = "labour", "Labour"
    PART = "part", "Part"


class Frequency(models.TextChoices):
    DAILY = "daily", "Daily"
    WEEKLY = "weekly", "Weekly"
    MONTHLY = "monthly", "Monthly"
    QUARTERLY = "quarterly", "Quarterly"
    SEMI_ANNUAL = "semi_annual", "Semi-annual"
    YEARLY = "yearly", "Yearly"


# How far one step of each frequency moves: (days, months).
FREQUENCY_STEP: dict[str, tuple[int, int]] = {
    Frequency.DAILY: (1, 0),
    Frequency.WEEKLY: (7, 0),
    Frequency.MONTHLY: (0, 1),
    Frequency.QUARTERLY: (0, 3),
    Frequency.SEMI_ANNUAL: (0, 6),
    Frequency.YEARLY: (0, 12),
}


class VisitOutcome(models.TextChoices):
    PLANNED = "planned", "Planned"
    DONE = "done", "Done"
    INCOMPLETE = "incomplete", "Incomplete, carried forward"
    MISSED = "missed", "Missed, carried forward"
    CANCELLED = "cancelled", "Cancelled"


class FollowUpKind(models.TextChoices):
    AFTER_VISIT_CALL = "after_visit_call", "After-visit call"


class FollowUpStatus(models.TextChoices):
    OPEN = "open", "Open"
    DONE = "done", "Done"
    CANCELLED = "cancelled", "Cancelled"
