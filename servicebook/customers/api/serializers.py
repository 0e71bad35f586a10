"""Serializers of the customers API.

Output serializers render; input serializers (named `...InputSerializer`) validate a
request and hand plain values to a service. None of them saves anything: every write goes
through customers.services (STYLE rule 1).

Input serializers check what they can name a field for (lengths, choices, phone, email and
postal-code formats, with the same validators the services use), so that bad input in a
nested object is reported where it is ({"location": {"postal_code": [...]}}); the services
check again and remain the authority.
"""

from __future__ import annotations

import zoneinfo
from functools import cache

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from servicebook.core.api.schema import EnumField
from servicebook.core.phones import format_phone, normalize_phone
from servicebook.users.api.serializers import UserRefSerializer

from ..choices import (
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
from ..models import (
    NOTE_MAX_LENGTH,
    Account,
    AccountAlert,
    Contact,
    ContactEmail,
    ContactPhone,
    Customer,
    Equipment,
    Note,
    Program,
    ProgramEnrollment,
    ServiceAgreement,
    ServiceLocation,
)
from ..validators import normalize_postal_code

# --- Output -----------------------------------------------------------------------------------


class CustomerSerializer(serializers.ModelSerializer):
    kind = EnumField(CustomerKind, read_only=True)

    class Meta:
        model = Customer
        fields = [
            "id",
            "kind",
            "display_name",
            "first_name",
            "last_name",
            "organisation_name",
            "date_of_birth",
            "preferred_language",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class CustomerRefSerializer(serializers.ModelSerializer):
    kind = EnumField(CustomerKind, read_only=True)

    class Meta:
        model = Customer
        fields = ["id", "kind", "display_name"]
        read_only_fields = fields


class AccountSerializer(serializers.ModelSerializer):
    """An account as lists show it."""

    customer = CustomerRefSerializer(read_only=True)
    status = EnumField(AccountStatus, read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    customer_class = EnumField(CustomerClass, read_only=True)
    line_of_business = EnumField(LineOfBusiness, read_only=True)
    credit_rating = EnumField(CreditRating, read_only=True)

    class Meta:
        model = Account
        fields = [
            "id",
            "number",
            "customer",
            "status",
            "status_label",
            "customer_class",
            "line_of_business",
            "opened_on",
            "closed_on",
            "credit_rating",
            "credit_score",
            "jurisdiction",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class LocationSerializer(serializers.ModelSerializer):
    one_line = serializers.CharField(read_only=True)

    class Meta:
        model = ServiceLocation
        fields = [
            "id",
            "label",
            "line1",
            "line2",
            "city",
            "region",
            "postal_code",
            "country",
            "one_line",
            "latitude",
            "longitude",
            "time_zone",
            "premise_id",
            "access_notes",
            "is_primary",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class PhoneSerializer(serializers.ModelSerializer):
    kind = EnumField(PhoneKind, read_only=True)
    display = serializers.SerializerMethodField()

    class Meta:
        model = ContactPhone
        fields = ["id", "e164", "display", "kind", "extension", "is_primary"]
        read_only_fields = fields

    def get_display(self, phone: ContactPhone) -> str:
        """The number as people read it: (303) 555-0147."""
        return format_phone(phone.e164)


class EmailSerializer(serializers.ModelSerializer):
    class Meta:
        model = ContactEmail
        fields = ["id", "email", "is_primary"]
        read_only_fields = fields


class ContactSerializer(serializers.ModelSerializer):
    role = EnumField(ContactRole, read_only=True)
    preferred_channel = EnumField(PreferredChannel, read_only=True)
    phones = PhoneSerializer(many=True, read_only=True)
    emails = EmailSerializer(many=True, read_only=True)

    class Meta:
        model = Contact
        fields = [
            "id",
            "name",
            "role",
            "preferred_channel",
            "do_not_call",
            "is_primary",
            "phones",
            "emails",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class AgreementSerializer(serializers.ModelSerializer):
    kind = EnumField(AgreementKind, read_only=True)
    status = EnumField(AgreementStatus, read_only=True)

    class Meta:
        model = ServiceAgreement
        fields = [
            "id",
            "location",
            "kind",
            "description",
            "identifier",
            "status",
            "start_date",
            "end_date",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class EquipmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Equipment
        fields = [
            "id",
            "location",
            "kind",
            "make",
            "model",
            "serial_number",
            "installed_on",
            "warranty_until",
            "notes",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class ProgramSerializer(serializers.ModelSerializer):
    class Meta:
        model = Program
        fields = ["id", "code", "name", "description", "active"]
        read_only_fields = fields


class EnrollmentSerializer(serializers.ModelSerializer):
    program = ProgramSerializer(read_only=True)
    enrolled_by = UserRefSerializer(read_only=True)

    class Meta:
        model = ProgramEnrollment
        fields = ["id", "program", "enrolled_on", "ended_on", "enrolled_by"]
        read_only_fields = fields


class AlertSerializer(serializers.ModelSerializer):
    kind = EnumField(AlertKind, read_only=True)
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    severity = EnumField(AlertSeverity, read_only=True)
    created_by = UserRefSerializer(read_only=True)

    class Meta:
        model = AccountAlert
        fields = [
            "id",
            "kind",
            "kind_label",
            "severity",
            "message",
            "active",
            "expires_on",
            "created_by",
            "created_at",
        ]
        read_only_fields = fields


class NoteSerializer(serializers.ModelSerializer):
    channel = EnumField(Channel, read_only=True)
    direction = EnumField(Direction, read_only=True)
    author = UserRefSerializer(read_only=True)

    class Meta:
        model = Note
        fields = ["id", "occurred_at", "channel", "direction", "summary", "author", "case_ref"]
        read_only_fields = fields


class AccountDetailSerializer(AccountSerializer):
    """The whole account on one page (the 360 view), read from selectors.account_get."""

    customer = CustomerSerializer(read_only=True)
    locations = LocationSerializer(many=True, read_only=True)
    contacts = ContactSerializer(many=True, read_only=True)
    agreements = AgreementSerializer(many=True, read_only=True)
    equipment = EquipmentSerializer(many=True, read_only=True)
    open_enrollments = EnrollmentSerializer(many=True, read_only=True)
    active_alerts = AlertSerializer(many=True, read_only=True)
    recent_notes = NoteSerializer(many=True, read_only=True)

    class Meta(AccountSerializer.Meta):
        fields = [
            *AccountSerializer.Meta.fields,
            "locations",
            "contacts",
            "agreements",
            "equipment",
            "open_enrollments",
            "active_alerts",
            "recent_notes",
        ]
        read_only_fields = fields


class SearchHitSerializer(serializers.Serializer):
    """One account found by the search, with what matched and how well."""

    account_id = serializers.IntegerField()
    number = serializers.CharField()
    name = serializers.CharField()
    status = EnumField(AccountStatus)
    status_label = serializers.CharField()
    line_of_business = serializers.CharField(help_text="The line of business, as shown")
    address = serializers.CharField()
    phone = serializers.CharField()
    matched = serializers.ChoiceField(
        choices=["number", "phone", "email", "name", "address"],
        help_text="Which part of the account the query matched best",
    )
    score = serializers.IntegerField(help_text="Higher is a better match")


# --- Input ------------------------------------------------------------------------------------


@cache
def _time_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def validate_time_zone(value: str) -> str:
    if value not in _time_zones():
        raise serializers.ValidationError(f"“{value}” is not a time zone name like America/Denver.")
    return value


def validate_phone(value: str) -> str:
    try:
        return normalize_phone(value)
    except ValueError as exc:
        raise serializers.ValidationError(str(exc)) from exc


class _LocationFields(serializers.Serializer):
    label = serializers.CharField(max_length=100, required=False, allow_blank=True)
    line1 = serializers.CharField(max_length=200)
    line2 = serializers.CharField(max_length=200, required=False, allow_blank=True)
    city = serializers.CharField(max_length=100)
    region = serializers.CharField(max_length=50)
    postal_code = serializers.CharField(max_length=20)
    country = serializers.RegexField(
        r"^[A-Za-z]{2}$",
        required=False,
        error_messages={"invalid": "Enter a two-letter country code like US."},
    )
    latitude = serializers.DecimalField(
        max_digits=9,
        decimal_places=6,
        min_value=-90,
        max_value=90,
        required=False,
        allow_null=True,
    )
    longitude = serializers.DecimalField(
        max_digits=9,
        decimal_places=6,
        min_value=-180,
        max_value=180,
        required=False,
        allow_null=True,
    )
    time_zone = serializers.CharField(
        max_length=64, required=False, validators=[validate_time_zone]
    )
    premise_id = serializers.CharField(max_length=40, required=False, allow_blank=True)
    access_notes = serializers.CharField(max_length=2000, required=False, allow_blank=True)

    def validate_country(self, value: str) -> str:
        return value.upper()

    def validate(self, attrs):
        if "postal_code" in attrs:
            country = attrs.get("country") or getattr(self.instance, "country", None) or "US"
            try:
                attrs["postal_code"] = normalize_postal_code(attrs["postal_code"], country)
            except DjangoValidationError as exc:
                raise serializers.ValidationError({"postal_code": exc.messages}) from exc
        return attrs


class LocationInputSerializer(_LocationFields):
    """A new service location (premise)."""


class LocationUpdateInputSerializer(_LocationFields):
    """Changes to a location; send only the fields that change."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = False


class PhoneInputSerializer(serializers.Serializer):
    number = serializers.CharField(
        max_length=40, validators=[validate_phone], help_text="Any format: (303) 555-0147"
    )
    kind = EnumField(PhoneKind, required=False, default=PhoneKind.MOBILE)


class EmailInputSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)


class ContactInputSerializer(serializers.Serializer):
    """A new contact with their phones and emails."""

    name = serializers.CharField(max_length=200)
    role = EnumField(ContactRole, required=False, default=ContactRole.PRIMARY)
    preferred_channel = EnumField(PreferredChannel, required=False, default=PreferredChannel.PHONE)
    do_not_call = serializers.BooleanField(required=False, default=False)
    phones = PhoneInputSerializer(many=True, required=False, default=list)
    emails = serializers.ListField(
        child=serializers.EmailField(max_length=254), required=False, default=list
    )


class ContactCreateInputSerializer(ContactInputSerializer):
    """A contact added to an existing account."""

    is_primary = serializers.BooleanField(
        required=False, default=False, help_text="Make this the account's primary contact"
    )


class ContactUpdateInputSerializer(serializers.Serializer):
    """Changes to a contact; send only the fields that change."""

    name = serializers.CharField(max_length=200, required=False)
    role = EnumField(ContactRole, required=False)
    preferred_channel = EnumField(PreferredChannel, required=False)
    do_not_call = serializers.BooleanField(required=False)


class AccountOpenInputSerializer(serializers.Serializer):
    """A new customer starting service: customer, account, premise and contact at once."""

    kind = EnumField(CustomerKind)
    first_name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    last_name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    organisation_name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    line_of_business = EnumField(LineOfBusiness)
    customer_class = EnumField(CustomerClass, required=False, default=CustomerClass.RESIDENTIAL)
    location = LocationInputSerializer(required=False)
    contact = ContactInputSerializer(required=False)


class AccountUpdateInputSerializer(serializers.Serializer):
    """Changes to an account; send only the fields that change. The status moves through
    POST /status/."""

    customer_class = EnumField(CustomerClass, required=False)
    line_of_business = EnumField(LineOfBusiness, required=False)
    jurisdiction = serializers.CharField(max_length=50, required=False, allow_blank=True)
    credit_rating = EnumField(CreditRating, required=False)
    credit_score = serializers.IntegerField(
        min_value=0, max_value=999, required=False, allow_null=True
    )


class AccountStatusInputSerializer(serializers.Serializer):
    status = EnumField(AccountStatus)
    reason = serializers.CharField(max_length=500)


class CustomerUpdateInputSerializer(serializers.Serializer):
    """Changes to a customer; send only the fields that change."""

    kind = EnumField(CustomerKind, required=False)
    first_name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    last_name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    organisation_name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    date_of_birth = serializers.DateField(required=False, allow_null=True)
    preferred_language = serializers.CharField(max_length=20, required=False)


class NoteInputSerializer(serializers.Serializer):
    summary = serializers.CharField(max_length=NOTE_MAX_LENGTH)
    channel = EnumField(Channel, required=False, default=Channel.PHONE)
    direction = EnumField(Direction, required=False, default=Direction.INBOUND)
    occurred_at = serializers.DateTimeField(
        required=False, help_text="When the contact happened; now when left out"
    )


@extend_schema_field(OpenApiTypes.INT)
class _AccountLocationField(serializers.PrimaryKeyRelatedField):
    """A location of the account in the URL (the view puts it in the context)."""

    def get_queryset(self):
        return ServiceLocation.objects.filter(account=self.context["account"])


class AgreementInputSerializer(serializers.Serializer):
    kind = EnumField(AgreementKind)
    description = serializers.CharField(max_length=200)
    location = _AccountLocationField(required=False, allow_null=True)
    identifier = serializers.CharField(max_length=60, required=False, allow_blank=True)
    start_date = serializers.DateField(required=False, help_text="Today when left out")


class AgreementEndInputSerializer(serializers.Serializer):
    end_date = serializers.DateField()


class EquipmentInputSerializer(serializers.Serializer):
    location = _AccountLocationField()
    kind = serializers.CharField(max_length=60)
    make = serializers.CharField(max_length=60, required=False, allow_blank=True)
    model = serializers.CharField(max_length=60, required=False, allow_blank=True)
    serial_number = serializers.CharField(max_length=60, required=False, allow_blank=True)
    installed_on = serializers.DateField(required=False, allow_null=True)
    warranty_until = serializers.DateField(required=False, allow_null=True)
    notes = serializers.CharField(max_length=4000, required=False, allow_blank=True)


class EnrollmentInputSerializer(serializers.Serializer):
    program = serializers.PrimaryKeyRelatedField(queryset=Program.objects.all())


class AlertInputSerializer(serializers.Serializer):
    kind = EnumField(AlertKind)
    severity = EnumField(AlertSeverity, required=False, default=AlertSeverity.WARNING)
    message = serializers.CharField(max_length=300, required=False, allow_blank=True)
    expires_on = serializers.DateField(required=False, allow_null=True)


class SearchQuerySerializer(serializers.Serializer):
    q = serializers.CharField(max_length=200, help_text="Number, name, phone, email or address")
    limit = serializers.IntegerField(min_value=1, max_value=100, required=False, default=20)
