"""Serializers of the scheduling API: output serializers render, input serializers
(`...InputSerializer`) validate a request for a scheduling service. None of them saves."""

from __future__ import annotations

from rest_framework import serializers

from servicebook.core.api.fields import CodeRelatedField
from servicebook.core.api.schema import EnumField
from servicebook.workorders.choices import IncompleteReason, LineKind, WorkOrderStatus
from servicebook.workorders.models import CompletionCode, Skill, WorkOrder

from ..choices import (
    AppointmentStatus,
    BookingSource,
    DocumentKind,
    RunStatus,
    TechnicianKind,
    TimeOffKind,
)
from ..models import (
    Appointment,
    Branch,
    ComplianceDocument,
    OptimizerRun,
    Subcontractor,
    Technician,
    Territory,
    TimeOff,
    WeeklyShift,
)

ID = {"min_value": 1, "max_value": 2**63 - 1}


# --- Output ----------------------------------------------------------------------------------


class BranchRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Branch
        fields = ["id", "code", "name"]
        read_only_fields = fields


class DocumentSerializer(serializers.ModelSerializer):
    kind = EnumField(DocumentKind, read_only=True)

    class Meta:
        model = ComplianceDocument
        fields = ["id", "kind", "reference", "issuer", "valid_from", "expires_on", "notes"]
        read_only_fields = fields


class SubcontractorSerializer(serializers.ModelSerializer):
    documents = DocumentSerializer(many=True, read_only=True)

    class Meta:
        model = Subcontractor
        fields = [
            "id",
            "code",
            "name",
            "contact_name",
            "phone",
            "email",
            "cost_per_hour",
            "cost_per_day",
            "active",
            "documents",
        ]
        read_only_fields = fields


class SubcontractorRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Subcontractor
        fields = ["id", "code", "name"]
        read_only_fields = fields


class ShiftSerializer(serializers.ModelSerializer):
    class Meta:
        model = WeeklyShift
        fields = ["weekday", "start", "end", "break_start", "break_minutes"]
        read_only_fields = fields


class TechnicianSerializer(serializers.ModelSerializer):
    kind = EnumField(TechnicianKind, read_only=True)
    name = serializers.CharField(read_only=True)
    branch = BranchRefSerializer(read_only=True)
    subcontractor = SubcontractorRefSerializer(read_only=True)
    skills = serializers.SerializerMethodField(help_text="Skill codes held")
    shifts = ShiftSerializer(many=True, read_only=True)

    class Meta:
        model = Technician
        fields = [
            "id",
            "name",
            "first_name",
            "last_name",
            "kind",
            "employee_number",
            "branch",
            "subcontractor",
            "phone",
            "email",
            "home_address",
            "home_latitude",
            "home_longitude",
            "time_zone",
            "cost_per_hour",
            "max_overtime_minutes",
            "active",
            "skills",
            "shifts",
        ]
        read_only_fields = fields

    def get_skills(self, obj) -> list[str]:
        return sorted(s.skill.code for s in obj.skills.all())


class TechnicianRefSerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True)

    class Meta:
        model = Technician
        fields = ["id", "name"]
        read_only_fields = fields


class TimeOffSerializer(serializers.ModelSerializer):
    kind = EnumField(TimeOffKind, read_only=True)

    class Meta:
        model = TimeOff
        fields = ["id", "technician", "kind", "starts_at", "ends_at", "reason"]
        read_only_fields = fields


class TerritorySerializer(serializers.ModelSerializer):
    postal_codes = serializers.ListField(child=serializers.CharField(), read_only=True)
    polygons = serializers.JSONField(
        read_only=True, help_text="GeoJSON MultiPolygon coordinates ([lng, lat] pairs)"
    )
    technicians = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    branches = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = Territory
        fields = [
            "id",
            "code",
            "name",
            "postal_codes",
            "polygons",
            "technicians",
            "branches",
            "active",
        ]
        read_only_fields = fields


class JobSerializer(serializers.ModelSerializer):
    """The work order as a technician's job card shows it."""

    status = EnumField(WorkOrderStatus, read_only=True)
    customer = serializers.CharField(source="account.customer.display_name", read_only=True)
    address = serializers.CharField(source="location.one_line", read_only=True)
    latitude = serializers.DecimalField(
        source="location.latitude", max_digits=9, decimal_places=6, read_only=True
    )
    longitude = serializers.DecimalField(
        source="location.longitude", max_digits=9, decimal_places=6, read_only=True
    )
    access_notes = serializers.CharField(source="location.access_notes", read_only=True)

    class Meta:
        model = WorkOrder
        fields = [
            "id",
            "number",
            "summary",
            "work_type",
            "priority",
            "status",
            "estimated_minutes",
            "window_start",
            "window_end",
            "customer",
            "address",
            "latitude",
            "longitude",
            "access_notes",
        ]
        read_only_fields = fields


class AppointmentSerializer(serializers.ModelSerializer):
    status = EnumField(AppointmentStatus, read_only=True)
    source = EnumField(BookingSource, read_only=True)
    technician = TechnicianRefSerializer(read_only=True)
    work_order = JobSerializer(read_only=True)

    class Meta:
        model = Appointment
        fields = [
            "id",
            "work_order",
            "technician",
            "starts_at",
            "ends_at",
            "window_start",
            "window_end",
            "status",
            "locked",
            "source",
            "travel_minutes",
            "cancelled_at",
            "cancel_reason",
        ]
        read_only_fields = fields


class OfferSerializer(serializers.Serializer):
    rank = serializers.IntegerField()
    technician = serializers.IntegerField(source="technician_id")
    technician_name = serializers.CharField()
    date = serializers.DateField()
    starts_at = serializers.DateTimeField(help_text="Planned arrival")
    ends_at = serializers.DateTimeField()
    window_start = serializers.DateTimeField(help_text="Arrival window to quote: from")
    window_end = serializers.DateTimeField(help_text="Arrival window to quote: until")
    added_travel_minutes = serializers.IntegerField()
    travel_minutes = serializers.IntegerField(help_text="Drive from the previous stop")
    cost = serializers.FloatField(help_text="Ranking score: added travel + fit (lower is better)")


class OfferResultSerializer(serializers.Serializer):
    offers = OfferSerializer(many=True)
    technicians_considered = serializers.IntegerField()
    territories = serializers.ListField(child=serializers.CharField(), help_text="Codes")
    notes = serializers.ListField(child=serializers.CharField())


class BoardJobSerializer(serializers.Serializer):
    appointment = serializers.IntegerField(source="appointment.pk")
    work_order = serializers.CharField(source="work_order.number")
    status = serializers.CharField(source="appointment.status")
    starts_at = serializers.DateTimeField(source="appointment.starts_at")
    ends_at = serializers.DateTimeField(source="appointment.ends_at")
    locked = serializers.BooleanField(source="appointment.locked")
    late = serializers.BooleanField()


class BoardRowSerializer(serializers.Serializer):
    technician = TechnicianRefSerializer()
    shift = serializers.CharField(source="shift_label")
    problems = serializers.ListField(child=serializers.CharField())
    skills = serializers.ListField(child=serializers.CharField())
    jobs = BoardJobSerializer(many=True)


class BoardUnassignedSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    work_type = serializers.CharField()
    priority = serializers.CharField()
    estimated_minutes = serializers.IntegerField()
    window_start = serializers.DateTimeField(allow_null=True)
    window_end = serializers.DateTimeField(allow_null=True)


class BoardSerializer(serializers.Serializer):
    date = serializers.DateField()
    token = serializers.CharField(help_text="Changes whenever anything on the board changes")
    rows = BoardRowSerializer(many=True)
    unassigned = BoardUnassignedSerializer(many=True)


class OptimizerRunSerializer(serializers.ModelSerializer):
    status = EnumField(RunStatus, read_only=True)
    summary = serializers.JSONField(read_only=True, help_text="current and proposed totals")
    assignments = serializers.JSONField(read_only=True)
    unassigned = serializers.JSONField(read_only=True, help_text="Jobs left out, with why")

    class Meta:
        model = OptimizerRun
        fields = [
            "id",
            "date",
            "territory",
            "status",
            "seconds",
            "summary",
            "assignments",
            "unassigned",
            "created_at",
            "decided_at",
        ]
        read_only_fields = fields


# --- Input ------------------------------------------------------------------------------------


class OfferQuerySerializer(serializers.Serializer):
    """GET /api/scheduling/offers? parameters: a work order, or place + skills + duration."""

    work_order = serializers.IntegerField(required=False, **ID)
    latitude = serializers.DecimalField(
        max_digits=9, decimal_places=6, required=False, min_value=-90, max_value=90
    )
    longitude = serializers.DecimalField(
        max_digits=9, decimal_places=6, required=False, min_value=-180, max_value=180
    )
    postal_code = serializers.CharField(required=False, max_length=20)
    skills = serializers.CharField(
        required=False, max_length=500, help_text="Codes, comma-separated"
    )
    duration = serializers.IntegerField(required=False, min_value=1, max_value=24 * 60)
    date_from = serializers.DateField(required=False)
    date_to = serializers.DateField(required=False)
    territory = serializers.SlugField(required=False, max_length=30, help_text="Territory code")


class TechnicianInputSerializer(serializers.Serializer):
    first_name = serializers.CharField(max_length=100)
    last_name = serializers.CharField(max_length=100)
    kind = EnumField(TechnicianKind, required=False)
    subcontractor = serializers.PrimaryKeyRelatedField(
        queryset=Subcontractor.objects.all(), required=False, allow_null=True
    )
    branch = serializers.PrimaryKeyRelatedField(
        queryset=Branch.objects.all(), required=False, allow_null=True
    )
    employee_number = serializers.CharField(max_length=30, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=30, required=False, allow_blank=True)
    email = serializers.EmailField(required=False, allow_blank=True)
    home_address = serializers.CharField(max_length=300, required=False, allow_blank=True)
    home_latitude = serializers.DecimalField(
        max_digits=9, decimal_places=6, required=False, allow_null=True, min_value=-90, max_value=90
    )
    home_longitude = serializers.DecimalField(
        max_digits=9,
        decimal_places=6,
        required=False,
        allow_null=True,
        min_value=-180,
        max_value=180,
    )
    time_zone = serializers.CharField(max_length=64, required=False)
    cost_per_hour = serializers.DecimalField(
        max_digits=10, decimal_places=2, min_value=0, required=False
    )
    max_overtime_minutes = serializers.IntegerField(
        min_value=0, max_value=720, required=False, allow_null=True
    )
    active = serializers.BooleanField(required=False)
    skills = CodeRelatedField(
        slug_field="code", queryset=Skill.objects.filter(active=True), many=True, required=False
    )


class TechnicianUpdateSerializer(TechnicianInputSerializer):
    first_name = serializers.CharField(max_length=100, required=False)
    last_name = serializers.CharField(max_length=100, required=False)
    kind = None
    subcontractor = None


class ShiftDaySerializer(serializers.Serializer):
    weekday = serializers.IntegerField(min_value=0, max_value=6)
    start = serializers.TimeField(required=False, allow_null=True)
    end = serializers.TimeField(required=False, allow_null=True)
    break_start = serializers.TimeField(required=False, allow_null=True)
    break_minutes = serializers.IntegerField(min_value=0, max_value=240, required=False)


class ShiftsInputSerializer(serializers.Serializer):
    days = ShiftDaySerializer(many=True, help_text="A day without start/end is a day off")


class DocumentInputSerializer(serializers.Serializer):
    kind = EnumField(DocumentKind)
    reference = serializers.CharField(max_length=100)
    issuer = serializers.CharField(max_length=200, required=False, allow_blank=True)
    valid_from = serializers.DateField(required=False, allow_null=True)
    expires_on = serializers.DateField(required=False, allow_null=True)


class TimeOffInputSerializer(serializers.Serializer):
    technician = serializers.PrimaryKeyRelatedField(queryset=Technician.objects.all())
    kind = EnumField(TimeOffKind, required=False)
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True)


class TerritoryInputSerializer(serializers.Serializer):
    code = serializers.SlugField(max_length=30)
    name = serializers.CharField(max_length=100)
    postal_codes = serializers.ListField(
        child=serializers.CharField(max_length=20), required=False, max_length=5000
    )
    polygons = serializers.JSONField(required=False, help_text="GeoJSON coordinates")
    technicians = serializers.PrimaryKeyRelatedField(
        queryset=Technician.objects.all(), many=True, required=False
    )
    branches = serializers.PrimaryKeyRelatedField(
        queryset=Branch.objects.all(), many=True, required=False
    )
    active = serializers.BooleanField(required=False)


class TerritoryUpdateSerializer(TerritoryInputSerializer):
    code = None
    name = serializers.CharField(max_length=100, required=False)


class BookInputSerializer(serializers.Serializer):
    work_order = serializers.PrimaryKeyRelatedField(queryset=WorkOrder.objects.all())
    technician = serializers.PrimaryKeyRelatedField(queryset=Technician.objects.all())
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField(required=False)
    window_start = serializers.DateTimeField(required=False)
    window_end = serializers.DateTimeField(required=False)
    locked = serializers.BooleanField(required=False)
    allow_outside_window = serializers.BooleanField(required=False)
    allow_overtime = serializers.BooleanField(required=False)


class MoveInputSerializer(serializers.Serializer):
    starts_at = serializers.DateTimeField()
    technician = serializers.PrimaryKeyRelatedField(
        queryset=Technician.objects.all(), required=False
    )
    ends_at = serializers.DateTimeField(required=False)
    allow_outside_window = serializers.BooleanField(required=False)
    allow_overtime = serializers.BooleanField(required=False)


class ReasonInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300, required=False, allow_blank=True)


class LockInputSerializer(serializers.Serializer):
    locked = serializers.BooleanField()


class EmergencyInputSerializer(serializers.Serializer):
    work_order = serializers.PrimaryKeyRelatedField(queryset=WorkOrder.objects.all())
    technician = serializers.PrimaryKeyRelatedField(queryset=Technician.objects.all())


class LineInputSerializer(serializers.Serializer):
    kind = EnumField(LineKind)
    description = serializers.CharField(max_length=200)
    quantity = serializers.DecimalField(max_digits=10, decimal_places=2, min_value=0)
    unit = serializers.CharField(max_length=20)
    unit_price = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0)


class CompleteInputSerializer(serializers.Serializer):
    notes = serializers.CharField(max_length=10_000)
    completion_code = CodeRelatedField(
        slug_field="code", queryset=CompletionCode.objects.filter(active=True)
    )
    signer_name = serializers.CharField(max_length=200)
    lines = LineInputSerializer(many=True, required=False, max_length=50)


class IncompleteInputSerializer(serializers.Serializer):
    reason = EnumField(IncompleteReason)
    notes = serializers.CharField(max_length=10_000, required=False, allow_blank=True)


class RunInputSerializer(serializers.Serializer):
    date = serializers.DateField()
    territory = serializers.SlugField(max_length=30, required=False, help_text="Territory code")
    seconds = serializers.IntegerField(min_value=1, max_value=600, required=False)


class EmptyInputSerializer(serializers.Serializer):
    pass
