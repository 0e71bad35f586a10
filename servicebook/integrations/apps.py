"""Partners (warranty companies, manufacturers, carriers, lenders): signed outbound
webhooks, portal tasks and inbound partner updates (docs/integrations.md)."""

from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    name = "servicebook.integrations"
    label = "integrations"
    verbose_name = "Integrations"

    def ready(self) -> None:
        from servicebook.core.navigation import register_link
        from servicebook.workorders.hooks import register_listener

        from . import panels
        from .listeners import workorder_status_changed

        register_listener(workorder_status_changed, key="integrations.workorder_status")
        panels.register()
        for order, (label, url_name, capability) in enumerate(
            [
                ("Portal tasks", "integrations:portal_tasks", "integrations.tasks"),
                ("Webhook deliveries", "integrations:deliveries", "integrations.view"),
                ("Partners", "integrations:partners", "integrations.view"),
            ],
            start=10,
        ):
            register_link(
                section="Integrations",
                label=label,
                url_name=url_name,
                capability=capability,
                order=order,
            )
