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


# >>> payments: end-of-suite card-data scan (issue 3; the rule: core/testing/cardscan.py)
def pytest_sessionstart(session):
    from servicebook.core.testing.cardscan import WATCH

    WATCH.install()  # every INSERT/UPDATE parameter and every log record of the session


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """pytest-django's test databases, scanned for card data just before they are destroyed
    (this teardown runs before the original's): every text column of every table, plus
    what the session wrote and logged. A finding fails the run, naming table/column/row."""
    yield
    from servicebook.core.testing.cardscan import WATCH, report, scan_database

    with django_db_blocker.unblock():
        findings = scan_database()
    findings += WATCH.findings
    if findings:
        pytest.fail(report(findings), pytrace=False)


def pytest_sessionfinish(session, exitstatus):
    from servicebook.core.testing.cardscan import WATCH, report

    WATCH.uninstall()
    # Runs without a database still have their logs checked.
    if WATCH.findings and exitstatus == 0:
        session.exitstatus = 1
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.write_line(report(WATCH.findings), red=True)


# <<< payments
