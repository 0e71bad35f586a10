"""A representative sets up a payment arrangement in real Chromium, in a few clicks: open
the account (the box offers the arrangement), propose (the arrangement page with the
policy's schedule), adjust the installments and preview, confirm. The account then shows
the active arrangement with its installments; the page stays free of console errors and
CSP violations and fits the desk screen; the ledger verifies."""

from __future__ import annotations

from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from servicebook.core.testing.browser import BrowserLog, assert_fits_width, login, save_screenshot
from servicebook.core.testing.factories import (
    PASSWORD,
    make_account,
    make_catalog_item,
    make_invoice,
    make_tax_code,
    make_user,
)
from servicebook.credit.models import ArrangementPolicy, ArrangementStatus, PaymentArrangement
from servicebook.ledger.verify import ledger_verify

pytestmark = pytest.mark.browser


@pytest.fixture
def desk(transactional_db):
    import datetime as dt

    ArrangementPolicy.objects.create(
        name="Residential arrangements",
        customer_class="residential",
        min_arrears=Decimal("50.00"),
        down_payment_kind="percent",
        down_payment_value=Decimal("25.00"),
        max_installments=6,
        installment_day=15,
        grace_days=5,
    )
    rep = make_user("rep1", username="rep.credit", first_name="Robin", last_name="Hale")
    account = make_account(actor=make_user("admin"), first_name="Dana", last_name="Owing")
    item = make_catalog_item("visit", price="480.00", tax_code=make_tax_code("exempt", "0"))
    make_invoice(
        account=account,
        lines=[(item, 1)],
        issued_on=dt.date.today() - dt.timedelta(days=60),
    )
    return {"rep": rep, "account": account}


def test_a_representative_sets_up_an_arrangement(
    page: Page, live_server, desk, browser_log: BrowserLog
):
    base, account = live_server.url, desk["account"]
    login(page, base, "rep.credit", PASSWORD)
    page.goto(f"{base}/accounts/{account.pk}/")
    offer = page.get_by_test_id("arrangement-offer")
    expect(offer).to_contain_text("$480.00")
    expect(offer).to_contain_text("$120.00")

    # Click 1: propose. The policy's schedule: 120.00 down, six installments of 60.00.
    page.get_by_test_id("arrangement-link").click()
    expect(page.get_by_test_id("arrears")).to_have_text("$480.00")
    schedule = page.locator("#schedule tbody tr")
    expect(schedule).to_have_count(7)

    # Adjust within the limits and preview: four installments of 90.00.
    page.get_by_label("Installments").fill("4")
    page.get_by_test_id("preview").click()
    expect(schedule).to_have_count(5)
    expect(schedule.nth(4)).to_contain_text("$90.00")
    assert_fits_width(page)
    save_screenshot(page, "arrangement")

    # Out of the limits: refused on the form (a 400, on purpose), nothing set up.
    browser_log.allow(r"status of 400 .*/arrangement/create/")
    page.get_by_label("Installments").fill("9")
    page.get_by_test_id("confirm").click()
    expect(page.locator(".errorlist")).to_contain_text("Choose between 1 and 6 installments.")
    assert not PaymentArrangement.objects.exists()

    # Confirm.
    page.get_by_label("Installments").fill("4")
    page.get_by_test_id("confirm").click()
    expect(page.locator(".messages")).to_contain_text("Payment arrangement set up.")
    expect(page.locator("#installments tbody tr")).to_have_count(5)
    arrangement = PaymentArrangement.objects.get()
    assert arrangement.status == ArrangementStatus.ACTIVE
    assert arrangement.installment_count == 4
    assert arrangement.down_payment == Decimal("120.00")

    # Back on the account page the box shows the arrangement.
    page.goto(f"{base}/accounts/{account.pk}/")
    expect(page.locator("#arrangement-installments tbody tr")).to_have_count(5)
    browser_log.assert_clean("arrangement journey")
    assert ledger_verify() == []
