"""Out-of-scope work sent to the partner that owns it: the outbox event addressed to the
partner (a signed delivery, or a portal task), the status machine with its history (409 on a
wrong move), the customer's timeline note and email through the real SMTP server, and the
partner's own answers through the inbound API (idempotent on its event id)."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from rest_framework.test import APIClient

from servicebook.core.errors import InvalidTransition, ValidationFailed
from servicebook.core.testing.factories import make_user, make_work_order
from servicebook.customers.models import Note
from servicebook.integrations import services as integ
from servicebook.integrations.models import Delivery, InboundEvent, OutboundEvent, PortalTask
from servicebook.quotes import partner as pr
from servicebook.quotes.models import PartnerRequest

pytestmark = pytest.mark.django_db


@pytest.fixture
def warranty(admin):
    boss = make_user("supervisor")
    partner = integ.partner_create(
        name="Acme Warranty", kind="warranty", connector="webhook", actor=boss
    )
    # Subscribed to work-order events only: a request addressed to it still reaches it.
    integ.endpoint_create(
        partner=partner,
        url="http://127.0.0.1:9/hook",
        event_types=["workorder.status_changed"],
        actor=boss,
    )
    return partner


@pytest.fixture
def carrier(admin):
    return integ.partner_create(
        name="Northline Carriers", kind="carrier", connector="portal", actor=make_user("admin")
    )


def _send(account, partner, coordinator, **kw):
    return pr.partner_request_send(
        account=account,
        partner=partner,
        summary="Compressor under warranty",
        amount="480.50",
        actor=coordinator,
        **kw,
    )


def test_sending_publishes_an_event_addressed_to_a_webhook_partner(account, coordinator, warranty):
    request = _send(account, warranty, coordinator)
    assert request.number.startswith("PR-") and request.status == "sent"
    event = OutboundEvent.objects.get(event_type="partner_request.sent")
    assert event.payload["number"] == request.number and event.payload["amount"] == "480.50"
    assert Delivery.objects.filter(event=event, endpoint__partner=warranty).count() == 1
    assert list(request.history.values_list("to_status", flat=True)) == ["sent"]


def test_a_portal_partner_gets_a_task_to_enter_the_request(account, coordinator, carrier):
    request = _send(account, carrier, coordinator)
    task = PortalTask.objects.get(partner=carrier)
    assert request.number in task.text and "Northline Carriers" in task.text


def test_status_moves_are_enforced_and_kept_as_history(account, coordinator, warranty):
    request = _send(account, warranty, coordinator)
    request = pr.partner_request_transition(
        request=request, status="acknowledged", reference="W-778", actor=coordinator
    )
    assert request.partner_reference == "W-778"
    with pytest.raises(InvalidTransition):
        pr.partner_request_transition(request=request, status="done", actor=coordinator)
    request = pr.partner_request_transition(request=request, status="approved", actor=coordinator)
    request = pr.partner_request_transition(request=request, status="done", actor=coordinator)
    with pytest.raises(InvalidTransition):
        pr.partner_request_transition(request=request, status="cancelled", actor=coordinator)
    history = list(request.history.values_list("from_status", "to_status"))
    assert history == [
        ("", "sent"),
        ("sent", "acknowledged"),
        ("acknowledged", "approved"),
        ("approved", "done"),
    ]
    assert OutboundEvent.objects.filter(event_type="partner_request.status_changed").count() == 3


def test_rejection_needs_a_reason_and_bad_input_names_the_field(account, coordinator, warranty):
    request = _send(account, warranty, coordinator)
    with pytest.raises(ValidationFailed) as exc:
        pr.partner_request_transition(request=request, status="rejected", actor=coordinator)
    assert "note" in exc.value.errors
    for bad, field in (
        ({"amount": "1e400"}, "amount"),
        ({"amount": "-3"}, "amount"),
        ({"summary": "a\x00b"}, "summary"),
        ({"summary": ""}, "summary"),
    ):
        kwargs = {"summary": "x", **bad}
        with pytest.raises(ValidationFailed) as exc:
            pr.partner_request_send(account=account, partner=warranty, actor=coordinator, **kwargs)
        assert field in exc.value.errors
    assert PartnerRequest.objects.count() == 1


def test_another_accounts_work_order_is_refused(account, coordinator, warranty, admin):
    other = make_work_order(actor=admin)
    with pytest.raises(ValidationFailed) as exc:
        _send(account, warranty, coordinator, work_order=other)
    assert "work_order" in exc.value.errors


def test_a_rep_without_quotes_edit_may_not_send(account, warranty):
    with pytest.raises(PermissionDenied):
        _send(account, warranty, make_user("rep1"))


def test_the_customer_gets_a_timeline_note_and_an_email_on_each_change(
    account, coordinator, warranty, smtp, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        request = _send(account, warranty, coordinator, notify_customer=True)
    with django_capture_on_commit_callbacks(execute=True):
        pr.partner_request_transition(
            request=request, status="approved", reference="W-1", actor=coordinator
        )
    notes = list(Note.objects.filter(account=account).values_list("summary", flat=True))
    assert any("approved the work" in n and "W-1" in n for n in notes)
    assert any("We sent your request" in n for n in notes)
    assert smtp.messages[-1].message["To"] == "jane.quote@example.com"
    bodies = [m.message.get_body(("plain",)).get_content() for m in smtp.messages]
    assert len(bodies) == 2 and "approved the work" in bodies[1]


def test_no_email_unless_asked(
    account, coordinator, warranty, smtp, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _send(account, warranty, coordinator)
    assert smtp.messages == []
    assert Note.objects.filter(account=account, summary__contains="We sent").count() == 1


def _partner_client(partner):
    _, raw = integ.token_issue(partner=partner, actor=make_user("admin"))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Partner {raw}")
    return client


def test_the_partner_answers_through_the_inbound_api_idempotently(account, coordinator, warranty):
    request = _send(account, warranty, coordinator)
    client = _partner_client(warranty)
    body = {
        "event_id": "e-1",
        "type": "partner_request.status",
        "data": {"request": request.number, "status": "approved", "reference": "W-9"},
    }
    first = client.post("/api/integrations/inbound/", body, format="json")
    assert first.status_code == 201, first.content
    again = client.post("/api/integrations/inbound/", body, format="json")
    assert again.status_code == 201 and again.headers.get("Idempotent-Replayed") == "true"
    request.refresh_from_db()
    assert (request.status, request.partner_reference) == ("approved", "W-9")
    assert request.history.filter(by_partner=True).count() == 1
    wrong = client.post(
        "/api/integrations/inbound/",
        {
            "event_id": "e-2",
            "type": "partner_request.status",
            "data": {"reference": "W-9", "status": "acknowledged"},
        },
        format="json",
    )
    assert wrong.status_code == 409
    assert not InboundEvent.objects.filter(external_event_id="e-2").exists()
    bad = client.post(
        "/api/integrations/inbound/",
        {
            "event_id": "e-3",
            "type": "partner_request.status",
            "data": {"request": "PR-404", "status": "done"},
        },
        format="json",
    )
    assert bad.status_code == 400 and "data.request" in str(bad.content)


def test_a_partner_cannot_move_another_partners_request(account, coordinator, warranty, carrier):
    request = _send(account, carrier, coordinator)
    client = _partner_client(warranty)
    body = {
        "event_id": "x",
        "type": "partner_request.status",
        "data": {"request": request.number, "status": "approved"},
    }
    assert client.post("/api/integrations/inbound/", body, format="json").status_code == 400
    request.refresh_from_db()
    assert request.status == "sent"
