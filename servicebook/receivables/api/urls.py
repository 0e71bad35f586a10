"""Routes of the receivables API."""

from __future__ import annotations

from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views


def register(router: SimpleRouter) -> None:
    """The account's write-offs nest under the account, like credit's arrangements. The
    aging contract is a plain route at its exact path (`GET /api/receivables/aging`, no
    trailing slash, so a client that does not follow redirects reaches it). It joins the
    router's URL list, which the project includes (as the contact app's routes do)."""
    router.register(
        "accounts/<int:account_pk>/write-offs", views.WriteOffViewSet, basename="account-write-off"
    )
    extra = [path("receivables/aging", views.BookAgingView.as_view(), name="receivables-aging")]
    get_urls = router.get_urls
    router.get_urls = lambda: [*get_urls(), *extra]
