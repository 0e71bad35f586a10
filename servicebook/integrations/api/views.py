"""The integrations API: partners, the delivery log (with replay), portal tasks, work-order
links, and the inbound endpoint partners call with their token."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from servicebook.core.api.schema import responses
from servicebook.core.api.viewsets import ServiceViewSet
from servicebook.core.errors import ValidationFailed
from servicebook.users.roles import Cap
from servicebook.workorders.selectors import workorders_visible_to

from .. import selectors, services
from ..filtersets import DeliveryFilterSet, PortalTaskFilterSet
from ..inbound import inbound_receive
from ..models import Partner
from . import serializers as s
from .auth import HasPartnerToken, PartnerTokenAuthentication

VIEW, TASKS = Cap.INTEGRATIONS_VIEW, Cap.INTEGRATIONS_TASKS


@extend_schema_view(
    list=extend_schema(summary="List partners"),
    retrieve=extend_schema(
        summary="A partner with its endpoints (never their secrets)",
        responses=responses({200: s.PartnerDetailSerializer}, 404),
    ),
)
class PartnerViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ServiceViewSet):
    """Partners and how they are kept up to date."""

    serializer_class = s.PartnerSerializer
    capabilities = {"list": VIEW, "retrieve": VIEW}
    filter_backends: list = []

    def get_queryset(self):
        return selectors.partners_visible_to(self.request.user)

    def retrieve(self, request, pk):
        return self.render(self.get_object(), s.PartnerDetailSerializer)


@extend_schema_view(list=extend_schema(summary="The webhook delivery log, newest first"))
class DeliveryViewSet(mixins.ListModelMixin, ServiceViewSet):
    """Deliveries of events to endpoints, their attempts, and replay by hand."""

    serializer_class = s.WebhookDeliverySerializer
    capabilities = {"list": VIEW, "retrieve": VIEW, "replay": TASKS}
    filterset_class = DeliveryFilterSet
    ordering_fields = ["created_at", "next_attempt_at"]
    ordering = ["-created_at"]

    def get_queryset(self):
        return selectors.deliveries_visible_to(self.request.user).order_by("-created_at", "-id")

    @extend_schema(
        summary="A delivery with its payload and every attempt",
        responses=responses({200: s.WebhookDeliveryDetailSerializer}, 404),
    )
    def retrieve(self, request, pk):
        return self.render(self.get_object(), s.WebhookDeliveryDetailSerializer)

    @extend_schema(
        summary="Replay by hand: send a delivered or dead delivery again now",
        description="A new attempt with the same event id (the receiver can drop a "
        "duplicate). A failed replay leaves the delivery as it was; the answer shows the "
        "delivery with the new attempt.",
        request=s.ReplayInputSerializer,
        responses=responses({200: s.WebhookDeliveryDetailSerializer}, 400, 404, 409),
    )
    @action(detail=True, methods=["post"])
    def replay(self, request, pk):
        delivery = self.get_object()
        data = self.parse(s.ReplayInputSerializer)
        services.delivery_replay(delivery=delivery, actor=request.user, **data)
        return self.render(self.get_object(), s.WebhookDeliveryDetailSerializer)


@extend_schema_view(list=extend_schema(summary="Portal tasks (filter by status, partner)"))
class PortalTaskViewSet(mixins.ListModelMixin, ServiceViewSet):
    """Updates to make by hand on partners' portals."""

    serializer_class = s.PortalTaskSerializer
    capabilities = {"list": TASKS, "done": TASKS}
    filterset_class = PortalTaskFilterSet
    ordering_fields = ["created_at"]
    ordering = ["created_at"]

    def get_queryset(self):
        return selectors.portal_tasks_visible_to(self.request.user).order_by("created_at", "id")

    @extend_schema(
        summary="Tick a portal task off with the reference the portal gave (required)",
        request=s.PortalTaskDoneInputSerializer,
        responses=responses({200: s.PortalTaskSerializer}, 400, 404, 409),
    )
    @action(detail=True, methods=["post"])
    def done(self, request, pk):
        task = self.get_object()
        data = self.parse(s.PortalTaskDoneInputSerializer)
        task = services.portal_task_done(task=task, reference=data["reference"], actor=request.user)
        return self.render(task)


@extend_schema_view(list=extend_schema(summary="Links between partners and work orders"))
class LinkViewSet(mixins.ListModelMixin, ServiceViewSet):
    """Which partners hear about which work orders."""

    serializer_class = s.PartnerLinkSerializer
    capabilities = {"list": VIEW, "create": TASKS}
    filter_backends: list = []

    def get_queryset(self):
        return selectors.links_visible_to(self.request.user).order_by("-created_at", "-id")

    @extend_schema(
        summary="Link a partner to a work order (its events then go to the partner)",
        request=s.PartnerLinkCreateInputSerializer,
        responses=responses({201: s.PartnerLinkSerializer}, 400, 409),
    )
    def create(self, request):
        data = self.parse(s.PartnerLinkCreateInputSerializer)
        partner = Partner.objects.filter(pk=data["partner"]).first()
        if partner is None:
            raise ValidationFailed({"partner": ["No such partner."]})
        order = workorders_visible_to(request.user).filter(pk=data["work_order"]).first()
        if order is None:
            raise ValidationFailed({"work_order": ["No such work order."]})
        link = services.link_create(
            partner=partner,
            work_order=order,
            external_reference=data.get("external_reference", ""),
            actor=request.user,
        )
        return self.render(link, status_code=status.HTTP_201_CREATED)


class InboundView(APIView):
    """A partner's update (their token, not a user). Idempotent on their event id."""

    authentication_classes = [PartnerTokenAuthentication]
    permission_classes = [HasPartnerToken]

    @extend_schema(
        summary="Inbound partner event (partner token; idempotent on event_id)",
        description="Known types: `workorder.note`. A replay with the same event id and "
        "body answers the first result again (header `Idempotent-Replayed: true`); the same "
        "id with another body is 409; an unknown type is stored and answered 422.",
        request=s.InboundInputSerializer,
        responses=responses(
            {201: s.InboundResultSerializer, 200: s.InboundResultSerializer}, 400, 409
        ),
    )
    def post(self, request):
        event, replayed = inbound_receive(token=request.auth, body=request.data)
        response = Response(event.response_body, status=event.response_status)
        if replayed:
            response["Idempotent-Replayed"] = "true"
        return response
