from django.apps import AppConfig


class ReceivablesConfig(AppConfig):
    name = "servicebook.receivables"
    label = "receivables"
    verbose_name = "Receivables"

    def ready(self) -> None:
        from servicebook.core.navigation import register_link
        from servicebook.customers.api.extensions import register_account_section

        from . import panels
        from .api.sections import account_collection_section
        from .api.serializers import CollectionSectionSerializer

        register_link(
            section="Receivables",
            label="Aging",
            url_name="receivables:aging",
            capability="receivables.view",
            order=0,
        )
        register_link(
            section="Receivables",
            label="Collections worklist",
            url_name="receivables:worklist",
            capability="receivables.collect",
            order=1,
        )
        register_link(
            section="Receivables",
            label="Collection policies",
            url_name="receivables:policies",
            capability="receivables.policies",
            order=2,
        )
        register_link(
            section="Receivables",
            label="Letters to print",
            url_name="receivables:letters_print",
            capability="receivables.collect",
            order=3,
        )
        register_link(
            section="Receivables",
            label="Collection agencies",
            url_name="receivables:agencies",
            capability="receivables.write_off",
            order=4,
        )
        register_account_section(
            key="collection",
            field=lambda: CollectionSectionSerializer(read_only=True, allow_null=True),
            load=account_collection_section,
        )
        panels.register()

        from servicebook.payments.hooks import register_listener

        from .writeoffs import on_payment

        # Payments after write-off: recovery, its undoing, agency payment rows and recall.
        register_listener(on_payment, key="receivables.writeoffs")
