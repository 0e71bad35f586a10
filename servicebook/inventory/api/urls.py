"""Routes of the inventory API."""

from __future__ import annotations

from rest_framework.routers import SimpleRouter

from . import views


def register(router: SimpleRouter) -> None:
    """Add this app's viewsets to the project's router."""
    router.register("inventory/items", views.ItemViewSet, basename="inventory-item")
    router.register("inventory/stock", views.StockLevelViewSet, basename="inventory-stock")
    router.register("inventory/prices", views.PriceLookupViewSet, basename="inventory-price")
    router.register("inventory/sales-orders", views.SalesOrderViewSet, basename="sales-order")
    router.register(
        "inventory/purchase-orders", views.PurchaseOrderViewSet, basename="purchase-order"
    )
