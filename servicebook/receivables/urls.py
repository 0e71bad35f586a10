"""Pages of the receivables app."""

from django.urls import path

from . import views

app_name = "receivables"

urlpatterns = [
    path("aging/", views.aging, name="aging"),
    path("aging/export/", views.aging_export, name="aging_export"),
]
