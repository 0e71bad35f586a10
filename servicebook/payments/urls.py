from django.urls import path

from . import views

app_name = "payments"

urlpatterns = [
    path("accounts/<int:pk>/", views.account_payments, name="account"),
    path("accounts/<int:pk>/take/", views.payment_take_view, name="take"),
    path("accounts/<int:pk>/adjust/", views.adjustment_add, name="adjustment_add"),
    path("accounts/<int:pk>/transfer/", views.transfer_add, name="transfer_add"),
    path("accounts/<int:pk>/deposit/", views.deposit_bill, name="deposit_bill"),
    path("accounts/<int:pk>/dispute/", views.dispute_add, name="dispute_add"),
    path("<int:pk>/", views.payment_detail, name="payment_detail"),
    path("<int:pk>/reverse/", views.payment_reverse, name="payment_reverse"),
    path("<int:pk>/reallocate/", views.payment_reallocate, name="payment_reallocate"),
    path("<int:pk>/refund/", views.payment_refund, name="payment_refund"),
    path("deposits/<int:pk>/collect/", views.deposit_collect, name="deposit_collect"),
    path("deposits/<int:pk>/apply/", views.deposit_apply, name="deposit_apply"),
    path("deposits/<int:pk>/refund/", views.deposit_refund, name="deposit_refund"),
    path("disputes/<int:pk>/resolve/", views.dispute_resolve, name="dispute_resolve"),
    path("approvals/", views.approvals, name="approvals"),
    path("refunds/<int:pk>/approve/", views.refund_approve, name="refund_approve"),
    path("refunds/<int:pk>/reject/", views.refund_reject, name="refund_reject"),
    path("adjustments/<int:pk>/approve/", views.adjustment_approve, name="adjustment_approve"),
    path("adjustments/<int:pk>/reject/", views.adjustment_reject, name="adjustment_reject"),
    path("bank-files/", views.bank_files, name="bank_files"),
    path("bank-files/<int:pk>/", views.bank_file_detail, name="bank_file_detail"),
    path("bank-files/exceptions/", views.exception_queue, name="exceptions"),
    path("bank-items/<int:pk>/match/", views.exception_match, name="exception_match"),
    path("bank-items/<int:pk>/return/", views.exception_return, name="exception_return"),
]
