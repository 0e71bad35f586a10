from django.urls import path

from . import views

app_name = "billing"

urlpatterns = [
    path("invoices/", views.invoice_list, name="invoice_list"),
    path("invoices/<int:pk>/", views.invoice_detail, name="invoice_detail"),
    path("invoices/<int:pk>/pdf/", views.invoice_pdf, name="invoice_pdf"),
    path("invoices/<int:pk>/lines/", views.invoice_line_add, name="invoice_line_add"),
    path(
        "invoices/<int:pk>/lines/<int:line_pk>/remove/",
        views.invoice_line_remove,
        name="invoice_line_remove",
    ),
    path("invoices/<int:pk>/issue/", views.invoice_issue, name="invoice_issue"),
    path("invoices/<int:pk>/credit/", views.invoice_credit, name="invoice_credit"),
    path("invoices/<int:pk>/send/", views.invoice_send, name="invoice_send"),
    path("accounts/<int:account_pk>/invoices/new/", views.invoice_new, name="invoice_new"),
    path("accounts/<int:pk>/", views.account_billing, name="account_billing"),
    path("accounts/<int:pk>/profile/", views.profile_set, name="profile_set"),
    path("accounts/<int:pk>/charges/", views.charge_add, name="charge_add"),
    path("charges/<int:pk>/stop/", views.charge_stop, name="charge_stop"),
    path("charges/<int:pk>/change/", views.charge_change, name="charge_change"),
    path("accounts/<int:pk>/statement/<str:period>/", views.statement, name="statement"),
    path(
        "accounts/<int:pk>/statement/<str:period>/pdf/",
        views.statement_pdf,
        name="statement_pdf",
    ),
    path(
        "accounts/<int:pk>/statement/<str:period>/send/",
        views.statement_send,
        name="statement_send",
    ),
    path("catalog/", views.catalog, name="catalog"),
    path("catalog/new/", views.catalog_add, name="catalog_add"),
    path("catalog/<int:pk>/", views.catalog_edit, name="catalog_edit"),
    path("runs/", views.run_list, name="run_list"),
    path("runs/start/", views.run_start, name="run_start"),
    path("runs/<int:pk>/", views.run_detail, name="run_detail"),
]
