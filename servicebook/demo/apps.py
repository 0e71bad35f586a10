from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "servicebook.demo"
    label = "demo"
    verbose_name = "Demo and scale data"
