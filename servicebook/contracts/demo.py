"""Service contracts' demo data (called by `servicebook seed-demo` through
demo.app_seed_steps, after inventory's items and lists).

For the first three active accounts the seed just wrote (the showcase account first),
through the services, as the service administrator `demo.admin-svc`:

* "Boiler maintenance plus": repair labour covered, repair parts at half, maintenance
  visits free (4 a year), installs excluded, 4-hour response; its own price list (contract
  prices on the thermostat and capacitor, which quotes then show as "contract SC-…"); a
  customer PO of 1,500.00 for the work it does not cover;
* "Heating inspection": inspections and maintenance covered, 2 visits a year, auto-renews,
  ending within its notice days so it is on the "ending soon" list;
* "Water heater care", still a draft (nothing covered until activated).

Skipped when any of those accounts has a contract already, so a second seed adds nothing
twice. Deterministic; a few dozen service calls, fast at any scale.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from servicebook.billing.models import CatalogItem
from servicebook.users.models import User

from .models import ServiceContract

# catalog code -> contract unit price
CONTRACT_PRICES = {"thermostat": "115.00", "capacitor": "32.00"}


def _user(username: str) -> User | None:
    return User.objects.filter(username=username, is_active=True).first()


def seed_demo(*, seed: int, now: dt.datetime, accounts, log) -> dict[str, int]:
    actor = _user("demo.admin-svc") or _user("demo.admin")
    chosen = list(accounts.filter(status="active").order_by("pk")[:3])
    if actor is None or len(chosen) < 3:
        log("  contracts: no demo users or too few accounts; no contracts seeded")
        return {}
    if ServiceContract.objects.filter(account__in=chosen).exists():
        return {}
    with transaction.atomic():
        return _seed(accounts=chosen, today=now.date(), actor=actor, log=log)


def _seed(*, accounts, today: dt.date, actor, log) -> dict[str, int]:
    from servicebook.inventory import services as inventory

    from . import services

    first, second, third = accounts
    made = {"contracts_servicecontract": 0, "contracts_customerpo": 0}
    prices = None
    catalog = {c.code: c for c in CatalogItem.objects.filter(code__in=CONTRACT_PRICES)}
    if catalog:
        prices = inventory.price_list_create(
            name=f"Contract prices {first.number}",
            account=first,
            valid_from=today - dt.timedelta(days=120),
            actor=actor,
        )
        for code, part in catalog.items():
            inventory.price_list_line_set(
                price_list=prices, catalog_item=part, unit_price=CONTRACT_PRICES[code], actor=actor
            )
    plus = services.contract_create(
        account=first,
        name="Boiler maintenance plus",
        start_date=today - dt.timedelta(days=120),
        end_date=today + dt.timedelta(days=245),
        auto_renew=True,
        price_list=prices,
        response_hours=4,
        visits_per_year=4,
        notes="Annual boiler service, repairs and a parts discount.",
        actor=actor,
    )
    for line in (
        {"work_type": "repair", "applies_to": "labour"},
        {"work_type": "repair", "applies_to": "part", "covered_percent": 50},
        {"work_type": "preventive_maintenance"},
        {"work_type": "install", "excluded": True, "note": "New equipment is quoted."},
    ):
        services.coverage_add(contract=plus, actor=actor, **line)
    services.contract_activate(contract=plus, actor=actor)
    services.po_add(
        account=first,
        contract=plus,
        number=f"PO-{first.number[-6:]}",
        amount_authorised="1500.00",
        valid_until=plus.end_date,
        actor=actor,
    )
    made["contracts_customerpo"] += 1
    inspection = services.contract_create(
        account=second,
        name="Heating inspection",
        start_date=today - dt.timedelta(days=345),
        end_date=today + dt.timedelta(days=20),
        auto_renew=True,
        notice_days=30,
        response_hours=24,
        visits_per_year=2,
        actor=actor,
    )
    services.coverage_add(contract=inspection, work_type="inspection", actor=actor)
    services.coverage_add(contract=inspection, work_type="preventive_maintenance", actor=actor)
    services.contract_activate(contract=inspection, actor=actor)
    draft = services.contract_create(
        account=third,
        name="Water heater care",
        start_date=today + dt.timedelta(days=7),
        end_date=today + dt.timedelta(days=371),
        visits_per_year=1,
        actor=actor,
    )
    services.coverage_add(contract=draft, work_type="repair", covered_percent=80, actor=actor)
    made["contracts_servicecontract"] = 3
    log(
        f"  contracts: {plus.number} (with PO and contract prices) on {first.number}, "
        f"{inspection.number} ending soon, {draft.number} draft"
    )
    return made
