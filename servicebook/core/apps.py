from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "servicebook.core"
    label = "core"
    verbose_name = "Core"
