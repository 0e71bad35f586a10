"""Pages of the contact centre: the agent's bar, pop and call panel; the supervisor's
dashboard, imports, adherence and quality."""

from django.urls import path

from . import views, views_supervisor

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
]
