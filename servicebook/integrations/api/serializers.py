"""Input and output serializers of the integrations API."""

from __future__ import annotations

from rest_framework import serializers

from servicebook.core.api.schema import EnumField

from ..choices import (
    Connector,
    DeliveryStatus,
    EndpointScope,
    InboundStatus,
    PartnerKind,
    PortalTaskStatus,
)


class WebhookEndpointSerializer(serializers.Serializer):
    """An endpoint as the API shows it: never its secret."""

    id = serializers.IntegerField()
    url = serializers.URLField()
    event_types = serializers.ListField(child=serializers.CharField())
    scope = EnumField(EndpointScope)
    active = serializers.BooleanField()


class PartnerSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = EnumField(PartnerKind)
    connector = EnumField(Connector)
    active = serializers.BooleanField()
    contact_name = serializers.CharField()
    contact_email = serializers.CharField()
    contact_phone = serializers.CharField()
    portal_url = serializers.CharField()


class PartnerDetailSerializer(PartnerSerializer):
    endpoints = WebhookEndpointSerializer(many=True, source="endpoints.all")


class DeliveryAttemptSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    started_at = serializers.DateTimeField()
    duration_ms = serializers.IntegerField()
    status_code = serializers.IntegerField(allow_null=True)
    error = serializers.CharField()
    response_excerpt = serializers.CharField()
    succeeded = serializers.BooleanField()
    manual = serializers.BooleanField()


class WebhookDeliverySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    event_id = serializers.UUIDField(source="event.event_id")
    event_type = serializers.CharField(source="event.event_type")
    partner = serializers.IntegerField(source="endpoint.partner_id")
    endpoint = serializers.IntegerField(source="endpoint_id")
    status = EnumField(DeliveryStatus)
    attempts = serializers.IntegerField()
    next_attempt_at = serializers.DateTimeField()
    last_status_code = serializers.IntegerField(allow_null=True)
    last_error = serializers.CharField()
    delivered_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()


class WebhookDeliveryDetailSerializer(WebhookDeliverySerializer):
    payload = serializers.JSONField(source="event.payload")
    attempt_log = DeliveryAttemptSerializer(many=True, source="attempt_log.all")


class ReplayInputSerializer(serializers.Serializer):
    reason = serializers.CharField(
        max_length=200, required=False, allow_blank=True, help_text="Why (kept in the audit)"
    )


class PortalTaskSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    partner = serializers.IntegerField(source="partner_id")
    partner_name = serializers.CharField(source="partner.name")
    text = serializers.CharField()
    work_order = serializers.CharField(source="work_order.number", allow_null=True, default=None)
    status = EnumField(PortalTaskStatus)
    reference = serializers.CharField()
    done_by = serializers.CharField(source="done_by.username", allow_null=True, default=None)
    done_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()


class PortalTaskDoneInputSerializer(serializers.Serializer):
    reference = serializers.CharField(max_length=100, allow_blank=True)


class PartnerLinkSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    partner = serializers.IntegerField(source="partner_id")
    work_order = serializers.CharField(source="work_order.number")
    work_order_id = serializers.IntegerField()
    external_reference = serializers.CharField()
    created_at = serializers.DateTimeField()


class PartnerLinkCreateInputSerializer(serializers.Serializer):
    partner = serializers.IntegerField(help_text="The partner's id")
    work_order = serializers.IntegerField(help_text="The work order's id")
    external_reference = serializers.CharField(max_length=100, required=False, allow_blank=True)


class InboundInputSerializer(serializers.Serializer):
    """The envelope a partner sends (documented; the service validates it)."""

    event_id = serializers.CharField(max_length=100, help_text="Your event's id (idempotency)")
    type = serializers.CharField(max_length=60, help_text="e.g. `workorder.note`")
    occurred_at = serializers.DateTimeField(required=False)
    data = serializers.JSONField(
        required=False,
        help_text="For workorder.note: {work_order: our number, or reference: yours, text}",
    )


class InboundResultSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    event_id = serializers.CharField()
    status = EnumField(InboundStatus, required=False)
    work_order = serializers.CharField(required=False)
