"""Browser-test plumbing: real Chromium (the Debian package), driven by Playwright's sync API.

The fixtures here are registered for the whole suite by ``servicebook/conftest.py``:

``browser``
    One headless Chromium for the test session. We never download a browser: the system
    ``chromium`` is used (``SERVICEBOOK_CHROMIUM`` overrides the path). When none is found
    the browser tests are SKIPPED with a clear message, except under
    ``SERVICEBOOK_REQUIRE_BROWSER=1`` (set by CI), where they FAIL: a CI run that silently
    skipped the UI would report green for a console nobody tested.
``page``
    A fresh browser context and page per test, 1366x768 (the desk screen the console is
    designed for), recording console errors, uncaught page errors and content-security-policy
    violations into ``browser_log``. A test asserts ``browser_log.assert_clean()`` where it
    wants; anything still unreported fails the test at teardown.
``browser_log``
    The recorder itself (``BrowserLog``).

Helpers: ``login``, ``assert_fits_width``, ``save_screenshot``.

Tests that use these fixtures take ``live_server`` (pytest-django) and carry the registered
``browser`` marker, so ``pytest -m browser`` selects them and ``-m "not browser"`` leaves them
out.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import pytest

if TYPE_CHECKING:  # pragma: no cover - typing only
    from playwright.sync_api import Browser, Page

VIEWPORT = {"width": 1366, "height": 768}
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
NO_CHROMIUM = "no Chromium found: install Debian's chromium to run the browser tests"
REQUIRE_ENV = "SERVICEBOOK_REQUIRE_BROWSER"
CHROMIUM_ENV = "SERVICEBOOK_CHROMIUM"
# Generous for a loaded CI machine, short enough that a broken page fails in seconds.
DEFAULT_TIMEOUT_MS = 10_000

# The content security policy forbids inline script and style. Chromium reports a blocked
# resource as a console error starting "Refused to ..." and fires `securitypolicyviolation`
# in the page; we listen to both (the event also catches reports Chromium does not log).
_CSP_MESSAGE = re.compile(r"^Refused to ", re.IGNORECASE)
_CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", function (e) {
  window.__servicebookCspViolation(
    e.violatedDirective + " blocked " + (e.blockedURI || "inline") +
    " at " + (e.sourceFile || document.location.href) + ":" + e.lineNumber
  );
});
"""


def find_chromium() -> str | None:
    """The system Chromium to drive, or None.

    ``SERVICEBOOK_CHROMIUM`` names the executable explicitly; when it is set, nothing else is
    tried, so ``SERVICEBOOK_CHROMIUM=/nonexistent`` checks the skip/fail path on a machine
    that has Chromium installed."""
    explicit = os.environ.get(CHROMIUM_ENV)
    if explicit:
        return explicit if os.path.isfile(explicit) and os.access(explicit, os.X_OK) else None
    for candidate in (shutil.which("chromium"), "/usr/bin/chromium"):
        if candidate and os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    return None


def browser_required() -> bool:
    return os.environ.get(REQUIRE_ENV, "").strip().lower() in {"1", "true", "yes", "on"}


def _unavailable(reason: str) -> NoReturn:
    """Skip, or fail when the environment says the browser tests must run."""
    if browser_required():
        pytest.fail(f"{reason} ({REQUIRE_ENV}=1 makes this a failure)", pytrace=False)
    pytest.skip(reason)


@dataclass
class BrowserLog:
    """What went wrong in the browser: console errors, uncaught exceptions, CSP violations.

    ``reported`` marks how much of it a test has already asserted on, so the teardown check
    only complains about problems nobody looked at."""

    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    csp_violations: list[str] = field(default_factory=list)
    _allowed: list[re.Pattern[str]] = field(default_factory=list)

    def on_console(self, message) -> None:
        if message.type != "error":
            return
        text = message.text
        location = message.location or {}
        where = location.get("url", "")
        entry = f"{text} ({where})" if where else text
        if _CSP_MESSAGE.search(text):
            self.csp_violations.append(entry)
        elif not any(p.search(entry) for p in self._allowed):
            self.console_errors.append(entry)

    def on_page_error(self, error) -> None:
        self.page_errors.append(str(error))

    def on_csp_violation(self, description: str) -> None:
        self.csp_violations.append(description)

    def allow(self, pattern: str) -> None:
        """Ignore console errors matching `pattern` from now on (for an error the test
        provokes on purpose, e.g. the 400 of a refused form post). The pattern is searched
        in "<message> (<url>)"; CSP violations and page errors cannot be allowed."""
        self._allowed.append(re.compile(pattern))

    @property
    def problems(self) -> list[str]:
        return (
            [f"console error: {e}" for e in self.console_errors]
            + [f"page error: {e}" for e in self.page_errors]
            + [f"CSP violation: {e}" for e in self.csp_violations]
        )

    def assert_clean(self, where: str = "") -> None:
        problems = self.problems
        assert not problems, (
            f"the browser reported problems{' on ' + where if where else ''}:\n  "
            + "\n  ".join(problems)
        )

    def clear(self) -> None:
        self.console_errors.clear()
        self.page_errors.clear()
        self.csp_violations.clear()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """One headless system Chromium for the whole session (see the module docstring)."""
    executable = find_chromium()
    if executable is None:
        _unavailable(NO_CHROMIUM)
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - the dev extra installs it
        _unavailable("Playwright is not installed: pip install -e '.[dev]'")

    # Playwright's sync API runs an asyncio event loop in this (the test) thread for as long
    # as it is started. Django refuses ORM calls from a thread with a running event loop
    # (SynchronousOnlyOperation), which would forbid the test from building data with the
    # factories and checking the database afterwards. The test thread never runs ORM code
    # concurrently with that loop's coroutines (Playwright's calls block until done), so the
    # guard's worry does not apply. The variable is set only while Playwright runs and
    # restored afterwards; the live server's own thread has no event loop and is unaffected.
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        playwright = sync_playwright().start()
        try:
            try:
                chromium = playwright.chromium.launch(
                    executable_path=executable, args=CHROMIUM_ARGS
                )
            except Exception as exc:
                _unavailable(f"Chromium at {executable} did not start: {exc}")
            try:
                yield chromium
            finally:
                chromium.close()
        finally:
            # Stop before the monkeypatch restores the variable: once stopped, no loop runs.
            playwright.stop()


@pytest.fixture
def browser_log() -> BrowserLog:
    return BrowserLog()


@pytest.fixture
def page(browser: Browser, browser_log: BrowserLog, request) -> Iterator[Page]:
    """A fresh context and page at 1366x768 that records what goes wrong in the browser."""
    context = browser.new_context(viewport=VIEWPORT, locale="en-US", timezone_id="America/Denver")
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    context.set_default_navigation_timeout(DEFAULT_TIMEOUT_MS)
    # The listener is injected by DevTools, which the page's CSP does not govern.
    context.expose_function("__servicebookCspViolation", browser_log.on_csp_violation)
    context.add_init_script(_CSP_LISTENER)
    page = context.new_page()
    page.on("console", browser_log.on_console)
    page.on("pageerror", browser_log.on_page_error)
    try:
        yield page
    finally:
        context.close()
    # A browser test that never asserted on the log still must not pass with errors.
    report = getattr(request.node, "rep_call", None)
    if (report is None or report.passed) and browser_log.problems:
        pytest.fail(
            "the browser reported problems during the test:\n  "
            + "\n  ".join(browser_log.problems),
            pytrace=False,
        )


def login(page: Page, base_url: str, username: str, password: str) -> None:
    """Log in through the login form, as a user would, and wait for the console."""
    page.goto(f"{base_url}/auth/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_selector("#global-search")


def page_width(page: Page) -> int:
    return int(page.evaluate("document.documentElement.scrollWidth"))


def assert_fits_width(page: Page, width: int = VIEWPORT["width"]) -> None:
    """The page has no horizontal scroll at the desk width."""
    scroll_width = page_width(page)
    assert scroll_width <= width, (
        f"{page.url} is {scroll_width}px wide, wider than the {width}px viewport "
        "(something overflows horizontally)"
    )


def screenshot_dir() -> Path:
    from django.conf import settings

    folder = Path(settings.VAR_DIR) / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def save_screenshot(page: Page, name: str, *, full_page: bool = True) -> Path:
    """Save a PNG under var/screenshots/ (git-ignored) and print its path."""
    path = screenshot_dir() / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    print(f"screenshot: {path}")
    return path
