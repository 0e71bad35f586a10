"""Serializers of the cases API: output serializers render, input serializers
(`...InputSerializer`) validate a request for a cases service. None of them saves."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from servicebook.core.api.schema import EnumField
from servicebook.customers.choices import Channel, Direction
from servicebook.customers.models import NOTE_MAX_LENGTH, Account, ServiceLocation
from servicebook.customers.selectors import accounts_visible_to
from servicebook.users.api.serializers import UserRefSerializer
from servicebook.users.models import User

from ..choices import (
    AnswerKind,
    CaseStatus,
    CaseType,
    ConsentMethod,
    ConsentSubject,
    EventKind,
    NoteVisibility,
    Priority,
)
from ..models import (
    TEXT_MAX_LENGTH,
    CannedResponse,
    Case,
    CaseEvent,
    CaseNote,
    ChecklistAnswer,
    ChecklistItem,
    ChecklistTemplate,
    ConsentRecord,
    Queue,
    ResolutionCode,
)
from ..selectors import cases_visible_to

# --- Reference data ---------------------------------------------------------------------------


class QueueRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Queue
        fields = ["id", "name", "slug"]
        read_only_fields = fields


class QueueSerializer(serializers.ModelSerializer):
    default_for_types = serializers.ListField(child=EnumField(CaseType), read_only=True)
    members = UserRefSerializer(many=True, read_only=True)

    class Meta:
        model = Queue
        fields = ["id", "name", "slug", "description", "default_for_types", "active", "members"]
        read_only_fields = fields


class ResolutionCodeSerializer(serializers.ModelSerializer):
    case_types = serializers.ListField(
        child=EnumField(CaseType),
        read_only=True,
        help_text="The case types this code fits; empty means all",
    )

    class Meta:
        model = ResolutionCode
        fields = ["id", "code", "label", "case_types", "active"]
        read_only_fields = fields


class ResolutionCodeRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = ResolutionCode
        fields = ["id", "code", "label"]
        read_only_fields = fields


class CannedResponseSerializer(serializers.ModelSerializer):
    case_type = EnumField(
        CaseType, allow_blank=True, read_only=True, help_text="Blank: fits every case type"
    )

    class Meta:
        model = CannedResponse
        fields = ["id", "title", "body", "case_type", "active"]
        read_only_fields = fields


class ChecklistItemSerializer(serializers.ModelSerializer):
    answer_kind = EnumField(AnswerKind, read_only=True)
    choices = serializers.ListField(
        child=serializers.CharField(), read_only=True, help_text="Options of a choice answer"
    )

    class Meta:
        model = ChecklistItem
        fields = ["id", "position", "prompt", "answer_kind", "choices", "required"]
        read_only_fields = fields


class ChecklistTemplateSerializer(serializers.ModelSerializer):
    case_type = EnumField(CaseType, read_only=True)
    items = ChecklistItemSerializer(many=True, read_only=True)

    class Meta:
        model = ChecklistTemplate
        fields = ["id", "case_type", "name", "active", "items"]
        read_only_fields = fields


# --- Cases ---------------------------------------------------------------------------------------


class CaseAccountSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="customer.display_name", read_only=True)

    class Meta:
        model = Account
        fields = ["id", "number", "name"]
        read_only_fields = fields


class CaseSerializer(serializers.ModelSerializer):
    """A case as lists show it."""

    account = CaseAccountSerializer(read_only=True)
    case_type = EnumField(CaseType, read_only=True)
    priority = EnumField(Priority, read_only=True)
    status = EnumField(CaseStatus, read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    queue = QueueRefSerializer(read_only=True)
    assignee = UserRefSerializer(read_only=True)

    class Meta:
        model = Case
        fields = [
            "id",
            "number",
            "account",
            "case_type",
            "priority",
            "status",
            "status_label",
            "subject",
            "queue",
            "assignee",
            "first_response_due",
            "resolution_due",
            "at_risk",
            "breached",
            "escalation_level",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class CaseNoteSerializer(serializers.ModelSerializer):
    author = UserRefSerializer(read_only=True)
    visibility = EnumField(NoteVisibility, read_only=True)

    class Meta:
        model = CaseNote
        fields = ["id", "created_at", "author", "visibility", "body"]
        read_only_fields = fields


class CaseEventSerializer(serializers.ModelSerializer):
    actor = UserRefSerializer(read_only=True, allow_null=True)
    kind = EnumField(EventKind, read_only=True)
    data = serializers.DictField(read_only=True, help_text="Details of the event, by kind")

    class Meta:
        model = CaseEvent
        fields = ["id", "at", "actor", "kind", "from_status", "to_status", "reason", "data"]
        read_only_fields = fields


class ChecklistAnswerSerializer(serializers.ModelSerializer):
    prompt = serializers.CharField(source="item.prompt", read_only=True)
    answered_by = UserRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = ChecklistAnswer
        fields = ["id", "item", "prompt", "answer", "answered_by", "answered_at"]
        read_only_fields = fields


class ChecklistEntrySerializer(serializers.Serializer):
    """One diagnostics question for the case's type and its answer so far (or null)."""

    item = ChecklistItemSerializer(read_only=True)
    answer = ChecklistAnswerSerializer(read_only=True, allow_null=True)


class ConsentSerializer(serializers.ModelSerializer):
    subject = EnumField(ConsentSubject, read_only=True)
    method = EnumField(ConsentMethod, read_only=True)
    recorded_by = UserRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = ConsentRecord
        fields = [
            "id",
            "account",
            "case",
            "subject",
            "granted",
            "given_by",
            "given_at",
            "method",
            "details",
            "recorded_by",
            "recorded_at",
            "revoked_at",
        ]
        read_only_fields = fields


class CaseDetailSerializer(CaseSerializer):
    """A case with its SLA clock, timeline, diagnostics and consents."""

    channel = serializers.CharField(read_only=True)
    created_by = UserRefSerializer(read_only=True, allow_null=True)
    resolution_code = ResolutionCodeRefSerializer(read_only=True, allow_null=True)
    sla_paused = serializers.BooleanField(source="is_paused", read_only=True)
    notes = CaseNoteSerializer(many=True, read_only=True)
    events = CaseEventSerializer(many=True, read_only=True)
    checklist = ChecklistEntrySerializer(many=True, read_only=True)
    consents = ConsentSerializer(many=True, read_only=True)

    class Meta(CaseSerializer.Meta):
        fields = [
            *CaseSerializer.Meta.fields,
            "location",
            "description",
            "channel",
            "created_by",
            "sla_policy",
            "first_response_risk_at",
            "first_responded_at",
            "first_response_breached",
            "resolution_risk_at",
            "resolution_breached",
            "sla_paused",
            "sla_paused_at",
            "escalated_at",
            "resolution_code",
            "resolution_summary",
            "resolved_at",
            "closed_at",
            "reopen_count",
            "notes",
            "events",
            "checklist",
            "consents",
        ]
        read_only_fields = fields


# --- Input -------------------------------------------------------------------------------------


@extend_schema_field(OpenApiTypes.INT)
class _VisibleAccountField(serializers.PrimaryKeyRelatedField):
    """An account the requesting user may see; any other id is "does not exist"."""

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


def _user_field(**kwargs) -> serializers.PrimaryKeyRelatedField:
    return serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True), **kwargs
    )


def _queue_field(**kwargs) -> serializers.PrimaryKeyRelatedField:
    return serializers.PrimaryKeyRelatedField(queryset=Queue.objects.filter(active=True), **kwargs)


class CaseOpenInputSerializer(serializers.Serializer):
    account = _VisibleAccountField()
    case_type = EnumField(CaseType)
    subject = serializers.CharField(max_length=200)
    description = serializers.CharField(
        max_length=TEXT_MAX_LENGTH, required=False, allow_blank=True
    )
    priority = EnumField(Priority, required=False, default=Priority.NORMAL)
    queue = _queue_field(required=False, allow_null=True, help_text="The type's queue if left out")
    assignee = _user_field(required=False, allow_null=True)
    location = _VisibleLocationField(required=False, allow_null=True)
    channel = EnumField(Channel, required=False, default=Channel.PHONE)


class CaseNoteInputSerializer(serializers.Serializer):
    body = serializers.CharField(
        max_length=TEXT_MAX_LENGTH,
        required=False,
        allow_blank=True,
        help_text="May be left out when a canned response is named",
    )
    visibility = EnumField(NoteVisibility, required=False, default=NoteVisibility.INTERNAL)
    canned_response = serializers.PrimaryKeyRelatedField(
        queryset=CannedResponse.objects.filter(active=True), required=False, allow_null=True
    )


class CaseContactInputSerializer(serializers.Serializer):
    channel = EnumField(Channel, required=False, default=Channel.PHONE)
    direction = EnumField(Direction, required=False, default=Direction.OUTBOUND)
    summary = serializers.CharField(max_length=NOTE_MAX_LENGTH)


class CaseTransitionInputSerializer(serializers.Serializer):
    status = EnumField(CaseStatus, help_text="new, open or one of the waiting states")
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True)


class CaseAssignInputSerializer(serializers.Serializer):
    assignee = _user_field(required=False, allow_null=True)
    queue = _queue_field(required=False, allow_null=True)

    def validate(self, attrs):
        if attrs.get("assignee") is None and attrs.get("queue") is None:
            raise serializers.ValidationError(
                {"assignee": ["Name the person or the queue the case goes to."]}
            )
        return attrs


class CaseEscalateInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500)
    queue = _queue_field(required=False, allow_null=True)
    assignee = _user_field(required=False, allow_null=True)


class CaseResolveInputSerializer(serializers.Serializer):
    resolution_code = serializers.PrimaryKeyRelatedField(queryset=ResolutionCode.objects.all())
    summary = serializers.CharField(max_length=TEXT_MAX_LENGTH, required=False, allow_blank=True)


class CaseCloseInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True)


class CaseReopenInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500)


class CasePriorityInputSerializer(serializers.Serializer):
    priority = EnumField(Priority)
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True)


class ChecklistAnswerInputSerializer(serializers.Serializer):
    item = serializers.PrimaryKeyRelatedField(
        queryset=ChecklistItem.objects.select_related("template")
    )
    answer = serializers.CharField(max_length=500)


class ConsentInputSerializer(serializers.Serializer):
    account = _VisibleAccountField()
    case = _VisibleCaseField(required=False, allow_null=True)
    subject = EnumField(ConsentSubject)
    granted = serializers.BooleanField(required=False, default=True)
    given_by = serializers.CharField(max_length=200, help_text="Who gave or refused consent")
    method = EnumField(ConsentMethod)
    details = serializers.CharField(max_length=500, required=False, allow_blank=True)
    given_at = serializers.DateTimeField(required=False, help_text="Now when left out")
