"""The billing API: an invoice from draft to credit note, the account 360 view's money
sections (a contract of issue 3), and role limits."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from servicebook.billing.models import Invoice
from servicebook.core.testing.factories import make_invoice, make_user
from servicebook.ledger.models import JournalEntry

pytestmark = pytest.mark.django_db
D = Decimal


def api(role="billing"):
    client = APIClient()
    client.force_authenticate(make_user(role))
    return client


def test_an_invoice_goes_from_draft_to_issued_to_credited(account, labour):
    client = api()
    draft = client.post("/api/invoices/", {"account": account.pk}, format="json")
    assert draft.status_code == 201 and draft.json()["status"] == "draft"
    pk = draft.json()["id"]
    line = client.post(
        f"/api/invoices/{pk}/lines/",
        {"catalog_item": labour.pk, "quantity": "2"},
        format="json",
    )
    assert line.status_code == 201 and line.json()["total"] == "205.20"
    issued = client.post(f"/api/invoices/{pk}/issue/", {"issued_on": "2026-05-04"}, format="json")
    body = issued.json()
    assert issued.status_code == 200
    assert body["status"] == "issued" and body["number"].startswith("INV-")
    assert body["due_date"] == "2026-05-25" and body["open_amount"] == "205.20"
    again = client.post(f"/api/invoices/{pk}/issue/", {}, format="json")
    assert again.status_code == 409
    note = client.post(
        f"/api/invoices/{pk}/credit-notes/",
        {"reason": "Goodwill", "lines": [{"line": body["lines"][0]["id"], "amount": "95.00"}]},
        format="json",
    )
    assert note.status_code == 201 and note.json()["total"] == "102.60"
    assert client.get(f"/api/invoices/{pk}/").json()["status"] == "partially_paid"
    pdf = client.get(f"/api/invoices/{pk}/pdf/")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
    listed = client.get("/api/invoices/", {"status": "partially_paid", "account": account.number})
    assert [row["id"] for row in listed.json()["results"]] == [pk]


def test_the_account_360_view_has_balance_aging_and_open_invoices(account, biller, labour):
    old = make_invoice(
        account=account,
        lines=[(labour, 1)],
        actor=biller,
        issued_on=dt.date.today() - dt.timedelta(days=60),
    )  # 39 days late
    new = make_invoice(account=account, lines=[(labour, 2)], actor=biller)
    body = api("rep1").get(f"/api/accounts/{account.pk}/").json()
    assert body["balance"]["balance"] == "307.80"
    assert body["balance"]["past_due"] == "102.60"
    buckets = {b["label"]: b["amount"] for b in body["aging"]["buckets"]}
    assert buckets["current"] == "205.20" and buckets["31-60"] == "102.60"
    assert [i["number"] for i in body["open_invoices"]] == [old.number, new.number]
    assert body["open_invoices"][0]["open_amount"] == "102.60"


def test_a_representative_cannot_issue_or_credit_and_nothing_changes(account, biller, labour):
    draft = make_invoice(account=account, lines=[(labour, 1)], actor=biller, issue=False)
    issued = make_invoice(account=account, lines=[(labour, 1)], actor=biller)
    client = api("rep1")
    entries = JournalEntry.objects.count()
    assert client.post(f"/api/invoices/{draft.pk}/issue/", {}, format="json").status_code == 403
    refused = client.post(
        f"/api/invoices/{issued.pk}/credit-notes/", {"reason": "x", "void": True}, format="json"
    )
    assert refused.status_code == 403
    assert JournalEntry.objects.count() == entries
    assert Invoice.objects.get(pk=draft.pk).status == "draft"


def test_bad_input_names_the_field(account, labour):
    client = api()
    response = client.post("/api/invoices/", {"account": 999999}, format="json")
    assert response.status_code == 400 and "account" in response.json()
    draft = client.post("/api/invoices/", {"account": account.pk}, format="json").json()
    response = client.post(f"/api/invoices/{draft['id']}/lines/", {"quantity": "1"}, format="json")
    assert response.status_code == 400 and "description" in response.json()
