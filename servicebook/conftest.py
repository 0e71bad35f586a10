"""Fixtures shared by every app's tests."""

from __future__ import annotations

import pytest

# The browser fixtures (real Chromium through Playwright); see core/testing/browser.py.
from servicebook.core.testing.browser import browser, browser_log, page  # noqa: F401


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    # Keep each phase's report on the test item, so a fixture's teardown can tell whether the
    # test itself passed (the browser `page` fixture only adds its own failure to a pass).
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report
