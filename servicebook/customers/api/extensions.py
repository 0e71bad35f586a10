"""Extension point of the account API's 360 view (GET /api/accounts/{id}/).

The account page of the API, like the page in the console (customers.panels), shows what
apps above customers know about the account: open cases now; balance, aging and open
invoices with the ledger and billing. An app registers a section in its AppConfig.ready():

    register_account_section(
        key="open_cases",
        field=lambda: CaseSerializer(many=True, read_only=True),
        load=lambda *, request, account: open_cases_for_account(...),
    )

`account_360_viewset()` builds, once the apps are ready, the account viewset whose detail
serializer carries every registered section, so the OpenAPI schema shows them too. Each
loader must cost a fixed number of queries (a test pins the 360 view's query count).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers

from servicebook.core.api.schema import responses

from . import serializers as s
from .views import AccountViewSet


@dataclass(frozen=True)
class AccountSection:
    key: str
    field: Callable[[], serializers.Field]
    load: Callable[..., Any]  # (request=, account=) -> the section's value


_sections: dict[str, AccountSection] = {}


def register_account_section(
    *, key: str, field: Callable[[], serializers.Field], load: Callable[..., Any]
) -> None:
    _sections[key] = AccountSection(key, field, load)


@cache
def account_360_viewset() -> type[AccountViewSet]:
    """The accounts viewset with every registered section in its 360 view."""
    sections = sorted(_sections.values(), key=lambda section: section.key)
    meta = type(
        "Meta",
        (s.AccountDetailSerializer.Meta,),
        {
            "fields": [*s.AccountDetailSerializer.Meta.fields, *(x.key for x in sections)],
            "read_only_fields": [
                *s.AccountDetailSerializer.Meta.fields,
                *(x.key for x in sections),
            ],
        },
    )
    detail = type(
        "Account360Serializer",
        (s.AccountDetailSerializer,),
        {
            "__doc__": "The account page (360 view), with what other apps add to it.",
            "Meta": meta,
            **{x.key: x.field() for x in sections},
        },
    )

    class Account360ViewSet(AccountViewSet):
        """Accounts, whose 360 view carries the sections other apps register."""

        detail_serializer_class = detail

        def get_account_detail(self, pk: int):
            account = super().get_account_detail(pk)
            for section in sections:
                setattr(account, section.key, section.load(request=self.request, account=account))
            return account

    return extend_schema_view(
        retrieve=extend_schema(responses=responses({200: detail}, 404)),
        create=extend_schema(responses=responses({201: detail}, 400)),
    )(Account360ViewSet)
