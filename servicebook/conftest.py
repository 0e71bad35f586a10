"""Fixtures shared by every app's tests."""

from __future__ import annotations

import pytest

# The browser fixtures (real Chromium through Playwright); see core/testing/browser.py.
from servicebook.core.testing.browser import browser, browser_log, page  # noqa: F401
from servicebook.core.testing.reference import install_reference_data


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    # Keep each phase's report on the test item, so a fixture's teardown can tell whether the
    # test itself passed (the browser `page` fixture only adds its own failure to a pass).
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture(autouse=True)
def _reference_rows_in_transactional_tests(request):
    """Transactional tests start from a flushed database: put the data migrations' rows back
    (core/testing/reference.py)."""
    marker = request.node.get_closest_marker("django_db")
    transactional = marker is not None and marker.kwargs.get("transaction")
    if transactional or {"transactional_db", "live_server"} & set(request.fixturenames):
        request.getfixturevalue("transactional_db")
        install_reference_data()
