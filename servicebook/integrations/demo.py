"""Demo data of the integrations app: a warranty partner whose webhook endpoint points at a
dead local URL (its deliveries are visibly retrying) and a portal carrier with a few open
portal tasks. Both are linked to a handful of open work orders; the events come from
publishing through the real outbox (no HTTP during the seed). Idempotent: a second seed
finds the partners and adds nothing."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from servicebook.users.models import User
from servicebook.workorders.models import WorkOrder

from . import services
from .events import publish
from .models import Delivery, Partner

DEAD_URL = "http://127.0.0.1:9/servicebook-demo-webhook"  # the discard port: refused


def seed_demo(*, seed: int, now: dt.datetime, accounts, log) -> dict[str, int]:
    boss = (
        User.objects.filter(username="demo.supervisor").first()
        or User.objects.filter(username="demo.admin").first()
    )
    if boss is None or Partner.objects.filter(name="Acme Home Warranty").exists():
        return {}
    with transaction.atomic():
        warranty = services.partner_create(
            name="Acme Home Warranty",
            kind="warranty",
            connector="webhook",
            contact_name="Claims desk",
            contact_email="claims@acme-warranty.example",
            actor=boss,
        )
        services.endpoint_create(
            partner=warranty,
            url=DEAD_URL,
            event_types=["workorder.status_changed"],
            actor=boss,
        )
        carrier = services.partner_create(
            name="Northline Carriers",
            kind="carrier",
            connector="portal",
            portal_url="https://portal.northline.example/",
            actor=boss,
        )
        orders = list(WorkOrder.objects.order_by("-id")[:4])
        for i, order in enumerate(orders):
            partner = warranty if i % 2 == 0 else carrier
            services.link_create(
                partner=partner, work_order=order, external_reference=f"REF-{1000 + i}", actor=boss
            )
            publish(
                "workorder.status_changed",
                {
                    "work_order": order.number,
                    "work_type": order.work_type,
                    "from_status": "new",
                    "to_status": order.status,
                    "to_status_label": order.get_status_display(),
                    "account": order.account.number,
                    "at": timezone.now().isoformat(),
                },
                about=order,
                work_order=order,
            )
        # Make the deliveries look like they have been failing for a while.
        Delivery.objects.filter(endpoint__partner=warranty).update(
            status="retrying",
            attempts=3,
            last_error="Connection failed: [Errno 111] Connection refused",
            next_attempt_at=now + dt.timedelta(minutes=4),
        )
    log(f"  integrations: 2 partners, {len(orders)} linked work orders")
    return {"integrations_partner": 2, "integrations_partnerlink": len(orders)}
