"""The inbound endpoint (partner token, idempotent on the partner's event id) and the
staff API (delivery log, replay, portal tasks, links)."""

from __future__ import annotations

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from servicebook.core.testing.factories import make_user
from servicebook.integrations import services
from servicebook.integrations.models import InboundEvent, InboundToken, PortalTask
from servicebook.workorders import services as wo

pytestmark = pytest.mark.django_db
URL = "/api/integrations/inbound/"


@pytest.fixture
def linked(boss, warranty, work_order):
    services.link_create(
        partner=warranty, work_order=work_order, external_reference="CLM-9", actor=boss
    )
    _, raw = services.token_issue(partner=warranty, label="prod", actor=boss)
    return raw


def _partner_client(raw):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Partner {raw}")
    return client


def _note(event_id="evt-1", text="Part shipped", **data):
    return {"event_id": event_id, "type": "workorder.note", "data": {"text": text, **data}}


def test_a_note_on_a_linked_work_order_is_applied(linked, work_order):
    response = _partner_client(linked).post(URL, _note(work_order=work_order.number), format="json")
    assert response.status_code == 201, response.content
    assert response.json()["work_order"] == work_order.number
    event = InboundEvent.objects.get()
    assert event.work_order == work_order and event.note == "Part shipped"
    assert InboundToken.objects.get().last_used_at is not None


def test_the_partner_reference_finds_the_work_order_too(linked, work_order):
    response = _partner_client(linked).post(URL, _note(reference="CLM-9"), format="json")
    assert response.status_code == 201
    assert InboundEvent.objects.get().work_order == work_order


def test_a_replay_returns_the_first_result_and_stores_nothing_new(linked, work_order):
    client = _partner_client(linked)
    first = client.post(URL, _note(work_order=work_order.number), format="json")
    again = client.post(URL, _note(work_order=work_order.number), format="json")
    assert again.status_code == 201 and again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert InboundEvent.objects.count() == 1


def test_the_same_event_id_with_another_body_is_a_conflict(linked, work_order):
    client = _partner_client(linked)
    client.post(URL, _note(work_order=work_order.number), format="json")
    response = client.post(URL, _note(work_order=work_order.number, text="Other"), format="json")
    assert response.status_code == 409
    assert "another body" in response.json()["detail"]
    assert InboundEvent.objects.get().note == "Part shipped"


def test_an_unknown_type_is_stored_and_answered_422(linked):
    body = {"event_id": "evt-x", "type": "claim.paid", "data": {}}
    response = _partner_client(linked).post(URL, body, format="json")
    assert response.status_code == 422
    assert "claim.paid" in response.json()["detail"]
    assert InboundEvent.objects.get().status == "rejected"
    again = _partner_client(linked).post(URL, body, format="json")
    assert again.status_code == 422 and InboundEvent.objects.count() == 1


def test_bad_input_names_the_field_and_stores_nothing(linked, work_order):
    client = _partner_client(linked)
    response = client.post(URL, {"type": "workorder.note", "data": {}}, format="json")
    assert response.status_code == 400 and "event_id" in response.json()
    response = client.post(URL, _note(work_order=work_order.number, text=""), format="json")
    assert response.status_code == 400 and "data.text" in response.json()
    response = client.post(URL, _note(work_order="W9999999"), format="json")
    assert response.status_code == 400 and "data.work_order" in response.json()
    response = client.post(URL, {**_note(work_order=work_order.number), "x": 1}, format="json")
    assert response.status_code == 400 and "x" in response.json()
    assert InboundEvent.objects.count() == 0


def test_a_work_order_not_linked_to_the_partner_is_refused(boss, linked):
    from servicebook.core.testing.factories import make_work_order

    other = make_work_order(actor=make_user("admin"))
    response = _partner_client(linked).post(URL, _note(work_order=other.number), format="json")
    assert response.status_code == 400
    assert InboundEvent.objects.count() == 0


def test_no_token_a_wrong_token_a_revoked_token_and_a_user_token_are_401(boss, linked, warranty):
    body = _note(work_order="W0000001")
    assert APIClient().post(URL, body, format="json").status_code == 401
    assert _partner_client("sbp_wrong").post(URL, body, format="json").status_code == 401
    user_client = APIClient()
    user_client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=boss).key}")
    assert user_client.post(URL, body, format="json").status_code == 401
    services.token_revoke(token=InboundToken.objects.get(), actor=boss)
    assert _partner_client(linked).post(URL, body, format="json").status_code == 401
    assert InboundEvent.objects.count() == 0


def test_a_partner_token_opens_no_other_endpoint(linked):
    response = _partner_client(linked).get("/api/integrations/partners/")
    assert response.status_code in (401, 403)


def test_only_the_token_hash_is_stored(linked):
    token = InboundToken.objects.get()
    assert token.token_hash != linked and linked.startswith(token.prefix)


def test_an_inbound_note_shows_on_the_work_order_page(client, boss, linked, work_order):
    _partner_client(linked).post(URL, _note(work_order=work_order.number), format="json")
    client.force_login(boss)
    page = client.get(f"/workorders/{work_order.pk}/")
    assert page.status_code == 200
    assert b"Part shipped" in page.content and b"Acme Warranty" in page.content


# --- The staff API ---------------------------------------------------------------------------


def _staff(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_portal_task_done_over_the_api_requires_a_reference(boss, portal_partner, work_order):
    services.link_create(partner=portal_partner, work_order=work_order, actor=boss)
    wo.workorder_cancel(work_order=work_order, reason="x", actor=make_user("admin"))
    task = PortalTask.objects.get()
    client = _staff(make_user("dispatcher"))
    listed = client.get("/api/integrations/portal-tasks/?status=open").json()
    assert [t["id"] for t in listed["results"]] == [task.pk]
    response = client.post(
        f"/api/integrations/portal-tasks/{task.pk}/done/", {"reference": ""}, format="json"
    )
    assert response.status_code == 400 and "reference" in response.json()
    response = client.post(
        f"/api/integrations/portal-tasks/{task.pk}/done/", {"reference": "P-77"}, format="json"
    )
    assert response.status_code == 200 and response.json()["reference"] == "P-77"
    again = client.post(
        f"/api/integrations/portal-tasks/{task.pk}/done/", {"reference": "P-78"}, format="json"
    )
    assert again.status_code == 409
    task.refresh_from_db()
    assert task.reference == "P-77" and task.status == "done"


def test_links_over_the_api(boss, warranty, work_order):
    client = _staff(make_user("dispatcher"))
    body = {"partner": warranty.pk, "work_order": work_order.pk, "external_reference": "C-1"}
    assert client.post("/api/integrations/links/", body, format="json").status_code == 201
    assert client.post("/api/integrations/links/", body, format="json").status_code == 409
    bad = client.post("/api/integrations/links/", {**body, "partner": 0}, format="json")
    assert bad.status_code == 400 and "partner" in bad.json()


def test_the_partner_api_never_shows_a_secret(boss, warranty):
    _, secret = services.endpoint_create(
        partner=warranty,
        url="https://p.example/h",
        event_types=["workorder.status_changed"],
        actor=boss,
    )
    response = _staff(boss).get(f"/api/integrations/partners/{warranty.pk}/")
    assert response.status_code == 200 and secret not in response.content.decode()
    assert response.json()["endpoints"][0]["url"] == "https://p.example/h"
