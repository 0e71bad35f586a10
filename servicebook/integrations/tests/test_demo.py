"""The demo hook: partners, links, retrying deliveries and open portal tasks; idempotent."""

from __future__ import annotations

import pytest
from django.utils import timezone

from servicebook.core.testing.factories import make_user, make_work_order
from servicebook.integrations.demo import seed_demo
from servicebook.integrations.models import Delivery, Partner, PortalTask

pytestmark = pytest.mark.django_db


def test_demo_seeds_retrying_deliveries_and_open_tasks_once():
    make_user("supervisor", username="demo.supervisor")
    for _ in range(4):
        make_work_order(actor=make_user("admin"))
    made = seed_demo(seed=1, now=timezone.now(), accounts=None, log=lambda m: None)
    assert made["integrations_partner"] == 2
    assert set(Delivery.objects.values_list("status", flat=True)) == {"retrying"}
    assert PortalTask.objects.filter(status="open").count() == 2
    assert seed_demo(seed=1, now=timezone.now(), accounts=None, log=lambda m: None) == {}
    assert Partner.objects.count() == 2
