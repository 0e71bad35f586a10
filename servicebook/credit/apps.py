from django.apps import AppConfig


class CreditConfig(AppConfig):
    name = "servicebook.credit"
    label = "credit"
    verbose_name = "Credit"
