from django.urls import path

from . import views

app_name = "customers"

urlpatterns = [
    path("new/", views.account_new, name="account_new"),
    path("transfer/", views.accounts_transfer, name="accounts_transfer"),
    path("export/", views.accounts_export, name="accounts_export"),
    path("import/", views.accounts_import, name="accounts_import"),
    path("<int:pk>/", views.account_detail, name="account_detail"),
    path("<int:pk>/notes/", views.account_note, name="account_note"),
    path("<int:pk>/status/", views.account_status, name="account_status"),
    path("<int:pk>/contacts/", views.contact_add, name="contact_add"),
    path("<int:pk>/contacts/<int:contact_pk>/phones/", views.phone_add, name="phone_add"),
    path("<int:pk>/contacts/<int:contact_pk>/emails/", views.email_add, name="email_add"),
    path("<int:pk>/phones/<int:phone_pk>/remove/", views.phone_remove, name="phone_remove"),
    path("<int:pk>/locations/", views.location_add, name="location_add"),
    path("<int:pk>/agreements/", views.agreement_add, name="agreement_add"),
    path("<int:pk>/agreements/<int:agreement_pk>/end/", views.agreement_end, name="agreement_end"),
    path("<int:pk>/equipment/", views.equipment_add, name="equipment_add"),
    path("<int:pk>/alerts/", views.alert_add, name="alert_add"),
    path("<int:pk>/alerts/<int:alert_pk>/clear/", views.alert_clear, name="alert_clear"),
    path("<int:pk>/enrollments/", views.enroll, name="enroll"),
    path("<int:pk>/enrollments/<int:enrollment_pk>/end/", views.unenroll, name="unenroll"),
]
