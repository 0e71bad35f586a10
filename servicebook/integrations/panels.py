"""What the integrations app shows elsewhere: a Partners box on the work-order page (links,
the partner's notes, a form to link a partner) and partner notes on the account timeline."""

from __future__ import annotations

from django.urls import reverse

from servicebook.core.permissions import has_capability
from servicebook.users.roles import Cap

from .choices import InboundStatus
from .models import InboundEvent, Partner, PartnerLink


def workorder_partners_context(*, request, work_order) -> dict:
    user = request.user
    if not has_capability(user, Cap.INTEGRATIONS_VIEW):
        return {"hidden": True}
    links = list(
        PartnerLink.objects.filter(work_order=work_order)
        .select_related("partner")
        .order_by("partner__name")
    )
    notes = list(
        InboundEvent.objects.filter(
            work_order=work_order, event_type="workorder.note", status=InboundStatus.APPLIED
        )
        .select_related("partner")
        .order_by("-received_at")[:10]
    )
    can_link = has_capability(user, Cap.INTEGRATIONS_TASKS)
    linked = {link.partner_id for link in links}
    partners = (
        [p for p in Partner.objects.filter(active=True).order_by("name") if p.pk not in linked]
        if can_link
        else []
    )
    return {
        "links": links,
        "notes": notes,
        "partners": partners,
        "can_link": can_link,
        "link_url": reverse("integrations:link_create", args=[work_order.pk]),
    }


def partner_notes_timeline(*, request, account, limit: int) -> list:
    from servicebook.customers.panels import TimelineItem

    if not has_capability(request.user, Cap.INTEGRATIONS_VIEW):
        return []
    events = (
        InboundEvent.objects.filter(
            work_order__account=account,
            event_type="workorder.note",
            status=InboundStatus.APPLIED,
        )
        .select_related("partner", "work_order")
        .order_by("-received_at", "-id")[:limit]
    )
    return [
        TimelineItem(
            at=e.received_at,
            kind="partner note",
            title=f"{e.partner.name} on work order {e.work_order.number}",
            body=e.note,
            author=e.partner.name,
            url=reverse("workorders:workorder_detail", args=[e.work_order_id]),
        )
        for e in events
    ]


def register() -> None:
    from servicebook.customers.panels import register_timeline_source
    from servicebook.workorders.panels import WorkOrderPanel, register_workorder_panel

    register_workorder_panel(
        WorkOrderPanel(
            key="integrations.partners",
            template="integrations/partials/workorder_partners.html",
            context=workorder_partners_context,
            order=50,
        )
    )
    register_timeline_source("integrations", partner_notes_timeline)
