"""Routes of the billing API."""

from __future__ import annotations

from rest_framework.routers import SimpleRouter

from . import views


def register(router: SimpleRouter) -> None:
    """Register this app's viewsets on the project's API router."""
    router.register("invoices", views.InvoiceViewSet, basename="invoice")
    router.register("catalog-items", views.CatalogItemViewSet, basename="catalog-item")
    router.register("tax-codes", views.TaxCodeViewSet, basename="tax-code")
    router.register("bill-runs", views.BillRunViewSet, basename="bill-run")
