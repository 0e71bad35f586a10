"""The receivables API: the book's aging (`GET /api/receivables/aging?as_of=YYYY-MM-DD`) and
the account's write-offs (`/api/accounts/{account_pk}/write-offs/`: list, and write off)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from servicebook.core.api.schema import responses
from servicebook.customers.api.views import AccountChildViewSet
from servicebook.users.roles import Cap

from ..models import WriteOff
from ..selectors import book_aging
from ..writeoffs import write_off_post
from . import serializers as s


class BookAgingView(APIView):
    """The whole book's open receivables (as the caller may see them) by days past due."""

    capabilities = {"GET": Cap.RECEIVABLES_VIEW}

    @extend_schema(
        summary="The book's aging: open receivables by days past due, with account counts",
        parameters=[s.AgingQuerySerializer],
        responses=responses({200: s.BookAgingSerializer}, 400),
    )
    def get(self, request):
        query = s.AgingQuerySerializer(data=request.query_params)
        if not query.is_valid():
            raise serializers.ValidationError(query.errors)
        params = query.validated_data
        result = book_aging(
            user=request.user,
            as_of=params.get("as_of"),
            basis=params["basis"],
            customer_class=params.get("customer_class"),
            line_of_business=params.get("line_of_business"),
            group_by=params.get("group_by"),
        )
        body = {
            "as_of": result.as_of,
            "basis": result.basis,
            **s.figures(result),
            "group_by": result.group_by,
            "groups": [
                {"key": key, "label": label, **s.figures(part)}
                for key, label, part in result.groups
            ],
        }
        return Response(s.BookAgingSerializer(body).data)


@extend_schema_view(list=extend_schema(summary="The account's write-offs, newest first"))
class WriteOffViewSet(mixins.ListModelMixin, AccountChildViewSet):
    """Write-offs under the account (/api/accounts/{account_pk}/write-offs/): the list, and
    a write-off by hand (final-billed account, within the caller's write-off limit)."""

    model = WriteOff
    serializer_class = s.WriteOffSerializer
    capabilities = {"list": Cap.RECEIVABLES_VIEW, "create": Cap.RECEIVABLES_WRITE_OFF}

    def get_queryset(self):
        return super().get_queryset().order_by("-written_off_on", "-id")

    @extend_schema(
        summary="Write off the account's open undisputed debt (final-billed; within your "
        "write-off limit). With nothing left to write off, the latest write-off comes back",
        request=s.WriteOffInputSerializer,
        responses=responses({201: s.WriteOffSerializer}, 400, 404),
    )
    def create(self, request, account_pk):
        data = self.parse(s.WriteOffInputSerializer)
        write_off = write_off_post(
            account=self.get_account(), actor=request.user, reason=data["reason"]
        )
        return self.render(write_off, status_code=status.HTTP_201_CREATED)
