"""prices_for: account list > customer-class list > catalog; priority then latest
valid-from within a level; the best quantity break not above the quantity; a fixed number
of queries whatever the length of the quote."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from servicebook.core.errors import ValidationFailed
from servicebook.core.testing.factories import make_account, make_catalog_item
from servicebook.inventory import services
from servicebook.inventory.pricing import prices_for

from .conftest import TODAY


def _list(manager, **kw):
    kw.setdefault("valid_from", dt.date(2026, 1, 1))
    kw.setdefault("name", "List")
    return services.price_list_create(actor=manager, **kw)


def _price(account, item, qty="1", on=TODAY):
    return prices_for(account=account, items_with_qty=[(item, qty)], on=on)[item.pk]


def test_no_list_gives_the_catalog_price(account, part):
    quote = _price(account, part)
    assert quote.unit_price == Decimal("20.00")
    assert quote.source == "catalog" and quote.explanation == "Catalog price"


def test_customer_class_list_beats_catalog_and_account_list_beats_class(account, part, manager):
    residential = _list(manager, name="Residential", customer_class="residential")
    services.price_list_line_set(
        price_list=residential, catalog_item=part, percent_off="10", actor=manager
    )
    quote = _price(account, part)
    assert quote.unit_price == Decimal("18.00")
    assert quote.source == "customer_class" and "Residential" in quote.explanation
    contract = _list(manager, name="Contract 7", account=account, priority=-5)
    services.price_list_line_set(
        price_list=contract, catalog_item=part, unit_price="19.50", actor=manager
    )
    # The account's own list wins even at a lower priority and a higher price.
    quote = _price(account, part)
    assert (quote.unit_price, quote.source, quote.price_list_id) == (
        Decimal("19.50"),
        "account",
        contract.pk,
    )


def test_other_class_and_other_account_lists_do_not_apply(account, part, manager, admin):
    other = make_account(actor=admin)
    commercial = _list(manager, customer_class="commercial")
    services.price_list_line_set(
        price_list=commercial, catalog_item=part, unit_price="1.00", actor=manager
    )
    theirs = _list(manager, account=other)
    services.price_list_line_set(
        price_list=theirs, catalog_item=part, unit_price="2.00", actor=manager
    )
    assert _price(account, part).unit_price == Decimal("20.00")
    assert _price(other, part).unit_price == Decimal("2.00")


def test_within_a_level_priority_then_latest_valid_from(account, part, manager):
    old = _list(manager, name="Old", customer_class="residential", valid_from=dt.date(2025, 1, 1))
    new = _list(manager, name="New", customer_class="residential", valid_from=dt.date(2026, 6, 1))
    services.price_list_line_set(price_list=old, catalog_item=part, unit_price="15", actor=manager)
    services.price_list_line_set(price_list=new, catalog_item=part, unit_price="16", actor=manager)
    assert _price(account, part).unit_price == Decimal("16.00")  # latest valid-from
    high = _list(
        manager,
        name="High",
        customer_class="residential",
        valid_from=dt.date(2024, 1, 1),
        priority=10,
    )
    services.price_list_line_set(price_list=high, catalog_item=part, unit_price="17", actor=manager)
    assert _price(account, part).unit_price == Decimal("17.00")  # priority first


def test_validity_dates_and_inactive_lists(account, part, manager):
    summer = _list(
        manager,
        customer_class="residential",
        valid_from=dt.date(2026, 6, 1),
        valid_to=dt.date(2026, 8, 31),
    )
    services.price_list_line_set(
        price_list=summer, catalog_item=part, unit_price="11", actor=manager
    )
    assert _price(account, part, on=dt.date(2026, 7, 1)).unit_price == Decimal("11.00")
    assert _price(account, part, on=dt.date(2026, 8, 31)).unit_price == Decimal("11.00")
    assert _price(account, part, on=dt.date(2026, 9, 1)).unit_price == Decimal("20.00")
    assert _price(account, part, on=dt.date(2026, 5, 31)).unit_price == Decimal("20.00")


def test_best_quantity_break_not_above_the_quantity(account, part, manager):
    pl = _list(manager, customer_class="residential")
    for min_qty, price in (("1", "19"), ("10", "17"), ("50", "15")):
        services.price_list_line_set(
            price_list=pl,
            catalog_item=part,
            unit_price=price,
            min_quantity=min_qty,
            actor=manager,
        )
    assert _price(account, part, "9.999").unit_price == Decimal("19.00")
    assert _price(account, part, "10").unit_price == Decimal("17.00")
    assert _price(account, part, "49").unit_price == Decimal("17.00")
    quote = _price(account, part, "50")
    assert quote.unit_price == Decimal("15.00") and "from 50" in quote.explanation


def test_a_list_whose_breaks_start_above_the_quantity_falls_through(account, part, manager):
    bulk = _list(manager, account=account, name="Bulk only")
    services.price_list_line_set(
        price_list=bulk, catalog_item=part, unit_price="10", min_quantity="100", actor=manager
    )
    cls = _list(manager, customer_class="residential", name="Class")
    services.price_list_line_set(price_list=cls, catalog_item=part, percent_off="5", actor=manager)
    assert _price(account, part, "3").unit_price == Decimal("19.00")
    assert _price(account, part, "100").unit_price == Decimal("10.00")


def test_percent_off_rounds_half_up_to_the_cent(account, manager, tax):
    odd = make_catalog_item("odd", kind="part", price="10.05", tax_code=tax)
    pl = _list(manager, customer_class="residential")
    services.price_list_line_set(price_list=pl, catalog_item=odd, percent_off="50", actor=manager)
    assert _price(account, odd).unit_price == Decimal("5.03")  # 5.025 -> 5.03


def test_labour_is_priced_by_lists_too(account, labour, manager):
    pl = _list(manager, customer_class="residential")
    services.price_list_line_set(price_list=pl, catalog_item=labour, unit_price="85", actor=manager)
    assert _price(account, labour).unit_price == Decimal("85.00")


def test_bad_input_names_the_field(account, part, manager):
    pl = _list(manager, customer_class="residential")
    with pytest.raises(ValidationFailed) as both:
        services.price_list_line_set(
            price_list=pl, catalog_item=part, unit_price="1", percent_off="2", actor=manager
        )
    assert "unit_price" in both.value.errors
    with pytest.raises(ValidationFailed) as pct:
        services.price_list_line_set(
            price_list=pl, catalog_item=part, percent_off="120", actor=manager
        )
    assert "percent_off" in pct.value.errors
    with pytest.raises(ValidationFailed) as qty:
        prices_for(account=account, items_with_qty=[(part, "-1")], on=TODAY)
    assert "quantity" in qty.value.errors
    with pytest.raises(ValidationFailed):
        _list(manager, name="Both", customer_class="residential", account=account)
    assert not pl.lines.exists()


def test_prices_a_fifty_line_quote_in_three_queries(account, manager, tax):
    items = [make_catalog_item(f"p{i}", kind="part", price="10", tax_code=tax) for i in range(50)]
    cls = _list(manager, customer_class="residential")
    mine = _list(manager, account=account)
    for n, it in enumerate(items):
        services.price_list_line_set(
            price_list=cls, catalog_item=it, percent_off="10", actor=manager
        )
        if n % 2:
            services.price_list_line_set(
                price_list=mine, catalog_item=it, unit_price="7", min_quantity="2", actor=manager
            )
    with CaptureQueriesContext(connection) as ctx:
        quotes = prices_for(account=account, items_with_qty=[(i, 3) for i in items], on=TODAY)
    assert len(ctx.captured_queries) == 3
    assert len(quotes) == 50
    assert quotes[items[1].pk].unit_price == Decimal("7.00")
    assert quotes[items[0].pk].unit_price == Decimal("9.00")
