"""Cases and trouble tickets, their queues, SLA policies, notes, checklists and consents."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from servicebook.core.models import BusinessCalendar, TimeStampedModel
from servicebook.customers.choices import LineOfBusiness
from servicebook.customers.models import Account, ServiceLocation

from .choices import (
    AnswerKind,
    CaseStatus,
    CaseType,
    ConsentMethod,
    ConsentSubject,
    EventKind,
    NoteVisibility,
    Priority,
)

TEXT_MAX_LENGTH = 10_000


class Queue(models.Model):
    """A team's worklist. Cases land in the queue their type routes to; members work it."""

    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=50, unique=True)
    description = models.CharField(max_length=300, blank=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="case_queues"
    )
    # Where new cases of these types go when no queue is named (a JSON list of case types).
    default_for_types = models.JSONField(default=list, blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class SlaPolicy(models.Model):
    """First-response and resolution targets for one case type and priority, counted in
    working time on a business calendar."""

    case_type = models.CharField(max_length=30, choices=CaseType.choices)
    priority = models.CharField(max_length=10, choices=Priority.choices)
    calendar = models.ForeignKey(BusinessCalendar, on_delete=models.PROTECT, related_name="+")
    first_response_minutes = models.PositiveIntegerField()
    resolution_minutes = models.PositiveIntegerField()
    at_risk_percent = models.PositiveSmallIntegerField(
        default=75,
        validators=[MinValueValidator(1), MaxValueValidator(99)],
        help_text="A target is at risk once this share of its time has passed",
    )
    auto_escalate = models.BooleanField(
        default=True, help_text="Escalate automatically when a target is at risk"
    )
    escalation_queue = models.ForeignKey(
        Queue, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    pause_on_third_party = models.BooleanField(
        default=False, help_text="Also stop the clock while waiting on a third party"
    )

    class Meta:
        ordering = ["case_type", "priority"]
        verbose_name = "SLA policy"
        verbose_name_plural = "SLA policies"
        constraints = [
            models.UniqueConstraint(fields=["case_type", "priority"], name="cases_sla_one_per_type")
        ]

    def __str__(self) -> str:
        return f"{self.get_case_type_display()} / {self.get_priority_display()}"


class ResolutionCode(models.Model):
    """How a case ended: fixed, explained, credited, no fault found..."""

    code = models.SlugField(max_length=40, unique=True)
    label = models.CharField(max_length=100)
    # Case types this code fits; empty means all.
    case_types = models.JSONField(default=list, blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["label"]

    def __str__(self) -> str:
        return self.label


class CannedResponse(models.Model):
    """A prepared reply a representative inserts and edits."""

    title = models.CharField(max_length=100)
    body = models.TextField(validators=[MaxLengthValidator(TEXT_MAX_LENGTH)])
    case_type = models.CharField(max_length=30, choices=CaseType.choices, blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title


class ChecklistTemplateQuerySet(models.QuerySet):
    def for_case(self, case: Case) -> ChecklistTemplateQuerySet:
        """The active checklists that apply to a case: its type, and its account's line of
        business or all lines."""
        return self.filter(
            active=True,
            case_type=case.case_type,
            line_of_business__in=["", case.account.line_of_business],
        )


class ChecklistTemplate(models.Model):
    """The guided diagnostics for one case type, optionally for one line of business
    ("modem lights?" for telecom, "breaker tripped?" for a utility)."""

    case_type = models.CharField(max_length=30, choices=CaseType.choices)
    # A utility's "power out" ticket asks different questions than a carrier's "no dial
    # tone": blank applies to every line of business.
    line_of_business = models.CharField(
        max_length=20, choices=LineOfBusiness.choices, blank=True, default=""
    )
    name = models.CharField(max_length=100)
    active = models.BooleanField(default=True)

    objects = ChecklistTemplateQuerySet.as_manager()

    class Meta:
        ordering = ["case_type", "line_of_business", "name"]

    def __str__(self) -> str:
        return self.name


class ChecklistItem(models.Model):
    """One question of a diagnostics checklist."""

    template = models.ForeignKey(ChecklistTemplate, on_delete=models.CASCADE, related_name="items")
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
        ordering = ["template", "position", "id"]

    def __str__(self) -> str:
        return self.prompt


class Case(TimeStampedModel):
    """A customer's issue from first contact to closure, with its SLA clock."""

    number = models.CharField(max_length=20, unique=True)
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="cases")
    location = models.ForeignKey(
        ServiceLocation, null=True, blank=True, on_delete=models.SET_NULL, related_name="cases"
    )
    case_type = models.CharField(max_length=30, choices=CaseType.choices)
    priority = models.CharField(max_length=10, choices=Priority.choices, default=Priority.NORMAL)
    status = models.CharField(max_length=30, choices=CaseStatus.choices, default=CaseStatus.NEW)
    subject = models.CharField(max_length=200)
    description = models.TextField(blank=True, validators=[MaxLengthValidator(TEXT_MAX_LENGTH)])
    channel = models.CharField(max_length=20, default="phone")
    queue = models.ForeignKey(
        Queue, null=True, blank=True, on_delete=models.PROTECT, related_name="cases"
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="cases",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    # SLA clock. Due and at-risk instants are kept current by the services, so the periodic
    # check and the queues need only indexed comparisons with now.
    sla_policy = models.ForeignKey(
        SlaPolicy, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    first_response_due = models.DateTimeField(null=True, blank=True)
    first_response_risk_at = models.DateTimeField(null=True, blank=True)
    first_responded_at = models.DateTimeField(null=True, blank=True)
    resolution_due = models.DateTimeField(null=True, blank=True)
    resolution_risk_at = models.DateTimeField(null=True, blank=True)
    sla_paused_at = models.DateTimeField(null=True, blank=True)
    # Working seconds spent in finished pauses; targets count from created_at plus these.
    sla_paused_seconds = models.PositiveIntegerField(default=0)
    at_risk = models.BooleanField(default=False)
    breached = models.BooleanField(default=False)
    first_response_breached = models.BooleanField(default=False)
    resolution_breached = models.BooleanField(default=False)

    escalation_level = models.PositiveSmallIntegerField(default=0)
    escalated_at = models.DateTimeField(null=True, blank=True)

    resolution_code = models.ForeignKey(
        ResolutionCode, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resolution_summary = models.TextField(
        blank=True, validators=[MaxLengthValidator(TEXT_MAX_LENGTH)]
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    reopen_count = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "resolution_due"]),
            models.Index(fields=["assignee", "status"]),
            models.Index(fields=["queue", "status"]),
            models.Index(fields=["account", "status"]),
            models.Index(fields=["at_risk", "status"]),
            models.Index(fields=["breached", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.subject}"

    @property
    def is_active(self) -> bool:
        from .choices import ACTIVE_STATUSES

        return self.status in ACTIVE_STATUSES

    @property
    def is_paused(self) -> bool:
        return self.sla_paused_at is not None


class CaseNote(models.Model):
    """A note on a case: internal, or visible to the customer (a reply)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField(validators=[MaxLengthValidator(TEXT_MAX_LENGTH)])
    visibility = models.CharField(
        max_length=10, choices=NoteVisibility.choices, default=NoteVisibility.INTERNAL
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"note on {self.case_id}"


class CaseEvent(models.Model):
    """One line of the case's timeline: opened, moved, assigned, escalated, resolved..."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=20, choices=EventKind.choices)
    from_status = models.CharField(max_length=30, blank=True)
    to_status = models.CharField(max_length=30, blank=True)
    reason = models.CharField(max_length=500, blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["case", "at"])]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind}"

    @property
    def to_status_label(self) -> str:
        return CaseStatus(self.to_status).label if self.to_status in CaseStatus.values else ""


class ChecklistAnswer(models.Model):
    """A representative's answer to one diagnostics question on a case."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="checklist_answers")
    item = models.ForeignKey(ChecklistItem, on_delete=models.PROTECT, related_name="+")
    answer = models.CharField(max_length=500)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    answered_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["item__position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["case", "item"], name="cases_checklist_one_answer")
        ]

    def __str__(self) -> str:
        return f"{self.item_id}: {self.answer}"


class ConsentRecord(models.Model):
    """Who agreed to what, when and how: e.g. the customer's consent before an outside
    carrier's technician is dispatched."""

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="consents")
    case = models.ForeignKey(
        Case, null=True, blank=True, on_delete=models.SET_NULL, related_name="consents"
    )
    subject = models.CharField(max_length=30, choices=ConsentSubject.choices)
    granted = models.BooleanField(default=True)
    given_by = models.CharField(max_length=200, help_text="Name of the person who agreed")
    given_at = models.DateTimeField(default=timezone.now)
    method = models.CharField(max_length=20, choices=ConsentMethod.choices)
    details = models.CharField(max_length=500, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-given_at", "-id"]

    def __str__(self) -> str:
        verb = "granted" if self.granted else "refused"
        return f"{self.get_subject_display()} {verb} by {self.given_by}"
