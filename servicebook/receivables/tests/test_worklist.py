"""The collectors' worklist, promises from the page, the account box and the account API's
collection section."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from servicebook.core.testing.factories import PASSWORD, make_account, make_user
from servicebook.receivables.models import PromiseToPay
from servicebook.receivables.services import collections_run, promise_create

from .collections import make_collection_policy, owe

D = Decimal
TODAY = dt.date.today()


@pytest.fixture
def admin(db):
    return make_user("admin")


@pytest.fixture
def collector(db):
    return make_user("collections")


@pytest.fixture
def book(admin):
    """Four accounts in collections: big, small, older (same amount as small but older),
    and promised (smallest, with a promise due today)."""
    make_collection_policy(admin)
    accounts = {}
    for name, amount, days in [
        ("small", "60.00", 20),
        ("big", "300.00", 10),
        ("older", "60.00", 40),
        ("promised", "15.00", 10),
    ]:
        account = make_account(actor=admin, last_name=name.title())
        owe(account, amount, due=TODAY - dt.timedelta(days=days), actor=admin)
        accounts[name] = account
    collections_run(as_of=TODAY - dt.timedelta(days=1), actor=admin)
    promise = promise_create(
        account=accounts["promised"],
        amount="15.00",
        promised_on=TODAY,
        actor=admin,
        today=TODAY - dt.timedelta(days=1),
    )
    assert promise.status == "open"
    return accounts


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)


def test_worklist_order_promises_due_then_amount_then_age(client, collector, book):
    login(client, collector)
    response = client.get(reverse("receivables:worklist"))
    assert response.status_code == 200
    numbers = [p.account.number for p in response.context["page"]]
    expected = [book[n].number for n in ("promised", "big", "older", "small")]
    assert numbers == expected


def test_worklist_filters(client, collector, book):
    login(client, collector)
    response = client.get(reverse("receivables:worklist"), {"promises_due": "on"})
    assert [p.account_id for p in response.context["page"]] == [book["promised"].pk]
    response = client.get(reverse("receivables:worklist"), {"step": "reminder"})
    assert len(response.context["page"]) == 4
    assert client.get(reverse("receivables:worklist"), {"hold": "nonsense"}).status_code == 400


def test_worklist_query_count_does_not_grow_with_rows(client, collector, admin, book):
    login(client, collector)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("receivables:worklist")).status_code == 200
        return len(ctx)

    before = count()
    for n in range(5):
        account = make_account(actor=admin)
        owe(account, "90.00", due=TODAY - dt.timedelta(days=15 + n), actor=admin)
    collections_run(as_of=TODAY, actor=admin)
    assert count() == before


def test_promise_from_the_page_and_a_refusal_naming_the_field(client, collector, book):
    login(client, collector)
    account = book["small"]
    url = reverse("receivables:promise_create", args=[account.pk])
    bad = client.post(url, {"amount": "-5", "promised_on": TODAY.isoformat()})
    assert bad.status_code == 400 and "amount" in bad.context["promise_form"].errors
    assert not PromiseToPay.objects.filter(account=account).exists()
    response = client.post(
        url, {"amount": "40.00", "promised_on": (TODAY + dt.timedelta(days=3)).isoformat()}
    )
    assert response.status_code == 302
    promise = PromiseToPay.objects.get(account=account)
    assert promise.amount == D("40.00") and promise.created_by == collector
    page = client.get(reverse("receivables:account_collection", args=[account.pk]))
    assert page.status_code == 200 and b"Reminder" in page.content


def test_account_page_box_and_api_section(client, admin, book):
    login(client, admin)
    account = book["big"]
    page = client.get(reverse("customers:account_detail", args=[account.pk]))
    assert page.status_code == 200
    assert b'id="collection"' in page.content and b"Reminder on" in page.content
    body = client.get(f"/api/accounts/{account.pk}/").json()
    section = body["collection"]
    assert section["status"] == "open" and section["step"] == "reminder"
    assert section["step_date"] == (TODAY - dt.timedelta(days=1)).isoformat()
    assert section["past_due"] == "300.00" and section["hold_reason"] == ""


def test_api_section_is_null_outside_collections(client, admin, db):
    login(client, admin)
    account = make_account(actor=admin)
    assert client.get(f"/api/accounts/{account.pk}/").json()["collection"] is None


def test_policies_page_lists_steps(client, admin, book):
    login(client, admin)
    response = client.get(reverse("receivables:policies"))
    assert response.status_code == 200 and b"Disconnect notice" in response.content
