from django.apps import AppConfig


class ConsoleConfig(AppConfig):
    name = "servicebook.console"
    label = "console"
    verbose_name = "Representative's console"
