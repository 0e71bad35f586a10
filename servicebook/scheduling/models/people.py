"""The field force: branches, subcontractor companies, technicians, their documents, skills,
certifications, onboarding and training."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q

from servicebook.core.models import TimeStampedModel

from ..choices import DocumentKind, OnboardingAudience, TechnicianKind


def business_time_zone() -> str:
    return settings.TIME_ZONE


def new_calendar_token() -> str:
    """The secret in a technician's calendar-feed URL: 256 bits, URL-safe."""
    return secrets.token_urlsafe(32)


class Branch(TimeStampedModel):
    """An office the company works from: technicians belong to one, territories are served
    by some."""

    code = models.SlugField(max_length=20, unique=True)
    name = models.CharField(max_length=100)
    line1 = models.CharField("street address", max_length=200, blank=True)
    city = models.CharField(max_length=100, blank=True)
    region = models.CharField("state / region", max_length=50, blank=True)
    postal_code = models.CharField(max_length=20, blank=True)
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    time_zone = models.CharField(max_length=64, default=business_time_zone)
    phone = models.CharField(max_length=30, blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "branches"

    def __str__(self) -> str:
        return self.name


class Subcontractor(TimeStampedModel):
    """A company whose crews we dispatch. It costs money per hour (and per day used), which
    the day optimizer weighs against leaving work undone; its insurance and license must be
    current for any of its technicians to be dispatched."""

    code = models.SlugField(max_length=20, unique=True)
    name = models.CharField(max_length=200)
    contact_name = models.CharField(max_length=200, blank=True)
    phone = models.CharField(max_length=30, blank=True)
    email = models.EmailField(blank=True)
    cost_per_hour = models.DecimalField(
        max_digits=10, decimal_places=2, default=0, validators=[MinValueValidator(0)]
    )
    cost_per_day = models.DecimalField(
        max_digits=10,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(0)],
        help_text="Call-out charge for a day the company is used at all",
    )
    active = models.BooleanField(default=True)
    notes = models.TextField(blank=True)
    # Users of the subcontractor role who act for this company (its office).
    users = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="subcontractor_companies"
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Technician(TimeStampedModel):
    """A person we send to customers: an employee of a branch or a subcontractor's crew
    member. Their shifts and time off say when they work, their skills (with current
    certifications) what they may do, their home base where their day starts and ends."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="technician",
    )
    kind = models.CharField(
        max_length=20, choices=TechnicianKind.choices, default=TechnicianKind.EMPLOYEE
    )
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    employee_number = models.CharField(max_length=30, blank=True)
    branch = models.ForeignKey(
        Branch, null=True, blank=True, on_delete=models.PROTECT, related_name="technicians"
    )
    subcontractor = models.ForeignKey(
        Subcontractor,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="technicians",
    )
    phone = models.CharField(max_length=30, blank=True)
    email = models.EmailField(blank=True)
    home_address = models.CharField(max_length=300, blank=True)
    home_latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    home_longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    time_zone = models.CharField(max_length=64, default=business_time_zone)
    cost_per_hour = models.DecimalField(
        max_digits=10,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(0)],
        help_text="What an hour of this person's route costs; 0 for employees paid anyway",
    )
    max_overtime_minutes = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text="Empty: the SCHEDULING_MAX_OVERTIME_MINUTES setting",
    )
    hired_on = models.DateField(null=True, blank=True)
    active = models.BooleanField(default=True)
    calendar_token = models.CharField(max_length=64, unique=True, default=new_calendar_token)

    class Meta:
        ordering = ["last_name", "first_name", "id"]
        indexes = [models.Index(fields=["active", "kind"])]
        constraints = [
            # A subcontractor's technician names the company; an employee names none.
            models.CheckConstraint(
                condition=Q(kind=TechnicianKind.SUBCONTRACTOR, subcontractor__isnull=False)
                | Q(kind=TechnicianKind.EMPLOYEE, subcontractor__isnull=True),
                name="scheduling_technician_kind_matches_company",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def has_home(self) -> bool:
        return self.home_latitude is not None and self.home_longitude is not None


class ComplianceDocument(TimeStampedModel):
    """An insurance certificate or a license, held by a subcontractor company or by one
    technician. For each kind, the document with the latest expiry is the one in force: a
    renewal is a new document, and the old one stays as history. An expired document in
    force blocks dispatch (scheduling.compliance)."""

    kind = models.CharField(max_length=20, choices=DocumentKind.choices)
    subcontractor = models.ForeignKey(
        Subcontractor,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="documents",
    )
    technician = models.ForeignKey(
        Technician, null=True, blank=True, on_delete=models.CASCADE, related_name="documents"
    )
    reference = models.CharField(max_length=100, help_text="Policy or license number")
    issuer = models.CharField(max_length=200, blank=True)
    valid_from = models.DateField(null=True, blank=True)
    expires_on = models.DateField(null=True, blank=True, help_text="Empty: does not expire")
    notes = models.CharField(max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["kind", "-expires_on", "id"]
        indexes = [models.Index(fields=["kind", "expires_on"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(subcontractor__isnull=False, technician__isnull=True)
                | Q(subcontractor__isnull=True, technician__isnull=False),
                name="scheduling_document_one_holder",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.reference}"


class TechnicianSkill(models.Model):
    """A skill a technician holds. It counts on a day unless a certification backs it and
    every such certification has expired by then (scheduling.compliance.skills_on)."""

    technician = models.ForeignKey(Technician, on_delete=models.CASCADE, related_name="skills")
    skill = models.ForeignKey("workorders.Skill", on_delete=models.PROTECT, related_name="+")
    since = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["technician", "skill"]
        constraints = [
            models.UniqueConstraint(fields=["technician", "skill"], name="scheduling_skill_once")
        ]

    def __str__(self) -> str:
        return f"{self.technician_id}: {self.skill_id}"


class Certification(TimeStampedModel):
    """A certificate a technician earned (EPA 608, gas fitter, fibre splicing). When it
    names a skill it backs that skill: the skill stops counting once all its certifications
    have expired."""

    technician = models.ForeignKey(
        Technician, on_delete=models.CASCADE, related_name="certifications"
    )
    skill = models.ForeignKey(
        "workorders.Skill", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(max_length=200)
    number = models.CharField(max_length=100, blank=True)
    issuer = models.CharField(max_length=200, blank=True)
    issued_on = models.DateField(null=True, blank=True)
    expires_on = models.DateField(null=True, blank=True, help_text="Empty: does not expire")

    class Meta:
        ordering = ["technician", "-expires_on", "id"]

    def __str__(self) -> str:
        return self.name


class OnboardingStep(models.Model):
    """One item of the onboarding checklist every new technician goes through (policy
    record: coordinators keep the list in the admin)."""

    name = models.CharField(max_length=200)
    description = models.CharField(max_length=500, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    audience = models.CharField(
        max_length=20, choices=OnboardingAudience.choices, default=OnboardingAudience.ALL
    )
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name

    def applies_to(self, technician: Technician) -> bool:
        return self.audience == OnboardingAudience.ALL or self.audience == technician.kind


class OnboardingRecord(models.Model):
    """A checklist item done for one technician: when, by whom, with a note."""

    technician = models.ForeignKey(Technician, on_delete=models.CASCADE, related_name="onboarding")
    step = models.ForeignKey(OnboardingStep, on_delete=models.PROTECT, related_name="records")
    completed_on = models.DateField()
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["step__position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["technician", "step"], name="scheduling_onboarding_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.technician_id}: {self.step_id}"


class TrainingRecord(models.Model):
    """A course a technician took: what, where, when, how long, until when it is valid."""

    technician = models.ForeignKey(Technician, on_delete=models.CASCADE, related_name="training")
    course = models.CharField(max_length=200)
    provider = models.CharField(max_length=200, blank=True)
    completed_on = models.DateField()
    hours = models.DecimalField(
        max_digits=6, decimal_places=2, default=0, validators=[MinValueValidator(0)]
    )
    expires_on = models.DateField(null=True, blank=True)
    notes = models.CharField(max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["technician", "-completed_on", "id"]

    def __str__(self) -> str:
        return self.course
