"""The browser fixtures themselves: they must notice what they exist to notice, and say
plainly when there is no browser to test with."""

from __future__ import annotations

import pytest

from servicebook.core.testing import browser as browser_module
from servicebook.core.testing.browser import NO_CHROMIUM, BrowserLog, find_chromium


@pytest.mark.browser
def test_the_page_fixture_reports_csp_violations_and_page_errors(
    live_server, page, browser_log: BrowserLog
):
    page.goto(f"{live_server.url}/auth/login/")
    browser_log.assert_clean("the login page")

    # Inline style and script, as a careless template would add them: the CSP blocks both.
    # (`evaluate` itself runs through DevTools, which the page's CSP does not govern.)
    with page.expect_event("pageerror"):
        page.evaluate(
            """() => new Promise((resolve) => {
            let seen = 0;
            document.addEventListener("securitypolicyviolation", () => {
                if (++seen === 2) resolve();
            });
            const style = document.createElement("style");
            style.textContent = "body { outline: 1px solid red }";
            document.head.appendChild(style);
            const script = document.createElement("script");
            script.textContent = "window.__inlineRan = true";
            document.body.appendChild(script);
            setTimeout(() => { throw new Error("boom from the page"); }, 0);
        })"""
        )
    assert page.evaluate("window.__inlineRan === undefined"), "the CSP let inline script run"
    violations = " | ".join(browser_log.csp_violations)
    assert "style-src" in violations and "script-src" in violations, violations
    assert any("boom from the page" in e for e in browser_log.page_errors), browser_log.page_errors
    with pytest.raises(AssertionError, match="CSP violation"):
        browser_log.assert_clean()
    browser_log.clear()  # seen and checked; the fixture's teardown check has nothing left


def test_no_chromium_is_found_when_the_override_names_a_missing_file(monkeypatch):
    monkeypatch.setenv("SERVICEBOOK_CHROMIUM", "/nonexistent")
    assert find_chromium() is None


def test_without_chromium_the_browser_tests_skip_with_a_clear_message(monkeypatch):
    monkeypatch.delenv("SERVICEBOOK_REQUIRE_BROWSER", raising=False)
    with pytest.raises(pytest.skip.Exception, match="no Chromium found: install Debian's"):
        browser_module._unavailable(NO_CHROMIUM)


def test_without_chromium_the_browser_tests_fail_when_ci_requires_them(monkeypatch):
    monkeypatch.setenv("SERVICEBOOK_REQUIRE_BROWSER", "1")
    with pytest.raises(pytest.fail.Exception, match="SERVICEBOOK_REQUIRE_BROWSER=1"):
        browser_module._unavailable(NO_CHROMIUM)
