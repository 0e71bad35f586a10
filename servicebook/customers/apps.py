from django.apps import AppConfig


class CustomersConfig(AppConfig):
    name = "servicebook.customers"
    label = "customers"
    verbose_name = "Customers and accounts"

    def ready(self) -> None:
        from servicebook.core.navigation import register_link

        register_link(
            section="Accounts",
            label="New account",
            url_name="customers:account_new",
            capability="accounts.edit",
        )
        register_link(
            section="Accounts",
            label="Import / export accounts",
            url_name="customers:accounts_transfer",
            capability="accounts.view",
            order=110,
        )
