"""The integrations pages: partners, endpoints with their secret shown once, tokens, the
delivery log with filters and replay, portal tasks ticked off with a reference."""

from __future__ import annotations

import pytest
from django.urls import reverse

from servicebook.core.models import AuditEvent
from servicebook.core.testing.factories import make_user
from servicebook.integrations import delivery as sender
from servicebook.integrations import services
from servicebook.integrations.models import (
    Delivery,
    InboundToken,
    Partner,
    PortalTask,
    WebhookEndpoint,
)
from servicebook.integrations.receiver import Receiver
from servicebook.workorders import services as wo

pytestmark = pytest.mark.django_db


@pytest.fixture
def as_boss(client, boss):
    client.force_login(boss)
    return client


def test_a_supervisor_adds_a_partner_and_bad_input_names_the_field(as_boss):
    url = reverse("integrations:partner_create")
    response = as_boss.post(url, {"name": "", "kind": "warranty", "connector": "webhook"})
    assert response.status_code == 400 and Partner.objects.count() == 0
    response = as_boss.post(url, {"name": "Acme", "kind": "warranty", "connector": "webhook"})
    partner = Partner.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("integrations:partner_detail", args=[partner.pk])
    dup = as_boss.post(url, {"name": "acme", "kind": "other", "connector": "portal"})
    assert dup.status_code == 400 and b"exists already" in dup.content


def test_the_endpoint_secret_is_shown_once(as_boss, warranty):
    url = reverse("integrations:endpoint_create", args=[warranty.pk])
    response = as_boss.post(
        url,
        {"url": "https://p.example/h", "event_types": ["workorder.status_changed"], "scope": "all"},
    )
    assert response.status_code == 200
    secret = WebhookEndpoint.objects.get().secret
    assert secret.encode() in response.content
    page = as_boss.get(reverse("integrations:partner_detail", args=[warranty.pk]))
    assert secret.encode() not in page.content
    assert not AuditEvent.objects.filter(changes__icontains=secret).exists()


def test_a_token_is_shown_once_and_stored_hashed(as_boss, warranty):
    response = as_boss.post(reverse("integrations:token_issue", args=[warranty.pk]), {"label": "x"})
    token = InboundToken.objects.get()
    start = response.content.index(b'data-testid="secret">') + len(b'data-testid="secret">')
    raw = response.content[start:].split(b"<", 1)[0].decode()
    assert raw.startswith(token.prefix) and services.token_hash(raw) == token.token_hash
    page = as_boss.get(reverse("integrations:partner_detail", args=[warranty.pk]))
    assert raw.encode() not in page.content


def test_the_delivery_log_filters_and_a_replay_by_hand(client, boss, warranty, work_order):
    with Receiver(script=[500]) as receiver:
        services.endpoint_create(
            partner=warranty,
            url=receiver.url,
            event_types=["workorder.status_changed"],
            scope="all",
            max_attempts=1,
            actor=boss,
        )
        wo.workorder_cancel(work_order=work_order, reason="x", actor=make_user("admin"))
        sender.deliver_due()
        delivery = Delivery.objects.get()
        assert delivery.status == "dead"
        dispatcher = make_user("dispatcher")
        client.force_login(dispatcher)
        log = client.get(reverse("integrations:deliveries"), {"status": "dead"})
        assert log.status_code == 200 and str(delivery.event.event_id).encode() in log.content
        none = client.get(reverse("integrations:deliveries"), {"status": "delivered"})
        assert b"No delivery matches" in none.content
        bad = client.get(reverse("integrations:deliveries"), {"event_id": "not-a-uuid"})
        assert bad.status_code == 400
        detail = client.get(reverse("integrations:delivery_detail", args=[delivery.pk]))
        assert b"HTTP 500" in detail.content and b"Replay now" in detail.content
        replay = client.post(reverse("integrations:delivery_replay", args=[delivery.pk]))
        assert replay.status_code == 302
    delivery.refresh_from_db()
    assert delivery.status == "delivered" and delivery.attempt_log.filter(manual=True).exists()


def test_portal_task_needs_a_reference_to_be_ticked_off(client, boss, portal_partner, work_order):
    services.link_create(partner=portal_partner, work_order=work_order, actor=boss)
    wo.workorder_cancel(work_order=work_order, reason="x", actor=make_user("admin"))
    task = PortalTask.objects.get()
    coordinator = make_user("dispatcher")
    client.force_login(coordinator)
    page = client.get(reverse("integrations:portal_tasks"))
    assert task.text.encode() in page.content.replace(b"&#x27;", b"'")
    url = reverse("integrations:portal_task_done", args=[task.pk])
    refused = client.post(url, {"reference": "  "})
    assert refused.status_code == 400 and b"reference the portal gave" in refused.content
    task.refresh_from_db()
    assert task.status == "open"
    assert client.post(url, {"reference": "PRT-5521"}).status_code == 302
    task.refresh_from_db()
    assert (task.status, task.reference, task.done_by) == ("done", "PRT-5521", coordinator)
    done = client.get(reverse("integrations:portal_tasks"), {"status": "done"})
    assert b"PRT-5521" in done.content
    assert client.get(reverse("integrations:portal_tasks")).content.count(b"PRT-5521") == 0


def test_linking_a_partner_from_the_work_order_page(client, boss, warranty, work_order):
    client.force_login(make_user("dispatcher"))
    page = client.get(reverse("workorders:workorder_detail", args=[work_order.pk]))
    assert b'data-testid="partners-panel"' in page.content and b"Acme Warranty" in page.content
    response = client.post(
        reverse("integrations:link_create", args=[work_order.pk]),
        {"partner": warranty.pk, "external_reference": "CLM-2"},
    )
    assert response.status_code == 302
    assert work_order.partner_links.get().external_reference == "CLM-2"


def test_a_rep_sees_no_partners_box(client, work_order, warranty):
    client.force_login(make_user("rep1"))
    page = client.get(reverse("workorders:workorder_detail", args=[work_order.pk]))
    if page.status_code == 200:
        assert b'data-testid="partners-panel"' not in page.content
