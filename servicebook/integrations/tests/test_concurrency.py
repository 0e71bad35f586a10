"""Two (and eight) senders at the same moment never send one delivery twice: the claim is a
compare-and-set (SKIP LOCKED on PostgreSQL, the IMMEDIATE write lock on SQLite). Real
threads with their own connections against a real receiver; on SQLite the database is
copied to a file as in payments' concurrency tests, so it behaves as the product's does."""

from __future__ import annotations

import pytest
from django.db import transaction

from servicebook.core.testing.factories import make_user
from servicebook.integrations import delivery as sender
from servicebook.integrations import services
from servicebook.integrations.events import publish
from servicebook.integrations.models import Delivery
from servicebook.integrations.receiver import Receiver
from servicebook.payments.tests.test_concurrency import (
    _concurrently,
    database_for_threads,
    in_thread,
)

EVENTS = 120


@pytest.mark.parametrize("senders", [2, 8])
@pytest.mark.django_db(transaction=True)
def test_concurrent_senders_send_every_delivery_exactly_once(senders):
    boss = make_user("supervisor")
    partner = services.partner_create(
        name="Race Partner", kind="other", connector="webhook", actor=boss
    )
    with Receiver(secret=None) as receiver:
        services.endpoint_create(
            partner=partner,
            url=receiver.url,
            event_types=["workorder.status_changed"],
            scope="all",
            actor=boss,
        )
        with transaction.atomic():
            for i in range(EVENTS):
                publish("workorder.status_changed", {"work_order": f"R{i}"})

        def send(_):
            claimed = 0
            while True:
                counts = sender.deliver_due(limit=5)
                if not counts["claimed"]:
                    return claimed
                claimed += counts["claimed"]

        with database_for_threads():
            results = _concurrently(send, n=senders)
            errors = [r for r in results if isinstance(r, Exception)]
            assert not errors, errors
            assert sum(results) == EVENTS  # every claim was made by exactly one sender
            statuses = in_thread(
                lambda: sorted(set(Delivery.objects.values_list("status", flat=True)))
            )
    assert statuses == ["delivered"]
    assert len(receiver.accepted) == EVENTS
    assert receiver.duplicates == 0 and receiver.requests == EVENTS
