"""Routes of the payments API."""

from __future__ import annotations

from rest_framework.routers import SimpleRouter

from . import views


def register(router: SimpleRouter) -> None:
    """Register this app's viewsets on the project's API router."""
    router.register("payments", views.PaymentViewSet, basename="payment")
    router.register("refunds", views.RefundViewSet, basename="refund")
    router.register("adjustments", views.AdjustmentViewSet, basename="adjustment")
    router.register(
        "adjustment-reasons", views.AdjustmentReasonViewSet, basename="adjustment-reason"
    )
    router.register("transfers", views.TransferViewSet, basename="transfer")
    router.register("deposits", views.DepositViewSet, basename="deposit")
    router.register("disputes", views.DisputeViewSet, basename="dispute")
    router.register("card-tokens", views.CardTokenViewSet, basename="card-token")
    router.register("bank-accounts", views.BankAccountViewSet, basename="bank-account")
    router.register("bank-files", views.BankFileViewSet, basename="bank-file")
    router.register("bank-file-items", views.BankFileItemViewSet, basename="bank-file-item")
