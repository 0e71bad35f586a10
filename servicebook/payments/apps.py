from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "servicebook.payments"
    label = "payments"
    verbose_name = "Payments"

    def ready(self) -> None:
        from servicebook.core.navigation import register_link
        from servicebook.customers.api.extensions import register_account_section

        from . import panels
        from .api.serializers import PaymentSerializer
        from .api.views import account_recent_payments

        register_account_section(
            key="recent_payments",
            field=lambda: PaymentSerializer(many=True, read_only=True),
            load=account_recent_payments,
        )
        panels.register()
        # Approvals are for those who may adjust (back office, supervisors); bank files and
        # their exception queue for those who work them.
        for order, (label, url_name, capability) in enumerate(
            [
                ("Approvals", "payments:approvals", "payments.adjust"),
                ("Bank files", "payments:bank_files", "payments.bank_files"),
                ("Exception queue", "payments:exceptions", "payments.bank_files"),
            ],
            start=10,
        ):
            register_link(
                section="Billing",
                label=label,
                url_name=url_name,
                capability=capability,
                order=order,
            )
