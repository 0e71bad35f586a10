"""The aging page, its chart and its exports: the same figures everywhere, read back the way
a person's spreadsheet would read them."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from servicebook.core.testing.factories import PASSWORD, make_user
from servicebook.receivables.selectors import book_aging

from .conftest import AS_OF

PAGE = reverse("receivables:aging")
EXPORT = reverse("receivables:aging_export")
QUERY = {"as_of": "2026-11-20"}


@pytest.fixture
def billing_client(client, db):
    user = make_user("billing")
    assert client.login(username=user.username, password=PASSWORD)
    client.user = user
    return client


def test_the_page_shows_buckets_totals_and_a_chart(book, billing_client):
    response = billing_client.get(PAGE, QUERY)
    assert response.status_code == 200
    html = response.content.decode()
    expected = book_aging(user=billing_client.user, as_of=AS_OF)
    assert 'data-testid="aging"' in html
    assert f"{expected.total:,.2f}" in html
    assert "83.59" in html  # the 31-60 bucket
    assert "100.00" in html  # disputed, shown apart
    assert "<svg" in html and "chart-bar" in html
    assert "<script" not in html.split("<svg", 1)[1].split("</svg>", 1)[0]
    assert "Nov 20, 2026" in html


def test_the_page_breaks_down_by_customer_class(book, billing_client):
    response = billing_client.get(PAGE, QUERY | {"group_by": "customer_class"})
    html = response.content.decode()
    assert 'data-testid="aging-groups"' in html
    assert "by customer class" in html
    for label in ("Residential", "Commercial", "Industrial"):
        assert label in html


def test_a_bad_date_is_a_400_with_the_form_error(billing_client):
    response = billing_client.get(PAGE, {"as_of": "2026-02-30"})
    assert response.status_code == 400
    assert "Enter a valid date" in response.content.decode()
    assert billing_client.get(EXPORT, {"as_of": "x"}).status_code == 400
    assert billing_client.get(PAGE, {"basis": "soon"}).status_code == 400


def test_the_nav_links_the_report_for_those_who_may_see_it(book, client, billing_client):
    assert PAGE in billing_client.get(reverse("console:home")).content.decode()
    rep = make_user("rep1")
    assert client.login(username=rep.username, password=PASSWORD)
    assert PAGE not in client.get(reverse("console:home")).content.decode()
    assert client.get(PAGE).status_code == 403


def test_the_csv_export_has_the_pages_figures(book, billing_client):
    response = billing_client.get(EXPORT, QUERY | {"format": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "receivables-aging-20261120-due_date.csv" in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    expected = book_aging(user=billing_client.user, as_of=AS_OF)
    by_bucket = {r["bucket"]: r for r in rows if r["group"] == "all"}
    for label, amount in expected.buckets.items():
        assert Decimal(by_bucket[label]["amount"]) == amount
        assert int(by_bucket[label]["accounts"]) == expected.accounts[label]
    assert by_bucket["total"]["amount"] == f"{expected.total:.2f}"
    assert by_bucket["disputed"]["amount"] == "100.00"


def test_the_xlsx_export_reads_back_as_numbers(book, billing_client):
    response = billing_client.get(
        EXPORT, QUERY | {"format": "xlsx", "basis": "invoice_date", "group_by": "customer_class"}
    )
    assert response.status_code == 200
    assert "spreadsheetml" in response["Content-Type"]
    book_file = load_workbook(io.BytesIO(response.content))
    sheet = book_file["Aging"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("group", "bucket", "amount", "accounts")
    expected = book_aging(
        user=billing_client.user, as_of=AS_OF, basis="invoice_date", group_by="customer_class"
    )
    whole = {r[1]: r for r in rows[1:] if r[0] == "all"}
    for label, amount in expected.buckets.items():
        assert Decimal(str(whole[label][2])).quantize(Decimal("0.01")) == amount
        assert whole[label][3] == expected.accounts[label]
    industrial = {r[1]: r for r in rows[1:] if r[0] == "Industrial"}
    assert Decimal(str(industrial["91-120"][2])) == Decimal("300")
    parameters = dict(book_file["Parameters"].iter_rows(values_only=True))
    assert parameters["aged by"] == "Invoice date"
    assert parameters["as of"].date() == AS_OF


def test_exports_are_refused_without_the_capability(book, client):
    rep = make_user("rep2")
    assert client.login(username=rep.username, password=PASSWORD)
    assert client.get(EXPORT, QUERY | {"format": "xlsx"}).status_code == 403


def test_the_page_costs_the_same_queries_whatever_the_book(book, billing_client, admin):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from servicebook.core.testing.factories import make_account

    from .conftest import debit

    with CaptureQueriesContext(connection) as small:
        billing_client.get(PAGE, QUERY | {"group_by": "customer_class"})
    for n in range(5):
        debit(make_account(actor=admin, last_name=f"More{n}"), "9.99", days_late=40 + n)
    with CaptureQueriesContext(connection) as large:
        response = billing_client.get(PAGE, QUERY | {"group_by": "customer_class"})
    assert response.status_code == 200
    assert len(large) == len(small)
    assert sum("ledger_openitem" in q["sql"] for q in large.captured_queries) == 1
