"""The quotes API: customer quotes (list, create, detail, lines, send, revise) and
subcontractor quotes (submit, list, detail, approve, reject), partner requests (list,
detail, send, status). The customer answers through
the link pages, not the API. Each action parses, calls one service with
`actor=request.user` and renders; a refused state is a 409 from the service."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action

from servicebook.billing.models import CatalogItem
from servicebook.core.api.schema import responses
from servicebook.core.api.viewsets import ServiceViewSet
from servicebook.core.errors import ValidationFailed
from servicebook.core.permissions import has_capability
from servicebook.customers.selectors import account_get
from servicebook.scheduling.models import Subcontractor
from servicebook.users.roles import Cap

from .. import partner, selectors, services, subcontract
from ..choices import PartnerRequestStatus
from . import serializers as s


class QuoteViewSet(mixins.ListModelMixin, ServiceViewSet):
    """Customer quotes with their options and lines."""

    serializer_class = s.QuoteSerializer
    capabilities = {
        "list": Cap.QUOTES_VIEW,
        "retrieve": Cap.QUOTES_VIEW,
        "create": Cap.QUOTES_EDIT,
        "lines": Cap.QUOTES_EDIT,
        "send": Cap.QUOTES_EDIT,
        "revise": Cap.QUOTES_EDIT,
    }

    def check_permissions(self, request):
        """Customer quotes are account data: besides the action's capability the caller
        needs accounts.view (subcontractors hold quotes.view for their own quotes only)."""
        super().check_permissions(request)
        if not has_capability(request.user, Cap.ACCOUNTS_VIEW):
            self.permission_denied(request, message="Your role does not allow this.")

    def get_queryset(self):
        status_ = self.request.query_params.get("status", "")
        return selectors.quote_list(user=self.request.user, status=status_)

    def _detail(self, pk: int, code: int = status.HTTP_200_OK):
        quote = selectors.quote_get(user=self.request.user, pk=pk)
        return self.render(quote, s.QuoteDetailSerializer, status_code=code)

    @extend_schema(
        summary="A quote with its options and priced lines",
        responses=responses({200: s.QuoteDetailSerializer}, 404),
    )
    def retrieve(self, request, pk):
        return self._detail(pk)

    @extend_schema(
        summary="Open a draft quote on an account (options: good / better / best)",
        request=s.QuoteCreateSerializer,
        responses=responses({201: s.QuoteDetailSerializer}, 400),
    )
    def create(self, request):
        data = self.parse(s.QuoteCreateSerializer)
        try:
            account = account_get(user=request.user, pk=data.pop("account"))
        except Http404 as exc:
            raise ValidationFailed({"account": ["No such account."]}) from exc
        if "options" in data:
            data["options"] = data["options"] or ["Standard"]
        quote = services.quote_create(account=account, actor=request.user, **data)
        return self._detail(quote.pk, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Add a catalog item to an option of a draft, priced for the account",
        request=s.QuoteLineInputSerializer,
        responses=responses({201: s.QuoteDetailSerializer}, 400, 404, 409),
    )
    @action(detail=True, methods=["post"])
    def lines(self, request, pk):
        quote = self.get_object()
        data = self.parse(s.QuoteLineInputSerializer)
        options = quote.options.all()
        option = (
            options.filter(pk=data["option"]).first() if data.get("option") else options.first()
        )
        if option is None:
            raise ValidationFailed({"option": ["Not an option of this quote."]})
        item = CatalogItem.objects.filter(pk=data["catalog_item"]).first()
        if item is None:
            raise ValidationFailed({"catalog_item": ["No such catalog item."]})
        services.quote_line_add(
            option=option,
            catalog_item=item,
            quantity=data["quantity"],
            description=data.get("description", ""),
            actor=request.user,
        )
        return self._detail(quote.pk, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Send the quote: PDF and a one-use answer link by email, quote.sent published",
        request=s.QuoteSendSerializer,
        responses=responses({200: s.QuoteDetailSerializer}, 400, 404, 409),
    )
    @action(detail=True, methods=["post"])
    def send(self, request, pk):
        quote = self.get_object()
        data = self.parse(s.QuoteSendSerializer)
        services.quote_send(
            quote=quote,
            to_email=data.get("to_email", ""),
            base_url=request.build_absolute_uri("/"),
            actor=request.user,
        )
        return self._detail(quote.pk)

    @extend_schema(
        summary="Open a new revision (the current one is kept as history)",
        request=OpenApiTypes.OBJECT,
        responses=responses({201: s.QuoteDetailSerializer}, 404, 409),
    )
    @action(detail=True, methods=["post"])
    def revise(self, request, pk):
        quote = self.get_object()
        self.parse(s.EmptyInputSerializer)
        new = services.quote_revise(quote=quote, actor=request.user)
        return self._detail(new.pk, status.HTTP_201_CREATED)


class SubcontractorQuoteViewSet(mixins.ListModelMixin, ServiceViewSet):
    """Subcontractor quotes: submitted by the subcontractor (own jobs) or staff, approved
    within the approver's limit (escalated above it) or rejected with a reason."""

    serializer_class = s.SubQuoteSerializer
    capabilities = {
        "list": Cap.QUOTES_VIEW,
        "retrieve": Cap.QUOTES_VIEW,
        "create": Cap.QUOTES_SUBMIT,
        "approve": Cap.QUOTES_APPROVE,
        "reject": Cap.QUOTES_APPROVE,
        "purchase_order": Cap.INVENTORY_PURCHASE,
    }

    def get_queryset(self):
        status_ = self.request.query_params.get("status", "")
        return selectors.subquote_queue(user=self.request.user, status=status_).prefetch_related(
            "lines"
        )

    @extend_schema(
        summary="A subcontractor quote", responses=responses({200: s.SubQuoteSerializer}, 404)
    )
    def retrieve(self, request, pk):
        return self.render(selectors.subquote_get(user=request.user, pk=pk))

    @extend_schema(
        summary="Submit a subcontractor quote on a work order (lines, or one amount)",
        request=s.SubQuoteSubmitSerializer,
        responses=responses({201: s.SubQuoteSerializer}, 400),
    )
    def create(self, request):
        data = self.parse(s.SubQuoteSubmitSerializer)
        work_order = (
            selectors.work_orders_quotable_by(request.user).filter(pk=data["work_order"]).first()
        )
        if work_order is None:
            raise ValidationFailed({"work_order": ["No such work order among your jobs."]})
        company = None
        if data.get("subcontractor"):
            company = Subcontractor.objects.filter(pk=data["subcontractor"]).first()
            if company is None:
                raise ValidationFailed({"subcontractor": ["No such subcontractor."]})
        quote = subcontract.subquote_submit(
            work_order=work_order,
            subcontractor=company,
            lines=[dict(x) for x in data.get("lines") or []],
            amount=data.get("amount"),
            notes=data.get("notes", ""),
            actor=request.user,
        )
        return self.render(quote, status_code=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Approve within your limit (raises the purchase order) or escalate above it",
        request=s.ApproveSerializer,
        responses=responses({200: s.SubQuoteSerializer}, 400, 404, 409),
    )
    @action(detail=True, methods=["post"])
    def approve(self, request, pk):
        quote = get_object_or_404(self.get_queryset(), pk=pk)
        data = self.parse(s.ApproveSerializer)
        quote = subcontract.subquote_approve(
            quote=quote, note=data.get("note", ""), actor=request.user
        )
        return self.render(selectors.subquote_get(user=request.user, pk=quote.pk))

    @extend_schema(
        summary="Reject with a reason",
        request=s.RejectSerializer,
        responses=responses({200: s.SubQuoteSerializer}, 400, 404, 409),
    )
    @action(detail=True, methods=["post"])
    def reject(self, request, pk):
        quote = get_object_or_404(self.get_queryset(), pk=pk)
        data = self.parse(s.RejectSerializer)
        quote = subcontract.subquote_reject(quote=quote, reason=data["reason"], actor=request.user)
        return self.render(selectors.subquote_get(user=request.user, pk=quote.pk))

    @extend_schema(
        summary="Raise the purchase order of a quote a coordinator approved",
        request=OpenApiTypes.OBJECT,
        responses=responses({200: s.SubQuoteSerializer}, 404, 409),
    )
    @action(detail=True, methods=["post"], url_path="purchase-order")
    def purchase_order(self, request, pk):
        quote = get_object_or_404(self.get_queryset(), pk=pk)
        self.parse(s.EmptyInputSerializer)
        quote = subcontract.subquote_raise_purchase_order(quote=quote, actor=request.user)
        return self.render(selectors.subquote_get(user=request.user, pk=quote.pk))


@extend_schema_view(
    list=extend_schema(
        summary="Requests to partners, newest first, each with is_overdue",
        parameters=[
            OpenApiParameter("status", enum=PartnerRequestStatus.values),
            OpenApiParameter("partner", int, description="A partner's id"),
            OpenApiParameter(
                "overdue",
                bool,
                description="Only open requests with no move for PARTNER_REQUEST_OVERDUE_DAYS",
            ),
        ],
    )
)
class PartnerRequestViewSet(mixins.ListModelMixin, ServiceViewSet):
    """Out-of-scope work sent to the partner that owns it, with its status history; staff
    record the partner's answers (the partner itself answers through the inbound API)."""

    serializer_class = s.PartnerRequestSerializer
    capabilities = {
        "list": Cap.QUOTES_VIEW,
        "retrieve": Cap.QUOTES_VIEW,
        "create": Cap.QUOTES_EDIT,
        "set_status": Cap.QUOTES_EDIT,
    }

    def check_permissions(self, request):
        """Partner requests are account data: accounts.view besides the action's capability
        (subcontractors hold quotes.view for their own quotes only)."""
        super().check_permissions(request)
        if not has_capability(request.user, Cap.ACCOUNTS_VIEW):
            self.permission_denied(request, message="Your role does not allow this.")

    def get_queryset(self):
        params = self.request.query_params
        status_ = params.get("status", "")
        raw = params.get("partner", "")
        # A non-number (or an absurdly long one) filters nothing rather than failing.
        partner_id = int(raw) if raw.isdigit() and len(raw) < 10 else None
        return selectors.partner_request_list(
            user=self.request.user,
            status=status_ if status_ in PartnerRequestStatus.values else "",
            partner_id=partner_id,
            overdue=params.get("overdue", "").lower() in ("1", "true"),
        )

    def _detail(self, pk: int, code: int = status.HTTP_200_OK):
        pr = selectors.partner_request_get(user=self.request.user, pk=pk)
        return self.render(pr, s.PartnerRequestDetailSerializer, status_code=code)

    @extend_schema(
        summary="A partner request with its history",
        responses=responses({200: s.PartnerRequestDetailSerializer}, 404),
    )
    def retrieve(self, request, pk):
        return self._detail(pk)

    @extend_schema(
        summary="Send a request to a partner (signed webhook or portal task)",
        request=s.PartnerRequestCreateSerializer,
        responses=responses({201: s.PartnerRequestDetailSerializer}, 400),
    )
    def create(self, request):
        from servicebook.integrations.models import Partner
        from servicebook.workorders.selectors import workorders_visible_to

        data = self.parse(s.PartnerRequestCreateSerializer)
        work_order = None
        if data.get("work_order") is not None:
            work_order = workorders_visible_to(request.user).filter(pk=data["work_order"]).first()
            if work_order is None:
                raise ValidationFailed({"work_order": ["No such work order."]})
        account_pk = data.get("account") or (work_order.account_id if work_order else None)
        if account_pk is None:
            raise ValidationFailed({"account": ["Give the account or a work order."]})
        try:
            account = account_get(user=request.user, pk=account_pk)
        except Http404 as exc:
            raise ValidationFailed({"account": ["No such account."]}) from exc
        quote = None
        if data.get("quote") is not None:
            quote = selectors.quotes_visible_to(request.user).filter(pk=data["quote"]).first()
            if quote is None:
                raise ValidationFailed({"quote": ["No such quote."]})
        company = Partner.objects.filter(pk=data["partner"]).first()
        if company is None:
            raise ValidationFailed({"partner": ["No such partner."]})
        pr = partner.partner_request_send(
            account=account,
            work_order=work_order,
            case=work_order.case if work_order else None,
            quote=quote,
            partner=company,
            summary=data["summary"],
            description=data.get("description", ""),
            amount=data.get("amount"),
            notify_customer=data["notify_customer"],
            actor=request.user,
        )
        return self._detail(pr.pk, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Record the partner's answer or cancel (a move the status forbids is 409)",
        request=s.PartnerRequestStatusSerializer,
        responses=responses({200: s.PartnerRequestDetailSerializer}, 400, 404, 409),
    )
    @action(detail=True, methods=["post"], url_path="status", url_name="status")
    def set_status(self, request, pk):
        pr = self.get_object()
        data = self.parse(s.PartnerRequestStatusSerializer)
        partner.partner_request_transition(
            request=pr,
            status=data["status"],
            note=data.get("note", ""),
            reference=data.get("reference", ""),
            actor=request.user,
        )
        return self._detail(pr.pk)
