"""Serializers of the contact API: output serializers render, input serializers validate
a request for a service. None of them saves."""

from __future__ import annotations

from rest_framework import serializers

from servicebook.core.api.schema import EnumField

from ..choices import ContactChannel, ContactDirection, InteractionSource, InteractionState
from ..metrics import GROUPS
from ..models import Interaction


class InteractionSerializer(serializers.ModelSerializer):
    channel = EnumField(ContactChannel, read_only=True)
    direction = EnumField(ContactDirection, read_only=True)
    state = EnumField(InteractionState, read_only=True)
    source = EnumField(InteractionSource, read_only=True)
    agent = serializers.SlugRelatedField(slug_field="username", read_only=True)
    disposition = serializers.SlugRelatedField(slug_field="code", read_only=True)
    case = serializers.SlugRelatedField(slug_field="number", read_only=True)

    class Meta:
        model = Interaction
        fields = [
            "id",
            "channel",
            "direction",
            "state",
            "source",
            "agent",
            "account",
            "case",
            "customer_number",
            "queue_name",
            "call_id",
            "queued_at",
            "ring_at",
            "answered_at",
            "ended_at",
            "wrap_ended_at",
            "ring_seconds",
            "talk_seconds",
            "hold_seconds",
            "hold_count",
            "wrap_seconds",
            "handle_seconds",
            "counted_on",
            "handled",
            "transferred",
            "repeated",
            "disposition",
            "summary",
            "recording_url",
        ]
        read_only_fields = fields


class ScreenPopInputSerializer(serializers.Serializer):
    token = serializers.CharField(
        max_length=200, required=False, help_text="The PBX's token (or header X-PBX-Token)"
    )
    caller = serializers.CharField(max_length=60, help_text="Caller ID number, any format")
    extension = serializers.CharField(
        max_length=40, help_text="The ringing agent's extension or queue member interface"
    )
    call_id = serializers.CharField(max_length=80, required=False, allow_blank=True)
    queue = serializers.CharField(max_length=80, required=False, allow_blank=True)


class PopAccountSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    name = serializers.CharField()
    status = serializers.CharField()


class ScreenPopSerializer(serializers.Serializer):
    pop = serializers.IntegerField(source="pk")
    agent = serializers.CharField(source="agent.username", allow_null=True, default=None)
    caller_number = serializers.CharField()
    accounts = PopAccountSerializer(many=True)


class AnsweringMessageInputSerializer(serializers.Serializer):
    message_id = serializers.CharField(max_length=200)
    received_at = serializers.DateTimeField(required=False)
    caller_name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    callback_number = serializers.CharField(max_length=60, required=False, allow_blank=True)
    account_number = serializers.CharField(max_length=20, required=False, allow_blank=True)
    body = serializers.CharField(max_length=10_000, required=False, allow_blank=True)


class AnsweringMessageSerializer(serializers.Serializer):
    interaction = InteractionSerializer()
    created = serializers.BooleanField()
    case = serializers.CharField(allow_null=True)


class MetricsQuerySerializer(serializers.Serializer):
    # `from` is a Python keyword: the field is declared under its query-string name below.
    to = serializers.DateField()
    group_by = serializers.ChoiceField(choices=list(GROUPS), default="agent")
    agent = serializers.IntegerField(
        required=False, min_value=1, help_text="Only this agent's figures (user id)"
    )

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = serializers.DateField()
        return fields

    def validate(self, attrs):
        if attrs["from"] > attrs["to"]:
            raise serializers.ValidationError({"to": ["`to` is before `from`."]})
        if (attrs["to"] - attrs["from"]).days > 366:
            raise serializers.ValidationError({"to": ["At most a year at a time."]})
        return attrs


class MetricRowSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    username = serializers.CharField(required=False)
    calls_handled = serializers.IntegerField()
    contacts_handled = serializers.IntegerField()
    talk_seconds = serializers.IntegerField()
    avg_talk_seconds = serializers.IntegerField(allow_null=True)
    hold_seconds = serializers.IntegerField()
    hold_count = serializers.IntegerField()
    avg_hold_seconds = serializers.IntegerField(allow_null=True)
    wrap_seconds = serializers.IntegerField()
    avg_wrap_seconds = serializers.IntegerField(allow_null=True)
    handle_seconds = serializers.IntegerField()
    avg_handle_seconds = serializers.IntegerField(allow_null=True)
    days_worked = serializers.IntegerField()
    calls_per_day = serializers.FloatField(allow_null=True)
    login_seconds = serializers.IntegerField()
    on_call_seconds = serializers.IntegerField()
    break_seconds = serializers.IntegerField()
    phone_time_percent = serializers.FloatField(allow_null=True)
    evaluations = serializers.IntegerField()
    quality_score = serializers.FloatField(allow_null=True)
    shifts_scheduled = serializers.IntegerField()
    shifts_attended = serializers.IntegerField()
    attendance_percent = serializers.FloatField(allow_null=True)
    scheduled_seconds = serializers.IntegerField()
    adherent_seconds = serializers.IntegerField()
    adherence_percent = serializers.FloatField(allow_null=True)
    offered_calls = serializers.IntegerField()
    answered_calls = serializers.IntegerField()
    answered_within_threshold = serializers.IntegerField()
    abandoned_calls = serializers.IntegerField()
    abandon_rate_percent = serializers.FloatField(allow_null=True)
    service_level_percent = serializers.FloatField(allow_null=True)
    fcr_contacts = serializers.IntegerField()
    fcr_resolved = serializers.IntegerField()
    fcr_percent = serializers.FloatField(allow_null=True)


class DefinitionSerializer(serializers.Serializer):
    term = serializers.CharField()
    definition = serializers.CharField()


class MetricsSerializer(serializers.Serializer):
    group_by = serializers.CharField()
    service_level_seconds = serializers.IntegerField()
    fcr_days = serializers.IntegerField()
    rows = MetricRowSerializer(many=True)
    total = MetricRowSerializer()
    definitions = DefinitionSerializer(many=True)

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = serializers.DateField(source="start")
        fields["to"] = serializers.DateField(source="end")
        return fields
