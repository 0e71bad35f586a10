"""The account page and the search box in real Chromium: results as you type, and logging a
contact through htmx without leaving the page."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from servicebook.core.testing.browser import BrowserLog, assert_fits_width, login
from servicebook.core.testing.factories import PASSWORD, make_account, make_user
from servicebook.customers.models import Note

pytestmark = pytest.mark.browser

SUMMARY = "Called about the estimated bill; explained the meter read schedule."


@pytest.fixture
def rep(transactional_db):
    return make_user("rep1", username="rep.desk", first_name="Dana", last_name="Moss")


def test_results_as_you_type_show_the_account_for_a_partial_surname(
    live_server, page: Page, browser_log: BrowserLog, rep
):
    wanted = make_account(actor=rep, first_name="Lucia", last_name="Castellanos", phone=None)
    other = make_account(actor=rep, first_name="Pedro", last_name="Castro", phone=None)
    login(page, live_server.url, "rep.desk", PASSWORD)

    search = page.get_by_role("combobox", name="Search accounts by number, name, phone")
    search.click()
    search.press_sequentially("Castel", delay=30)

    box = page.locator("#search-suggest")
    expect(box).to_have_class("suggest open")
    hit = box.locator(f"a#hit-{wanted.pk}")
    expect(hit).to_be_visible()
    expect(hit).to_contain_text("Castellanos, Lucia")
    expect(hit).to_contain_text(wanted.number)
    expect(box.locator(f"a#hit-{other.pk}")).to_have_count(0)
    expect(box.get_by_role("option", name="All results for “Castel”")).to_be_visible()
    assert_fits_width(page)

    # Escape closes the dropdown (Chromium also empties a search field on Escape).
    search.press("Escape")
    expect(box).not_to_have_class("suggest open")
    expect(search).not_to_be_focused()

    # Typing again brings the suggestions back; clicking one opens the account.
    search.click()
    search.fill("")
    search.press_sequentially("castel", delay=30)  # case does not matter
    expect(box).to_have_class("suggest open")
    expect(hit).to_be_visible()
    hit.click()
    page.wait_for_url(f"{live_server.url}/accounts/{wanted.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Castellanos, Lucia")
    browser_log.assert_clean("the search")


def test_logging_a_contact_updates_the_timeline_in_place(
    live_server, page: Page, browser_log: BrowserLog, rep
):
    account = make_account(actor=rep, first_name="Ana", last_name="Whitfield")
    login(page, live_server.url, "rep.desk", PASSWORD)
    page.goto(f"{live_server.url}/accounts/{account.pk}/")
    timeline = page.locator("#timeline")
    expect(timeline).to_contain_text("No contacts logged yet.")
    assert_fits_width(page)

    # A full page load would wipe this marker and fire a main-frame navigation.
    page.evaluate("window.__sameDocument = true")
    navigations: list[str] = []
    page.on("framenavigated", lambda frame: frame.parent_frame or navigations.append(frame.url))

    page.get_by_role("link", name="Log contact").click()  # jumps to the form (#note)
    page.locator("#id_note_channel").select_option("email")
    page.locator("#id_note_direction").select_option("outbound")
    page.locator("#id_note_summary").fill(SUMMARY)
    with page.expect_response(lambda r: r.url.endswith(f"/accounts/{account.pk}/notes/")) as resp:
        page.locator("#note").get_by_role("button", name="Log contact").click()
    assert resp.value.status == 200
    assert resp.value.request.headers.get("hx-request") == "true"

    expect(timeline.get_by_role("status")).to_have_text("Contact logged.")
    first = timeline.locator("ul.timeline > li").first
    expect(first).to_contain_text("Email · Outbound")
    expect(first).to_contain_text(SUMMARY)
    expect(first).to_contain_text("Dana Moss")
    expect(timeline).not_to_contain_text("No contacts logged yet.")
    # A fresh form, ready for the next contact.
    expect(page.locator("#id_note_summary")).to_have_value("")

    assert page.evaluate("window.__sameDocument === true"), "the page was reloaded"
    assert page.url.startswith(f"{live_server.url}/accounts/{account.pk}/")
    # Following the in-page "#note" link is a same-document navigation, never a load.
    assert all(url.split("#")[0].endswith(f"/accounts/{account.pk}/") for url in navigations)
    assert_fits_width(page)
    browser_log.assert_clean("the account page")

    note = Note.objects.get(account=account)
    assert (note.channel, note.direction, note.summary, note.author) == (
        "email",
        "outbound",
        SUMMARY,
        rep,
    )

    # A blank note (spaces pass the browser's own `required` check) is refused by the server
    # in place, with the message on the field.
    browser_log.allow(rf"status of 400 .*/accounts/{account.pk}/notes/\)$")
    page.locator("#id_note_summary").fill("   ")
    page.locator("#note").get_by_role("button", name="Log contact").click()
    expect(page.locator("#id_note_summary_errors")).to_be_visible()
    assert page.evaluate("window.__sameDocument === true")
    assert Note.objects.filter(account=account).count() == 1
