"""Routes of the contact API."""

from __future__ import annotations

from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views


def register(router: SimpleRouter) -> None:
    """Register this app's viewsets on the project's API router, plus two plain routes:
    the PBX's screen pop, and the metrics contract without its trailing slash
    (`GET /api/contact/metrics?from=...`), so a client that does not follow redirects
    reaches it too."""
    router.register("contact/interactions", views.InteractionViewSet, basename="interaction")
    router.register(
        "contact/answering-messages", views.AnsweringMessageViewSet, basename="answering-message"
    )
    router.register("contact/metrics", views.MetricsViewSet, basename="contact-metrics")
    extra = [
        path("contact/screen-pop/", views.ScreenPopView.as_view(), name="contact-screen-pop"),
        path(
            "contact/metrics",
            views.MetricsContractView.as_view({"get": "list"}),
            name="contact-metrics-contract",
        ),
    ]
    # The router owns the URL list the project includes; these join it there.
    get_urls = router.get_urls
    router.get_urls = lambda: [*get_urls(), *extra]
