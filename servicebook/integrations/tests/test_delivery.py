"""The outbox and the sender against a real HTTP receiver on 127.0.0.1 (no mock of urllib):
signatures, retries with backoff after 500s and timeouts, dead after the last attempt, a
2xx never sent again, replay by hand, and the outbox rolled back with a failed move."""

from __future__ import annotations

import datetime as dt
import json
import time

import pytest
from django.db import transaction
from django.utils import timezone

from servicebook.core.errors import InvalidTransition, ValidationFailed
from servicebook.core.testing.factories import make_user
from servicebook.integrations import delivery as sender
from servicebook.integrations import services, signing
from servicebook.integrations.events import publish
from servicebook.integrations.models import Delivery, OutboundEvent, PortalTask
from servicebook.integrations.receiver import Receiver
from servicebook.workorders import services as wo

from .conftest import endpoint_for

pytestmark = pytest.mark.django_db


def _later(seconds=10_000):
    return timezone.now() + dt.timedelta(seconds=seconds)


def _move(order, actor):
    """Cancel the work order: one status change, one event."""
    return wo.workorder_cancel(work_order=order, reason="customer cancelled", actor=actor)


# --- Signature ---------------------------------------------------------------------------------


def test_receiver_verifies_a_good_signature():
    body = b'{"a":1}'
    header = signing.signature("s3cret", body, 1_700_000_000)
    assert signing.verify("s3cret", body, header, now=1_700_000_010) == 1_700_000_000


def test_tampered_body_fails_verification():
    header = signing.signature("s3cret", b'{"a":1}', 1_700_000_000)
    with pytest.raises(signing.SignatureInvalid, match="does not match"):
        signing.verify("s3cret", b'{"a":2}', header, now=1_700_000_000)


def test_old_timestamp_fails_verification(settings):
    settings.WEBHOOK_SIGNATURE_TOLERANCE_SECONDS = 300
    header = signing.signature("s3cret", b"{}", 1_700_000_000)
    with pytest.raises(signing.SignatureInvalid, match="tolerance"):
        signing.verify("s3cret", b"{}", header, now=1_700_000_301)


def test_wrong_secret_and_missing_header_fail():
    header = signing.signature("s3cret", b"{}", 1_700_000_000)
    with pytest.raises(signing.SignatureInvalid):
        signing.verify("other", b"{}", header, now=1_700_000_000)
    with pytest.raises(signing.SignatureInvalid):
        signing.verify("s3cret", b"{}", None)


# --- The outbox --------------------------------------------------------------------------------


def test_a_status_change_of_a_linked_work_order_makes_one_delivery(boss, warranty, work_order):
    endpoint, _ = endpoint_for(warranty, "http://127.0.0.1:9/hook", boss)
    services.link_create(
        partner=warranty, work_order=work_order, external_reference="CLM-1", actor=boss
    )
    _move(work_order, make_user("admin"))
    event = OutboundEvent.objects.get(event_type="workorder.status_changed")
    assert event.payload["work_order"] == work_order.number
    assert event.payload["from_status"] == "new" and event.payload["to_status"] == "cancelled"
    assert event.payload["account"] == work_order.account.number
    assert list(Delivery.objects.values_list("endpoint_id", "status")) == [(endpoint.pk, "pending")]


def test_an_unlinked_work_order_reaches_only_endpoints_subscribed_to_all(
    boss, warranty, work_order
):
    endpoint_for(warranty, "http://127.0.0.1:9/linked", boss)
    everything, _ = endpoint_for(warranty, "http://127.0.0.1:9/all", boss, scope="all")
    _move(work_order, make_user("admin"))
    assert list(Delivery.objects.values_list("endpoint_id", flat=True)) == [everything.pk]


def test_the_outbox_rolls_back_with_a_failed_work_order_move(boss, warranty, work_order):
    endpoint_for(warranty, "http://127.0.0.1:9/all", boss, scope="all")
    with pytest.raises(RuntimeError), transaction.atomic():
        _move(work_order, make_user("admin"))
        assert Delivery.objects.count() == 1  # written inside the move's transaction
        raise RuntimeError("the move fails after the listeners ran")
    assert OutboundEvent.objects.count() == 0
    assert Delivery.objects.count() == 0
    work_order.refresh_from_db()
    assert work_order.status == "new"


def test_a_refused_move_writes_no_event(boss, warranty, work_order):
    endpoint_for(warranty, "http://127.0.0.1:9/all", boss, scope="all")
    admin = make_user("admin")
    _move(work_order, admin)
    with pytest.raises(InvalidTransition):
        _move(work_order, admin)  # cancelled already
    assert OutboundEvent.objects.count() == 1


def test_publish_refuses_unknown_types_and_work_outside_a_transaction(db):
    with pytest.raises(ValueError, match="Unknown event type"), transaction.atomic():
        publish("nope.never", {})


def test_a_portal_partner_gets_a_task_instead(boss, portal_partner, work_order):
    services.link_create(partner=portal_partner, work_order=work_order, actor=boss)
    _move(work_order, make_user("admin"))
    task = PortalTask.objects.get()
    assert task.text == (
        f"Update Carrier Co's portal: work order {work_order.number} is now cancelled"
    )
    assert Delivery.objects.count() == 0


# --- Sending -----------------------------------------------------------------------------------


def _one_delivery(boss, warranty, work_order, url, **extra):
    _, secret = endpoint_for(warranty, url, boss, scope="all", **extra)
    _move(work_order, make_user("admin"))
    return Delivery.objects.get(), secret


def test_a_delivery_is_posted_signed_with_its_event_headers(boss, warranty, work_order):
    with Receiver() as receiver:
        delivery, secret = _one_delivery(boss, warranty, work_order, receiver.url)
        receiver.secret = secret
        counts = sender.deliver_due()
    assert counts["delivered"] == 1
    headers, body = receiver.headers[0], receiver.bodies[0]
    assert headers["Servicebook-Event-Id"] == str(delivery.event.event_id)
    assert headers["Servicebook-Event-Type"] == "workorder.status_changed"
    signing.verify(secret, body, headers["Servicebook-Signature"])
    document = json.loads(body)
    assert document["id"] == str(delivery.event.event_id)
    assert document["data"]["work_order"] == work_order.number
    delivery.refresh_from_db()
    assert delivery.status == "delivered" and delivery.attempts == 1
    assert delivery.attempt_log.get().status_code == 200


def test_500s_are_retried_with_backoff_then_delivered(boss, warranty, work_order, settings):
    settings.WEBHOOK_BACKOFF_BASE_SECONDS = 60
    settings.WEBHOOK_BACKOFF_JITTER = 0
    with Receiver(script=[500, 503]) as receiver:
        delivery, _ = _one_delivery(boss, warranty, work_order, receiver.url)
        before = timezone.now()
        sender.deliver_due()
        delivery.refresh_from_db()
        assert delivery.status == "retrying" and delivery.last_status_code == 500
        first_wait = (delivery.next_attempt_at - before).total_seconds()
        assert 59 <= first_wait <= 62
        assert sender.deliver_due()["claimed"] == 0  # not due yet
        sender.deliver_due(now=_later())
        delivery.refresh_from_db()
        assert delivery.status == "retrying" and delivery.attempts == 2
        second_wait = (delivery.next_attempt_at - timezone.now()).total_seconds()
        assert 115 <= second_wait <= 121  # doubled
        sender.deliver_due(now=_later(20_000))
    delivery.refresh_from_db()
    assert delivery.status == "delivered" and delivery.attempts == 3
    assert [a.status_code for a in delivery.attempt_log.order_by("number")] == [500, 503, 200]
    assert sum(receiver.accepted.values()) == 1


def test_a_timeout_is_a_failed_attempt(boss, warranty, work_order):
    with Receiver(script=[2.0]) as receiver:
        delivery, _ = _one_delivery(boss, warranty, work_order, receiver.url, timeout_seconds=1)
        sender.deliver_due()
    delivery.refresh_from_db()
    assert delivery.status == "retrying"
    assert "Timed out" in delivery.last_error
    assert delivery.attempt_log.get().status_code is None


def test_jitter_takes_off_at_most_its_share(settings):
    settings.WEBHOOK_BACKOFF_BASE_SECONDS = 10
    settings.WEBHOOK_BACKOFF_MAX_SECONDS = 1000
    settings.WEBHOOK_BACKOFF_JITTER = 50
    waits = [sender.backoff_seconds(3) for _ in range(200)]
    assert all(20 <= w <= 40 for w in waits) and len(set(waits)) > 100
    settings.WEBHOOK_BACKOFF_JITTER = 0
    assert sender.backoff_seconds(20) == 1000  # capped


def test_dead_after_the_last_attempt(boss, warranty, work_order):
    with Receiver(script=[500, 500, 500]) as receiver:
        delivery, _ = _one_delivery(boss, warranty, work_order, receiver.url, max_attempts=3)
        for n in range(5):
            sender.deliver_due(now=_later(10_000 * (n + 1)))
    delivery.refresh_from_db()
    assert delivery.status == "dead" and delivery.attempts == 3
    assert receiver.requests == 3


def test_a_delivered_delivery_is_never_sent_again(boss, warranty, work_order):
    with Receiver() as receiver:
        _, _ = _one_delivery(boss, warranty, work_order, receiver.url)
        sender.deliver_due()
        for n in range(3):
            assert sender.deliver_due(now=_later(10**6 * (n + 1)))["claimed"] == 0
    assert receiver.requests == 1


def test_a_connection_refused_is_recorded(boss, warranty, work_order):
    delivery, _ = _one_delivery(boss, warranty, work_order, "http://127.0.0.1:9/nothing")
    sender.deliver_due()
    delivery.refresh_from_db()
    assert delivery.status == "retrying" and "Connection failed" in delivery.last_error


def test_a_redirect_is_not_followed(boss, warranty, work_order):
    with Receiver(script=[302]) as receiver:
        delivery, _ = _one_delivery(boss, warranty, work_order, receiver.url)
        sender.deliver_due()
    delivery.refresh_from_db()
    assert delivery.status == "retrying" and delivery.last_status_code == 302


def test_an_expired_claim_is_due_again(boss, warranty, work_order, settings):
    settings.WEBHOOK_LEASE_SECONDS = 60
    delivery, _ = _one_delivery(boss, warranty, work_order, "http://127.0.0.1:9/x")
    claimed = sender.deliveries_claim(limit=10)
    assert [d.pk for d in claimed] == [delivery.pk]
    assert sender.deliveries_claim(limit=10) == []  # held
    again = sender.deliveries_claim(limit=10, now=_later(61))
    assert [d.pk for d in again] == [delivery.pk]
    # The first holder lost its claim: its outcome is not recorded.
    outcome = sender.Outcome(200, "", "", 1)
    assert (
        sender.delivery_record(delivery=claimed[0], outcome=outcome, started_at=timezone.now())
        is None
    )
    assert sender.delivery_record(delivery=again[0], outcome=outcome, started_at=timezone.now())


# --- Replay by hand ------------------------------------------------------------------------------


def test_replay_resends_a_delivered_delivery_with_the_same_event_id(boss, warranty, work_order):
    dispatcher = make_user("dispatcher")
    with Receiver() as receiver:
        delivery, _ = _one_delivery(boss, warranty, work_order, receiver.url)
        sender.deliver_due()
        attempt = services.delivery_replay(delivery=delivery, actor=dispatcher)
    assert attempt.succeeded and attempt.manual and attempt.by == dispatcher
    assert receiver.accepted[str(delivery.event.event_id)] == 2
    delivery.refresh_from_db()
    assert delivery.status == "delivered" and delivery.attempts == 2
    from servicebook.core.audit import history_for

    assert history_for(delivery).filter(action="replay", actor=dispatcher).exists()


def test_a_failed_replay_leaves_a_dead_delivery_dead(boss, warranty, work_order):
    delivery, _ = _one_delivery(
        boss, warranty, work_order, "http://127.0.0.1:9/down", max_attempts=1
    )
    sender.deliver_due()
    delivery.refresh_from_db()
    assert delivery.status == "dead"
    attempt = services.delivery_replay(delivery=delivery, actor=boss)
    assert not attempt.succeeded
    delivery.refresh_from_db()
    assert delivery.status == "dead" and delivery.attempts == 2


def test_a_dead_delivery_replayed_to_a_live_endpoint_is_delivered(boss, warranty, work_order):
    with Receiver(script=[500]) as receiver:
        delivery, _ = _one_delivery(boss, warranty, work_order, receiver.url, max_attempts=1)
        sender.deliver_due()
        services.delivery_replay(delivery=delivery, actor=boss)
    delivery.refresh_from_db()
    assert delivery.status == "delivered"


def test_a_pending_delivery_cannot_be_replayed_and_a_rep_may_not(boss, warranty, work_order):
    delivery, _ = _one_delivery(boss, warranty, work_order, "http://127.0.0.1:9/x")
    with pytest.raises(InvalidTransition):
        services.delivery_replay(delivery=delivery, actor=boss)
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.delivery_replay(delivery=delivery, actor=make_user("rep1"))
    delivery.refresh_from_db()
    assert delivery.status == "pending" and delivery.attempts == 0


# --- Endpoints and secrets -----------------------------------------------------------------------


def test_endpoint_secret_is_not_in_the_audit_trail(boss, warranty):
    _, secret = endpoint_for(warranty, "https://partner.example/hook", boss)
    from servicebook.core.models import AuditEvent

    assert secret.startswith("whsec_")
    assert not any(secret in json.dumps(a.changes) for a in AuditEvent.objects.all())


def test_bad_endpoint_input_names_the_field(boss, warranty):
    with pytest.raises(ValidationFailed) as exc:
        services.endpoint_create(partner=warranty, url="ftp://x", event_types=[], actor=boss)
    assert set(exc.value.errors) == {"url", "event_types"}
    with pytest.raises(ValidationFailed) as exc:
        services.endpoint_create(
            partner=warranty, url="https://x.example/", event_types=["nope"], actor=boss
        )
    assert "nope" in exc.value.errors["event_types"][0]


def test_a_slow_receiver_is_cut_at_the_timeout(boss, warranty, work_order):
    with Receiver(script=[3.0]) as receiver:
        _, _ = _one_delivery(boss, warranty, work_order, receiver.url, timeout_seconds=1)
        started = time.monotonic()
        sender.deliver_due()
        assert time.monotonic() - started < 2.5
