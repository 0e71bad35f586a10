"""Customers, their accounts and everything the account page shows about them."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db import models
from django.utils import timezone

from servicebook.core.models import TimeStampedModel

from .choices import (
    AccountStatus,
    AgreementKind,
    AgreementStatus,
    AlertKind,
    AlertSeverity,
    Channel,
    ContactRole,
    CreditRating,
    CustomerClass,
    CustomerKind,
    Direction,
    LineOfBusiness,
    PhoneKind,
    PreferredChannel,
)

NOTE_MAX_LENGTH = 4000


class Customer(TimeStampedModel):
    """A person or an organisation we serve. One customer may hold several accounts."""

    kind = models.CharField(
        max_length=20, choices=CustomerKind.choices, default=CustomerKind.PERSON
    )
    first_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100, blank=True)
    organisation_name = models.CharField(max_length=200, blank=True)
    # "Last, First" for people, the organisation's name otherwise; kept by the services.
    display_name = models.CharField(max_length=250, db_index=True)
    date_of_birth = models.DateField(null=True, blank=True)
    preferred_language = models.CharField(max_length=20, default="en")

    class Meta:
        ordering = ["display_name", "id"]

    def __str__(self) -> str:
        return self.display_name


class Account(TimeStampedModel):
    """What we bill and serve: a number with a Luhn check digit, a status, a customer class
    and a line of business. Ledger, billing and collections attach to the account."""

    number = models.CharField(max_length=12, unique=True)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="accounts")
    status = models.CharField(
        max_length=20, choices=AccountStatus.choices, default=AccountStatus.ACTIVE, db_index=True
    )
    customer_class = models.CharField(
        max_length=20, choices=CustomerClass.choices, default=CustomerClass.RESIDENTIAL
    )
    line_of_business = models.CharField(max_length=20, choices=LineOfBusiness.choices)
    opened_on = models.DateField(default=timezone.localdate)
    closed_on = models.DateField(null=True, blank=True)
    credit_rating = models.CharField(
        max_length=20, choices=CreditRating.choices, default=CreditRating.UNRATED
    )
    credit_score = models.PositiveSmallIntegerField(null=True, blank=True)
    jurisdiction = models.CharField(
        max_length=50,
        blank=True,
        help_text="Where the account's policies come from (state, district)",
    )

    class Meta:
        ordering = ["number"]

    def __str__(self) -> str:
        return f"{self.number} {self.customer.display_name}" if self.customer_id else self.number


class ServiceLocation(TimeStampedModel):
    """A premise where we deliver service: its address, coordinates and time zone."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="locations")
    label = models.CharField(max_length=100, blank=True, help_text="e.g. Home, Warehouse 2")
    line1 = models.CharField("street address", max_length=200)
    line2 = models.CharField("unit, suite", max_length=200, blank=True)
    city = models.CharField(max_length=100)
    region = models.CharField("state / region", max_length=50)
    postal_code = models.CharField(max_length=20, db_index=True)
    country = models.CharField(max_length=2, default="US")
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    time_zone = models.CharField(max_length=64, default="America/Denver")
    premise_id = models.CharField(
        max_length=40, blank=True, help_text="Utility premise or meter id"
    )
    access_notes = models.TextField(blank=True, help_text="Gate code, dog, where to park")
    is_primary = models.BooleanField(default=False)

    class Meta:
        ordering = ["-is_primary", "id"]

    def __str__(self) -> str:
        return self.one_line

    @property
    def one_line(self) -> str:
        street = f"{self.line1} {self.line2}".strip()
        return f"{street}, {self.city}, {self.region} {self.postal_code}"


class Contact(TimeStampedModel):
    """A person we speak to about the account, with their preferences."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(max_length=200)
    role = models.CharField(max_length=20, choices=ContactRole.choices, default=ContactRole.PRIMARY)
    preferred_channel = models.CharField(
        max_length=10, choices=PreferredChannel.choices, default=PreferredChannel.PHONE
    )
    do_not_call = models.BooleanField(default=False)
    is_primary = models.BooleanField(default=False)

    class Meta:
        ordering = ["-is_primary", "id"]

    def __str__(self) -> str:
        return self.name


class ContactPhone(models.Model):
    """A phone number of a contact, in E.164. The account is repeated so that a caller's
    number finds the account with one indexed lookup."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="phones")
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="phones")
    e164 = models.CharField("phone", max_length=16, db_index=True)
    kind = models.CharField(max_length=10, choices=PhoneKind.choices, default=PhoneKind.MOBILE)
    extension = models.CharField(max_length=10, blank=True)
    is_primary = models.BooleanField(default=False)

    class Meta:
        ordering = ["-is_primary", "id"]

    def __str__(self) -> str:
        return self.e164


class ContactEmail(models.Model):
    """An email address of a contact, stored lower-case for exact lookups."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="emails")
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="emails")
    email = models.EmailField(max_length=254, db_index=True)
    is_primary = models.BooleanField(default=False)

    class Meta:
        ordering = ["-is_primary", "id"]

    def __str__(self) -> str:
        return self.email


class ServiceAgreement(TimeStampedModel):
    """What the account buys at a location: a phone line, an electric service, a maintenance
    contract. Billing attaches its recurring charges to agreements."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="agreements")
    location = models.ForeignKey(
        ServiceLocation, null=True, blank=True, on_delete=models.PROTECT, related_name="agreements"
    )
    kind = models.CharField(max_length=20, choices=AgreementKind.choices)
    description = models.CharField(max_length=200)
    identifier = models.CharField(
        max_length=60, blank=True, help_text="Meter number, phone line, contract reference"
    )
    status = models.CharField(
        max_length=20, choices=AgreementStatus.choices, default=AgreementStatus.ACTIVE
    )
    start_date = models.DateField(default=timezone.localdate)
    end_date = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["status", "start_date", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.description}"


class Equipment(TimeStampedModel):
    """A unit installed at a location: a furnace, a modem, a meter."""

    location = models.ForeignKey(
        ServiceLocation, on_delete=models.CASCADE, related_name="equipment"
    )
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="equipment")
    kind = models.CharField(max_length=60)
    make = models.CharField(max_length=60, blank=True)
    model = models.CharField(max_length=60, blank=True)
    serial_number = models.CharField(max_length=60, blank=True, db_index=True)
    installed_on = models.DateField(null=True, blank=True)
    warranty_until = models.DateField(null=True, blank=True)
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name_plural = "equipment"

    def __str__(self) -> str:
        return " ".join(p for p in [self.make, self.model, self.kind] if p)


class Program(models.Model):
    """An assistance or service program accounts enroll in (budget billing, low-income
    assistance, paperless)."""

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ProgramEnrollment(TimeStampedModel):
    """An account's membership of a program, from enrollment until it ends."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="enrollments")
    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="enrollments")
    enrolled_on = models.DateField(default=timezone.localdate)
    ended_on = models.DateField(null=True, blank=True)
    enrolled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-enrolled_on", "id"]
        constraints = [
            # One open enrollment per program; re-enrolling after an end is a new row.
            models.UniqueConstraint(
                fields=["account", "program"],
                condition=models.Q(ended_on__isnull=True),
                name="customers_enrollment_one_open",
            )
        ]

    def __str__(self) -> str:
        return f"{self.account_id} in {self.program}"


class AccountAlert(TimeStampedModel):
    """A pinned warning every representative must see first: "medical certificate on file",
    "cash only", "bankruptcy"."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="alerts")
    kind = models.CharField(max_length=30, choices=AlertKind.choices)
    severity = models.CharField(
        max_length=10, choices=AlertSeverity.choices, default=AlertSeverity.WARNING
    )
    message = models.CharField(max_length=300, blank=True)
    active = models.BooleanField(default=True)
    expires_on = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-severity", "-created_at"]

    def __str__(self) -> str:
        return self.get_kind_display()


class Note(models.Model):
    """One entry of the account's interaction timeline: a call, an email, a letter, a
    walk-in or an internal note, with who wrote it and when it happened."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="notes")
    channel = models.CharField(max_length=20, choices=Channel.choices, default=Channel.PHONE)
    direction = models.CharField(
        max_length=10, choices=Direction.choices, default=Direction.INBOUND
    )
    summary = models.TextField(validators=[MaxLengthValidator(NOTE_MAX_LENGTH)])
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    occurred_at = models.DateTimeField(default=timezone.now)
    # Set when the contact was about a case (the cases app fills it; no FK keeps the
    # dependency one-way: customers <- cases).
    case_ref = models.CharField(max_length=20, blank=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["account", "-occurred_at"])]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {self.occurred_at:%Y-%m-%d}"


class AccountSearch(models.Model):
    """The search document of an account, one column per kind of thing a representative
    types: number, names, phones, emails and addresses. Kept by the services (never edited
    by hand). PostgreSQL indexes it as a weighted tsvector (GIN) and SQLite through an FTS5
    table; both are created by this app's migrations."""

    account = models.OneToOneField(
        Account, primary_key=True, on_delete=models.CASCADE, related_name="search"
    )
    number = models.CharField(max_length=12)
    names = models.TextField(blank=True)
    phones = models.TextField(blank=True)
    emails = models.TextField(blank=True)
    addresses = models.TextField(blank=True)

    def __str__(self) -> str:
        return f"search({self.account_id})"
