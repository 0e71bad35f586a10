"""A service contract's price list in inventory's prices_for: above the account's own list
and the customer-class list, only while the contract is in force, item by item (an item or
a quantity the contract's list does not price falls through to the next level), and still
three queries for a whole quote."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from servicebook.contracts import services
from servicebook.core.testing.factories import make_catalog_item
from servicebook.inventory import services as inventory
from servicebook.inventory.pricing import prices_for

pytestmark = pytest.mark.django_db


def _list(manager, name, **target):
    return inventory.price_list_create(
        name=name, valid_from=dt.date(2020, 1, 1), actor=manager, **target
    )


def _line(manager, price_list, item, **price):
    inventory.price_list_line_set(price_list=price_list, catalog_item=item, actor=manager, **price)


def _prices(account, items, on, qty=1):
    return prices_for(account=account, items_with_qty=[(i, qty) for i in items], on=on)


@pytest.fixture
def parts(db):
    return [make_catalog_item(f"part-{n}", kind="part", price="40.00") for n in range(4)]


def test_contract_list_beats_account_and_class_lists_item_by_item(
    account, contract, manager, parts, today
):
    on_contract, on_account, on_class, on_nothing = parts
    gold = _list(manager, "Gold contract parts", customer_class="commercial")
    mine = _list(manager, "Account prices", account=account, priority=50)
    residential = _list(manager, "Residential", customer_class=account.customer_class)
    for item in parts[:3]:
        _line(manager, residential, item, percent_off="10")  # 36.00
    for item in parts[:2]:
        _line(manager, mine, item, unit_price="35.00")
    _line(manager, gold, on_contract, unit_price="30.00")
    services.contract_update(contract=contract, price_list=gold, actor=manager)

    quotes = _prices(account, parts, today)

    assert quotes[on_contract.pk].unit_price == Decimal("30.00")
    assert quotes[on_contract.pk].source == "contract"
    assert quotes[on_contract.pk].price_list_id == gold.pk
    assert quotes[on_contract.pk].explanation == (
        f"contract {contract.number} price list “Gold contract parts”: 30.00 each"
    )
    assert (quotes[on_account.pk].unit_price, quotes[on_account.pk].source) == (
        Decimal("35.00"),
        "account",
    )
    assert (quotes[on_class.pk].unit_price, quotes[on_class.pk].source) == (
        Decimal("36.00"),
        "customer_class",
    )
    assert (quotes[on_nothing.pk].unit_price, quotes[on_nothing.pk].source) == (
        Decimal("40.00"),
        "catalog",
    )


def test_contract_naming_the_accounts_own_list_prices_as_the_contract(
    account, contract, manager, parts, today
):
    mine = _list(manager, "Contract prices", account=account)
    _line(manager, mine, parts[0], percent_off="25")
    services.contract_update(contract=contract, price_list=mine, actor=manager)

    quote = _prices(account, parts[:1], today)[parts[0].pk]

    assert (quote.unit_price, quote.source) == (Decimal("30.00"), "contract")
    assert quote.explanation.startswith(f"contract {contract.number} price list")


def test_a_break_above_the_quantity_falls_through_to_the_class_list(
    account, contract, manager, parts, today
):
    gold = _list(manager, "Gold", customer_class="commercial")
    _line(manager, gold, parts[0], unit_price="20.00", min_quantity="10")
    residential = _list(manager, "Residential", customer_class=account.customer_class)
    _line(manager, residential, parts[0], unit_price="38.00")
    services.contract_update(contract=contract, price_list=gold, actor=manager)

    small = _prices(account, parts[:1], today, qty=3)[parts[0].pk]
    large = _prices(account, parts[:1], today, qty=12)[parts[0].pk]

    assert (small.unit_price, small.source) == (Decimal("38.00"), "customer_class")
    assert (large.unit_price, large.source) == (Decimal("20.00"), "contract")
    assert "from 10" in large.explanation


def test_contract_list_applies_only_while_the_contract_is_in_force(account, manager, parts, today):
    gold = _list(manager, "Gold", customer_class="commercial")
    _line(manager, gold, parts[0], unit_price="25.00")
    draft = services.contract_create(
        account=account,
        name="Service plan",
        start_date=today - dt.timedelta(days=10),
        end_date=today + dt.timedelta(days=20),
        price_list=gold,
        actor=manager,
    )

    def price(on):
        return _prices(account, parts[:1], on)[parts[0].pk]

    assert price(today).source == "catalog"  # a draft prices nothing
    services.contract_activate(contract=draft, actor=manager)
    assert (price(today).unit_price, price(today).source) == (Decimal("25.00"), "contract")
    assert price(today - dt.timedelta(days=11)).source == "catalog"  # before its start
    assert price(today + dt.timedelta(days=21)).source == "catalog"  # after its end
    services.contract_cancel(contract=draft, reason="Customer moved", actor=manager)
    assert price(today).source == "catalog"


def test_another_accounts_contract_list_does_not_apply(
    account, contract, manager, parts, today, admin
):
    from servicebook.core.testing.factories import make_account

    gold = _list(manager, "Gold", customer_class="commercial")
    _line(manager, gold, parts[0], unit_price="25.00")
    services.contract_update(contract=contract, price_list=gold, actor=manager)
    neighbour = make_account(actor=admin)

    assert _prices(neighbour, parts[:1], today)[parts[0].pk].source == "catalog"


def test_a_quote_with_contract_prices_still_costs_three_queries(account, contract, manager, today):
    items = [make_catalog_item(f"q{n}", kind="part", price="10.00") for n in range(20)]
    gold = _list(manager, "Gold", customer_class="commercial")
    residential = _list(manager, "Residential", customer_class=account.customer_class)
    for n, item in enumerate(items):
        _line(manager, residential, item, percent_off="10")
        if n % 2:
            _line(manager, gold, item, unit_price="7.00")
    services.contract_update(contract=contract, price_list=gold, actor=manager)

    with CaptureQueriesContext(connection) as ctx:
        quotes = _prices(account, items, today, qty=2)

    assert len(ctx.captured_queries) == 3
    assert {q.source for q in quotes.values()} == {"contract", "customer_class"}
    assert quotes[items[1].pk].unit_price == Decimal("7.00")
    assert quotes[items[0].pk].unit_price == Decimal("9.00")
