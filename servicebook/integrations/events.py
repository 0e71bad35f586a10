"""The outbox: `publish(event_type, payload, about=..., work_order=...)` writes an event and
its deliveries (one per subscribed endpoint) and portal tasks, in the caller's transaction.

Any app publishes through this one function (work-order status changes now, quotes sent and
approved later). The event commits or rolls back with the change that caused it; delivery
happens after commit, by the sender (integrations.delivery), never inside the transaction.

Who hears about an event:
- webhook endpoints of active webhook partners subscribed to the type, whose scope is "all",
  or whose partner is linked to the event's work order (PartnerLink);
- portal partners linked to the work order get a portal task instead.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import connection, models, transaction
from django.utils import timezone

from .choices import Connector, EndpointScope
from .models import Delivery, OutboundEvent, PartnerLink, PortalTask, WebhookEndpoint

_types: dict[str, str] = {}


def register_event_type(event_type: str, description: str) -> None:
    """Declare an event type (once per type; an app calls it in its ready())."""
    _types[event_type] = description


def event_types() -> dict[str, str]:
    """Every declared type with its description, sorted by type."""
    return dict(sorted(_types.items()))


register_event_type(
    "workorder.status_changed",
    "A work order moved: number, type, from and to status, account number, time.",
)
register_event_type("quote.sent", "A quote was sent to the customer.")
register_event_type("quote.approved", "The customer approved a quote.")


def _kick() -> None:
    """After commit: ask a worker to send now rather than wait for the sweep."""
    from .tasks import deliver_webhooks

    deliver_webhooks.enqueue()


def _portal_text(partner_name: str, event_type: str, payload: dict, work_order: Any) -> str:
    if event_type == "partner_request.sent":
        return (
            f"Enter request {payload.get('number', '')} on {partner_name}'s portal: "
            f"{payload.get('summary', '')}"
        )
    if event_type == "workorder.status_changed" and work_order is not None:
        status = str(payload.get("to_status_label") or payload.get("to_status", "")).lower()
        return f"Update {partner_name}'s portal: work order {work_order.number} is now {status}"
    what = work_order.number if work_order is not None else ""
    return f"Update {partner_name}'s portal: {event_type} {what}".strip()


def publish(
    event_type: str,
    payload: dict[str, Any],
    *,
    about: models.Model | None = None,
    work_order: Any = None,
    occurred_at: dt.datetime | None = None,
    partner: Any = None,
) -> OutboundEvent:
    """Record an event and who must receive it, inside the current transaction.

    Raises ValueError for an undeclared type and RuntimeError outside a transaction: an
    event written outside the change's transaction could outlive a rolled-back change."""
    if event_type not in _types:
        raise ValueError(f"Unknown event type {event_type!r}: register_event_type() it first.")
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("publish() must run inside the transaction of the change.")
    event = OutboundEvent.objects.create(
        event_type=event_type,
        payload=payload,
        occurred_at=occurred_at or timezone.now(),
        content_type=ContentType.objects.get_for_model(about) if about is not None else None,
        object_id=str(about.pk) if about is not None else "",
        object_repr=str(about)[:200] if about is not None else "",
        work_order=work_order,
    )
    linked: dict[int, str] = {}
    if work_order is not None:
        linked = dict(
            PartnerLink.objects.filter(work_order=work_order, partner__active=True).values_list(
                "partner_id", "partner__connector"
            )
        )
    # An event addressed to one partner (a request sent to it) reaches that partner whatever
    # its endpoints' subscriptions or scope: a request that silently went nowhere would be
    # worse than an unasked-for event. A portal partner gets a task.
    addressed = partner.pk if partner is not None and partner.active else None
    if addressed is not None:
        linked[addressed] = partner.connector
    endpoints = [
        e
        for e in WebhookEndpoint.objects.filter(
            active=True, partner__active=True, partner__connector=Connector.WEBHOOK
        ).only("id", "partner_id", "event_types", "scope")
        if e.partner_id == addressed
        or (
            event_type in (e.event_types or [])
            and (e.scope == EndpointScope.ALL or e.partner_id in linked)
        )
    ]
    if endpoints:
        Delivery.objects.bulk_create(
            [
                Delivery(event=event, endpoint=e, next_attempt_at=event.occurred_at)
                for e in endpoints
            ]
        )
        if not any(fn is _kick for _, fn, _ in connection.run_on_commit):
            transaction.on_commit(_kick, robust=True)
    portal = [pid for pid, conn in linked.items() if conn == Connector.PORTAL]
    if portal:
        from .models import Partner

        names = dict(Partner.objects.filter(pk__in=portal).values_list("pk", "name"))
        PortalTask.objects.bulk_create(
            [
                PortalTask(
                    partner_id=pid,
                    event=event,
                    work_order=work_order,
                    text=_portal_text(names[pid], event_type, payload, work_order)[:300],
                )
                for pid in portal
            ]
        )
    return event
