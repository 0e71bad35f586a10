"""Routes of the quotes API."""

from __future__ import annotations

from rest_framework.routers import SimpleRouter


def register(router: SimpleRouter) -> None:
    """Add this app's viewsets to the project's router."""
