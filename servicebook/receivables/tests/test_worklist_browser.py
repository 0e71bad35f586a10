"""A collector works the worklist in real Chromium: logs in, opens the collections
worklist (the larger past due on top), opens the top account's collection page, records a
promise to pay, and back on the worklist sees the promise on that account's row. The pages
stay free of console errors and CSP violations and fit the desk screen."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import Page, expect

from servicebook.core.testing.browser import BrowserLog, assert_fits_width, login, save_screenshot
from servicebook.core.testing.factories import PASSWORD, make_account, make_user
from servicebook.receivables.models import PromiseToPay
from servicebook.receivables.services import collections_run

from .collections import make_collection_policy, owe

pytestmark = pytest.mark.browser


@pytest.fixture
def book(transactional_db):
    """Two accounts ten days late, after tonight's run: 300.00 (top) and 40.00."""
    admin = make_user("admin")
    make_collection_policy(admin)
    today = dt.date.today()
    top = make_account(actor=admin, first_name="Tara", last_name="Topowe")
    owe(top, "300.00", due=today - dt.timedelta(days=10), actor=admin)
    small = make_account(actor=admin, first_name="Sam", last_name="Small")
    owe(small, "40.00", due=today - dt.timedelta(days=10), actor=admin)
    collections_run(as_of=today, actor=admin)
    make_user("collections", username="col.worker", first_name="Cole", last_name="Lector")
    return {"top": top, "today": today}


def test_a_collector_records_a_promise_from_the_worklist(
    page: Page, live_server, book, browser_log: BrowserLog
):
    base, top = live_server.url, book["top"]
    login(page, base, "col.worker", PASSWORD)
    page.get_by_role("link", name="Collections worklist").click()
    rows = page.locator('[data-testid="worklist"] tbody tr')
    expect(rows).to_have_count(2)
    expect(rows.first).to_have_attribute("data-account", top.number)
    expect(rows.first).to_contain_text("$300.00")
    assert_fits_width(page)

    rows.first.get_by_role("link", name=top.number).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(top.number)
    promise_day = book["today"] + dt.timedelta(days=7)
    form = page.get_by_test_id("promise-form")
    form.get_by_label("Amount").fill("150.00")
    form.get_by_label("Pay by").fill(promise_day.isoformat())
    form.get_by_role("button", name="Record the promise").click()
    expect(page.locator(".messages")).to_contain_text("Promise to pay recorded.")
    promise = PromiseToPay.objects.get(account=top)
    assert (str(promise.amount), promise.promised_on) == ("150.00", promise_day)

    page.get_by_role("link", name="Worklist", exact=True).click()
    row = page.locator(f'[data-testid="worklist"] tbody tr[data-account="{top.number}"]')
    expect(row).to_contain_text(promise_day.strftime("%b %-d"))
    save_screenshot(page, "receivables-worklist-promise")
    browser_log.assert_clean("worklist journey")
