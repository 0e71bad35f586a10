"""The representative's payments, in real Chromium: open the account, take a card payment by
phone with the test gateway's Visa number (two clicks from the account page), then a check
at the counter that overpays, then refund the overpayment to the check. The balance on the
account page moves each time; the page stays free of console errors and CSP violations and
fits the desk screen; and afterwards the card number typed is nowhere in the database.

Screenshot: var/screenshots/payment.png (docs/screenshots/payment.png is a copy)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
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
from servicebook.ledger.selectors import balance_of
from servicebook.ledger.verify import ledger_verify
from servicebook.payments.models import CardToken, Payment, Refund
from servicebook.users.models import ApprovalLimit

pytestmark = pytest.mark.browser

CARD = "4242 4242 4242 4242"  # the test gateway's approved Visa (docs/payments.md)


@pytest.fixture
def desk(transactional_db):
    ApprovalLimit.objects.update_or_create(
        role="rep2", kind="refund", defaults={"max_amount": Decimal("200.00")}
    )
    rep = make_user("rep2", username="rep.payments", first_name="Jordan", last_name="Lee")
    account = make_account(actor=make_user("admin"), first_name="Dana", last_name="Payer")
    item = make_catalog_item("visit", price="240.00", tax_code=make_tax_code("exempt", "0"))
    make_invoice(account=account, lines=[(item, 1)])
    return {"rep": rep, "account": account}


def _balance(page: Page):
    return expect(page.get_by_test_id("account-balance"))


def _open_account(page: Page, base: str, account) -> None:
    page.goto(f"{base}/accounts/{account.pk}/")
    expect(page.locator("#payments-activity")).to_be_visible()


def _everything_stored() -> str:
    """Every row of every table, as text (the test database is small)."""
    chunks = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f'SELECT * FROM "{table}"')
            chunks.extend(repr(row) for row in cursor.fetchall())
    return "\n".join(chunks)


def test_a_representative_takes_a_card_a_check_and_refunds(
    page: Page, live_server, desk, browser_log: BrowserLog
):
    base, account = live_server.url, desk["account"]
    login(page, base, "rep.payments", PASSWORD)
    _open_account(page, base, account)
    _balance(page).to_have_text("$240.00")

    # Card by phone: click 1 opens the form with the balance due, click 2 posts it.
    page.get_by_test_id("take-payment").click()
    form = page.locator("form.take-form")
    amount = form.get_by_label("Amount")
    expect(amount).to_have_value("240.00")
    amount.fill("100.00")
    form.get_by_label("Card", exact=True).check()
    form.get_by_label("Phone", exact=True).check()
    form.get_by_label("Card number").fill(CARD)
    form.get_by_label("Expiry (MM/YY)").fill("12/30")
    form.get_by_label("Security code").fill("737")
    form.get_by_role("button", name="Post payment").click()
    expect(page.locator(".messages")).to_contain_text("posted")
    expect(page.get_by_test_id("payment-status")).to_have_text("Posted")
    expect(page.locator("main")).to_contain_text("····4242")
    _open_account(page, base, account)
    _balance(page).to_have_text("$140.00")

    # A check at the counter that pays more than is owed: the rest is credit.
    page.get_by_test_id("take-payment").click()
    form = page.locator("form.take-form")
    form.get_by_label("Check", exact=True).check()
    form.get_by_label("Counter", exact=True).check()
    form.get_by_label("Amount").fill("200.00")
    form.get_by_label("Check number").fill("1042")
    save_screenshot(page, "payment-take")
    form.get_by_role("button", name="Post payment").click()
    expect(page.locator(".messages")).to_contain_text("posted")
    check_url = page.url
    _open_account(page, base, account)
    _balance(page).to_have_text("-$60.00")
    expect(page.get_by_test_id("unapplied-credit")).to_have_text("$60.00")

    # Refund the overpayment to the check (within the representative's limit).
    page.goto(check_url)
    refund = page.locator("#refund")
    expect(refund.get_by_label("Amount")).to_have_value("60.00")
    refund.get_by_label("Reason").fill("Paid twice")
    refund.get_by_role("button", name="Refund").click()
    expect(page.locator(".messages")).to_contain_text("posted to the original method")
    expect(page.get_by_test_id("refund-status")).to_have_text("Posted")
    _open_account(page, base, account)
    _balance(page).to_have_text("$0.00")
    expect(page.locator("#payments-activity")).to_contain_text("refunded $60.00")
    assert_fits_width(page)
    save_screenshot(page, "payment")
    browser_log.assert_clean("payments journey")

    # The books agree with the page, and the card number is nowhere in the database.
    assert balance_of(account).balance == Decimal("0.00")
    assert Payment.objects.count() == 2 and Refund.objects.get().status == "posted"
    assert CardToken.objects.get().last4 == "4242"
    assert ledger_verify() == []
    stored = _everything_stored()
    assert CARD.replace(" ", "") not in stored
    assert CARD not in stored
