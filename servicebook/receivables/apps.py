from django.apps import AppConfig


class ReceivablesConfig(AppConfig):
    name = "servicebook.receivables"
    label = "receivables"
    verbose_name = "Receivables"

    def ready(self) -> None:
        from servicebook.core.navigation import register_link

        register_link(
            section="Receivables",
            label="Aging",
            url_name="receivables:aging",
            capability="receivables.view",
            order=0,
        )
