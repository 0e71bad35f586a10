"""Import / export accounts in real Chromium: a representative finds the page in the
Accounts navigation, tries a file in a dry run (one good row, one bad), sees the report
naming the bad row and column, and nothing was made; the page is free of console errors."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from servicebook.core.testing.browser import BrowserLog, login
from servicebook.core.testing.factories import PASSWORD, make_user
from servicebook.customers.models import Account

pytestmark = pytest.mark.browser


def test_dry_run_import_from_the_accounts_navigation(
    page: Page, live_server, transactional_db, browser_log: BrowserLog, tmp_path
):
    make_user("rep1", username="rep.import")
    upload = tmp_path / "accounts.csv"
    upload.write_text(
        "account_number,kind,last_name,line_of_business,phones\n"
        ",person,Lee,utility,720-555-0111\n"
        ",person,Kim,utility,555-01\n"
    )
    base = live_server.url
    login(page, base, "rep.import", PASSWORD)
    page.get_by_role("link", name="Import / export accounts").click()
    expect(page.get_by_role("heading", name="Import / export accounts")).to_be_visible()
    page.set_input_files("#id_import_file", str(upload))
    page.get_by_role("button", name="Import").click()
    report = page.get_by_test_id("import-report")
    expect(report).to_contain_text("Dry run — nothing was changed.")
    expect(report).to_contain_text("1 would be created")
    expect(report.get_by_role("row").nth(1)).to_contain_text("3phones")
    page.screenshot(path=str(tmp_path / "accounts-import.png"), full_page=True)
    assert not Account.objects.exists()
    assert browser_log.problems == []
