from django.urls import path

from . import views

app_name = "workorders"

urlpatterns = [
    path("", views.workorder_list, name="workorder_list"),
    path("new/<int:account_pk>/", views.workorder_new, name="workorder_new"),
    path("<int:pk>/", views.workorder_detail, name="workorder_detail"),
    path("<int:pk>/edit/", views.workorder_edit, name="workorder_edit"),
    path("<int:pk>/dispatch/", views.workorder_dispatch, name="workorder_dispatch"),
    path("<int:pk>/unschedule/", views.workorder_unschedule, name="workorder_unschedule"),
    path("<int:pk>/travel/", views.workorder_travel, name="workorder_travel"),
    path("<int:pk>/arrive/", views.workorder_arrive, name="workorder_arrive"),
    path("<int:pk>/complete/", views.workorder_complete, name="workorder_complete"),
    path("<int:pk>/incomplete/", views.workorder_incomplete, name="workorder_incomplete"),
    path("<int:pk>/close/", views.workorder_close, name="workorder_close"),
    path("<int:pk>/cancel/", views.workorder_cancel, name="workorder_cancel"),
    path("<int:pk>/checklist/", views.workorder_checklist, name="workorder_checklist"),
    path("<int:pk>/tasks/", views.workorder_task_add, name="workorder_task_add"),
    path("<int:pk>/tasks/<int:task_pk>/", views.workorder_task_done, name="workorder_task_done"),
    path("<int:pk>/lines/", views.workorder_line_add, name="workorder_line_add"),
    path(
        "<int:pk>/lines/<int:line_pk>/remove/",
        views.workorder_line_remove,
        name="workorder_line_remove",
    ),
    path("follow-ups/", views.followup_list, name="followup_list"),
    path("follow-ups/<int:pk>/done/", views.followup_done, name="followup_done"),
    path("pm/", views.plan_list, name="plan_list"),
    path("pm/new/<int:account_pk>/", views.plan_new, name="plan_new"),
    path("pm/<int:pk>/", views.plan_detail, name="plan_detail"),
    path("pm/<int:pk>/edit/", views.plan_edit, name="plan_edit"),
    path("pm/<int:pk>/active/", views.plan_active, name="plan_active"),
    path("pm/<int:pk>/generate/", views.plan_generate, name="plan_generate"),
]
