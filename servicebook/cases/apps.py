from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "servicebook.cases"
    label = "cases"
    verbose_name = "Cases and trouble tickets"

    def ready(self) -> None:
        from servicebook.core.navigation import register_link
        from servicebook.customers.api.extensions import register_account_section

        from . import panels
        from .api.serializers import CaseSerializer
        from .api.views import account_open_cases
        from .selectors import QUEUE_VIEWS

        panels.register()
        register_account_section(
            key="open_cases",
            field=lambda: CaseSerializer(many=True, read_only=True),
            load=account_open_cases,
        )
        for order, (view, label) in enumerate(QUEUE_VIEWS.items()):
            register_link(
                section="Cases",
                label=label,
                url_name="cases:queue",
                args=[view],
                capability="cases.view",
                order=order,
            )
