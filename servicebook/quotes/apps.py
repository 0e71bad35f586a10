"""Customer quotes (accept by link), subcontractor quotes approved within limits, and
out-of-scope work handed to the third party that owns it (docs/quotes.md)."""

from django.apps import AppConfig


class QuotesConfig(AppConfig):
    name = "servicebook.quotes"
    label = "quotes"
    verbose_name = "Quotes"

    def ready(self) -> None:
        from servicebook.core.navigation import register_link
        from servicebook.integrations.events import register_event_type
        from servicebook.integrations.inbound import register_inbound_type

        from . import panels
        from .partner import partner_request_from_partner

        panels.register()
        register_event_type(
            "partner_request.sent",
            "A request for out-of-scope work was sent to the partner that owns it.",
        )
        register_event_type(
            "partner_request.status_changed",
            "A partner request moved (acknowledged, approved, rejected, done, cancelled).",
        )
        register_inbound_type(
            "partner_request.status",
            lambda partner, data: partner_request_from_partner(partner=partner, data=data),
        )
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
        register_link(
            section="Quotes",
            label="Partner requests",
            url_name="quotes:partner_list",
            capability="quotes.view",
            order=2,
        )
