"""Routes of the credit API: under the account, like its notes and contacts."""

from __future__ import annotations

from rest_framework.routers import SimpleRouter

from . import views

ACCOUNT = "accounts/<int:account_pk>"


def register(router: SimpleRouter) -> None:
    """Add this app's viewsets to the project's router."""
    router.register(
        f"{ACCOUNT}/arrangements", views.ArrangementViewSet, basename="account-arrangement"
    )
    router.register(
        f"{ACCOUNT}/restorations", views.RestorationViewSet, basename="account-restoration"
    )
    router.register(
        f"{ACCOUNT}/bankruptcies", views.BankruptcyViewSet, basename="account-bankruptcy"
    )
