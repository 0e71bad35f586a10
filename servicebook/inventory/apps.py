"""Items, price lists, stock by warehouse and van, parts sales, purchase orders and
service contracts (docs/inventory.md)."""

from django.apps import AppConfig


class InventoryConfig(AppConfig):
    name = "servicebook.inventory"
    label = "inventory"
    verbose_name = "Inventory"

    def ready(self) -> None:
        from servicebook.core.navigation import register_link

        from . import panels

        panels.register()
        for order, (label, url_name, capability) in enumerate(
            [
                ("Items and stock", "inventory:items", "inventory.view"),
                ("To reorder", "inventory:reorder", "inventory.view"),
                ("Purchase orders", "inventory:po_list", "inventory.view"),
                ("Price lists", "inventory:price_lists", "inventory.view"),
                ("Price check", "inventory:price_check", "inventory.view"),
                ("Locations", "inventory:warehouses", "inventory.view"),
                ("Vendors", "inventory:vendors", "inventory.view"),
            ]
        ):
            register_link(
                section="Parts",
                label=label,
                url_name=url_name,
                capability=capability,
                order=order,
            )
