"""Billing pages as people use them: the account page's Balance and Invoices panels, an
invoice from draft to issued to credited, its PDF, the list's filters, statements, the
catalog and bill runs; refusals show on the form with 400/409 and change nothing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from servicebook.billing.choices import InvoiceStatus
from servicebook.billing.documents import invoice_document, invoice_pdf
from servicebook.billing.models import BillRun, CatalogItem, Invoice
from servicebook.core.testing.factories import PASSWORD, make_invoice, make_user

pytestmark = pytest.mark.django_db
D = Decimal


def login(client, role="billing"):
    user = make_user(role)
    assert client.login(username=user.username, password=PASSWORD)
    return user


def pdf_text(invoice) -> str:
    from weasyprint.formatting_structure import boxes

    document = invoice_document(invoice)
    return " ".join(
        box.text
        for page in document.pages
        for box in page._page_box.descendants()
        if isinstance(box, boxes.TextBox)
    )


def test_the_account_page_shows_balance_aging_and_invoices(client, account, biller, labour):
    invoice = make_invoice(
        account=account,
        lines=[(labour, 1)],
        actor=biller,
        issued_on=dt.date.today() - dt.timedelta(days=40),
    )  # 19 days late
    login(client, "rep1")
    response = client.get(reverse("customers:account_detail", args=[account.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="balance"' in html and "$102.60" in html
    assert 'id="invoices"' in html and invoice.number in html
    assert reverse("billing:invoice_pdf", args=[invoice.pk]) in html


def test_the_account_page_costs_the_same_queries_with_many_invoices(
    client, account, biller, labour
):
    login(client)
    url = reverse("customers:account_detail", args=[account.pk])
    make_invoice(account=account, lines=[(labour, 1)], actor=biller)
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for _ in range(6):
        make_invoice(account=account, lines=[(labour, 1)], actor=biller)
    with CaptureQueriesContext(connection) as seven:
        client.get(url)
    assert len(seven.captured_queries) == len(one.captured_queries)


def test_a_draft_gets_lines_is_issued_and_credited_from_its_page(client, account, labour):
    login(client)
    response = client.post(reverse("billing:invoice_new", args=[account.pk]))
    invoice = Invoice.objects.get()
    assert response.url == reverse("billing:invoice_detail", args=[invoice.pk])
    url = reverse("billing:invoice_line_add", args=[invoice.pk])
    assert client.post(url, {"catalog_item": labour.pk, "quantity": "1.5"}).status_code == 302
    bad = client.post(url, {"quantity": "1", "description": ""})
    assert bad.status_code == 400
    assert "Describe the line" in bad.content.decode()
    assert client.post(reverse("billing:invoice_issue", args=[invoice.pk])).status_code == 302
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.ISSUED and invoice.total == D("153.90")
    # An issued invoice takes no more lines: 409 and nothing changes.
    refused = client.post(url, {"catalog_item": labour.pk, "quantity": "1"})
    assert refused.status_code == 409
    assert invoice.lines.count() == 1
    page = client.get(reverse("billing:invoice_detail", args=[invoice.pk])).content.decode()
    assert invoice.number in page and "Credit note" in page
    credit = client.post(
        reverse("billing:invoice_credit", args=[invoice.pk]),
        {"reason": "Billed twice", "void": "on"},
    )
    assert credit.status_code == 302
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.VOID


def test_the_pdf_is_a_real_pdf_with_the_invoice_number(client, account, biller, labour, part):
    invoice = make_invoice(account=account, lines=[(labour, 2), (part, 3)], actor=biller)
    login(client, "rep1")
    response = client.get(reverse("billing:invoice_pdf", args=[invoice.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    body = response.content
    assert body.startswith(b"%PDF-") and body.rstrip().endswith(b"%%EOF")
    assert b"startxref" in body
    text = pdf_text(invoice)
    assert f"Invoice {invoice.number}" in text
    assert "$245.67" in text  # 190.00 + 37.47 + tax 15.20 + 3.00
    assert len(invoice_pdf(invoice)) > 1000


def test_the_invoice_list_filters_by_status_and_account(client, account, biller, labour):
    from servicebook.core.testing.factories import make_account

    other = make_account(actor=biller, last_name="Other")
    paid_or_not = make_invoice(account=account, lines=[(labour, 1)], actor=biller)
    make_invoice(account=other, lines=[(labour, 1)], actor=biller)
    make_invoice(account=account, lines=[(labour, 1)], actor=biller, issue=False)
    login(client, "collections")
    url = reverse("billing:invoice_list")
    html = client.get(url, {"account": account.number, "status": "issued"}).content.decode()
    assert paid_or_not.number in html
    assert html.count("billing/invoices/") - html.count("/pdf/") >= 1
    assert "Draft" not in html.split('id="results"')[1]
    fragment = client.get(url, {"status": "draft"}, HTTP_HX_REQUEST="true").content.decode()
    assert fragment.lstrip().startswith("<section") and "Draft invoice" in fragment


def test_a_statement_shows_opening_activity_and_closing(client, account, biller, labour):
    make_invoice(account=account, lines=[(labour, 1)], actor=biller, issued_on=dt.date(2026, 4, 20))
    make_invoice(account=account, lines=[(labour, 2)], actor=biller, issued_on=dt.date(2026, 5, 3))
    login(client, "rep2")
    html = client.get(reverse("billing:statement", args=[account.pk, "2026-05"])).content.decode()
    assert "Opening balance" in html and "$102.60" in html
    assert "$307.80" in html  # closing: 102.60 + 205.20
    pdf = client.get(reverse("billing:statement_pdf", args=[account.pk, "2026-05"]))
    assert pdf.content.startswith(b"%PDF-")
    assert client.get(reverse("billing:statement", args=[account.pk, "May"])).status_code == 400


def test_the_catalog_is_kept_by_billing_and_read_by_representatives(client, tax):
    from servicebook.ledger.models import LedgerAccount

    login(client, "rep1")
    assert client.get(reverse("billing:catalog")).status_code == 200
    data = {
        "code": "tune-up",
        "name": "Tune-up",
        "kind": "labour",
        "unit": "visit",
        "price": "149.00",
        "tax_code": tax.pk,
        "revenue_account": LedgerAccount.objects.get(code="4400").pk,
        "active": "on",
    }
    assert client.post(reverse("billing:catalog_add"), data).status_code == 403
    assert not CatalogItem.objects.exists()
    login(client, "billing")
    assert client.post(reverse("billing:catalog_add"), data).status_code == 302
    item = CatalogItem.objects.get()
    edit = reverse("billing:catalog_edit", args=[item.pk])
    assert client.post(edit, {**data, "price": "159.00"}).status_code == 302
    item.refresh_from_db()
    assert item.price == D("159.00")
    fee = {**data, "code": "x", "revenue_account": LedgerAccount.objects.get(code="1200").pk}
    assert client.post(reverse("billing:catalog_add"), fee).status_code == 400


def test_a_bill_run_is_started_from_its_page_and_shows_progress(client, account):
    login(client)
    response = client.post(reverse("billing:run_start"), {"cycle": 1, "period": "2026-06"})
    run = BillRun.objects.get()
    assert response.url == reverse("billing:run_detail", args=[run.pk])
    page = client.get(response.url).content.decode()
    assert "Progress" in page and "cycle 1" in page
    bad = client.post(reverse("billing:run_start"), {"cycle": 1, "period": "June"})
    assert bad.status_code == 400 and BillRun.objects.count() == 1
