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
    path("accounts/<int:pk>/write-off/", views.write_off_create, name="write_off_create"),
    path("accounts/<int:pk>/refer/", views.referral_create, name="referral_create"),
    path("referrals/<int:pk>/recall/", views.referral_recall, name="referral_recall"),
    path("agencies/", views.agencies, name="agencies"),
    path("agencies/files/", views.agency_files_make, name="agency_files_make"),
    path("agencies/files/<int:pk>/", views.agency_file_download, name="agency_file_download"),
    path("letters/print/", views.letters_print, name="letters_print"),
    path("letters/print/mark/", views.letters_mark_printed, name="letters_mark_printed"),
]
