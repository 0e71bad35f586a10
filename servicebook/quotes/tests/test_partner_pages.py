"""Partner requests as staff meet them: the list with its status, partner and overdue
filters (PARTNER_REQUEST_OVERDUE_DAYS), the page with the history and only the allowed
moves (a wrong move is a 409 with the reason, nothing changed), Send to partner from the
work-order page, the boxes on the work-order and account pages, and /api/partner-requests/."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from servicebook.core.testing.factories import PASSWORD, make_user, make_work_order
from servicebook.integrations import services as integ
from servicebook.quotes import partner as pr
from servicebook.quotes.models import PartnerRequest, PartnerRequestEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client, coordinator):
    assert client.login(username=coordinator.username, password=PASSWORD)
    return client


@pytest.fixture
def warranty(admin):
    return integ.partner_create(
        name="Acme Warranty", kind="warranty", connector="portal", actor=admin
    )


@pytest.fixture
def carrier(admin):
    return integ.partner_create(
        name="Northline Carriers", kind="carrier", connector="portal", actor=admin
    )


@pytest.fixture
def job(account, admin):
    return make_work_order(account=account, actor=admin, summary="Compressor dead")


def _send(account, partner, actor, *, days_ago: int = 0, **kw):
    return pr.partner_request_send(
        account=account,
        partner=partner,
        summary=kw.pop("summary", "Compressor under warranty"),
        actor=actor,
        now=timezone.now() - dt.timedelta(days=days_ago),
        **kw,
    )


def test_the_list_filters_by_status_and_partner_and_flags_the_overdue(
    staff, account, coordinator, warranty, carrier, settings
):
    settings.PARTNER_REQUEST_OVERDUE_DAYS = 3
    late = _send(account, warranty, coordinator, days_ago=5, summary="Late one")
    fresh = _send(account, warranty, coordinator, days_ago=1, summary="Fresh one")
    finished = _send(account, carrier, coordinator, days_ago=9, summary="Finished one")
    PartnerRequest.objects.filter(pk=finished.pk).update(status="done")  # final: never late
    url = reverse("quotes:partner_list")

    page = staff.get(url)
    rows = {r.number: r.is_overdue for r in page.context["page"]}
    assert rows == {late.number: True, fresh.number: False, finished.number: False}
    assert page.content.count(b'data-testid="overdue"') == 1

    assert [r.pk for r in staff.get(url, {"overdue": "1"}).context["page"]] == [late.pk]
    by_partner = staff.get(url, {"partner": carrier.pk}).context["page"]
    assert [r.pk for r in by_partner] == [finished.pk]
    by_status = staff.get(url, {"status": "done", "partner": "junk"}).context["page"]
    assert [r.pk for r in by_status] == [finished.pk]

    # The setting is the rule: with a week's grace nothing is late.
    settings.PARTNER_REQUEST_OVERDUE_DAYS = 7
    assert list(staff.get(url, {"overdue": "1"}).context["page"]) == []


def test_the_page_shows_the_history_and_only_the_allowed_moves(
    staff, account, coordinator, warranty
):
    request = _send(account, warranty, coordinator)
    pr.partner_request_transition(request=request, status="approved", actor=coordinator)
    page = staff.get(reverse("quotes:partner_detail", args=[request.pk]))
    assert page.status_code == 200
    assert [m.value for m in page.context["moves"]] == ["done", "cancelled"]
    assert [(e.from_status, e.to_status) for e in page.context["history"]] == [
        ("", "sent"),
        ("sent", "approved"),
    ]
    html = page.content.decode()
    assert 'value="done"' in html and 'value="acknowledged"' not in html


def test_recording_an_answer_moves_the_request_and_keeps_the_reference(
    staff, account, coordinator, warranty
):
    request = _send(account, warranty, coordinator)
    response = staff.post(
        reverse("quotes:partner_transition", args=[request.pk]),
        {"status": "acknowledged", "reference": "W-778", "note": "Case opened"},
    )
    assert response.status_code == 302
    request.refresh_from_db()
    assert (request.status, request.partner_reference) == ("acknowledged", "W-778")
    event = request.history.last()
    assert (event.actor, event.note) == (coordinator, "Case opened")


def test_a_wrong_move_is_a_409_with_the_reason_and_changes_nothing(
    staff, account, coordinator, warranty
):
    request = _send(account, warranty, coordinator)
    url = reverse("quotes:partner_transition", args=[request.pk])
    response = staff.post(url, {"status": "done"})
    assert response.status_code == 409
    assert "it cannot become done" in response.content.decode()
    refused = staff.post(url, {"status": "rejected"})  # a rejection needs the reason
    assert refused.status_code == 400 and "Say why the partner declined" in refused.content.decode()
    request.refresh_from_db()
    assert request.status == "sent" and request.history.count() == 1


def test_send_to_partner_from_the_work_order_emails_the_customer_when_asked(
    staff, account, coordinator, warranty, job, smtp, django_capture_on_commit_callbacks
):
    page = staff.get(reverse("workorders:workorder_detail", args=[job.pk]))
    assert b"Send to partner" in page.content and b"Acme Warranty" in page.content
    with django_capture_on_commit_callbacks(execute=True):
        response = staff.post(
            reverse("quotes:partner_send", args=[job.pk]),
            {
                "partner": warranty.pk,
                "summary": "Replace the compressor",
                "amount": "480.50",
                "notify_customer": "on",
            },
        )
    request = PartnerRequest.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("quotes:partner_detail", args=[request.pk])
    assert (request.work_order, request.account, str(request.amount)) == (job, account, "480.50")
    assert request.notify_customer and request.created_by == coordinator
    assert smtp.messages[-1].message["To"] == "jane.quote@example.com"


def test_a_send_without_what_is_asked_shows_the_form_again_and_sends_nothing(
    staff, coordinator, warranty, job, smtp, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = staff.post(
            reverse("quotes:partner_send", args=[job.pk]),
            {"partner": warranty.pk, "summary": "", "amount": "-5", "notify_customer": "on"},
        )
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"summary", "amount"}
    assert not PartnerRequest.objects.exists() and smtp.messages == []


def test_the_work_order_and_account_pages_show_their_requests(
    staff, account, coordinator, warranty, job
):
    on_job = _send(account, warranty, coordinator, work_order=job, summary="On the job")
    elsewhere = _send(account, warranty, coordinator, summary="Account only")
    wo_page = staff.get(reverse("workorders:workorder_detail", args=[job.pk])).content.decode()
    assert on_job.number in wo_page and elsewhere.number not in wo_page
    acc_page = staff.get(reverse("customers:account_detail", args=[account.pk])).content.decode()
    assert on_job.number in acc_page and elsewhere.number in acc_page


def test_a_rep_sees_requests_without_the_send_form_and_a_subcontractor_sees_none(
    client, account, coordinator, warranty, job
):
    request = _send(account, warranty, coordinator, work_order=job)
    rep = make_user("rep1")
    assert client.login(username=rep.username, password=PASSWORD)
    page = client.get(reverse("workorders:workorder_detail", args=[job.pk])).content.decode()
    assert request.number in page and "Send to partner" not in page
    sub = make_user("subcontractor")
    assert client.login(username=sub.username, password=PASSWORD)
    assert list(client.get(reverse("quotes:partner_list")).context["page"]) == []
    assert client.get(reverse("quotes:partner_detail", args=[request.pk])).status_code == 404


@pytest.fixture
def api(coordinator):
    client = APIClient()
    client.force_authenticate(coordinator)
    return client


def test_the_api_sends_lists_and_moves_a_request(api, account, coordinator, warranty, job):
    late = _send(account, warranty, coordinator, days_ago=10)
    created = api.post(
        "/api/partner-requests/",
        {"work_order": job.pk, "partner": warranty.pk, "summary": "New coil", "amount": "95.00"},
        format="json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["account"], body["work_order_number"], body["amount"]) == (
        account.pk,
        job.number,
        "95.00",
    )
    assert [h["to_status"] for h in body["history"]] == ["sent"]
    overdue = api.get("/api/partner-requests/", {"overdue": "true"}).json()["results"]
    assert [r["number"] for r in overdue] == [late.number] and overdue[0]["is_overdue"]
    moved = api.post(
        f"/api/partner-requests/{body['id']}/status/",
        {"status": "approved", "reference": "W-12"},
        format="json",
    )
    assert moved.status_code == 200
    assert (moved.json()["status"], moved.json()["partner_reference"]) == ("approved", "W-12")
    assert api.get(f"/api/partner-requests/{body['id']}/").json()["history"][-1]["actor"] == (
        coordinator.username
    )


def test_the_api_refuses_a_wrong_move_with_409_and_a_bad_body_with_400(
    api, account, coordinator, warranty
):
    request = _send(account, warranty, coordinator)
    wrong = api.post(
        f"/api/partner-requests/{request.pk}/status/", {"status": "done"}, format="json"
    )
    assert wrong.status_code == 409
    for body, field in (
        (
            {"account": account.pk, "partner": warranty.pk, "summary": "x", "colour": "red"},
            "colour",
        ),
        ({"account": account.pk, "partner": 999999, "summary": "x"}, "partner"),
        ({"partner": warranty.pk, "summary": "x"}, "account"),
    ):
        bad = api.post("/api/partner-requests/", body, format="json")
        assert bad.status_code == 400 and field in str(bad.content), bad.content
    request.refresh_from_db()
    assert request.status == "sent" and PartnerRequestEvent.objects.count() == 1
    assert PartnerRequest.objects.count() == 1
