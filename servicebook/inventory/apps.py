from django.apps import AppConfig


class InventoryConfig(AppConfig):
    name = "servicebook.inventory"
    label = "inventory"
    verbose_name = "Inventory"
