"""Customer quotes (accept by link), subcontractor quotes approved within limits, and
out-of-scope work handed to the third party that owns it (docs/quotes.md)."""

from django.apps import AppConfig


class QuotesConfig(AppConfig):
    name = "servicebook.quotes"
    label = "quotes"
    verbose_name = "Quotes"

    def ready(self) -> None:
        from servicebook.core.navigation import register_link

        from . import panels

        panels.register()
        register_link(
            section="Quotes",
            label="Customer quotes",
            url_name="quotes:list",
            capability="quotes.view",
            order=0,
        )
        register_link(
            section="Quotes",
            label="Subcontractor quotes",
            url_name="quotes:sub_queue",
            capability="quotes.view",
            order=1,
        )
