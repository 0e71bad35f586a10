"""Routes of the customers API. The accounts root uses the viewset composed with the
sections other apps add to the 360 view (customers.api.extensions)."""

from __future__ import annotations

from rest_framework.routers import SimpleRouter

from . import views
from .extensions import account_360_viewset

ACCOUNT = "accounts/<int:account_pk>"


def register(router: SimpleRouter) -> None:
    router.register("accounts", account_360_viewset(), basename="account")
    router.register("customers", views.CustomerViewSet, basename="customer")
    router.register("programs", views.ProgramViewSet, basename="program")
    router.register(f"{ACCOUNT}/notes", views.NoteViewSet, basename="account-note")
    router.register(f"{ACCOUNT}/contacts", views.ContactViewSet, basename="account-contact")
    router.register(f"{ACCOUNT}/locations", views.LocationViewSet, basename="account-location")
    router.register(f"{ACCOUNT}/agreements", views.AgreementViewSet, basename="account-agreement")
    router.register(f"{ACCOUNT}/equipment", views.EquipmentViewSet, basename="account-equipment")
    router.register(
        f"{ACCOUNT}/enrollments", views.EnrollmentViewSet, basename="account-enrollment"
    )
    router.register(f"{ACCOUNT}/alerts", views.AlertViewSet, basename="account-alert")
