"""The counter sale in real Chromium: a service administrator opens the account page, starts
a parts sale in the "Sell parts" box, adds a part (priced by the account's class list),
sells it at the counter and lands on the issued invoice; stock and the ledger agree, and
the pages are free of console errors and CSP violations."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from servicebook.core.testing.browser import BrowserLog, login
from servicebook.core.testing.factories import (
    PASSWORD,
    make_account,
    make_catalog_item,
    make_tax_code,
    make_user,
)
from servicebook.inventory import services
from servicebook.inventory.models import SalesOrder, StockLevel
from servicebook.ledger.verify import ledger_verify

pytestmark = pytest.mark.browser


@pytest.fixture
def counter(transactional_db):
    clerk = make_user("service_admin", username="clerk.parts", first_name="Sam")
    account = make_account(actor=make_user("admin"), first_name="Dana", last_name="Parts")
    part = make_catalog_item(
        "capacitor",
        kind="part",
        price="50.00",
        tax_code=make_tax_code("exempt", "0"),
        revenue_code="4300",
    )
    store = services.warehouse_create(code="counter", name="Counter stock", actor=clerk)
    item = services.item_create(catalog_item=part, sku="CAP-45", actor=clerk)
    services.stock_receive(item=item, warehouse=store, quantity="5", actor=clerk)
    price_list = services.price_list_create(
        name="Residential",
        customer_class="residential",
        valid_from=dt.date(2020, 1, 1),
        actor=clerk,
    )
    services.price_list_line_set(
        price_list=price_list, catalog_item=part, percent_off="10", actor=clerk
    )
    return {"account": account, "item": item, "store": store, "part": part}


def test_counter_sale_from_the_account_page_to_the_invoice(
    page: Page, live_server, counter, browser_log: BrowserLog
):
    base, account = live_server.url, counter["account"]
    login(page, base, "clerk.parts", PASSWORD)
    page.goto(f"{base}/accounts/{account.pk}/")
    box = page.locator("#parts-sales")
    expect(box).to_be_visible()
    box.get_by_test_id("sell-parts").click()

    expect(page.get_by_test_id("sale-status")).to_have_text("Draft")
    page.get_by_label("Item").select_option(str(counter["part"].pk))
    page.get_by_label("Quantity").fill("2")
    page.get_by_test_id("add-sale-line").click()
    expect(page.get_by_test_id("sale-total")).to_have_text("90.00")  # 10% off 50.00, x2

    page.get_by_test_id("counter-sale").click()
    expect(page.get_by_test_id("invoice-status")).to_have_text("Issued")
    expect(page.get_by_test_id("invoice-number")).to_contain_text("INV-")

    order = SalesOrder.objects.get(account=account)
    assert order.status == "invoiced" and order.invoice.total == Decimal("90.00")
    level = StockLevel.objects.get(item=counter["item"], warehouse=counter["store"])
    assert level.on_hand == Decimal("3")
    assert ledger_verify() == []
    assert browser_log.problems == []
