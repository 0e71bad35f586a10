"""Pages of the quotes app (the customer's link pages are in public_urls.py)."""

from django.urls import path

from . import views

app_name = "quotes"

urlpatterns = [
    path("", views.quote_list, name="list"),
    path("new/<int:account_pk>/", views.quote_new, name="new"),
    path("<int:pk>/", views.quote_detail, name="detail"),
    path("<int:pk>/pdf/", views.quote_pdf, name="pdf"),
    path("<int:pk>/lines/", views.quote_line_add, name="line_add"),
    path("<int:pk>/lines/<int:line_pk>/remove/", views.quote_line_remove, name="line_remove"),
    path("<int:pk>/options/", views.quote_option_add, name="option_add"),
    path("<int:pk>/send/", views.quote_send, name="send"),
    path("<int:pk>/revise/", views.quote_revise, name="revise"),
    path("<int:pk>/invoice/", views.quote_invoice, name="invoice"),
    path("subcontractor/", views.sub_queue, name="sub_queue"),
    path("subcontractor/<int:pk>/", views.sub_detail, name="sub_detail"),
    path("subcontractor/new/", views.sub_new_pick, name="sub_new_pick"),
    path("subcontractor/new/<int:work_order_pk>/", views.sub_new, name="sub_new"),
    path("subcontractor/<int:pk>/approve/", views.sub_approve, name="sub_approve"),
    path("subcontractor/<int:pk>/reject/", views.sub_reject, name="sub_reject"),
    path("subcontractor/<int:pk>/purchase-order/", views.sub_raise_po, name="sub_raise_po"),
    path("partner-requests/", views.partner_list, name="partner_list"),
    path("partner-requests/<int:pk>/", views.partner_detail, name="partner_detail"),
    path("partner-requests/<int:pk>/move/", views.partner_transition, name="partner_transition"),
    path("partner-requests/new/<int:work_order_pk>/", views.partner_send, name="partner_send"),
]
