from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "servicebook.ledger"
    label = "ledger"
    verbose_name = "Ledger"
