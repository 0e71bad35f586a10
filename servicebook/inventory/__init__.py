"""Items, price lists, stock by warehouse and van, parts sales, purchase orders and
service contracts (docs/inventory.md)."""
