"""Routes of the scheduling API (all under /api/scheduling/)."""

from __future__ import annotations

from rest_framework.routers import SimpleRouter

from . import views


def register(router: SimpleRouter) -> None:
    """Register this app's viewsets on the project's API router."""
    p = "scheduling"
    router.register(f"{p}/technicians", views.TechnicianViewSet, basename="scheduling-technician")
    router.register(
        f"{p}/subcontractors", views.SubcontractorViewSet, basename="scheduling-subcontractor"
    )
    router.register(f"{p}/time-off", views.TimeOffViewSet, basename="scheduling-time-off")
    router.register(f"{p}/territories", views.TerritoryViewSet, basename="scheduling-territory")
    router.register(f"{p}/offers", views.OfferViewSet, basename="scheduling-offers")
    router.register(
        f"{p}/appointments", views.AppointmentViewSet, basename="scheduling-appointment"
    )
    router.register(f"{p}/board", views.BoardViewSet, basename="scheduling-board")
    router.register(
        f"{p}/optimizer-runs", views.OptimizerRunViewSet, basename="scheduling-optimizer-run"
    )
    router.register(f"{p}/calendar", views.CalendarFeedViewSet, basename="scheduling-calendar")
