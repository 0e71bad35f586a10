"""The pages, the API and the commands, over the real services: the account page's box,
the arrangement page (propose, adjust, confirm), the API's arrangement set-up and the
account API's sections, and the two review commands."""

from __future__ import annotations

import datetime as dt
import io

from django.core.management import call_command
from rest_framework.test import APIClient

from servicebook.core.testing.factories import PASSWORD
from servicebook.credit.models import ArrangementStatus, PaymentArrangement
from servicebook.customers.models import Account

from .conftest import D


def _login(client, user):
    assert client.login(username=user.username, password=PASSWORD)


def _api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_account_page_offers_the_arrangement(client, rep, account, invoice, arrangement_policy):
    invoice(account, "400.00")
    _login(client, rep)
    page = client.get(f"/accounts/{account.pk}/").content.decode()
    assert 'data-testid="arrangement-offer"' in page
    assert "$400.00" in page and "$100.00" in page


def test_arrangement_page_previews_and_confirms(client, rep, account, invoice, arrangement_policy):
    invoice(account, "400.00")
    _login(client, rep)
    url = f"/credit/accounts/{account.pk}/arrangement/"
    page = client.get(url, {"installments": "3", "down_payment": "100.00"}).content.decode()
    assert page.count("$100.00") >= 4  # the down payment and three installments of 100
    refused = client.post(f"{url}create/", {"installments": "9"})
    assert refused.status_code == 400
    assert "Choose between 1 and 6 installments." in refused.content.decode()
    assert not PaymentArrangement.objects.exists()
    done = client.post(f"{url}create/", {"installments": "3"})
    assert done.status_code == 302
    arrangement = PaymentArrangement.objects.get()
    assert (arrangement.status, arrangement.installment_count) == (ArrangementStatus.ACTIVE, 3)
    page = client.get(url).content.decode()
    assert 'id="installments"' in page


def test_api_proposal_create_and_account_sections(rep, account, invoice, arrangement_policy):
    invoice(account, "400.00")
    api = _api(rep)
    base = f"/api/accounts/{account.pk}/arrangements/"
    proposal = api.get(f"{base}proposal/", {"installments": 2}).json()
    assert proposal["eligible"] and proposal["min_down_payment"] == "100.00"
    assert [line["amount"] for line in proposal["schedule"]] == ["100.00", "150.00", "150.00"]
    bad = api.post(base, {"installments": 7}, format="json")
    assert bad.status_code == 400 and "installments" in bad.json()
    created = api.post(base, {"installments": 2}, format="json")
    assert created.status_code == 201, created.content
    body = created.json()
    assert [i["amount"] for i in body["installments"]] == ["100.00", "150.00", "150.00"]
    again = api.post(base, {"installments": 2}, format="json")
    assert again.status_code == 400  # one active arrangement at a time
    detail = api.get(f"/api/accounts/{account.pk}/").json()
    assert detail["arrangement"]["id"] == body["id"]
    assert detail["restoration"] is None


def test_account_api_shows_the_restoration_amount(rep, account, invoice, restoration_policy):
    invoice(account, "90.00")
    Account.objects.filter(pk=account.pk).update(status="disconnected")
    section = _api(rep).get(f"/api/accounts/{account.pk}/").json()["restoration"]
    assert section["amount"] == "125.00"
    assert [(i["key"], i["amount"]) for i in section["items"]] == [
        ("past_due", "90.00"),
        ("fee", "35.00"),
    ]


def test_arrangements_review_command(account, invoice, arrangement_policy, rep):
    from servicebook.credit.services import arrangement_create

    invoice(account, "300.00")
    arrangement_create(account=account, actor=rep, installments=2)
    late = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    out = io.StringIO()
    call_command("arrangements-review", "--as-of", late, stdout=out)
    assert "1 broken, 0 kept" in out.getvalue()
    out = io.StringIO()
    call_command("arrangements-review", "--as-of", late, stdout=out)
    assert "0 broken, 0 kept" in out.getvalue()


def test_deposits_review_command_bills(account, deposit_policy, supervisor):
    out = io.StringIO()
    call_command("deposits-review", stdout=out)
    assert "1 required" in out.getvalue() and "0 billed" in out.getvalue()
    out = io.StringIO()
    call_command("deposits-review", "--bill", "--user", supervisor.username, stdout=out)
    assert "1 billed" in out.getvalue()
    assert account.deposits.get().amount_required == D("50.00")


def test_account_box_shows_restoration_and_cash_only(
    client, collector, account, invoice, restoration_policy, credit_policy
):
    from servicebook.credit.services import credit_event_record

    invoice(account, "90.00")
    Account.objects.filter(pk=account.pk).update(status="disconnected")
    credit_event_record(account=account, kind="disconnection", on=dt.date.today())
    credit_event_record(account=account, kind="late_payment", on=dt.date.today())
    _login(client, collector)
    page = client.get(f"/accounts/{account.pk}/").content.decode()
    assert 'data-testid="cash-only"' in page
    assert 'data-testid="restoration-total">$125.00' in page
    # Collections hold credit.manage and billing.fees: the collector restores from here.
    assert 'data-testid="restoration-open"' in page


def test_a_collector_opens_the_restoration_and_its_fee_is_billed(
    client, collector, account, invoice, restoration_policy
):
    from servicebook.billing.models import Invoice
    from servicebook.credit.models import Restoration
    from servicebook.ledger.verify import ledger_verify

    invoice(account, "90.00")
    Account.objects.filter(pk=account.pk).update(status="disconnected")
    _login(client, collector)
    response = client.post(f"/credit/accounts/{account.pk}/restoration/")
    assert response.status_code == 302
    restoration = Restoration.objects.get(account=account)
    assert restoration.fee > 0 and restoration.fee_invoice.status == "issued"
    assert restoration.fee_invoice.total == restoration.fee
    # Billing's own draft-and-issue rights stay with billing: the fee is all it bills.
    assert Invoice.objects.filter(account=account, memo="Restoration fee").count() == 1
    assert ledger_verify() == []


def test_restoration_refused_without_credit_manage_changes_nothing(
    account, invoice, restoration_policy
):
    import pytest
    from django.core.exceptions import PermissionDenied

    from servicebook.billing.models import Invoice
    from servicebook.core.testing.factories import make_user
    from servicebook.credit.models import Restoration
    from servicebook.credit.services import restoration_open

    invoice(account, "90.00")
    Account.objects.filter(pk=account.pk).update(status="disconnected")
    account.refresh_from_db()
    invoices = Invoice.objects.count()
    with pytest.raises(PermissionDenied):
        restoration_open(account=account, actor=make_user("billing"))
    assert not Restoration.objects.exists()
    assert Invoice.objects.count() == invoices
