from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "servicebook.billing"
    label = "billing"
    verbose_name = "Billing"

    def ready(self) -> None:
        from servicebook.core.navigation import register_link
        from servicebook.ledger import verify as ledger_verify

        from . import panels, verify

        # ledger-verify checks billing's invariants too (the ledger never imports billing).
        for check in verify.CHECKS:
            if check not in ledger_verify.CHECKS:
                ledger_verify.CHECKS.append(check)
        panels.register()
        self._register_account_sections()
        for order, (label, url_name, capability) in enumerate(
            [
                ("Invoices", "billing:invoice_list", "billing.view"),
                ("Bill runs", "billing:run_list", "billing.view"),
                ("Catalog", "billing:catalog", "billing.view"),
            ]
        ):
            register_link(
                section="Billing",
                label=label,
                url_name=url_name,
                capability=capability,
                order=order,
            )

    @staticmethod
    def _register_account_sections() -> None:
        """The account API's 360 view gets balance, aging and open invoices."""
        from servicebook.customers.api.extensions import register_account_section

        from .api import serializers as s
        from .api import views

        register_account_section(
            key="balance",
            field=lambda: s.BalanceSectionSerializer(read_only=True),
            load=views.account_balance,
        )
        register_account_section(
            key="aging",
            field=lambda: s.AgingSectionSerializer(read_only=True),
            load=views.account_aging,
        )
        register_account_section(
            key="open_invoices",
            field=lambda: s.OpenInvoiceSerializer(many=True, read_only=True),
            load=views.account_open_invoices,
        )
