"""Quotes' demo data (called by `servicebook seed-demo` through demo.app_seed_steps, after
contracts', so a contract's prices show on a quote line).

Through the services, as the service administrator `demo.admin-svc`, on the first three
active accounts the seed just wrote (the showcase account, whose contract has its own
prices, first):

* a **draft** quote with two options (repair, or replace with a new thermostat);
* a **sent** quote (a fresh link, the `quote.sent` event);
* an **accepted** one: sent, then accepted through its link as a customer would, which
  converts it into a work order;
* a **subcontractor quote** from Peak Electric (scheduling's demo subcontractor) on that
  work order, submitted and awaiting approval in the review queue.

The emails `quote_send` queues go to Django's in-memory mail backend during the seed:
nothing leaves the machine (`make run` has no mail server). The accepted quote is answered
with the link token `quote_send` hands back, through `quote_accept`, as the customer's
click would. Skipped when any of those
accounts has a quote already. Deterministic; two PDFs rendered (the sends), a few seconds.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.core import mail
from django.db import transaction
from django.test.utils import override_settings

from servicebook.billing.models import CatalogItem
from servicebook.users.models import User

from .models import Quote


def _user(username: str) -> User | None:
    return User.objects.filter(username=username, is_active=True).first()


def seed_demo(*, seed: int, now: dt.datetime, accounts, log) -> dict[str, int]:
    actor = _user("demo.admin-svc") or _user("demo.admin")
    chosen = list(accounts.filter(status="active").order_by("pk")[:3])
    items = {c.code: c for c in CatalogItem.objects.filter(active=True)}
    needed = {"labour-hour", "trip-charge", "capacitor", "thermostat", "air-filter"}
    if actor is None or len(chosen) < 3 or not needed <= set(items):
        log("  quotes: no demo users, accounts or catalog; no quotes seeded")
        return {}
    if Quote.objects.filter(account__in=chosen).exists():
        return {}
    pdf_log = logging.getLogger("weasyprint")
    level = pdf_log.level
    pdf_log.setLevel(logging.WARNING)  # its step-by-step INFO lines would flood the seed's log
    try:
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
            mail.outbox = []
            with transaction.atomic():  # the emails go (to memory) when this commits
                made = _quotes(accounts=chosen, items=items, actor=actor)
            mail.outbox = []
    finally:
        pdf_log.setLevel(level)
    with transaction.atomic():
        accepting = made.pop("_accepting")
        made |= _accept_and_subcontract(quote=accepting, token=accepting.link_token, actor=actor)
    log(f"  quotes: draft, sent and accepted quotes; {made.pop('_summary')}")
    return made


def _quotes(*, accounts, items, actor) -> dict:
    from . import services

    first, second, third = accounts

    def quote(account, title, work_type, options, lines):
        q = services.quote_create(
            account=account, title=title, work_type=work_type, options=options, actor=actor
        )
        by_label = {o.label: o for o in q.options.all()}
        for label, code, quantity in lines:
            services.quote_line_add(
                option=by_label[label], catalog_item=items[code], quantity=quantity, actor=actor
            )
        return q

    quote(
        first,
        "Thermostat not holding temperature",
        "repair",
        ("Repair", "Replace"),
        [
            ("Repair", "labour-hour", 1),
            ("Repair", "capacitor", 1),
            ("Replace", "labour-hour", 2),
            ("Replace", "thermostat", 1),
        ],
    )
    sent = quote(
        second,
        "Seasonal furnace tune-up",
        "preventive_maintenance",
        ("Standard",),
        [
            ("Standard", "trip-charge", 1),
            ("Standard", "labour-hour", "1.5"),
            ("Standard", "air-filter", 2),
        ],
    )
    services.quote_send(quote=sent, to_email=_email(second), actor=actor)
    accepting = quote(
        third,
        "Replace failed run capacitor",
        "repair",
        ("Standard",),
        [
            ("Standard", "trip-charge", 1),
            ("Standard", "capacitor", 1),
            ("Standard", "labour-hour", 1),
        ],
    )
    accepting = services.quote_send(quote=accepting, to_email=_email(third), actor=actor)
    return {"quotes_quote": 3, "_accepting": accepting}


def _email(account) -> str:
    return f"customer.{account.number}@example.com"


def _accept_and_subcontract(*, quote, token: str, actor) -> dict:
    from servicebook.scheduling.models import Subcontractor

    from . import services, subcontract

    quote = services.quote_accept(token=token, option_id=None)
    work_order = quote.converted_work_order
    made: dict = {}
    peak = Subcontractor.objects.filter(name="Peak Electric").first()
    summary = f"{quote.label} became {work_order.number}"
    if peak is not None:
        sub = subcontract.subquote_submit(
            work_order=work_order,
            subcontractor=peak,
            lines=[
                {
                    "description": "Dedicated 240 V circuit for the condenser",
                    "quantity": 1,
                    "unit_cost": "640.00",
                },
                {"description": "Permit and inspection", "quantity": 1, "unit_cost": "95.00"},
            ],
            notes="Needed before the capacitor job can be signed off.",
            actor=actor,
        )
        made["quotes_subcontractorquote"] = 1
        summary += f"; {sub.number} from Peak Electric awaiting approval"
    made["_summary"] = summary
    return made
