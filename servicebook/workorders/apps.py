from django.apps import AppConfig


class WorkordersConfig(AppConfig):
    name = "servicebook.workorders"
    label = "workorders"
    verbose_name = "Work orders"

    def ready(self) -> None:
        from servicebook.core.navigation import register_link
        from servicebook.customers.api.extensions import register_account_section

        from . import panels
        from .api.serializers import WorkOrderSerializer
        from .api.views import account_open_work_orders

        panels.register()
        register_account_section(
            key="open_work_orders",
            field=lambda: WorkOrderSerializer(many=True, read_only=True),
            load=account_open_work_orders,
        )
        for order, (label, url_name) in enumerate(
            [
                ("Work orders", "workorders:workorder_list"),
                ("After-visit calls", "workorders:followup_list"),
                ("Maintenance plans", "workorders:plan_list"),
            ]
        ):
            register_link(
                section="Field service",
                label=label,
                url_name=url_name,
                capability="workorders.view",
                order=order,
            )
