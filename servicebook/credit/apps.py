"""Payment arrangements, restoration, deposit policy, credit rating and bankruptcy:
the account's standing (docs/credit.md)."""

from django.apps import AppConfig


class CreditConfig(AppConfig):
    name = "servicebook.credit"
    label = "credit"
    verbose_name = "Credit"

    def ready(self) -> None:
        from servicebook.payments.hooks import register_listener

        from .listeners import on_payment

        register_listener(on_payment, key="credit")
