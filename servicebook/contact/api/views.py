"""The contact API: interactions, answering-service messages, the metrics contract and the
caller-ID screen pop the PBX calls.

The screen pop is not a user's request: the phone system authenticates with its own token
(header `X-PBX-Token`, or `token` in the body for PBXs that cannot set headers), never a
session, and its role-free permission is the token alone.
"""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from servicebook.core.api.schema import OpenApiTypes, responses
from servicebook.core.api.viewsets import ServiceViewSet
from servicebook.users.roles import Cap

from .. import metrics, services
from ..filtersets import InteractionFilterSet
from ..selectors import interactions_visible_to, pop_accounts
from . import serializers as s


@extend_schema_view(
    list=extend_schema(summary="List interactions"),
    retrieve=extend_schema(summary="One interaction with its timings"),
)
class InteractionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ServiceViewSet):
    """Contacts on every channel with their timings, agent, account, case and disposition."""

    serializer_class = s.InteractionSerializer
    capabilities = {"list": Cap.CONTACT_AGENT, "retrieve": Cap.CONTACT_AGENT}
    filterset_class = InteractionFilterSet
    ordering_fields = ["created_at", "counted_on", "handle_seconds"]
    ordering = ["-created_at"]

    def get_queryset(self):
        return (
            interactions_visible_to(self.request.user)
            .select_related("agent", "disposition", "case")
            .order_by("-created_at", "-id")
        )


class AnsweringMessageViewSet(ServiceViewSet):
    """Answering-service messages: each becomes a callback case (or waits to be matched)."""

    capabilities = {"create": Cap.CONTACT_AGENT}
    serializer_class = s.AnsweringMessageSerializer

    @extend_schema(
        summary="Receive an answering-service message (queued as a callback case)",
        request=s.AnsweringMessageInputSerializer,
        responses=responses(
            {201: s.AnsweringMessageSerializer, 200: s.AnsweringMessageSerializer}, 400
        ),
    )
    def create(self, request):
        data = self.parse(s.AnsweringMessageInputSerializer)
        message = services.AnsweringMessage(
            message_id=data["message_id"],
            received_at=data.get("received_at") or timezone.now(),
            caller_name=data.get("caller_name", ""),
            callback_number=data.get("callback_number", ""),
            account_number=data.get("account_number", ""),
            body=data.get("body", ""),
        )
        interaction, created = services.answering_message_receive(
            message=message, source="api", actor=request.user
        )
        body = {
            "interaction": interaction,
            "created": created,
            "case": interaction.case.number if interaction.case_id else None,
        }
        return self.render(
            body,
            s.AnsweringMessageSerializer,
            status_code=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class MetricsViewSet(ServiceViewSet):
    """Agent, team or day metrics for a period (the contract: counts, durations in
    seconds, shares in percent)."""

    capabilities = {"list": Cap.CONTACT_SUPERVISE}
    serializer_class = s.MetricsSerializer
    pagination_class = None
    filter_backends: list = []

    @extend_schema(
        summary="Contact-centre metrics per agent, team or day",
        parameters=[
            OpenApiParameter(
                "from", OpenApiTypes.DATE, required=True, description="First day (YYYY-MM-DD)"
            ),
            OpenApiParameter(
                "to", OpenApiTypes.DATE, required=True, description="Last day, included"
            ),
            OpenApiParameter(
                "group_by",
                str,
                enum=list(metrics.GROUPS),
                description="agent (default), team or day",
            ),
            OpenApiParameter(
                "agent",
                OpenApiTypes.INT,
                required=False,
                description="Only this agent's figures (user id), e.g. by day over time",
            ),
        ],
        responses=responses({200: s.MetricsSerializer}, 400),
    )
    def list(self, request):
        query = self.parse(s.MetricsQuerySerializer, data=request.query_params)
        result = metrics.metrics_for_period(
            user=request.user,
            start=query["from"],
            end=query["to"],
            group_by=query["group_by"],
            agent_id=query.get("agent"),
        )
        body = {
            "start": result.start,
            "end": result.end,
            "group_by": result.group_by,
            "service_level_seconds": result.service_level_seconds,
            "fcr_days": result.fcr_days,
            "rows": result.rows,
            "total": result.total,
            "definitions": [{"term": t, "definition": d} for t, d in metrics.definitions()],
        }
        return Response(s.MetricsSerializer(body).data)


@extend_schema_view(list=extend_schema(operation_id="contact_metrics_contract"))
class MetricsContractView(MetricsViewSet):
    """The same metrics at the contract's path, without the trailing slash."""


class PbxTokenPermission(BasePermission):
    """The request carries the token of an active PBX."""

    message = "Unknown or inactive PBX token."

    def has_permission(self, request, view) -> bool:
        token = request.headers.get("X-PBX-Token") or (
            request.data.get("token") if hasattr(request.data, "get") else None
        )
        pbx = services.pbx_authenticate(token if isinstance(token, str) else "")
        request.pbx = pbx
        return pbx is not None


class ScreenPopView(APIView):
    """Caller-ID screen pop: the PBX calls this when a call rings at an agent's extension.
    Answers the accounts the caller's number belongs to and offers them on the agent's
    console (which polls for it)."""

    authentication_classes: list = []
    permission_classes = [PbxTokenPermission]

    @extend_schema(
        summary="Screen pop: a call is ringing at an agent (PBX token, not a session)",
        request=s.ScreenPopInputSerializer,
        responses=responses({200: s.ScreenPopSerializer}, 400),
        auth=[],
    )
    def post(self, request):
        serializer = s.ScreenPopInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        pop = services.screen_pop_receive(
            pbx=request.pbx,
            caller=data["caller"],
            extension=data["extension"],
            call_id=data.get("call_id", ""),
            queue_name=data.get("queue", ""),
        )
        accounts = pop_accounts(user=pop.agent, pop=pop) if pop.agent else []
        body = {
            "pk": pop.pk,
            "agent": pop.agent,
            "caller_number": pop.caller_number,
            "accounts": [
                {
                    "id": a.pk,
                    "number": a.number,
                    "name": a.customer.display_name,
                    "status": a.status,
                }
                for a in accounts
            ],
        }
        return Response(s.ScreenPopSerializer(body).data)
