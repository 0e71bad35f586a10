"""Routes of the credit API."""

from __future__ import annotations

from rest_framework.routers import SimpleRouter

from . import views


def register(router: SimpleRouter) -> None:
    """Add this app's viewsets to the project's router."""
    router.register("arrangements", views.ArrangementViewSet, basename="arrangement")
    router.register("restorations", views.RestorationViewSet, basename="restoration")
    router.register("bankruptcies", views.BankruptcyViewSet, basename="bankruptcy")
