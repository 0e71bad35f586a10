from django.apps import AppConfig


class QuotesConfig(AppConfig):
    name = "servicebook.quotes"
    label = "quotes"
    verbose_name = "Quotes"
