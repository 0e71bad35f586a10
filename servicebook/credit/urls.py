"""Pages of the credit app."""

from django.urls import path

from . import views

app_name = "credit"

urlpatterns = [
    path("accounts/<int:pk>/arrangement/", views.arrangement, name="arrangement"),
    path(
        "accounts/<int:pk>/arrangement/create/",
        views.arrangement_create,
        name="arrangement_create",
    ),
    path("arrangements/<int:pk>/cancel/", views.arrangement_cancel, name="arrangement_cancel"),
    path("accounts/<int:pk>/restoration/", views.restoration_open, name="restoration_open"),
    path(
        "restorations/<int:pk>/reconnect/",
        views.restoration_reconnect,
        name="restoration_reconnect",
    ),
    path("accounts/<int:pk>/deposit/", views.deposit_bill, name="deposit_bill"),
    path("accounts/<int:pk>/deposit-waiver/", views.deposit_waiver, name="deposit_waiver"),
    path("accounts/<int:pk>/bankruptcy/", views.bankruptcy, name="bankruptcy"),
    path("accounts/<int:pk>/bankruptcy/file/", views.bankruptcy_file, name="bankruptcy_file"),
    path("bankruptcies/<int:pk>/claim/", views.bankruptcy_claim, name="bankruptcy_claim"),
    path("bankruptcies/<int:pk>/close/", views.bankruptcy_close, name="bankruptcy_close"),
]
