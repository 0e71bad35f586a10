"""Routes of the integrations API."""

from __future__ import annotations

from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views


def register(router: SimpleRouter) -> None:
    """Add this app's viewsets to the project's router, and the inbound endpoint as a
    plain route (as the receivables and contact apps add theirs)."""
    router.register("integrations/partners", views.PartnerViewSet, basename="integrations-partner")
    router.register(
        "integrations/deliveries", views.DeliveryViewSet, basename="integrations-delivery"
    )
    router.register(
        "integrations/portal-tasks", views.PortalTaskViewSet, basename="integrations-portal-task"
    )
    router.register("integrations/links", views.LinkViewSet, basename="integrations-link")
    extra = [
        path("integrations/inbound/", views.InboundView.as_view(), name="integrations-inbound")
    ]
    get_urls = router.get_urls
    router.get_urls = lambda: [*get_urls(), *extra]
