"""Pages of the inventory app."""

from django.urls import path

from . import views

app_name = "inventory"

urlpatterns = [
    path("items/", views.items, name="items"),
    path("items/new/", views.item_add, name="item_add"),
    path("items/export/", views.items_export, name="items_export"),
    path("items/import/", views.items_import, name="items_import"),
    path("items/<int:pk>/", views.item_detail, name="item_detail"),
    path("items/<int:pk>/receive/", views.stock_receive, name="stock_receive"),
    path("items/<int:pk>/transfer/", views.stock_transfer, name="stock_transfer"),
    path("items/<int:pk>/count/", views.stock_count, name="stock_count"),
    path("locations/", views.warehouses, name="warehouses"),
    path("locations/new/", views.warehouse_add, name="warehouse_add"),
    path("vendors/", views.vendors, name="vendors"),
    path("vendors/new/", views.vendor_add, name="vendor_add"),
    path("price-lists/", views.price_lists, name="price_lists"),
    path("price-lists/new/", views.price_list_add, name="price_list_add"),
    path("price-lists/<int:pk>/", views.price_list_detail, name="price_list_detail"),
    path("price-lists/<int:pk>/lines/", views.price_list_line_set, name="price_list_line_set"),
    path("price-lists/<int:pk>/export/", views.price_list_export, name="price_list_export"),
    path("price-lists/<int:pk>/import/", views.price_list_import, name="price_list_import"),
    path("price-check/", views.price_check, name="price_check"),
    path("reorder/", views.reorder, name="reorder"),
    path("reorder/<int:vendor_pk>/draft/", views.reorder_draft, name="reorder_draft"),
    path("purchase-orders/", views.po_list, name="po_list"),
    path("purchase-orders/new/", views.po_add, name="po_add"),
    path("purchase-orders/<int:pk>/", views.po_detail, name="po_detail"),
    path("purchase-orders/<int:pk>/pdf/", views.po_pdf, name="po_pdf"),
    path("purchase-orders/<int:pk>/lines/", views.po_line_add, name="po_line_add"),
    path("purchase-orders/<int:pk>/submit/", views.po_submit, name="po_submit"),
    path("purchase-orders/<int:pk>/approve/", views.po_approve, name="po_approve"),
    path("purchase-orders/<int:pk>/reject/", views.po_reject, name="po_reject"),
    path("purchase-orders/<int:pk>/cancel/", views.po_cancel, name="po_cancel"),
    path("purchase-orders/<int:pk>/send/", views.po_send, name="po_send"),
    path("purchase-orders/<int:pk>/receive/", views.po_receive, name="po_receive"),
    path("purchase-orders/<int:pk>/bill/", views.po_match, name="po_match"),
    path("accounts/<int:account_pk>/sales/new/", views.sale_new, name="sale_new"),
    path("sales/<int:pk>/", views.sale_detail, name="sale_detail"),
    path("sales/<int:pk>/lines/", views.sale_line_add, name="sale_line_add"),
    path("sales/<int:pk>/confirm/", views.sale_confirm, name="sale_confirm"),
    path("sales/<int:pk>/fulfil/", views.sale_fulfil, name="sale_fulfil"),
    path("sales/<int:pk>/cancel/", views.sale_cancel, name="sale_cancel"),
    path("sales/<int:pk>/invoice/", views.sale_invoice, name="sale_invoice"),
    path("sales/<int:pk>/counter/", views.sale_counter, name="sale_counter"),
]
