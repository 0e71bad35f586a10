"""Pages of the contracts app."""

from django.urls import path

from . import views

app_name = "contracts"

urlpatterns = [
    path("", views.contract_list, name="list"),
    path("new/<int:account_pk>/", views.contract_new, name="new"),
    path("<int:pk>/", views.contract_detail, name="detail"),
    path("<int:pk>/edit/", views.contract_edit, name="edit"),
    path("<int:pk>/coverage/", views.coverage_add, name="coverage_add"),
    path("<int:pk>/coverage/<int:line_pk>/remove/", views.coverage_remove, name="coverage_remove"),
    path("<int:pk>/pos/", views.po_add, name="po_add"),
    path("<int:pk>/activate/", views.contract_activate, name="activate"),
    path("<int:pk>/cancel/", views.contract_cancel, name="cancel"),
    path("work-orders/<int:work_order_pk>/bill/", views.workorder_bill, name="workorder_bill"),
]
