from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    name = "servicebook.integrations"
    label = "integrations"
    verbose_name = "Integrations"
