"""The receivables API: the book's aging (`GET /api/receivables/aging?as_of=YYYY-MM-DD`)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from servicebook.core.api.schema import responses
from servicebook.users.roles import Cap

from ..selectors import book_aging
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
