"""Payment arrangements, restoration, deposit policy, credit rating and bankruptcy:
the account's standing (docs/credit.md)."""

from django.apps import AppConfig


class CreditConfig(AppConfig):
    name = "servicebook.credit"
    label = "credit"
    verbose_name = "Credit"

    def ready(self) -> None:
        from servicebook.core.navigation import register_link  # noqa: F401
        from servicebook.customers.api.extensions import register_account_section
        from servicebook.payments.hooks import register_listener
        from servicebook.workorders.hooks import register_listener as register_wo_listener

        from . import panels
        from .api.views import account_sections
        from .listeners import on_payment, on_work_order

        register_listener(on_payment, key="credit")
        register_wo_listener(on_work_order, key="credit")
        panels.register()
        for section in account_sections():
            register_account_section(**section)
