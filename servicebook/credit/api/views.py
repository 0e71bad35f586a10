"""The credit API: payment arrangements (proposal, set-up, cancel), restorations (the amount
to restore, opening one), bankruptcies (file, claim, close), and the account API's
sections `arrangement`, `restoration` and `credit`.

Each lives under the account, like the account's notes and contacts:
/api/accounts/{account_pk}/arrangements/ (and .../arrangements/proposal/),
/api/accounts/{account_pk}/restorations/ (and .../restorations/quote/),
/api/accounts/{account_pk}/bankruptcies/."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action

from servicebook.core.api.schema import responses
from servicebook.core.permissions import has_capability
from servicebook.customers.api.views import AccountChildViewSet
from servicebook.users.roles import Cap

from .. import selectors, services
from ..models import Bankruptcy, PaymentArrangement, Restoration
from ..services.restoration import RESTORABLE
from . import serializers as s

VIEW, ARRANGE, MANAGE = Cap.CREDIT_VIEW, Cap.CREDIT_ARRANGE, Cap.CREDIT_MANAGE


class _Listing(mixins.ListModelMixin, AccountChildViewSet):
    """The account's rows, newest first, and one of them."""

    def get_queryset(self):
        return super().get_queryset().order_by("-id")

    def retrieve(self, request, account_pk, pk):
        return self.render(self.get_object())


@extend_schema_view(
    list=extend_schema(summary="The account's payment arrangements, newest first"),
    retrieve=extend_schema(summary="A payment arrangement with its installments"),
)
class ArrangementViewSet(_Listing):
    """Payment arrangements: what the policy proposes, setting one up, cancelling it."""

    model = PaymentArrangement
    serializer_class = s.ArrangementSerializer
    capabilities = {
        "list": VIEW,
        "retrieve": VIEW,
        "proposal": VIEW,
        "create": ARRANGE,
        "cancel": ARRANGE,
    }

    def get_queryset(self):
        return super().get_queryset().prefetch_related("installments")

    @extend_schema(
        summary="The arrangement the policy allows the account today (writes nothing)",
        parameters=[s.ArrangementProposalQuerySerializer],
        responses=responses({200: s.ArrangementProposalSerializer}, 400),
    )
    @action(detail=False, methods=["get"])
    def proposal(self, request, account_pk):
        data = self.parse(s.ArrangementProposalQuerySerializer, data=request.query_params)
        proposal = services.arrangement_proposal(
            account=self.get_account(),
            down_payment=data.get("down_payment"),
            installments=data.get("installments"),
        )
        return self.render(proposal, s.ArrangementProposalSerializer)

    @extend_schema(
        summary="Set up an arrangement (down payment and installments within the policy)",
        request=s.ArrangementInputSerializer,
        responses=responses({201: s.ArrangementSerializer}, 400, 409),
    )
    def create(self, request, account_pk):
        data = self.parse(s.ArrangementInputSerializer)
        arrangement = services.arrangement_create(
            account=self.get_account(),
            down_payment=data.get("down_payment"),
            installments=data.get("installments"),
            actor=request.user,
        )
        return self.render(
            self.get_queryset().get(pk=arrangement.pk), status_code=status.HTTP_201_CREATED
        )

    @extend_schema(
        summary="Cancel an active arrangement (collections resume)",
        request=s.ArrangementCancelInputSerializer,
        responses=responses({200: s.ArrangementSerializer}, 400, 404, 409),
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request, account_pk, pk):
        arrangement = self.get_object()
        data = self.parse(s.ArrangementCancelInputSerializer)
        services.arrangement_cancel(arrangement=arrangement, actor=request.user, **data)
        return self.render(self.get_queryset().get(pk=arrangement.pk))


@extend_schema_view(
    list=extend_schema(summary="The account's restorations, newest first"),
    retrieve=extend_schema(summary="A restoration: amounts, fee invoice, deposit, reconnect"),
)
class RestorationViewSet(_Listing):
    """Restorations of disconnected accounts: the amount to restore and opening one."""

    model = Restoration
    serializer_class = s.RestorationSerializer
    capabilities = {"list": VIEW, "retrieve": VIEW, "quote": VIEW, "create": MANAGE}

    @extend_schema(
        summary="The amount to restore the account today, item by item",
        responses=responses({200: s.RestorationQuoteSerializer}, 400),
    )
    @action(detail=False, methods=["get"])
    def quote(self, request, account_pk):
        return self.render(
            services.restoration_quote(self.get_account()), s.RestorationQuoteSerializer
        )

    @extend_schema(
        summary="Open a restoration: bill the fee and the deposit; reconnect when paid",
        request=s.RestorationInputSerializer,
        responses=responses({201: s.RestorationSerializer}, 400, 409),
    )
    def create(self, request, account_pk):
        data = self.parse(s.RestorationInputSerializer)
        restoration = services.restoration_open(
            account=self.get_account(), on=data.get("on"), actor=request.user
        )
        return self.render(restoration, status_code=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(summary="The account's bankruptcy cases"),
    retrieve=extend_schema(summary="A bankruptcy case"),
)
class BankruptcyViewSet(_Listing):
    """Bankruptcy cases: file a petition, record the proof of claim, close the case."""

    model = Bankruptcy
    serializer_class = s.BankruptcySerializer
    capabilities = {
        "list": MANAGE,
        "retrieve": MANAGE,
        "create": MANAGE,
        "claim": MANAGE,
        "close": MANAGE,
    }

    @extend_schema(
        summary="Record a bankruptcy petition (the stay starts)",
        request=s.BankruptcyInputSerializer,
        responses=responses({201: s.BankruptcySerializer}, 400, 409),
    )
    def create(self, request, account_pk):
        data = self.parse(s.BankruptcyInputSerializer)
        case = services.bankruptcy_file(account=self.get_account(), actor=request.user, **data)
        return self.render(case, status_code=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Record the proof of claim",
        request=s.BankruptcyClaimInputSerializer,
        responses=responses({200: s.BankruptcySerializer}, 400, 404),
    )
    @action(detail=True, methods=["post"])
    def claim(self, request, account_pk, pk):
        case = self.get_object()
        data = self.parse(s.BankruptcyClaimInputSerializer)
        return self.render(
            services.bankruptcy_claim_record(bankruptcy=case, actor=request.user, **data)
        )

    @extend_schema(
        summary="Close the case (dismissed or discharged): the stay ends",
        request=s.BankruptcyCloseInputSerializer,
        responses=responses({200: s.BankruptcySerializer}, 400, 404, 409),
    )
    @action(detail=True, methods=["post"])
    def close(self, request, account_pk, pk):
        case = self.get_object()
        data = self.parse(s.BankruptcyCloseInputSerializer)
        return self.render(services.bankruptcy_close(bankruptcy=case, actor=request.user, **data))


# --- The account API's sections ------------------------------------------------------------


def account_arrangement(*, request, account):
    """The active arrangement with its installments, or null."""
    if not has_capability(request.user, VIEW):
        return None
    return selectors.active_arrangement_of(account)


def account_restoration(*, request, account):
    """The amount to restore a disconnected (or suspended) account, itemised; else null."""
    if not has_capability(request.user, VIEW) or account.status not in RESTORABLE:
        return None
    return services.restoration_quote(account, timezone.localdate())


def account_credit(*, request, account):
    """The account's credit score and cash-only flag (null before its first event)."""
    if not has_capability(request.user, VIEW):
        return None
    return selectors.standing_of(account)


def account_sections() -> list[dict]:
    return [
        {
            "key": "arrangement",
            "field": lambda: s.ArrangementSerializer(read_only=True, allow_null=True),
            "load": account_arrangement,
        },
        {
            "key": "restoration",
            "field": lambda: s.RestorationQuoteSerializer(read_only=True, allow_null=True),
            "load": account_restoration,
        },
        {
            "key": "credit",
            "field": lambda: s.CreditStandingSerializer(read_only=True, allow_null=True),
            "load": account_credit,
        },
    ]
