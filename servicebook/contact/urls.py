"""Pages of the contact centre: the agent's bar, pop and call panel; the supervisor's
dashboard, imports, adherence and quality; the shift schedule and the script editor."""

from django.urls import path

from . import views, views_schedule, views_scripts, views_supervisor

app_name = "contact"

urlpatterns = [
    path("agent/bar/", views.agent_bar, name="agent_bar"),
    path("agent/incoming/", views.agent_incoming, name="agent_incoming"),
    path("agent/state/", views.agent_state, name="agent_state"),
    path("pops/<int:pk>/take/", views.pop_take, name="pop_take"),
    path("pops/<int:pk>/dismiss/", views.pop_dismiss, name="pop_dismiss"),
    path("start/<int:account_pk>/", views.contact_start, name="contact_start"),
    path("calls/<int:pk>/", views.call_detail, name="call"),
    path("calls/<int:pk>/hold/", views.call_hold, name="call_hold"),
    path("calls/<int:pk>/hang-up/", views.call_hang_up, name="call_hang_up"),
    path("calls/<int:pk>/account/", views.call_account, name="call_account"),
    path("calls/<int:pk>/wrap-up/", views.call_wrap_up, name="call_wrap_up"),
    path("calls/<int:pk>/script/", views.script_start, name="script_start"),
    path("scripts/runs/<int:pk>/answer/", views.script_answer, name="script_answer"),
    path("messages/", views.messages_list, name="messages"),
    path("messages/<int:pk>/match/", views.message_match, name="message_match"),
    path("dashboard/", views_supervisor.dashboard, name="dashboard"),
    path("dashboard/export/", views_supervisor.metrics_export, name="metrics_export"),
    path("import/", views_supervisor.pbx_import, name="import"),
    path("scripts/adherence/", views_supervisor.script_adherence, name="adherence"),
    path("quality/", views_supervisor.quality_list, name="quality"),
    path("quality/<int:pk>/", views_supervisor.evaluate, name="evaluate"),
    path("schedule/", views_schedule.schedule_week, name="schedule"),
    path("schedule/shifts/new/", views_schedule.shift_add, name="shift_add"),
    path("schedule/shifts/<int:pk>/", views_schedule.shift_edit, name="shift_edit"),
    path("schedule/shifts/<int:pk>/delete/", views_schedule.shift_delete, name="shift_delete"),
    path("schedule/copy/", views_schedule.schedule_copy, name="schedule_copy"),
    path("scripts/", views_scripts.script_list, name="scripts"),
    path("scripts/new/", views_scripts.script_new, name="script_new"),
    path("scripts/<int:pk>/", views_scripts.script_edit, name="script_edit"),
    path("scripts/<int:pk>/active/", views_scripts.script_active, name="script_active"),
    path("scripts/<int:pk>/copy/", views_scripts.script_copy, name="script_copy"),
    path("scripts/<int:pk>/steps/new/", views_scripts.script_node_add, name="script_node_add"),
    path("scripts/steps/<int:pk>/", views_scripts.script_node, name="script_node"),
    path(
        "scripts/steps/<int:pk>/delete/",
        views_scripts.script_node_delete,
        name="script_node_delete",
    ),
    path(
        "scripts/steps/<int:pk>/answers/new/",
        views_scripts.script_option_add,
        name="script_option_add",
    ),
    path("scripts/answers/<int:pk>/", views_scripts.script_option_edit, name="script_option_edit"),
    path(
        "scripts/answers/<int:pk>/delete/",
        views_scripts.script_option_delete,
        name="script_option_delete",
    ),
]
