"""Work orders, their lifecycle, checklists, parts and labour, completion, follow-ups, and
preventive-maintenance plans with their visits.

The assignment of a work order to a technician lives in the scheduling app (its
appointments), which depends on this one: a work order keeps only its status and its planned
window, so the dependency arrow stays customers <- cases <- workorders <- scheduling.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from servicebook.cases.choices import AnswerKind
from servicebook.cases.models import Case
from servicebook.core.models import TimeStampedModel
from servicebook.customers.models import Account, Equipment, ServiceAgreement, ServiceLocation

from .choices import (
    EventKind,
    FollowUpKind,
    FollowUpStatus,
    Frequency,
    IncompleteReason,
    LineKind,
    Priority,
    VisitOutcome,
    WorkOrderStatus,
    WorkOrderType,
)

TEXT_MAX_LENGTH = 10_000
# A job longer than a day is several visits; the optimizer could not place it in a shift.
MAX_ESTIMATED_MINUTES = 24 * 60


class Skill(models.Model):
    """A skill a job needs and a technician holds (gas fitting, fibre splicing, meter work).

    It lives here, not in scheduling, because work orders name the skills they require and
    scheduling depends on work orders: technicians' skills (with their expiry) reference
    this model from the scheduling app.
    """

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=100)
    description = models.CharField(max_length=300, blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class CompletionCode(models.Model):
    """How a visit ended (the work order's resolution code): repaired, replaced, no fault
    found, disconnected at the meter..."""

    code = models.SlugField(max_length=40, unique=True)
    label = models.CharField(max_length=100)
    # Work-order types this code fits; empty means all.
    work_types = models.JSONField(default=list, blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["label"]
        verbose_name = "resolution code"

    def __str__(self) -> str:
        return self.label

    def fits(self, work_type: str) -> bool:
        return self.active and (not self.work_types or work_type in self.work_types)


class WorkChecklistQuerySet(models.QuerySet):
    def for_type(self, work_type: str) -> WorkChecklistQuerySet:
        return self.filter(active=True, work_type=work_type)


class WorkChecklist(models.Model):
    """The checklist a technician answers on every work order of one type ("gas shut off
    before work?", "meter reading after reconnect")."""

    work_type = models.CharField(max_length=30, choices=WorkOrderType.choices)
    name = models.CharField(max_length=100)
    active = models.BooleanField(default=True)

    objects = WorkChecklistQuerySet.as_manager()

    class Meta:
        ordering = ["work_type", "name"]

    def __str__(self) -> str:
        return self.name


class WorkChecklistItem(models.Model):
    """One question of a work-order checklist."""

    checklist = models.ForeignKey(WorkChecklist, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveSmallIntegerField(default=0)
    prompt = models.CharField(max_length=300)
    answer_kind = models.CharField(
        max_length=10, choices=AnswerKind.choices, default=AnswerKind.YES_NO
    )
    choices = models.JSONField(
        default=list, blank=True, help_text="Options for a one-of-a-list answer"
    )
    required = models.BooleanField(default=True)

    class Meta:
        ordering = ["checklist", "position", "id"]

    def __str__(self) -> str:
        return self.prompt


class WorkOrder(TimeStampedModel):
    """A visit to do work at a customer's location, from creation to closure.

    The planned window is set by the scheduling app (workorder_schedule) together with its
    own appointment row, which names the technician. Every change goes through
    workorders.services.
    """

    number = models.CharField(max_length=20, unique=True)
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="work_orders")
    location = models.ForeignKey(
        ServiceLocation, on_delete=models.PROTECT, related_name="work_orders"
    )
    case = models.ForeignKey(
        Case, null=True, blank=True, on_delete=models.SET_NULL, related_name="work_orders"
    )
    work_type = models.CharField(max_length=30, choices=WorkOrderType.choices)
    priority = models.CharField(max_length=10, choices=Priority.choices, default=Priority.NORMAL)
    status = models.CharField(
        max_length=20, choices=WorkOrderStatus.choices, default=WorkOrderStatus.NEW
    )
    summary = models.CharField(max_length=200)
    description = models.TextField(blank=True, validators=[MaxLengthValidator(TEXT_MAX_LENGTH)])
    required_skills = models.ManyToManyField(Skill, blank=True, related_name="work_orders")
    estimated_minutes = models.PositiveIntegerField(
        default=60, validators=[MinValueValidator(1), MaxValueValidator(MAX_ESTIMATED_MINUTES)]
    )
    # The customer's window: when the technician may arrive. Stored in UTC, shown in the
    # location's time zone.
    window_start = models.DateTimeField(null=True, blank=True)
    window_end = models.DateTimeField(null=True, blank=True)
    # Set by scheduling: when the technician is planned to arrive and leave.
    planned_start = models.DateTimeField(null=True, blank=True)
    planned_end = models.DateTimeField(null=True, blank=True)

    dispatched_at = models.DateTimeField(null=True, blank=True)
    en_route_at = models.DateTimeField(null=True, blank=True)
    arrived_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    completion_notes = models.TextField(
        blank=True, validators=[MaxLengthValidator(TEXT_MAX_LENGTH)]
    )
    completion_code = models.ForeignKey(
        CompletionCode, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    signer_name = models.CharField(max_length=200, blank=True)
    incomplete_reason = models.CharField(
        max_length=30, choices=IncompleteReason.choices, blank=True
    )
    incomplete_notes = models.TextField(
        blank=True, validators=[MaxLengthValidator(TEXT_MAX_LENGTH)]
    )
    cancel_reason = models.CharField(max_length=500, blank=True)
    # The incomplete visit this one returns to finish.
    follow_up_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="follow_ups"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["account", "status"]),
            models.Index(fields=["status", "window_start"]),
            models.Index(fields=["status", "planned_start"]),
            models.Index(fields=["work_type", "status"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(window_start__isnull=True, window_end__isnull=True)
                | Q(window_end__gt=F("window_start")),
                name="workorders_window_ends_after_start",
            ),
            models.CheckConstraint(
                condition=Q(planned_start__isnull=True, planned_end__isnull=True)
                | Q(planned_end__gt=F("planned_start")),
                name="workorders_plan_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.summary}"

    @property
    def is_open(self) -> bool:
        from .choices import OPEN_STATUSES

        return self.status in OPEN_STATUSES

    @property
    def time_zone(self) -> str:
        """The zone the window is shown in: the location's."""
        return self.location.time_zone if self.location_id else settings.TIME_ZONE


class WorkOrderEvent(models.Model):
    """One line of the work order's timeline: created, scheduled, dispatched, arrived..."""

    work_order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=20, choices=EventKind.choices)
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20, blank=True)
    reason = models.CharField(max_length=500, blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["work_order", "at"]), models.Index(fields=["kind", "at"])]

    def __str__(self) -> str:
        return f"{self.work_order_id} {self.kind}"


class WorkChecklistAnswer(models.Model):
    """A technician's answer to one checklist question on a work order."""

    work_order = models.ForeignKey(
        WorkOrder, on_delete=models.CASCADE, related_name="checklist_answers"
    )
    item = models.ForeignKey(WorkChecklistItem, on_delete=models.PROTECT, related_name="+")
    answer = models.CharField(max_length=500)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    answered_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["item__position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["work_order", "item"], name="workorders_checklist_one_answer"
            )
        ]

    def __str__(self) -> str:
        return f"{self.item_id}: {self.answer}"


class WorkOrderLine(models.Model):
    """A part or some labour used on the visit, as a plain line for now.

    When the money issue brings the catalog, a nullable `catalog_item` foreign key joins
    these fields; the description, unit and price stay on the line as they were charged.
    """

    work_order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="lines")
    kind = models.CharField(max_length=10, choices=LineKind.choices)
    description = models.CharField(max_length=200)
    quantity = models.DecimalField(
        max_digits=10, decimal_places=2, validators=[MinValueValidator(0)]
    )
    unit = models.CharField(max_length=20, help_text="h, ea, ft, ...")
    unit_price = models.DecimalField(
        max_digits=12, decimal_places=2, validators=[MinValueValidator(0)]
    )
    # quantity x unit price, rounded half-up to the cent when the line is added.
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["added_at", "id"]

    def __str__(self) -> str:
        return f"{self.quantity} {self.unit} {self.description}"


class WorkOrderTask(models.Model):
    """One thing to do on the visit ("replace the filter"): from a maintenance plan's task
    list, carried forward from a visit that did not get to it, or added by hand."""

    work_order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="tasks")
    position = models.PositiveSmallIntegerField(default=0)
    description = models.CharField(max_length=300)
    done = models.BooleanField(default=False)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The undone task of an earlier visit this one carries forward.
    carried_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="carried_to"
    )

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            # Carrying forward twice (a retried sweep) adds nothing the second time.
            models.UniqueConstraint(
                fields=["work_order", "carried_from"],
                condition=Q(carried_from__isnull=False),
                name="workorders_task_carried_once",
            )
        ]

    def __str__(self) -> str:
        return self.description


class FollowUp(models.Model):
    """Something to do for the customer after a visit: the after-visit call a coordinator
    makes once a job is completed."""

    work_order = models.ForeignKey(
        WorkOrder, on_delete=models.CASCADE, related_name="follow_up_tasks"
    )
    kind = models.CharField(
        max_length=20, choices=FollowUpKind.choices, default=FollowUpKind.AFTER_VISIT_CALL
    )
    status = models.CharField(
        max_length=10, choices=FollowUpStatus.choices, default=FollowUpStatus.OPEN
    )
    due_at = models.DateTimeField()
    outcome = models.TextField(blank=True, validators=[MaxLengthValidator(TEXT_MAX_LENGTH)])
    created_at = models.DateTimeField(default=timezone.now)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["due_at", "id"]
        indexes = [models.Index(fields=["status", "due_at"])]
        constraints = [
            models.UniqueConstraint(fields=["work_order", "kind"], name="workorders_followup_once")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.work_order_id}"


# --- Preventive maintenance ---------------------------------------------------------------------


def _eight() -> dt.time:
    return dt.time(8, 0)


def _five() -> dt.time:
    return dt.time(17, 0)


class MaintenancePlan(TimeStampedModel):
    """A preventive-maintenance plan on a service agreement or a piece of equipment: every
    N days, weeks, months, quarters, half-years or years, a visit of this shape.

    Visits are generated ahead up to a horizon (PM_HORIZON_DAYS, or the plan's own), one
    per due date; `generated_through` is the last date generation has covered, so the
    periodic run only looks at plans whose horizon moved.
    """

    name = models.CharField(max_length=200)
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="maintenance_plans")
    location = models.ForeignKey(
        ServiceLocation, on_delete=models.PROTECT, related_name="maintenance_plans"
    )
    agreement = models.ForeignKey(
        ServiceAgreement,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="maintenance_plans",
    )
    equipment = models.ForeignKey(
        Equipment,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="maintenance_plans",
    )
    frequency = models.CharField(max_length=20, choices=Frequency.choices)
    interval = models.PositiveSmallIntegerField(
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(99)],
        help_text="Every N periods (2 with monthly: every other month)",
    )
    start_date = models.DateField(help_text="The first visit's due date")
    end_date = models.DateField(null=True, blank=True)
    # The template of every visit.
    work_type = models.CharField(
        max_length=30, choices=WorkOrderType.choices, default=WorkOrderType.PREVENTIVE_MAINTENANCE
    )
    priority = models.CharField(max_length=10, choices=Priority.choices, default=Priority.NORMAL)
    required_skills = models.ManyToManyField(Skill, blank=True, related_name="maintenance_plans")
    estimated_minutes = models.PositiveIntegerField(
        default=60, validators=[MinValueValidator(1), MaxValueValidator(MAX_ESTIMATED_MINUTES)]
    )
    summary = models.CharField(max_length=200, help_text="Title of each visit's work order")
    description = models.TextField(blank=True, validators=[MaxLengthValidator(TEXT_MAX_LENGTH)])
    tasks = models.JSONField(default=list, blank=True, help_text="What each visit must do")
    # The customer's window on the due date, wall-clock in the location's time zone.
    window_start_time = models.TimeField(default=_eight)
    window_end_time = models.TimeField(default=_five)
    horizon_days = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(730)],
        help_text="Generate visits this many days ahead; empty: the PM_HORIZON_DAYS setting",
    )
    active = models.BooleanField(default=True)
    generated_through = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["active", "generated_through"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(agreement__isnull=False) | Q(equipment__isnull=False),
                name="workorders_plan_on_agreement_or_equipment",
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="workorders_pmplan_ends_after_start",
            ),
            models.CheckConstraint(
                condition=Q(window_end_time__gt=F("window_start_time")),
                name="workorders_plan_window_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def effective_horizon_days(self) -> int:
        return self.horizon_days or settings.PM_HORIZON_DAYS


class MaintenanceVisit(models.Model):
    """One due date of a maintenance plan and the work order that carries it out.

    Unique per plan and due date, so generating twice creates nothing the second time.
    """

    plan = models.ForeignKey(MaintenancePlan, on_delete=models.PROTECT, related_name="visits")
    due_date = models.DateField()
    sequence = models.PositiveIntegerField(help_text="1 for the first visit of the plan")
    work_order = models.OneToOneField(
        WorkOrder, on_delete=models.PROTECT, related_name="maintenance_visit"
    )
    outcome = models.CharField(
        max_length=20, choices=VisitOutcome.choices, default=VisitOutcome.PLANNED
    )
    outcome_at = models.DateTimeField(null=True, blank=True)
    # The visit that took over what this one did not do.
    carried_to = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="carried_from"
    )

    class Meta:
        ordering = ["due_date", "id"]
        indexes = [models.Index(fields=["outcome", "due_date"])]
        constraints = [
            models.UniqueConstraint(fields=["plan", "due_date"], name="workorders_visit_once"),
        ]

    def __str__(self) -> str:
        return f"{self.plan_id} due {self.due_date}"
