"""Serializers of the work-orders API: output serializers render, input serializers
(`...InputSerializer`) validate a request for a service. None of them saves."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from servicebook.cases.api.serializers import ConsentSerializer
from servicebook.cases.choices import AnswerKind
from servicebook.cases.selectors import cases_visible_to
from servicebook.core.api.fields import CodeRelatedField
from servicebook.core.api.schema import EnumField
from servicebook.customers.models import Account, Equipment, ServiceAgreement, ServiceLocation
from servicebook.customers.selectors import accounts_visible_to
from servicebook.users.api.serializers import UserRefSerializer

from ..choices import (
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
from ..models import (
    MAX_ESTIMATED_MINUTES,
    TEXT_MAX_LENGTH,
    CompletionCode,
    FollowUp,
    MaintenancePlan,
    MaintenanceVisit,
    Skill,
    WorkChecklist,
    WorkChecklistAnswer,
    WorkChecklistItem,
    WorkOrder,
    WorkOrderEvent,
    WorkOrderLine,
    WorkOrderTask,
)

# --- Reference data ---------------------------------------------------------------------------


class SkillSerializer(serializers.ModelSerializer):
    class Meta:
        model = Skill
        fields = ["id", "code", "name", "description", "active"]
        read_only_fields = fields


class CompletionCodeSerializer(serializers.ModelSerializer):
    work_types = serializers.ListField(
        child=EnumField(WorkOrderType),
        read_only=True,
        help_text="The work-order types this code fits; empty means all",
    )

    class Meta:
        model = CompletionCode
        fields = ["id", "code", "label", "work_types", "active"]
        read_only_fields = fields


class CompletionCodeRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = CompletionCode
        fields = ["id", "code", "label"]
        read_only_fields = fields


class WorkChecklistItemSerializer(serializers.ModelSerializer):
    answer_kind = EnumField(AnswerKind, read_only=True)
    choices = serializers.ListField(
        child=serializers.CharField(), read_only=True, help_text="Options of a choice answer"
    )

    class Meta:
        model = WorkChecklistItem
        fields = ["id", "position", "prompt", "answer_kind", "choices", "required"]
        read_only_fields = fields


class WorkChecklistSerializer(serializers.ModelSerializer):
    work_type = EnumField(WorkOrderType, read_only=True)
    items = WorkChecklistItemSerializer(many=True, read_only=True)

    class Meta:
        model = WorkChecklist
        fields = ["id", "work_type", "name", "active", "items"]
        read_only_fields = fields


# --- Work orders ------------------------------------------------------------------------------


class WorkOrderAccountSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="customer.display_name", read_only=True)

    class Meta:
        model = Account
        fields = ["id", "number", "name"]
        read_only_fields = fields


class WorkOrderLocationSerializer(serializers.ModelSerializer):
    address = serializers.CharField(source="one_line", read_only=True)

    class Meta:
        model = ServiceLocation
        fields = ["id", "address", "postal_code", "latitude", "longitude", "time_zone"]
        read_only_fields = fields


class WorkOrderSerializer(serializers.ModelSerializer):
    """A work order as lists show it. Times are UTC (ISO 8601); `location.time_zone` is
    the zone to show them in."""

    account = WorkOrderAccountSerializer(read_only=True)
    location = WorkOrderLocationSerializer(read_only=True)
    work_type = EnumField(WorkOrderType, read_only=True)
    priority = EnumField(Priority, read_only=True)
    status = EnumField(WorkOrderStatus, read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    required_skills = serializers.SlugRelatedField(
        slug_field="code", many=True, read_only=True, help_text="Skill codes"
    )

    class Meta:
        model = WorkOrder
        fields = [
            "id",
            "number",
            "account",
            "location",
            "case",
            "work_type",
            "priority",
            "status",
            "status_label",
            "summary",
            "required_skills",
            "estimated_minutes",
            "window_start",
            "window_end",
            "planned_start",
            "planned_end",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class WorkOrderEventSerializer(serializers.ModelSerializer):
    actor = UserRefSerializer(read_only=True, allow_null=True)
    kind = EnumField(EventKind, read_only=True)
    data = serializers.DictField(read_only=True, help_text="Details of the event, by kind")

    class Meta:
        model = WorkOrderEvent
        fields = ["id", "at", "actor", "kind", "from_status", "to_status", "reason", "data"]
        read_only_fields = fields


class WorkChecklistAnswerSerializer(serializers.ModelSerializer):
    answered_by = UserRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = WorkChecklistAnswer
        fields = ["id", "item", "answer", "answered_by", "answered_at"]
        read_only_fields = fields


class WorkChecklistEntrySerializer(serializers.Serializer):
    """One checklist question of the work order's type and its answer so far (or null)."""

    item = WorkChecklistItemSerializer(read_only=True)
    answer = WorkChecklistAnswerSerializer(read_only=True, allow_null=True)


class WorkOrderTaskSerializer(serializers.ModelSerializer):
    done_by = UserRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = WorkOrderTask
        fields = ["id", "position", "description", "done", "done_at", "done_by", "carried_from"]
        read_only_fields = fields


class WorkOrderLineSerializer(serializers.ModelSerializer):
    kind = EnumField(LineKind, read_only=True)
    added_by = UserRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = WorkOrderLine
        fields = [
            "id",
            "kind",
            "description",
            "quantity",
            "unit",
            "unit_price",
            "amount",
            "added_by",
            "added_at",
        ]
        read_only_fields = fields


class FollowUpSerializer(serializers.ModelSerializer):
    kind = EnumField(FollowUpKind, read_only=True)
    status = EnumField(FollowUpStatus, read_only=True)
    done_by = UserRefSerializer(read_only=True, allow_null=True)
    work_order_number = serializers.CharField(source="work_order.number", read_only=True)

    class Meta:
        model = FollowUp
        fields = [
            "id",
            "work_order",
            "work_order_number",
            "kind",
            "status",
            "due_at",
            "outcome",
            "created_at",
            "done_at",
            "done_by",
        ]
        read_only_fields = fields


class MaintenanceVisitRefSerializer(serializers.ModelSerializer):
    outcome = EnumField(VisitOutcome, read_only=True)

    class Meta:
        model = MaintenanceVisit
        fields = ["id", "plan", "due_date", "sequence", "outcome", "carried_to"]
        read_only_fields = fields


class CarrierConsentSerializer(serializers.Serializer):
    """Whether this work order needs the customer's consent to dispatch, and the consent in
    force (null when none)."""

    required = serializers.BooleanField(read_only=True)
    consent = ConsentSerializer(read_only=True, allow_null=True)


class WorkOrderDetailSerializer(WorkOrderSerializer):
    """A work order with its completion, timeline, checklist, tasks, lines and follow-ups."""

    created_by = UserRefSerializer(read_only=True, allow_null=True)
    completion_code = CompletionCodeRefSerializer(read_only=True, allow_null=True)
    incomplete_reason = EnumField(IncompleteReason, read_only=True, allow_blank=True)
    return_visits = serializers.PrimaryKeyRelatedField(
        source="follow_ups", many=True, read_only=True, help_text="Work orders that finish this"
    )
    events = WorkOrderEventSerializer(many=True, read_only=True)
    checklist = WorkChecklistEntrySerializer(many=True, read_only=True)
    tasks = WorkOrderTaskSerializer(many=True, read_only=True)
    lines = WorkOrderLineSerializer(many=True, read_only=True)
    lines_total = serializers.DecimalField(max_digits=16, decimal_places=2, read_only=True)
    after_visit_calls = FollowUpSerializer(source="follow_up_tasks", many=True, read_only=True)
    maintenance_visit = MaintenanceVisitRefSerializer(read_only=True, allow_null=True)
    carrier_consent = CarrierConsentSerializer(read_only=True)

    class Meta(WorkOrderSerializer.Meta):
        fields = [
            *WorkOrderSerializer.Meta.fields,
            "description",
            "created_by",
            "dispatched_at",
            "en_route_at",
            "arrived_at",
            "completed_at",
            "closed_at",
            "cancelled_at",
            "completion_notes",
            "completion_code",
            "signer_name",
            "incomplete_reason",
            "incomplete_notes",
            "cancel_reason",
            "follow_up_of",
            "return_visits",
            "events",
            "checklist",
            "tasks",
            "lines",
            "lines_total",
            "after_visit_calls",
            "maintenance_visit",
            "carrier_consent",
        ]
        read_only_fields = fields


# --- Maintenance plans --------------------------------------------------------------------------


class MaintenanceVisitSerializer(serializers.ModelSerializer):
    outcome = EnumField(VisitOutcome, read_only=True)
    work_order = WorkOrderSerializer(read_only=True)
    overdue = serializers.BooleanField(read_only=True)

    class Meta:
        model = MaintenanceVisit
        fields = [
            "id",
            "due_date",
            "sequence",
            "outcome",
            "outcome_at",
            "carried_to",
            "overdue",
            "work_order",
        ]
        read_only_fields = fields


class MaintenancePlanSerializer(serializers.ModelSerializer):
    account = WorkOrderAccountSerializer(read_only=True)
    location = WorkOrderLocationSerializer(read_only=True)
    frequency = EnumField(Frequency, read_only=True)
    work_type = EnumField(WorkOrderType, read_only=True)
    priority = EnumField(Priority, read_only=True)
    required_skills = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    tasks = serializers.ListField(child=serializers.CharField(), read_only=True)
    overdue_count = serializers.IntegerField(read_only=True)
    upcoming_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = MaintenancePlan
        fields = [
            "id",
            "name",
            "account",
            "location",
            "agreement",
            "equipment",
            "frequency",
            "interval",
            "start_date",
            "end_date",
            "work_type",
            "priority",
            "required_skills",
            "estimated_minutes",
            "summary",
            "description",
            "tasks",
            "window_start_time",
            "window_end_time",
            "horizon_days",
            "active",
            "generated_through",
            "overdue_count",
            "upcoming_count",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class MaintenancePlanDetailSerializer(MaintenancePlanSerializer):
    visits = MaintenanceVisitSerializer(many=True, read_only=True, source="recent_visits")

    class Meta(MaintenancePlanSerializer.Meta):
        fields = [*MaintenancePlanSerializer.Meta.fields, "visits"]
        read_only_fields = fields


class MaintenanceGenerateResultSerializer(serializers.Serializer):
    visits = serializers.IntegerField(read_only=True, help_text="Visits generated")
    missed = serializers.IntegerField(read_only=True, help_text="Visits found missed")
    plans = serializers.IntegerField(read_only=True)


# --- Input -------------------------------------------------------------------------------------


@extend_schema_field(OpenApiTypes.INT)
class _VisibleAccountField(serializers.PrimaryKeyRelatedField):
    def get_queryset(self):
        return accounts_visible_to(self.context["request"].user)


@extend_schema_field(OpenApiTypes.INT)
class _VisibleCaseField(serializers.PrimaryKeyRelatedField):
    def get_queryset(self):
        return cases_visible_to(self.context["request"].user)


@extend_schema_field(OpenApiTypes.INT)
class _VisibleLocationField(serializers.PrimaryKeyRelatedField):
    def get_queryset(self):
        return ServiceLocation.objects.filter(
            account__in=accounts_visible_to(self.context["request"].user)
        )


@extend_schema_field(OpenApiTypes.INT)
class _VisibleAgreementField(serializers.PrimaryKeyRelatedField):
    def get_queryset(self):
        return ServiceAgreement.objects.filter(
            account__in=accounts_visible_to(self.context["request"].user)
        )


@extend_schema_field(OpenApiTypes.INT)
class _VisibleEquipmentField(serializers.PrimaryKeyRelatedField):
    def get_queryset(self):
        return Equipment.objects.filter(
            account__in=accounts_visible_to(self.context["request"].user)
        )


def _skills_field(**kwargs) -> CodeRelatedField:
    return CodeRelatedField(
        slug_field="code",
        queryset=Skill.objects.all(),
        many=True,
        help_text="Skill codes (GET /api/skills/)",
        **kwargs,
    )


def _tasks_field(**kwargs) -> serializers.ListField:
    return serializers.ListField(
        child=serializers.CharField(max_length=300), max_length=50, **kwargs
    )


class WorkOrderCreateInputSerializer(serializers.Serializer):
    account = _VisibleAccountField()
    case = _VisibleCaseField(required=False, allow_null=True)
    location = _VisibleLocationField(
        required=False, allow_null=True, help_text="The case's, else the account's primary"
    )
    work_type = EnumField(WorkOrderType)
    priority = EnumField(
        Priority, required=False, allow_null=True, help_text="Urgent for an emergency, else normal"
    )
    summary = serializers.CharField(
        max_length=200, required=False, allow_blank=True, help_text="The case's subject if empty"
    )
    description = serializers.CharField(
        max_length=TEXT_MAX_LENGTH, required=False, allow_blank=True
    )
    skills = _skills_field(required=False)
    estimated_minutes = serializers.IntegerField(
        min_value=1, max_value=MAX_ESTIMATED_MINUTES, required=False, default=60
    )
    window_start = serializers.DateTimeField(required=False, allow_null=True)
    window_end = serializers.DateTimeField(required=False, allow_null=True)
    tasks = _tasks_field(required=False)


class WorkOrderUpdateInputSerializer(serializers.Serializer):
    summary = serializers.CharField(max_length=200, required=False)
    description = serializers.CharField(
        max_length=TEXT_MAX_LENGTH, required=False, allow_blank=True
    )
    priority = EnumField(Priority, required=False)
    skills = _skills_field(required=False)
    estimated_minutes = serializers.IntegerField(
        min_value=1, max_value=MAX_ESTIMATED_MINUTES, required=False
    )
    location = _VisibleLocationField(required=False)
    window_start = serializers.DateTimeField(required=False, allow_null=True)
    window_end = serializers.DateTimeField(required=False, allow_null=True)
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True)


class WorkOrderNoteInputSerializer(serializers.Serializer):
    """Nothing but the work order is needed; a note for the timeline is welcome."""

    note = serializers.CharField(max_length=500, required=False, allow_blank=True)


class WorkOrderScheduleInputSerializer(serializers.Serializer):
    planned_start = serializers.DateTimeField()
    planned_end = serializers.DateTimeField()
    allow_outside_window = serializers.BooleanField(
        required=False, default=False, help_text="Arrival outside the customer's window"
    )


class WorkOrderReasonInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True)


class WorkOrderCancelInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500)


class WorkOrderCompleteInputSerializer(serializers.Serializer):
    notes = serializers.CharField(max_length=TEXT_MAX_LENGTH, help_text="What was done")
    completion_code = CodeRelatedField(
        slug_field="code",
        queryset=CompletionCode.objects.all(),
        help_text="Code of a resolution that fits the type (GET /api/completion-codes/)",
    )
    signer_name = serializers.CharField(max_length=200)


class WorkOrderIncompleteInputSerializer(serializers.Serializer):
    reason = EnumField(IncompleteReason)
    notes = serializers.CharField(max_length=TEXT_MAX_LENGTH, required=False, allow_blank=True)


class WorkChecklistAnswerInputSerializer(serializers.Serializer):
    item = serializers.PrimaryKeyRelatedField(queryset=WorkChecklistItem.objects.all())
    answer = serializers.CharField(max_length=500)


class WorkOrderTaskInputSerializer(serializers.Serializer):
    description = serializers.CharField(max_length=300)


class WorkOrderTaskDoneInputSerializer(serializers.Serializer):
    done = serializers.BooleanField()


class WorkOrderLineInputSerializer(serializers.Serializer):
    kind = EnumField(LineKind)
    description = serializers.CharField(max_length=200)
    quantity = serializers.DecimalField(max_digits=10, decimal_places=2, min_value=0)
    unit = serializers.CharField(max_length=20)
    unit_price = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0)


class FollowUpDoneInputSerializer(serializers.Serializer):
    outcome = serializers.CharField(max_length=TEXT_MAX_LENGTH)


class MaintenancePlanCreateInputSerializer(serializers.Serializer):
    account = _VisibleAccountField()
    agreement = _VisibleAgreementField(required=False, allow_null=True)
    equipment = _VisibleEquipmentField(required=False, allow_null=True)
    location = _VisibleLocationField(required=False, allow_null=True)
    name = serializers.CharField(max_length=200)
    frequency = EnumField(Frequency)
    interval = serializers.IntegerField(min_value=1, max_value=99, required=False, default=1)
    start_date = serializers.DateField()
    end_date = serializers.DateField(required=False, allow_null=True)
    work_type = EnumField(
        WorkOrderType, required=False, default=WorkOrderType.PREVENTIVE_MAINTENANCE
    )
    priority = EnumField(Priority, required=False, default=Priority.NORMAL)
    skills = _skills_field(required=False)
    estimated_minutes = serializers.IntegerField(
        min_value=1, max_value=MAX_ESTIMATED_MINUTES, required=False, default=60
    )
    summary = serializers.CharField(max_length=200, required=False, allow_blank=True)
    description = serializers.CharField(
        max_length=TEXT_MAX_LENGTH, required=False, allow_blank=True
    )
    tasks = _tasks_field(required=False)
    window_start_time = serializers.TimeField(required=False)
    window_end_time = serializers.TimeField(required=False)
    horizon_days = serializers.IntegerField(
        min_value=1, max_value=730, required=False, allow_null=True
    )


class MaintenancePlanUpdateInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200, required=False)
    summary = serializers.CharField(max_length=200, required=False)
    description = serializers.CharField(
        max_length=TEXT_MAX_LENGTH, required=False, allow_blank=True
    )
    priority = EnumField(Priority, required=False)
    skills = _skills_field(required=False)
    estimated_minutes = serializers.IntegerField(
        min_value=1, max_value=MAX_ESTIMATED_MINUTES, required=False
    )
    tasks = _tasks_field(required=False)
    window_start_time = serializers.TimeField(required=False)
    window_end_time = serializers.TimeField(required=False)
    horizon_days = serializers.IntegerField(
        min_value=1, max_value=730, required=False, allow_null=True
    )
    end_date = serializers.DateField(required=False, allow_null=True)
    active = serializers.BooleanField(
        required=False, help_text="false cancels the visits from today that have not started"
    )
