"""Endpoint edit and secret rotation: the new secret shown once and never audited; during the
grace period a real receiver holding either secret verifies the request (two v1=), after it
only the new one does; edits are validated naming the field."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from servicebook.core.errors import ValidationFailed
from servicebook.core.models import AuditEvent
from servicebook.core.testing.factories import PASSWORD, make_user
from servicebook.integrations import delivery as sender
from servicebook.integrations import services, signing
from servicebook.integrations.models import Delivery, WebhookEndpoint
from servicebook.integrations.receiver import Receiver
from servicebook.workorders import services as wo

from .conftest import endpoint_for

pytestmark = pytest.mark.django_db


def test_rotation_signs_with_both_secrets_during_the_grace_period(
    boss, warranty, work_order, settings
):
    settings.WEBHOOK_SECRET_GRACE_HOURS = 24
    with Receiver() as receiver:
        endpoint, old = endpoint_for(warranty, receiver.url, boss, scope="all")
        endpoint, new = services.endpoint_rotate_secret(endpoint=endpoint, actor=boss)
        assert new != old and new.startswith("whsec_")
        wo.workorder_cancel(work_order=work_order, reason="x", actor=make_user("admin"))
        assert sender.deliver_due()["delivered"] == 1
    header, body = receiver.headers[0]["Servicebook-Signature"], receiver.bodies[0]
    assert header.count("v1=") == 2
    signing.verify(new, body, header)
    signing.verify(old, body, header)  # a partner that has not switched yet still verifies


def test_after_the_grace_period_only_the_new_secret_signs(boss, warranty):
    endpoint, old = endpoint_for(warranty, "https://p.example/h", boss)
    endpoint, new = services.endpoint_rotate_secret(endpoint=endpoint, actor=boss)
    later = endpoint.previous_secret_until + dt.timedelta(seconds=1)
    assert endpoint.signing_secrets(later) == [new]
    assert endpoint.signing_secrets(timezone.now()) == [new, old]
    header = signing.signature(endpoint.signing_secrets(later), b"{}", int(later.timestamp()))
    with pytest.raises(signing.SignatureInvalid):
        signing.verify(old, b"{}", header, now=later.timestamp())


def test_rotating_twice_keeps_only_the_two_newest(boss, warranty):
    endpoint, first = endpoint_for(warranty, "https://p.example/h", boss)
    endpoint, second = services.endpoint_rotate_secret(endpoint=endpoint, actor=boss)
    endpoint, third = services.endpoint_rotate_secret(endpoint=endpoint, actor=boss)
    assert endpoint.signing_secrets(timezone.now()) == [third, second]
    assert first not in endpoint.signing_secrets(timezone.now())


def test_rotation_is_audited_without_any_secret(boss, warranty):
    endpoint, old = endpoint_for(warranty, "https://p.example/h", boss)
    endpoint, new = services.endpoint_rotate_secret(endpoint=endpoint, actor=boss)
    row = AuditEvent.objects.get(action="rotate_secret", object_id=str(endpoint.pk))
    text = str(row.changes) + row.message
    assert old not in text and new not in text


def test_a_rep_may_not_rotate_or_edit(boss, warranty):
    endpoint, _ = endpoint_for(warranty, "https://p.example/h", boss)
    rep = make_user("rep1")
    with pytest.raises(PermissionDenied):
        services.endpoint_rotate_secret(endpoint=endpoint, actor=rep)
    with pytest.raises(PermissionDenied):
        services.endpoint_update(endpoint=endpoint, url="https://evil.example/", actor=rep)
    assert WebhookEndpoint.objects.get(pk=endpoint.pk).url == "https://p.example/h"


def test_edit_changes_url_types_and_active_and_is_audited(boss, warranty, work_order):
    endpoint, _ = endpoint_for(warranty, "https://p.example/h", boss)
    endpoint = services.endpoint_update(
        endpoint=endpoint,
        url="https://p.example/v2",
        event_types=["workorder.status_changed", "quote.sent"],
        active=False,
        actor=boss,
    )
    endpoint.refresh_from_db()
    assert endpoint.url == "https://p.example/v2" and not endpoint.active
    assert endpoint.event_types == ["quote.sent", "workorder.status_changed"]
    row = AuditEvent.objects.filter(action="update", object_id=str(endpoint.pk)).get()
    assert row.changes["url"] == ["https://p.example/h", "https://p.example/v2"]
    wo.workorder_cancel(work_order=work_order, reason="x", actor=make_user("admin"))
    assert not Delivery.objects.exists()  # paused: no new delivery


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"url": "ftp://p.example/"}, "url"),
        ({"event_types": ["nope"]}, "event_types"),
        ({"event_types": []}, "event_types"),
        ({"scope": "everything"}, "scope"),
        ({"max_attempts": 0}, "max_attempts"),
        ({"secret": "mine"}, "secret"),
    ],
)
def test_bad_edits_name_the_field_and_change_nothing(boss, warranty, change, field):
    endpoint, _ = endpoint_for(warranty, "https://p.example/h", boss)
    with pytest.raises(ValidationFailed) as exc:
        services.endpoint_update(endpoint=endpoint, actor=boss, **change)
    assert field in exc.value.errors
    assert WebhookEndpoint.objects.get(pk=endpoint.pk).url == "https://p.example/h"


def test_the_page_shows_the_new_secret_once(client, boss, warranty):
    endpoint, _ = endpoint_for(warranty, "https://p.example/h", boss)
    client.login(username=boss.username, password=PASSWORD)
    page = client.get(reverse("integrations:endpoint_detail", args=[endpoint.pk]))
    assert page.status_code == 200 and b"Rotate the secret" in page.content
    answer = client.post(reverse("integrations:endpoint_rotate", args=[endpoint.pk]))
    endpoint.refresh_from_db()
    assert answer.status_code == 200
    assert endpoint.secret.encode() in answer.content
    again = client.get(reverse("integrations:endpoint_detail", args=[endpoint.pk]))
    assert endpoint.secret.encode() not in again.content
    assert endpoint.previous_secret.encode() not in again.content


def test_the_edit_form_saves_and_a_bad_url_is_a_400(client, boss, warranty):
    endpoint, _ = endpoint_for(warranty, "https://p.example/h", boss)
    client.login(username=boss.username, password=PASSWORD)
    url = reverse("integrations:endpoint_update", args=[endpoint.pk])
    data = {"url": "https://p.example/new", "event_types": ["workorder.status_changed"]}
    data |= {"scope": "linked", "active": "on"}
    assert client.post(url, data).status_code == 302
    assert WebhookEndpoint.objects.get(pk=endpoint.pk).url == "https://p.example/new"
    bad = client.post(url, data | {"url": "not a url"})
    assert bad.status_code == 400
    assert WebhookEndpoint.objects.get(pk=endpoint.pk).url == "https://p.example/new"
