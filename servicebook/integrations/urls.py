"""Pages of the integrations app."""

from django.urls import path

from . import views

app_name = "integrations"

urlpatterns = [
    path("partners/", views.partners, name="partners"),
    path("partners/new/", views.partner_create, name="partner_create"),
    path("partners/<int:pk>/", views.partner_detail, name="partner_detail"),
    path("partners/<int:pk>/edit/", views.partner_update, name="partner_update"),
    path("partners/<int:pk>/endpoints/", views.endpoint_create, name="endpoint_create"),
    path("partners/<int:pk>/tokens/", views.token_issue, name="token_issue"),
    path("endpoints/<int:pk>/", views.endpoint_detail, name="endpoint_detail"),
    path("endpoints/<int:pk>/edit/", views.endpoint_update, name="endpoint_update"),
    path("endpoints/<int:pk>/rotate/", views.endpoint_rotate, name="endpoint_rotate"),
    path("endpoints/<int:pk>/toggle/", views.endpoint_toggle, name="endpoint_toggle"),
    path("tokens/<int:pk>/revoke/", views.token_revoke, name="token_revoke"),
    path("workorders/<int:pk>/link/", views.link_create, name="link_create"),
    path("links/<int:pk>/remove/", views.link_remove, name="link_remove"),
    path("deliveries/", views.deliveries, name="deliveries"),
    path("deliveries/<int:pk>/", views.delivery_detail, name="delivery_detail"),
    path("deliveries/<int:pk>/replay/", views.delivery_replay, name="delivery_replay"),
    path("portal-tasks/", views.portal_tasks, name="portal_tasks"),
    path("portal-tasks/<int:pk>/done/", views.portal_task_done, name="portal_task_done"),
]
