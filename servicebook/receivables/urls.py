"""Pages of the receivables app."""

from django.urls import path

from . import views

app_name = "receivables"

urlpatterns = [
    path("aging/", views.aging, name="aging"),
    path("aging/export/", views.aging_export, name="aging_export"),
    path("worklist/", views.worklist, name="worklist"),
    path("policies/", views.policies, name="policies"),
    path("accounts/<int:pk>/", views.account_collection, name="account_collection"),
    path("accounts/<int:pk>/promise/", views.promise_create, name="promise_create"),
    path(
        "accounts/<int:pk>/medical/",
        views.medical_certificate_create,
        name="medical_certificate_create",
    ),
]
