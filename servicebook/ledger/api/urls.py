"""Routes of the ledger API."""

from __future__ import annotations

from rest_framework.routers import SimpleRouter


def register(router: SimpleRouter) -> None:
    """Register this app's viewsets on the project's API router."""
