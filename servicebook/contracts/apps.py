"""Service contracts: coverage, included visits, term and renewal, customer POs, and billing
work under a contract against it (docs/contracts.md)."""

from django.apps import AppConfig


class ContractsConfig(AppConfig):
    name = "servicebook.contracts"
    label = "contracts"
    verbose_name = "Service contracts"

    def ready(self) -> None:
        from servicebook.core.navigation import register_link
        from servicebook.customers.api.extensions import register_account_section
        from servicebook.inventory.pricing import register_contract_price_lists

        from . import panels
        from .api.serializers import account_contracts_field, account_contracts_load
        from .selectors import contracts_pricing_in_force

        panels.register()
        # A contract's price list prices its account's quotes and sales first.
        register_contract_price_lists(contracts_pricing_in_force)
        register_account_section(
            key="contracts", field=account_contracts_field, load=account_contracts_load
        )
        register_link(
            section="Quotes",
            label="Service contracts",
            url_name="contracts:list",
            capability="contracts.view",
            order=5,
        )
