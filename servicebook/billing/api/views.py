"""The billing API: the catalog, invoices (draft, lines, issue, credit notes, PDF, email),
bill runs, and the account 360 view's money sections.

Each action parses with an input serializer, calls one billing service with
`actor=request.user` and renders the result. What the invoice's state does not allow is a
409 from the service and changes nothing.
"""

from __future__ import annotations

from django.http import HttpResponse
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action

from servicebook.core.api.schema import responses
from servicebook.core.api.viewsets import ServiceViewSet
from servicebook.core.errors import ValidationFailed
from servicebook.customers.selectors import account_get
from servicebook.users.roles import Cap

from .. import documents, selectors, services
from ..billrun import bill_run_start
from ..filtersets import InvoiceFilterSet
from ..models import TaxCode
from . import serializers as s

VIEW, EDIT, ISSUE, CREDIT = (
    Cap.BILLING_VIEW,
    Cap.BILLING_EDIT,
    Cap.BILLING_ISSUE,
    Cap.BILLING_CREDIT,
)


class TaxCodeViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ServiceViewSet):
    """Tax codes (their rates are kept in the admin)."""

    serializer_class = s.TaxCodeSerializer
    capabilities = {"list": VIEW, "retrieve": VIEW}
    queryset = TaxCode.objects.order_by("code")


class CatalogItemViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ServiceViewSet):
    """Products and services with their prices, tax codes and revenue accounts."""

    serializer_class = s.CatalogItemSerializer
    capabilities = {
        "list": VIEW,
        "retrieve": VIEW,
        "create": Cap.BILLING_CATALOG,
        "partial_update": Cap.BILLING_CATALOG,
    }

    def get_queryset(self):
        return selectors.catalog_items(user=self.request.user).order_by("code")

    @extend_schema(
        summary="Add an item to the catalog",
        request=s.CatalogItemInputSerializer,
        responses=responses({201: s.CatalogItemSerializer}, 400),
    )
    def create(self, request):
        data = self.parse(s.CatalogItemInputSerializer)
        item = services.catalog_item_create(actor=request.user, **data)
        return self.render(item, status_code=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Change an item's name, unit, price, tax code, revenue account or active flag",
        request=s.CatalogItemUpdateSerializer,
        responses=responses({200: s.CatalogItemSerializer}, 400, 404),
    )
    def partial_update(self, request, pk):
        item = self.get_object()
        data = self.parse(s.CatalogItemUpdateSerializer)
        return self.render(services.catalog_item_update(item=item, actor=request.user, **data))


class InvoiceViewSet(mixins.ListModelMixin, ServiceViewSet):
    """Invoices: drafts, lines, issuing, credit notes, the PDF and email."""

    serializer_class = s.InvoiceSerializer
    filterset_class = InvoiceFilterSet
    filter_backends = [DjangoFilterBackend]
    capabilities = {
        "list": VIEW,
        "retrieve": VIEW,
        "create": EDIT,
        "lines": EDIT,
        "issue": ISSUE,
        "credit_notes": CREDIT,
        "pdf": VIEW,
        "send": Cap.BILLING_SEND,
    }

    def get_queryset(self):
        return selectors.invoices_visible_to(self.request.user).order_by("-issued_on", "-id")

    def _detail(self, pk: int, status_code: int = status.HTTP_200_OK):
        invoice = selectors.invoice_detail(user=self.request.user, pk=pk)
        return self.render(invoice, s.InvoiceDetailSerializer, status_code=status_code)

    @extend_schema(
        summary="An invoice with its lines and credit notes",
        responses=responses({200: s.InvoiceDetailSerializer}, 404),
    )
    def retrieve(self, request, pk):
        return self._detail(pk)

    @extend_schema(
        summary="Open a draft invoice on an account",
        request=s.InvoiceCreateSerializer,
        responses=responses({201: s.InvoiceDetailSerializer}, 400),
    )
    def create(self, request):
        data = self.parse(s.InvoiceCreateSerializer)
        try:
            account = account_get(user=request.user, pk=data["account"])
        except Exception as exc:  # Http404: an account the caller cannot see
            raise ValidationFailed({"account": ["No such account."]}) from exc
        invoice = services.invoice_create_draft(
            account=account, memo=data["memo"], actor=request.user
        )
        return self._detail(invoice.pk, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Add a line to a draft (from the catalog or free-form)",
        request=s.InvoiceLineInputSerializer,
        responses=responses({201: s.InvoiceDetailSerializer}, 400, 404, 409),
    )
    @action(detail=True, methods=["post"])
    def lines(self, request, pk):
        invoice = self.get_object()
        data = self.parse(s.InvoiceLineInputSerializer)
        services.invoice_line_add(invoice=invoice, actor=request.user, **data)
        return self._detail(invoice.pk, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Issue a draft: number it, post it to the ledger, open its debit item",
        request=s.IssueInputSerializer,
        responses=responses({200: s.InvoiceDetailSerializer}, 400, 404, 409),
    )
    @action(detail=True, methods=["post"])
    def issue(self, request, pk):
        invoice = self.get_object()
        data = self.parse(s.IssueInputSerializer)
        services.invoice_issue(invoice=invoice, issued_on=data.get("issued_on"), actor=request.user)
        return self._detail(invoice.pk)

    @extend_schema(
        summary="Credit all (void) or part of an issued invoice",
        request=s.CreditNoteInputSerializer,
        responses=responses({201: s.CreditNoteSerializer}, 400, 404, 409),
    )
    @action(detail=True, methods=["post"], url_path="credit-notes")
    def credit_notes(self, request, pk):
        invoice = self.get_object()
        data = self.parse(s.CreditNoteInputSerializer)
        lines = None
        if data.get("lines"):
            by_id = {line.pk: line for line in invoice.lines.all()}
            missing = [x["line"] for x in data["lines"] if x["line"] not in by_id]
            if missing:
                raise ValidationFailed({"lines": [f"Line {missing[0]} is not on this invoice."]})
            lines = [services.CreditLineInput(by_id[x["line"]], x["amount"]) for x in data["lines"]]
        note = services.credit_note_create(
            invoice=invoice,
            reason=data["reason"],
            lines=lines,
            void=data["void"],
            actor=request.user,
        )
        return self.render(note, s.CreditNoteSerializer, status_code=status.HTTP_201_CREATED)

    @extend_schema(
        summary="The invoice as PDF",
        responses={
            (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY),
            **responses({}, 404),
        },
    )
    @action(detail=True, methods=["get"])
    def pdf(self, request, pk):
        invoice = self.get_object()
        response = HttpResponse(documents.invoice_pdf(invoice), content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="{invoice.number or invoice.pk}.pdf"'
        return response

    @extend_schema(
        summary="Email the invoice (PDF attached) after commit, with retries",
        request=s.SendInputSerializer,
        responses=responses({202: s.DeliverySerializer}, 400, 404),
    )
    @action(detail=True, methods=["post"])
    def send(self, request, pk):
        invoice = self.get_object()
        data = self.parse(s.SendInputSerializer)
        delivery = documents.invoice_send(
            invoice=invoice, to_email=data["to_email"], actor=request.user
        )
        return self.render(delivery, s.DeliverySerializer, status_code=status.HTTP_202_ACCEPTED)


class BillRunViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ServiceViewSet):
    """Bill runs: start (or resume) a cycle's month; a worker bills it in the background."""

    serializer_class = s.BillRunSerializer
    capabilities = {"list": VIEW, "retrieve": VIEW, "create": Cap.BILLING_RUN}

    def get_queryset(self):
        return selectors.bill_runs(user=self.request.user)

    @extend_schema(
        summary="Start or resume the bill run of a cycle and month",
        request=s.BillRunStartSerializer,
        responses=responses({202: s.BillRunSerializer}, 400),
    )
    def create(self, request):
        from ..tasks import bill_run_task

        data = self.parse(s.BillRunStartSerializer)
        run = bill_run_start(
            cycle=data["cycle"],
            period=data["period"],
            issued_on=data.get("issued_on"),
            actor=request.user,
        )
        bill_run_task.enqueue(run.pk, request.user.pk)
        return self.render(run, status_code=status.HTTP_202_ACCEPTED)


# --- The account 360 view's sections (customers.api.extensions) ----------------------------------


def account_balance(*, request, account):
    money = selectors.account_money(account)
    return {
        "balance": money.balance,
        "past_due": money.past_due,
        "deposits_held": money.deposits_held,
        "disputed": money.disputed,
    }


def account_aging(*, request, account):
    from servicebook.ledger.selectors import account_aging as ledger_aging

    aging = ledger_aging(account)
    return {
        "as_of": aging.as_of,
        "basis": "due_date",
        "buckets": [{"label": k, "amount": v} for k, v in aging.buckets.items()],
        "total": aging.total,
        "disputed": aging.disputed,
    }


def account_open_invoices(*, request, account):
    return selectors.open_invoices(account)
