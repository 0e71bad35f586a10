"""Routes of the cases API."""

from __future__ import annotations

from rest_framework.routers import SimpleRouter

from . import views


def register(router: SimpleRouter) -> None:
    router.register("cases", views.CaseViewSet, basename="case")
    router.register("consents", views.ConsentViewSet, basename="consent")
    router.register("queues", views.QueueViewSet, basename="queue")
    router.register("resolution-codes", views.ResolutionCodeViewSet, basename="resolution-code")
    router.register("canned-responses", views.CannedResponseViewSet, basename="canned-response")
    router.register("checklists", views.ChecklistTemplateViewSet, basename="checklist")
