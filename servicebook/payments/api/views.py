"""The payments API: payments, refunds, adjustments, transfers, deposits, disputes, cards
and bank accounts (as tokens), bank files and their exception queue.

Every request that moves money carries an `Idempotency-Key` header (payments.idempotency):
the first reply is stored and replayed for a retry with the same key and body; the same key
with another body is a 409; concurrent duplicates produce one effect.
"""

from __future__ import annotations

from django.utils.decorators import method_decorator
from django.views.decorators.debug import sensitive_variables
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    OpenApiTypes,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.filters import OrderingFilter
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from servicebook.core.api.schema import ConflictBody, responses
from servicebook.core.api.viewsets import ServiceViewSet
from servicebook.core.errors import ValidationFailed
from servicebook.users.roles import Cap

from .. import selectors, services
from ..bankfiles import BankFileInvalid
from ..bankfiles import services as bank
from ..filtersets import (
    AdjustmentFilterSet,
    BankFileItemFilterSet,
    DepositFilterSet,
    DisputeFilterSet,
    PaymentFilterSet,
    RefundFilterSet,
    TransferFilterSet,
)
from ..idempotency import HEADER, idempotent_response
from ..models import AdjustmentReason
from . import serializers as s

VIEW, TAKE = Cap.PAYMENTS_VIEW, Cap.PAYMENTS_TAKE
REFUND, ADJUST = Cap.PAYMENTS_REFUND, Cap.PAYMENTS_ADJUST
TRANSFER, REVERSE = Cap.PAYMENTS_TRANSFER, Cap.PAYMENTS_REVERSE
DEPOSITS, DISPUTE = Cap.PAYMENTS_DEPOSITS, Cap.PAYMENTS_DISPUTE
BANK_FILES = Cap.PAYMENTS_BANK_FILES

IDEMPOTENCY = OpenApiParameter(
    HEADER,
    OpenApiTypes.STR,
    location=OpenApiParameter.HEADER,
    required=True,
    description="A key of your choosing (1-255 printable characters) for this request. A "
    "retry with the same key and body gets the first reply and moves no money again; the "
    "same key with another body is a 409. Keys are yours alone and expire after a day.",
)
MONEY_ERRORS = {
    402: OpenApiResponse(ConflictBody, description="The card or bank declined; nothing posted."),
    503: OpenApiResponse(ConflictBody, description="The gateway did not answer; nothing posted."),
}


def money_responses(ok: dict, *codes: int) -> dict:
    return {**responses(ok, *codes), **MONEY_ERRORS}


class _Listing(mixins.ListModelMixin, ServiceViewSet):
    """List and retrieve through the app's selectors, newest first."""

    filter_backends = [DjangoFilterBackend, OrderingFilter]

    def retrieve(self, request, pk):
        return self.render(self.get_object())


# --- Payments ---------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="List payments"),
    retrieve=extend_schema(
        summary="A payment with what it paid and what came back",
        responses=responses({200: s.PaymentDetailSerializer}, 404),
    ),
)
class PaymentViewSet(_Listing):
    """Payments received: take one, reverse a returned one, reallocate, apply credit."""

    serializer_class = s.PaymentSerializer
    capabilities = {
        "list": VIEW,
        "retrieve": VIEW,
        "create": TAKE,
        "reverse": REVERSE,
        "reallocate": TRANSFER,
        "apply_credit": TAKE,
    }
    filterset_class = PaymentFilterSet
    ordering_fields = ["created_at", "received_on", "amount"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self):
        return selectors.payments_visible_to(self.request.user).select_related(
            "account", "card", "bank_account", "credit_item"
        )

    def _detail(self, pk: int, status_code=status.HTTP_200_OK):
        return self.render(
            selectors.payment_get(user=self.request.user, pk=pk),
            s.PaymentDetailSerializer,
            status_code=status_code,
        )

    def retrieve(self, request, pk):
        # payment_get scopes to what the user may see and 404s otherwise: the same answer
        # get_object() would give, read once instead of twice.
        return self._detail(pk)

    @extend_schema(
        summary="Take a payment (card by token, bank debit, check, cash)",
        parameters=[IDEMPOTENCY],
        request=s.PaymentInputSerializer,
        responses=money_responses({201: s.PaymentDetailSerializer}, 400, 409),
    )
    def create(self, request):
        data = self.parse(s.PaymentInputSerializer)
        allocations = [(a["item"], a["amount"]) for a in data.pop("allocations", [])]

        def run(key):
            payment = services.payment_post(
                idempotency_key=key, actor=request.user, allocations=allocations or None, **data
            )
            return self._detail(payment.pk, status.HTTP_201_CREATED)

        return idempotent_response(request, endpoint="payments.create", run=run)

    @extend_schema(
        summary="Record a returned payment (NSF, chargeback...) with the returned-payment fee",
        parameters=[IDEMPOTENCY],
        request=s.ReverseInputSerializer,
        responses=responses({200: s.PaymentDetailSerializer}, 400, 404, 409),
    )
    @action(detail=True, methods=["post"])
    def reverse(self, request, pk):
        payment = self.get_object()
        data = self.parse(s.ReverseInputSerializer)

        def run(key):
            done = services.payment_reverse(payment=payment, actor=request.user, **data)
            return self._detail(done.pk)

        return idempotent_response(request, endpoint="payments.reverse", run=run)

    @extend_schema(
        summary="Allocate the payment again, as you say",
        parameters=[IDEMPOTENCY],
        request=s.ReallocateInputSerializer,
        responses=responses({200: s.PaymentDetailSerializer}, 400, 404, 409),
    )
    @action(detail=True, methods=["post"])
    def reallocate(self, request, pk):
        payment = self.get_object()
        data = self.parse(s.ReallocateInputSerializer)
        allocations = [(a["item"], a["amount"]) for a in data["allocations"]]

        def run(key):
            done = services.payment_reallocate(
                payment=payment, allocations=allocations, actor=request.user
            )
            return self._detail(done.pk)

        return idempotent_response(request, endpoint="payments.reallocate", run=run)

    @extend_schema(
        summary="Apply an account's open credit to its open charges, oldest first",
        parameters=[IDEMPOTENCY],
        request=s.ApplyCreditInputSerializer,
        responses=responses(
            {200: OpenApiResponse(OpenApiTypes.OBJECT, description="{paid: [open item ids]}")},
            400,
            409,
        ),
    )
    @action(detail=False, methods=["post"], url_path="apply-credit")
    def apply_credit(self, request):
        data = self.parse(s.ApplyCreditInputSerializer)

        def run(key):
            paid = services.credits_apply(account=data["account"], actor=request.user)
            return Response({"paid": sorted(set(paid))})

        return idempotent_response(request, endpoint="payments.apply_credit", run=run)


# --- Refunds and adjustments ------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="List refunds"),
    retrieve=extend_schema(summary="A refund", responses=responses({200: s.RefundSerializer}, 404)),
)
class RefundViewSet(_Listing):
    """Refunds to the original method, within approval limits or waiting for approval."""

    serializer_class = s.RefundSerializer
    capabilities = {
        "list": VIEW,
        "retrieve": VIEW,
        "create": REFUND,
        "approve": REFUND,
        "reject": REFUND,
    }
    filterset_class = RefundFilterSet
    ordering_fields = ["requested_at", "amount"]
    ordering = ["-requested_at", "-id"]

    def get_queryset(self):
        return selectors.refunds_visible_to(self.request.user).select_related(
            "requested_by", "decided_by"
        )

    @extend_schema(
        summary="Refund a payment (above your limit: refused, or waits with request_approval)",
        parameters=[IDEMPOTENCY],
        request=s.RefundInputSerializer,
        responses=money_responses({201: s.RefundSerializer}, 400, 409),
    )
    def create(self, request):
        data = self.parse(s.RefundInputSerializer)

        def run(key):
            refund = services.refund_request(idempotency_key=key, actor=request.user, **data)
            return self.render(refund, status_code=status.HTTP_201_CREATED)

        return idempotent_response(request, endpoint="refunds.create", run=run)

    @extend_schema(
        summary="Approve a waiting refund (your limit must cover it) and post it",
        parameters=[IDEMPOTENCY],
        request=s.DecisionInputSerializer,
        responses=money_responses({200: s.RefundSerializer}, 400, 404, 409),
    )
    @action(detail=True, methods=["post"])
    def approve(self, request, pk):
        refund = self.get_object()
        data = self.parse(s.DecisionInputSerializer)

        def run(key):
            done = services.refund_approve(refund=refund, actor=request.user, **data)
            return self.render(done)

        return idempotent_response(request, endpoint="refunds.approve", run=run)

    @extend_schema(
        summary="Turn down a waiting refund",
        request=s.RejectInputSerializer,
        responses=responses({200: s.RefundSerializer}, 400, 404, 409),
    )
    @action(detail=True, methods=["post"])
    def reject(self, request, pk):
        refund = self.get_object()
        data = self.parse(s.RejectInputSerializer)
        return self.render(services.refund_reject(refund=refund, actor=request.user, **data))


@extend_schema_view(
    list=extend_schema(summary="List adjustments"),
    retrieve=extend_schema(
        summary="An adjustment", responses=responses({200: s.AdjustmentSerializer}, 404)
    ),
)
class AdjustmentViewSet(_Listing):
    """Adjustments with reason codes, within approval limits or waiting for approval."""

    serializer_class = s.AdjustmentSerializer
    capabilities = {
        "list": VIEW,
        "retrieve": VIEW,
        "create": ADJUST,
        "approve": ADJUST,
        "reject": ADJUST,
    }
    filterset_class = AdjustmentFilterSet
    ordering_fields = ["requested_at", "amount"]
    ordering = ["-requested_at", "-id"]

    def get_queryset(self):
        return selectors.adjustments_visible_to(self.request.user).select_related(
            "reason", "requested_by", "decided_by"
        )

    @extend_schema(
        summary="Adjust an account's balance with a reason code",
        parameters=[IDEMPOTENCY],
        request=s.AdjustmentInputSerializer,
        responses=responses({201: s.AdjustmentSerializer}, 400, 409),
    )
    def create(self, request):
        data = self.parse(s.AdjustmentInputSerializer)

        def run(key):
            adjustment = services.adjustment_post(idempotency_key=key, actor=request.user, **data)
            return self.render(adjustment, status_code=status.HTTP_201_CREATED)

        return idempotent_response(request, endpoint="adjustments.create", run=run)

    @extend_schema(
        summary="Approve a waiting adjustment (your limit must cover it) and post it",
        parameters=[IDEMPOTENCY],
        request=s.DecisionInputSerializer,
        responses=responses({200: s.AdjustmentSerializer}, 400, 404, 409),
    )
    @action(detail=True, methods=["post"])
    def approve(self, request, pk):
        adjustment = self.get_object()
        data = self.parse(s.DecisionInputSerializer)

        def run(key):
            done = services.adjustment_approve(adjustment=adjustment, actor=request.user, **data)
            return self.render(done)

        return idempotent_response(request, endpoint="adjustments.approve", run=run)

    @extend_schema(
        summary="Turn down a waiting adjustment",
        request=s.RejectInputSerializer,
        responses=responses({200: s.AdjustmentSerializer}, 400, 404, 409),
    )
    @action(detail=True, methods=["post"])
    def reject(self, request, pk):
        adjustment = self.get_object()
        data = self.parse(s.RejectInputSerializer)
        return self.render(
            services.adjustment_reject(adjustment=adjustment, actor=request.user, **data)
        )


@extend_schema_view(
    list=extend_schema(summary="List adjustment reason codes"),
    retrieve=extend_schema(
        summary="An adjustment reason code",
        responses=responses({200: s.AdjustmentReasonSerializer}, 404),
    ),
)
class AdjustmentReasonViewSet(_Listing):
    serializer_class = s.AdjustmentReasonSerializer
    capabilities = {"list": VIEW, "retrieve": VIEW}
    filter_backends: list = []
    pagination_class = None

    def get_queryset(self):
        return AdjustmentReason.objects.filter(active=True).order_by("label")


# --- Transfers --------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="List transfers"),
    retrieve=extend_schema(
        summary="A transfer", responses=responses({200: s.TransferSerializer}, 404)
    ),
)
class TransferViewSet(_Listing):
    """Credit moved between accounts (both sides in one transaction)."""

    serializer_class = s.TransferSerializer
    capabilities = {"list": VIEW, "retrieve": VIEW, "create": TRANSFER}
    filterset_class = TransferFilterSet
    ordering_fields = ["created_at", "amount"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self):
        return selectors.transfers_visible_to(self.request.user).select_related("created_by")

    @extend_schema(
        summary="Move credit (or a misapplied payment) to another account",
        parameters=[IDEMPOTENCY],
        request=s.TransferInputSerializer,
        responses=responses({201: s.TransferSerializer}, 400, 409),
    )
    def create(self, request):
        data = self.parse(s.TransferInputSerializer)

        def run(key):
            transfer = services.transfer_post(idempotency_key=key, actor=request.user, **data)
            return self.render(transfer, status_code=status.HTTP_201_CREATED)

        return idempotent_response(request, endpoint="transfers.create", run=run)


# --- Deposits and disputes --------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="List deposits"),
    retrieve=extend_schema(
        summary="A deposit", responses=responses({200: s.DepositSerializer}, 404)
    ),
)
class DepositViewSet(_Listing):
    """Deposits: bill, collect, apply to the final bill, refund with interest."""

    serializer_class = s.DepositSerializer
    capabilities = {
        "list": VIEW,
        "retrieve": VIEW,
        "create": DEPOSITS,
        "collect": TAKE,
        "apply": DEPOSITS,
        "refund": DEPOSITS,
        "cancel": DEPOSITS,
    }
    filterset_class = DepositFilterSet
    ordering_fields = ["created_at"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self):
        return selectors.deposits_visible_to(self.request.user)

    @extend_schema(
        summary="Bill a deposit (nothing posts until it is collected)",
        request=s.DepositInputSerializer,
        responses=responses({201: s.DepositSerializer}, 400, 409),
    )
    def create(self, request):
        data = self.parse(s.DepositInputSerializer)
        deposit = services.deposit_bill(actor=request.user, **data)
        return self.render(deposit, status_code=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Collect a deposit (or an installment of it): a payment held as a deposit",
        parameters=[IDEMPOTENCY],
        request=s.DepositCollectInputSerializer,
        responses=money_responses({201: s.PaymentDetailSerializer}, 400, 404, 409),
    )
    @action(detail=True, methods=["post"])
    def collect(self, request, pk):
        deposit = self.get_object()
        data = self.parse(s.DepositCollectInputSerializer)

        def run(key):
            payment = services.deposit_collect(
                deposit=deposit, idempotency_key=key, actor=request.user, **data
            )
            return self.render(
                selectors.payment_get(user=request.user, pk=payment.pk),
                s.PaymentDetailSerializer,
                status_code=status.HTTP_201_CREATED,
            )

        return idempotent_response(request, endpoint="deposits.collect", run=run)

    @extend_schema(
        summary="Apply the deposit, with its interest, to the account (the final bill)",
        parameters=[IDEMPOTENCY],
        request=s.DepositReleaseInputSerializer,
        responses=responses({200: s.DepositSerializer}, 400, 404, 409),
    )
    @action(detail=True, methods=["post"])
    def apply(self, request, pk):
        deposit = self.get_object()
        data = self.parse(s.DepositReleaseInputSerializer)

        def run(key):
            return self.render(services.deposit_apply(deposit=deposit, actor=request.user, **data))

        return idempotent_response(request, endpoint="deposits.apply", run=run)

    @extend_schema(
        summary="Refund the deposit with its interest (a check from accounts payable)",
        parameters=[IDEMPOTENCY],
        request=s.DepositReleaseInputSerializer,
        responses=responses({200: s.DepositSerializer}, 400, 404, 409),
    )
    @action(detail=True, methods=["post"])
    def refund(self, request, pk):
        deposit = self.get_object()
        data = self.parse(s.DepositReleaseInputSerializer)

        def run(key):
            return self.render(services.deposit_refund(deposit=deposit, actor=request.user, **data))

        return idempotent_response(request, endpoint="deposits.refund", run=run)

    @extend_schema(
        summary="Withdraw a deposit request nothing was collected for",
        request=s.DepositCancelInputSerializer,
        responses=responses({200: s.DepositSerializer}, 400, 404, 409),
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk):
        deposit = self.get_object()
        data = self.parse(s.DepositCancelInputSerializer)
        return self.render(services.deposit_cancel(deposit=deposit, actor=request.user, **data))


@extend_schema_view(
    list=extend_schema(summary="List disputes"),
    retrieve=extend_schema(
        summary="A dispute", responses=responses({200: s.DisputeSerializer}, 404)
    ),
)
class DisputeViewSet(_Listing):
    """Amounts of charges the customer disputes (held out of collections) and their
    resolution."""

    serializer_class = s.DisputeSerializer
    capabilities = {"list": VIEW, "retrieve": VIEW, "create": DISPUTE, "resolve": ADJUST}
    filterset_class = DisputeFilterSet
    ordering_fields = ["opened_at"]
    ordering = ["-opened_at", "-id"]

    def get_queryset(self):
        return selectors.disputes_visible_to(self.request.user).select_related(
            "item", "opened_by", "resolved_by"
        )

    @extend_schema(
        summary="Dispute part of a charge",
        request=s.DisputeInputSerializer,
        responses=responses({201: s.DisputeSerializer}, 400, 409),
    )
    def create(self, request):
        data = self.parse(s.DisputeInputSerializer)
        dispute = services.dispute_open(actor=request.user, **data)
        return self.render(dispute, status_code=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Resolve a dispute (for the customer: a credit adjustment)",
        parameters=[IDEMPOTENCY],
        request=s.DisputeResolveInputSerializer,
        responses=responses({200: s.DisputeSerializer}, 400, 404, 409),
    )
    @action(detail=True, methods=["post"])
    def resolve(self, request, pk):
        dispute = self.get_object()
        data = self.parse(s.DisputeResolveInputSerializer)

        def run(key):
            done = services.dispute_resolve(dispute=dispute, actor=request.user, **data)
            return self.render(done)

        return idempotent_response(request, endpoint="disputes.resolve", run=run)


# --- Cards and bank accounts ------------------------------------------------------------------


@extend_schema_view(list=extend_schema(summary="List cards kept as tokens"))
class CardTokenViewSet(mixins.ListModelMixin, ServiceViewSet):
    """Cards: the number and security code go to the gateway once; we keep its token."""

    serializer_class = s.CardSerializer
    capabilities = {"list": VIEW, "create": TAKE}
    filter_backends = [DjangoFilterBackend]
    filterset_fields = ["account"]

    def get_queryset(self):
        return selectors.cards_visible_to(self.request.user).order_by("-created_at", "-id")

    @extend_schema(
        summary="Tokenize a card (only the token, brand, last four and expiry are kept)",
        request=s.CardTokenInputSerializer,
        responses=money_responses({201: s.CardSerializer}, 400),
    )
    @method_decorator(sensitive_variables())
    def create(self, request):
        # Error reports leave these out of the request they show (the decorator of the
        # same name wants a Django request; DRF wraps it).
        request._request.sensitive_post_parameters = ["card_number", "cvc"]
        data = self.parse(s.CardTokenInputSerializer)
        card = services.card_tokenize(
            account=data["account"],
            number=data.pop("card_number"),
            exp_month=data["exp_month"],
            exp_year=data["exp_year"],
            cvc=data.pop("cvc"),
            holder_name=data.get("holder_name", ""),
            save=data.get("save", False),
            actor=request.user,
        )
        return self.render(card, status_code=status.HTTP_201_CREATED)


@extend_schema_view(list=extend_schema(summary="List bank accounts for ACH debits"))
class BankAccountViewSet(mixins.ListModelMixin, ServiceViewSet):
    serializer_class = s.BankAccountSerializer
    capabilities = {"list": VIEW, "create": TAKE}
    filter_backends = [DjangoFilterBackend]
    filterset_fields = ["account"]

    def get_queryset(self):
        return selectors.bank_accounts_visible_to(self.request.user).order_by("-created_at")

    @extend_schema(
        summary="Add a bank account for ACH debits (routing number checked; account masked)",
        request=s.BankAccountInputSerializer,
        responses=money_responses({201: s.BankAccountSerializer}, 400),
    )
    @method_decorator(sensitive_variables())
    def create(self, request):
        request._request.sensitive_post_parameters = ["account_number"]
        data = self.parse(s.BankAccountInputSerializer)
        bank_account = services.bank_account_add(actor=request.user, **data)
        return self.render(bank_account, status_code=status.HTTP_201_CREATED)


# --- Bank files -------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="List imported bank files"),
    retrieve=extend_schema(
        summary="A bank file", responses=responses({200: s.BankFileSerializer}, 404)
    ),
)
class BankFileViewSet(_Listing):
    """BAI2 and lockbox files: matched credits post, the rest wait in the exception queue."""

    serializer_class = s.BankFileSerializer
    capabilities = {"list": BANK_FILES, "retrieve": BANK_FILES, "create": BANK_FILES}
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    ordering_fields = ["imported_at"]
    ordering = ["-imported_at", "-id"]

    def get_queryset(self):
        return selectors.bank_files_visible_to(self.request.user)

    @extend_schema(
        summary="Import a bank file (the same file twice posts nothing the second time)",
        request={
            "multipart/form-data": s.BankFileUploadSerializer,
            "application/json": s.BankFileContentSerializer,
        },
        responses=responses(
            {201: s.BankFileImportSerializer, 200: s.BankFileImportSerializer}, 400
        ),
    )
    def create(self, request):
        if "file" in request.data and hasattr(request.data["file"], "read"):
            data = self.parse(s.BankFileUploadSerializer)
            upload = data["file"]
            content, name = upload.read(), upload.name
        else:
            data = self.parse(s.BankFileContentSerializer)
            content, name = data["content"].encode(), data["name"]
        try:
            result = bank.bank_file_import(
                content=content, name=name, actor=request.user, file_format=data.get("format")
            )
        except BankFileInvalid as exc:
            raise ValidationFailed({"file": [str(e) for e in exc.errors]}) from None
        body = s.BankFileImportSerializer(
            {
                "file": result.file,
                "already_imported": result.already_imported,
                "posted": result.posted,
                "exceptions": result.exceptions,
                "skipped": [str(e) for e in [*result.duplicates, *result.skipped]],
            }
        ).data
        return Response(
            body, status=status.HTTP_200_OK if result.already_imported else status.HTTP_201_CREATED
        )


@extend_schema_view(
    list=extend_schema(summary="List bank-file credits (status=exception: the queue)"),
    retrieve=extend_schema(
        summary="A bank-file credit", responses=responses({200: s.BankFileItemSerializer}, 404)
    ),
)
class BankFileItemViewSet(_Listing):
    serializer_class = s.BankFileItemSerializer
    capabilities = {
        "list": BANK_FILES,
        "retrieve": BANK_FILES,
        "match": BANK_FILES,
        "return_": BANK_FILES,
    }
    filterset_class = BankFileItemFilterSet
    ordering_fields = ["paid_on", "amount"]
    ordering = ["paid_on", "id"]

    def get_queryset(self):
        return selectors.bank_items_visible_to(self.request.user).select_related("file")

    @extend_schema(
        summary="Post a waiting credit to the account a person found for it",
        parameters=[IDEMPOTENCY],
        request=s.BankItemMatchInputSerializer,
        responses=responses({200: s.BankFileItemSerializer}, 400, 404, 409),
    )
    @action(detail=True, methods=["post"])
    def match(self, request, pk):
        item = self.get_object()
        data = self.parse(s.BankItemMatchInputSerializer)

        def run(key):
            done = bank.bank_item_match(item=item, actor=request.user, **data)
            return self.render(done)

        return idempotent_response(request, endpoint="bank_items.match", run=run)

    @extend_schema(
        summary="Return a waiting credit to the remitter (nothing posts)",
        request=s.BankItemReturnInputSerializer,
        responses=responses({200: s.BankFileItemSerializer}, 400, 404, 409),
    )
    @action(detail=True, methods=["post"], url_path="return")
    def return_(self, request, pk):
        item = self.get_object()
        data = self.parse(s.BankItemReturnInputSerializer)
        return self.render(bank.bank_item_return(item=item, actor=request.user, **data))


def account_recent_payments(*, request, account):
    """The account API's 360 view: its five latest payments (one query)."""
    return selectors.recent_payments(user=request.user, account=account)
