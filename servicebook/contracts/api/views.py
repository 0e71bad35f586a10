"""The contracts API: contracts (list, create, detail) and the coverage decision of a work
order (`GET /api/contracts/coverage/<work order id>/`). Each action parses, calls one
service or selector with the user, and renders."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action

from servicebook.core.api.schema import responses
from servicebook.core.api.viewsets import ServiceViewSet
from servicebook.core.errors import ValidationFailed
from servicebook.customers.selectors import account_get
from servicebook.users.roles import Cap
from servicebook.workorders.selectors import workorder_get

from .. import selectors, services
from ..choices import ContractStatus
from ..coverage import coverage_decision
from . import serializers as s


class ContractViewSet(mixins.ListModelMixin, ServiceViewSet):
    """Service contracts with their coverage and customer POs."""

    serializer_class = s.ContractSerializer
    capabilities = {
        "list": Cap.CONTRACTS_VIEW,
        "retrieve": Cap.CONTRACTS_VIEW,
        "create": Cap.CONTRACTS_MANAGE,
        "coverage": Cap.CONTRACTS_VIEW,
    }

    def get_queryset(self):
        status_ = self.request.query_params.get("status", "")
        if status_ not in ContractStatus.values:
            status_ = ""
        return selectors.contract_list(user=self.request.user, status=status_)

    @extend_schema(
        summary="A contract with its coverage lines and customer POs",
        responses=responses({200: s.ContractDetailSerializer}, 404),
    )
    def retrieve(self, request, pk):
        return self.render(
            selectors.contract_get(user=request.user, pk=pk), s.ContractDetailSerializer
        )

    @extend_schema(
        summary="Write a draft contract on an account",
        request=s.ContractCreateSerializer,
        responses=responses({201: s.ContractDetailSerializer}, 400),
    )
    def create(self, request):
        data = self.parse(s.ContractCreateSerializer)
        try:
            account = account_get(user=request.user, pk=data.pop("account"))
        except Http404 as exc:
            raise ValidationFailed({"account": ["No such account."]}) from exc
        contract = services.contract_create(account=account, actor=request.user, **data)
        return self.render(
            contract, s.ContractDetailSerializer, status_code=status.HTTP_201_CREATED
        )

    @extend_schema(
        summary="The coverage decision of a work order",
        parameters=[OpenApiParameter("work_order", OpenApiTypes.INT, OpenApiParameter.PATH)],
        responses=responses({200: s.DecisionSerializer}, 404),
    )
    @action(detail=False, methods=["get"], url_path="coverage/<int:work_order>")
    def coverage(self, request, work_order: int):
        order = workorder_get(user=request.user, pk=work_order)
        return self.render(coverage_decision(work_order=order), s.DecisionSerializer)
