"""Routes of the quotes API."""

from __future__ import annotations

from rest_framework.routers import SimpleRouter

from . import views


def register(router: SimpleRouter) -> None:
    """Add this app's viewsets to the project's router."""
    router.register("quotes", views.QuoteViewSet, basename="quote")
    router.register(
        "subcontractor-quotes", views.SubcontractorQuoteViewSet, basename="subcontractor-quote"
    )
    router.register("partner-requests", views.PartnerRequestViewSet, basename="partner-request")
