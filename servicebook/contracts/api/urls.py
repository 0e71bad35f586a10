"""Routes of the contracts API."""

from __future__ import annotations

from rest_framework.routers import SimpleRouter

from . import views


def register(router: SimpleRouter) -> None:
    """Add this app's viewsets to the project's router."""
    router.register("contracts", views.ContractViewSet, basename="contract")
