"""Routes of the workorders API."""

from __future__ import annotations

from rest_framework.routers import SimpleRouter

from . import views


def register(router: SimpleRouter) -> None:
    """Register this app's viewsets on the project's API router."""
    router.register("workorders", views.WorkOrderViewSet, basename="workorder")
    router.register("follow-ups", views.FollowUpViewSet, basename="follow-up")
    router.register("pm-plans", views.MaintenancePlanViewSet, basename="pm-plan")
    router.register("skills", views.SkillViewSet, basename="skill")
    router.register("completion-codes", views.CompletionCodeViewSet, basename="completion-code")
    router.register(
        "workorder-checklists", views.WorkChecklistViewSet, basename="workorder-checklist"
    )
