"""The quote journey in real Chromium: a coordinator opens a quote from the account page,
adds a line, sends it; the customer opens the emailed link in a fresh browser context (no
login), picks the option and accepts; the quote is converted into a work order. No console
errors or CSP violations on any page."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from servicebook.core.testing.browser import BrowserLog, login
from servicebook.core.testing.factories import PASSWORD, make_user
from servicebook.quotes.models import Quote

from .conftest import token_of

pytestmark = pytest.mark.browser


@pytest.fixture
def desk(transactional_db, account, labour):
    make_user("service_admin", username="quote.browser")
    return {"account": account, "labour": labour}


def test_staff_sends_a_quote_and_the_customer_accepts_by_link(
    live_server, page: Page, browser_log: BrowserLog, browser, desk, smtp
):
    base = live_server.url
    account = desk["account"]
    login(page, base, "quote.browser", PASSWORD)
    page.goto(f"{base}/accounts/{account.pk}/")
    page.locator("#id_quote_new_title").fill("Annual furnace service")
    page.get_by_role("button", name="New quote").click()
    page.wait_for_url(f"{base}/quotes/*/")
    page.get_by_label("Item").select_option(str(desk["labour"].pk))
    page.get_by_label("Quantity").fill("2")
    page.get_by_role("button", name="Add line").click()
    expect(page.get_by_text("$190.00").first).to_be_visible()
    page.get_by_role("button", name="Send to the customer").click()
    expect(page.get_by_test_id("quote-status")).to_have_text("Sent")
    assert not browser_log.problems, browser_log.problems
    token = token_of(smtp)

    customer = browser.new_context()
    try:
        link = customer.new_page()
        link.goto(f"{base}/quotes/q/{token}/")
        expect(link.get_by_role("heading", level=1)).to_contain_text("Quote")
        link.get_by_test_id("accept").click()
        expect(link.get_by_test_id("done")).to_contain_text("accepted")
        link.goto(f"{base}/quotes/q/{token}/")
        expect(link.get_by_test_id("refused")).to_contain_text("already answered")
    finally:
        customer.close()
    quote = Quote.objects.get()
    assert quote.status == "converted" and quote.converted_work_order is not None
    page.goto(f"{base}/quotes/{quote.pk}/")
    expect(page.get_by_test_id("converted-wo")).to_have_text(quote.converted_work_order.number)
