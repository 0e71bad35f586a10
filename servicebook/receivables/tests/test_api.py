"""GET /api/receivables/aging: the contract's shape, money as strings, 400s naming the
field, and who may call it."""

from __future__ import annotations

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from servicebook.core.testing.factories import make_user
from servicebook.receivables.selectors import book_aging

from .conftest import AS_OF

URL = "/api/receivables/aging"


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_the_contract_shape_with_money_as_strings(book, admin):
    response = client_for(admin).get(URL, {"as_of": "2026-11-20"})
    assert response.status_code == 200
    body = response.json()
    assert body["as_of"] == "2026-11-20" and body["basis"] == "due_date"
    assert [b["label"] for b in body["buckets"]] == [
        "current",
        "1-30",
        "31-60",
        "61-90",
        "91-120",
        "121+",
    ]
    expected = book_aging(user=admin, as_of=AS_OF)
    for bucket in body["buckets"]:
        assert bucket["amount"] == f"{expected.buckets[bucket['label']]:.2f}"
        assert bucket["accounts"] == expected.accounts[bucket["label"]]
    assert body["buckets"][2] == {"label": "31-60", "amount": "83.59", "accounts": 1}
    assert body["total"] == f"{expected.total:.2f}"
    assert body["disputed"] == "100.00"
    assert Decimal(body["total"]) == sum(Decimal(b["amount"]) for b in body["buckets"])
    assert body["accounts"] == 3 and body["groups"] == [] and body["group_by"] is None


def test_invoice_date_basis_and_a_breakdown(book, admin):
    response = client_for(admin).get(
        URL, {"as_of": "2026-11-20", "basis": "invoice_date", "group_by": "line_of_business"}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["basis"] == "invoice_date"
    groups = {g["key"]: g for g in body["groups"]}
    assert set(groups) == {"utility", "telecom", "field_service"}
    plant = {b["label"]: b["amount"] for b in groups["field_service"]["buckets"]}
    assert plant["91-120"] == "300.00" and plant["31-60"] == "45.45"
    assert sum(Decimal(g["total"]) for g in groups.values()) == Decimal(body["total"])


def test_without_as_of_it_is_today(db, admin):
    from django.utils import timezone

    body = client_for(admin).get(URL).json()
    assert body["as_of"] == timezone.localdate().isoformat()
    assert body["total"] == "0.00"


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"as_of": "2026-13-45"}, "as_of"),
        ({"as_of": "yesterday"}, "as_of"),
        ({"as_of": "2026-11-20", "basis": "posting_date"}, "basis"),
        ({"customer_class": "martian"}, "customer_class"),
        ({"group_by": "status"}, "group_by"),
    ],
)
def test_bad_parameters_are_a_400_naming_the_field(db, admin, query, field):
    response = client_for(admin).get(URL, query)
    assert response.status_code == 400
    assert field in response.json()


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("billing", 200),
        ("collections", 200),
        ("supervisor", 200),
        ("admin", 200),
        ("rep1", 403),
        ("rep2", 403),
        ("dispatcher", 403),
        ("service_admin", 403),
        ("technician", 403),
    ],
)
def test_who_may_read_the_book(book, role, status):
    response = client_for(make_user(role)).get(URL, {"as_of": "2026-11-20"})
    assert response.status_code == status


def test_anonymous_is_refused(db):
    assert APIClient().get(URL).status_code == 401


def test_the_schema_documents_the_endpoint(db):
    import yaml

    schema = yaml.safe_load(APIClient().get("/api/schema/").content)
    operation = schema["paths"]["/api/receivables/aging"]["get"]
    names = {p["name"] for p in operation["parameters"]}
    assert {"as_of", "basis", "customer_class", "line_of_business", "group_by"} <= names
    assert "200" in operation["responses"] and "400" in operation["responses"]
