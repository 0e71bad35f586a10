from django.urls import path

from . import views

app_name = "cases"

urlpatterns = [
    path("queue/<slug:view>/", views.queue, name="queue"),
    path("new/<int:account_pk>/", views.case_new, name="case_new"),
    path("<int:pk>/", views.case_detail, name="case_detail"),
    path("<int:pk>/clock/", views.case_clock, name="case_clock"),
    path("<int:pk>/notes/", views.case_note, name="case_note"),
    path("<int:pk>/contact/", views.case_contact, name="case_contact"),
    path("<int:pk>/move/", views.case_transition, name="case_transition"),
    path("<int:pk>/take/", views.case_take, name="case_take"),
    path("<int:pk>/assign/", views.case_assign, name="case_assign"),
    path("<int:pk>/escalate/", views.case_escalate, name="case_escalate"),
    path("<int:pk>/resolve/", views.case_resolve, name="case_resolve"),
    path("<int:pk>/close/", views.case_close, name="case_close"),
    path("<int:pk>/reopen/", views.case_reopen, name="case_reopen"),
    path("<int:pk>/priority/", views.case_priority, name="case_priority"),
    path("<int:pk>/checklist/", views.case_checklist, name="case_checklist"),
    path("<int:pk>/consent/", views.case_consent, name="case_consent"),
]
