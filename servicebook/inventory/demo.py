"""Inventory's demo data (called by `servicebook seed-demo` through demo.app_seed_steps,
after billing's catalog and scheduling's technicians).

Reference data, idempotently (what exists is left as it is), through the services:

* a stock item for each part of billing's demo catalog (air filter, capacitor, thermostat,
  cable modem), with reorder points;
* the main store room (`MAIN`) and the van of the `demo.tech` technician (Jordan Reyes),
  stocked by receipts, so the stock page shows a site and a van and the capacitor sits
  at its reorder point on the to-reorder list;
* a commercial customer-class price list (10 % off parts, 15 % from 10).

Then, for the accounts the seed just wrote: one counter sale (confirm, fulfil and invoice in
one step) of an air filter and a thermostat from the main store to the first account with a
billing profile, so the account page's "Sell parts" box and the moves list have a sale.
Deterministic; a handful of service calls, so fast at any scale.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from servicebook.billing.models import CatalogItem
from servicebook.users.models import User

from .choices import WarehouseKind
from .models import Item, PriceList, SalesOrder, Warehouse

# catalog code, SKU, reorder point, reorder quantity, standard cost, (main, van) received
ITEMS = [
    ("air-filter", "AF-16251", 20, 60, "6.80", (80, 12)),
    ("capacitor", "CAP-455", 10, 30, "14.50", (10, 4)),
    ("thermostat", "TSTAT-P1", 4, 12, "61.00", (15, 2)),
    ("modem", "MDM-D31", 5, 20, "42.00", (25, 0)),
]
MAIN = ("MAIN", "Main store room")
VAN_CODE = "VAN-JR"
TECH_USERNAME = "demo.tech"
CLASS_LIST = "Commercial parts"


def _user(username: str) -> User | None:
    return User.objects.filter(username=username, is_active=True).first()


def reference_ensure(*, actor, today: dt.date) -> dict[str, int]:
    """Items, the store room and the van with their stock, and the commercial list: each
    made once."""
    from servicebook.scheduling.models import Technician

    from . import services

    made = {"inventory_item": 0, "inventory_warehouse": 0, "inventory_stockmove": 0}
    catalog = {c.code: c for c in CatalogItem.objects.filter(code__in=[i[0] for i in ITEMS])}
    main = Warehouse.objects.filter(code=MAIN[0]).first()
    if main is None:
        main = services.warehouse_create(code=MAIN[0], name=MAIN[1], actor=actor)
        made["inventory_warehouse"] += 1
    van = Warehouse.objects.filter(code=VAN_CODE).first()
    tech = Technician.objects.filter(user__username=TECH_USERNAME).first()
    if van is None and tech is not None and not Warehouse.objects.filter(technician=tech).exists():
        van = services.warehouse_create(
            code=VAN_CODE,
            name=f"Van of {tech.first_name} {tech.last_name}",
            kind=WarehouseKind.VAN,
            technician=tech,
            actor=actor,
        )
        made["inventory_warehouse"] += 1
    for code, sku, point, reorder, cost, (in_main, in_van) in ITEMS:
        part = catalog.get(code)
        if part is None or Item.objects.filter(catalog_item=part).exists():
            continue  # no such catalog part, or stocked by an earlier seed
        item = services.item_create(
            catalog_item=part,
            sku=sku,
            reorder_point=point,
            reorder_quantity=reorder,
            standard_cost=cost,
            actor=actor,
        )
        made["inventory_item"] += 1
        for place, quantity in ((main, in_main), (van, in_van)):
            if place is not None and quantity:
                services.stock_receive(
                    item=item,
                    warehouse=place,
                    quantity=quantity,
                    unit_cost=cost,
                    reference="Opening stock (demo)",
                    actor=actor,
                )
                made["inventory_stockmove"] += 1
    if catalog and not PriceList.objects.filter(name=CLASS_LIST).exists():
        price_list = services.price_list_create(
            name=CLASS_LIST,
            customer_class="commercial",
            valid_from=today.replace(month=1, day=1),
            actor=actor,
        )
        for part in catalog.values():
            services.price_list_line_set(
                price_list=price_list, catalog_item=part, percent_off="10", actor=actor
            )
            services.price_list_line_set(
                price_list=price_list,
                catalog_item=part,
                percent_off="15",
                min_quantity=10,
                actor=actor,
            )
        made["inventory_pricelist"] = 1
    return made


def seed_demo(*, seed: int, now: dt.datetime, accounts, log) -> dict[str, int]:
    actor = _user("demo.admin-svc") or _user("demo.admin")
    if actor is None:
        log("  inventory: no demo users; nothing seeded")
        return {}
    with transaction.atomic():
        made = reference_ensure(actor=actor, today=now.date())
    made["inventory_salesorder"] = _counter_sale(accounts=accounts, actor=actor, log=log)
    return made


def _counter_sale(*, accounts, actor, log) -> int:
    """One counter sale to the first new account that can be invoiced (has a billing
    profile, is active), unless one of them bought already."""
    from . import sales

    main = Warehouse.objects.filter(code=MAIN[0]).first()
    parts = list(CatalogItem.objects.filter(code__in=["air-filter", "thermostat"]).order_by("code"))
    if main is None or len(parts) < 2 or SalesOrder.objects.filter(account__in=accounts).exists():
        return 0
    buyer = accounts.filter(status="active", billing_profile__isnull=False).order_by("pk").first()
    if buyer is None:
        return 0
    with transaction.atomic():
        order = sales.sales_order_create(account=buyer, warehouse=main, actor=actor)
        for part, quantity in zip(parts, (2, 1), strict=True):
            sales.sales_order_line_add(
                order=order, catalog_item=part, quantity=quantity, actor=actor
            )
        invoice = sales.sales_order_counter_sale(order=order, actor=actor)
    log(f"  inventory: counter sale to {buyer.number}, invoice {invoice.number}")
    return 1
