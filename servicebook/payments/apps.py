from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "servicebook.payments"
    label = "payments"
    verbose_name = "Payments"

    def ready(self) -> None:
        from servicebook.customers.api.extensions import register_account_section

        from .api.serializers import PaymentSerializer
        from .api.views import account_recent_payments

        register_account_section(
            key="recent_payments",
            field=lambda: PaymentSerializer(many=True, read_only=True),
            load=account_recent_payments,
        )
