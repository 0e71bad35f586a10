"""Reads of the integrations app, starting from what the user may see: the integrations
records are back-office data, visible whole to holders of integrations.view and to no one
else."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from servicebook.core.permissions import has_capability
from servicebook.users.roles import Cap

from .models import (
    Delivery,
    DeliveryAttempt,
    InboundEvent,
    Partner,
    PartnerLink,
    PortalTask,
    WebhookEndpoint,
)


def _visible(user) -> bool:
    return has_capability(user, Cap.INTEGRATIONS_VIEW)


def partners_visible_to(user) -> QuerySet[Partner]:
    if not _visible(user):
        return Partner.objects.none()
    return Partner.objects.annotate(
        open_tasks=Count("portal_tasks", filter=Q(portal_tasks__status="open"), distinct=True),
        endpoint_count=Count("endpoints", distinct=True),
    ).order_by("name")


def partner_get(*, user, pk: int) -> Partner:
    return get_object_or_404(partners_visible_to(user), pk=pk)


def endpoint_get(*, user, pk: int) -> WebhookEndpoint:
    """An endpoint, for someone who may see integrations (its secret is never rendered)."""
    if not _visible(user):
        raise Http404
    return get_object_or_404(WebhookEndpoint.objects.select_related("partner"), pk=pk)


def partner_page(partner: Partner) -> dict:
    """What the partner page lists: endpoints, tokens, links, recent inbound events."""
    return {
        "endpoints": list(partner.endpoints.order_by("id")),
        "tokens": list(partner.tokens.order_by("-created_at", "-id")),
        "links": list(
            PartnerLink.objects.filter(partner=partner)
            .select_related("work_order__account")
            .order_by("-created_at")[:50]
        ),
        "inbound": list(partner.inbound_events.select_related("work_order")[:20]),
    }


def deliveries_visible_to(user) -> QuerySet[Delivery]:
    if not _visible(user):
        return Delivery.objects.none()
    return Delivery.objects.select_related("event", "endpoint__partner")


def deliveries_filtered(
    *, user, status: str = "", partner=None, event_type: str = "", event_id: str = ""
) -> QuerySet[Delivery]:
    rows = deliveries_visible_to(user)
    if status:
        rows = rows.filter(status=status)
    if partner:
        rows = rows.filter(endpoint__partner=partner)
    if event_type:
        rows = rows.filter(event__event_type=event_type)
    if event_id:
        rows = rows.filter(event__event_id=event_id)
    return rows.order_by("-created_at", "-id")


def delivery_get(*, user, pk: int) -> Delivery:
    return get_object_or_404(deliveries_visible_to(user), pk=pk)


def attempts_of(delivery: Delivery) -> QuerySet[DeliveryAttempt]:
    return delivery.attempt_log.select_related("by").order_by("-started_at", "-id")


def portal_tasks_visible_to(user) -> QuerySet[PortalTask]:
    if not _visible(user):
        return PortalTask.objects.none()
    return PortalTask.objects.select_related("partner", "work_order", "done_by")


def portal_tasks_filtered(*, user, status: str = "open", partner=None) -> QuerySet[PortalTask]:
    rows = portal_tasks_visible_to(user)
    if status:
        rows = rows.filter(status=status)
    if partner:
        rows = rows.filter(partner=partner)
    return (
        rows.order_by("created_at", "id") if status == "open" else rows.order_by("-done_at", "-id")
    )


def portal_task_get(*, user, pk: int) -> PortalTask:
    return get_object_or_404(portal_tasks_visible_to(user), pk=pk)


def links_visible_to(user) -> QuerySet[PartnerLink]:
    if not _visible(user):
        return PartnerLink.objects.none()
    return PartnerLink.objects.select_related("partner", "work_order")


def inbound_visible_to(user) -> QuerySet[InboundEvent]:
    if not _visible(user):
        return InboundEvent.objects.none()
    return InboundEvent.objects.select_related("partner", "work_order")
