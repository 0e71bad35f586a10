"""The pages that reach the write-off services: the write-off on the account's collection
page (with its refusals named), referral and recall, the Agencies page with its files, the
letters to print, and the account API's collection section."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from servicebook.core.audit import history_for
from servicebook.core.testing.factories import PASSWORD, make_account, make_user
from servicebook.customers.models import ContactEmail
from servicebook.customers.services import account_set_status
from servicebook.ledger.models import OpenItem
from servicebook.receivables.models import (
    AgencyFile,
    AgencyReferral,
    CollectionAgency,
    CollectionLetter,
    WriteOff,
)
from servicebook.receivables.services import collections_run
from servicebook.receivables.writeoffs import referral_place, write_off_post
from servicebook.users.services import approval_limit_set

from .collections import make_collection_policy, owe

D = Decimal
DAY = dt.date(2026, 11, 20)


@pytest.fixture
def admin(db):
    user = make_user("admin")
    approval_limit_set(role="admin", kind="write_off", max_amount=D("1000.00"), actor=user)
    return user


@pytest.fixture
def collector(client, admin):
    """A collector logged in, whose role may write off up to 500.00."""
    approval_limit_set(role="collections", kind="write_off", max_amount=D("500.00"), actor=admin)
    user = make_user("collections")
    assert client.login(username=user.username, password=PASSWORD)
    return user


@pytest.fixture
def final_billed(admin):
    """Final-billed, owing 160.00 of which 40.00 disputed: 120.00 to write off."""
    account = make_account(actor=admin)
    owe(account, "100.00", due=DAY - dt.timedelta(days=90), actor=admin)
    disputed = owe(account, "60.00", due=DAY - dt.timedelta(days=60), actor=admin)
    OpenItem.objects.filter(pk=disputed.pk).update(disputed_amount=D("40.00"))
    account_set_status(account=account, status="final_billed", reason="moved out", actor=admin)
    return account


def page(account) -> str:
    return reverse("receivables:account_collection", args=[account.pk])


def test_collector_writes_off_from_the_collection_page_and_sees_it(client, collector, final_billed):
    html = client.get(page(final_billed)).content.decode()
    assert 'data-testid="write-off-form"' in html and "120.00" in html
    url = reverse("receivables:write_off_create", args=[final_billed.pk])
    response = client.post(url, {"reason": "Moved away, no forwarding address", "confirm": "on"})
    assert response.status_code == 302
    (write_off,) = WriteOff.objects.filter(account=final_billed)
    assert write_off.amount == D("120.00") and write_off.created_by == collector
    assert history_for(write_off).filter(action="create").exists()
    html = client.get(page(final_billed)).content.decode()
    assert write_off.number in html and "Moved away, no forwarding address" in html
    assert "Nothing undisputed is open to write off." in html  # 40.00 disputed stays open


def test_write_off_refusals_name_the_field_and_change_nothing(client, collector, admin):
    big = make_account(actor=admin)
    owe(big, "900.00", due=DAY - dt.timedelta(days=90), actor=admin)
    account_set_status(account=big, status="final_billed", reason="moved out", actor=admin)
    url = reverse("receivables:write_off_create", args=[big.pk])
    unconfirmed = client.post(url, {"reason": "gone"})
    assert unconfirmed.status_code == 400
    assert "Tick the box to confirm the write-off." in unconfirmed.content.decode()
    over = client.post(url, {"reason": "gone", "confirm": "on"})
    assert over.status_code == 400
    assert "Amount: 900.00 is above your write-off limit of 500.00" in over.content.decode()
    active = make_account(actor=admin)
    owe(active, "10.00", due=DAY, actor=admin)
    refused = client.post(
        reverse("receivables:write_off_create", args=[active.pk]),
        {"reason": "gone", "confirm": "on"},
    )
    assert refused.status_code == 400
    assert "Account: Only a final-billed account" in refused.content.decode()
    assert not WriteOff.objects.exists()


def test_no_write_off_form_without_an_approval_limit(client, admin, final_billed):
    user = make_user("collections")  # the role holds the capability, but no limit row
    assert client.login(username=user.username, password=PASSWORD)
    html = client.get(page(final_billed)).content.decode()
    assert 'data-testid="write-off-form"' not in html


def test_refer_then_recall_from_the_collection_page(client, collector, admin, final_billed):
    agency = CollectionAgency.objects.create(name="Acme Recovery", code="acme", default=True)
    write_off_post(account=final_billed, actor=admin, reason="gone")
    html = client.get(page(final_billed)).content.decode()
    assert 'data-testid="referral-form"' in html
    response = client.post(
        reverse("receivables:referral_create", args=[final_billed.pk]), {"agency": agency.pk}
    )
    assert response.status_code == 302
    referral = AgencyReferral.objects.get(account=final_billed)
    assert referral.amount == D("120.00") and referral.status == "referred"
    recall = reverse("receivables:referral_recall", args=[referral.pk])
    assert client.post(recall, {"reason": "paid"}).status_code == 400  # the listener's
    assert (
        client.post(recall, {"reason": "dispute", "note": "Says never lived there"}).status_code
        == 302
    )
    referral.refresh_from_db()
    assert (referral.status, referral.recall_reason) == ("recalled", "dispute")
    html = client.get(page(final_billed)).content.decode()
    assert "Says never lived there" in html and 'data-testid="recall-form"' not in html


def test_agencies_page_makes_and_downloads_the_same_file_twice(
    client, collector, admin, final_billed
):
    agency = CollectionAgency.objects.create(name="Acme Recovery", code="acme")
    write_off_post(account=final_billed, actor=admin, reason="gone")
    referral_place(account=final_billed, actor=admin, agency=agency)
    agencies = reverse("receivables:agencies")
    html = client.get(agencies).content.decode()
    assert final_billed.number in html and "No file yet today" in html
    assert client.post(reverse("receivables:agency_files_make")).status_code == 302
    assert client.post(reverse("receivables:agency_files_make")).status_code == 302
    (file,) = AgencyFile.objects.all()
    download = reverse("receivables:agency_file_download", args=[file.pk])
    assert download in client.get(agencies).content.decode()
    first, second = client.get(download), client.get(download)
    assert first["Content-Type"].startswith("text/csv")
    assert first["Content-Disposition"] == f'attachment; filename="{file.filename}"'
    assert first.content == second.content
    assert first.content.decode().splitlines()[0].startswith("account_number,name")
    assert final_billed.number in first.content.decode()


def test_letters_to_print_are_listed_printable_and_marked_once(client, collector, admin):
    make_collection_policy(admin)
    omar = make_account(actor=admin, first_name="Omar")
    ContactEmail.objects.filter(account=omar).delete()
    day = dt.date.today()
    owe(omar, "120.00", due=day - dt.timedelta(days=10), actor=admin)
    collections_run(as_of=day, actor=admin)
    letter = CollectionLetter.objects.get(account=omar)
    CollectionLetter.objects.filter(pk=letter.pk).update(channel="print", error="no email address")
    url = reverse("receivables:letters_print")
    html = client.get(url).content.decode()
    assert 'class="letter-sheet"' in html and omar.number in html and "no email address" in html
    assert "receivables/letters.css" in html
    mark = reverse("receivables:letters_mark_printed")
    assert client.post(mark, {"letter": [letter.pk]}).status_code == 302
    letter.refresh_from_db()
    assert letter.printed_at is not None and letter.printed_by == collector
    assert history_for(letter).filter(action="print").count() == 1
    assert client.post(mark, {"letter": [letter.pk]}).status_code == 302  # a second press
    assert history_for(letter).filter(action="print").count() == 1
    assert 'data-testid="letters-print-empty"' in client.get(url).content.decode()


def test_account_api_collection_section_shows_write_offs_and_the_open_referral(admin, final_billed):
    agency = CollectionAgency.objects.create(name="Acme Recovery", code="acme")
    api = APIClient()
    api.force_authenticate(make_user("collections"))
    url = f"/api/accounts/{final_billed.pk}/"
    assert api.get(url).json()["collection"] is None  # never in collections, nothing written off
    write_off = write_off_post(account=final_billed, actor=admin, reason="gone")
    referral = referral_place(account=final_billed, actor=admin, agency=agency)
    section = api.get(url).json()["collection"]
    assert section["status"] is None and section["policy"] is None
    assert section["write_offs"] == [
        {
            "number": write_off.number,
            "amount": "120.00",
            "recovered": "0.00",
            "outstanding": "120.00",
            "written_off_on": write_off.written_off_on.isoformat(),
            "reason": "gone",
            "source": "manual",
        }
    ]
    assert section["referral"]["id"] == referral.pk
    assert (section["referral"]["agency_code"], section["referral"]["amount"]) == ("acme", "120.00")


def test_write_off_by_api_within_the_limit_and_a_400_naming_the_field_above_it(admin, final_billed):
    approval_limit_set(role="collections", kind="write_off", max_amount=D("100.00"), actor=admin)
    api = APIClient()
    api.force_authenticate(make_user("collections"))
    url = f"/api/accounts/{final_billed.pk}/write-offs/"
    over = api.post(url, {"reason": "gone"}, format="json")
    assert over.status_code == 400, over.json()
    assert "limit" in str(over.json()["amount"])
    assert not WriteOff.objects.exists()
    approval_limit_set(role="collections", kind="write_off", max_amount=D("500.00"), actor=admin)
    made = api.post(url, {"reason": "gone"}, format="json")
    assert made.status_code == 201
    assert (made.json()["amount"], made.json()["source"]) == ("120.00", "manual")
    assert [w["number"] for w in api.get(url).json()["results"]] == [made.json()["number"]]


def test_agencies_and_print_list_query_counts_do_not_grow_with_rows(client, collector, admin):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    make_collection_policy(admin)
    agency = CollectionAgency.objects.create(name="Acme Recovery", code="acme")
    day = dt.date.today()

    def add_late_account():
        account = make_account(actor=admin)
        ContactEmail.objects.filter(account=account).delete()
        owe(account, "120.00", due=day - dt.timedelta(days=10), actor=admin)
        AgencyReferral.objects.create(
            account=account, agency=agency, amount="50.00", referred_on=day
        )

    def queries(name: str) -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse(name)).status_code == 200
        return len(ctx)

    add_late_account()
    collections_run(as_of=day, actor=admin)
    CollectionLetter.objects.update(channel="print")
    baseline = queries("receivables:agencies"), queries("receivables:letters_print")
    for _ in range(3):
        add_late_account()
    collections_run(as_of=day, actor=admin)
    CollectionLetter.objects.update(channel="print")
    assert CollectionLetter.objects.count() == 4
    assert (queries("receivables:agencies"), queries("receivables:letters_print")) == baseline
