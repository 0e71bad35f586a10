#!/usr/bin/env python3
"""Take the README screenshots from a running Servicebook with the demo data.

    export DEBUG=true SERVICEBOOK_VAR_DIR=/tmp/sb-shots
    .venv/bin/servicebook migrate
    .venv/bin/servicebook seed-demo --accounts 500 --seed 7
    .venv/bin/servicebook runserver 127.0.0.1:8033 &
    .venv/bin/python scripts/screenshot.py --base-url http://127.0.0.1:8033

It logs in as the demo representative, finds the demo account by phone the way a rep does
(press "/", type the number, pick the suggestion with the keyboard), and saves
docs/screenshots/console.png (the account page) and docs/screenshots/case.png (one of its
cases) at 1366x768, in the system Chromium (no browser is downloaded).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
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


def chromium_path() -> str:
    for candidate in (
        os.environ.get("SERVICEBOOK_CHROMIUM"),
        shutil.which("chromium"),
        "/usr/bin/chromium",
    ):
        if candidate and os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    sys.exit("no Chromium found: install Debian's chromium (apt-get install chromium)")


def check_page(page: Page, problems: list[str]) -> None:
    """Warn about what would make a bad screenshot: overflow and browser errors."""
    width = page.evaluate("document.documentElement.scrollWidth")
    if width > VIEWPORT["width"]:
        problems.append(f"{page.url}: {width}px wide, overflows the {VIEWPORT['width']}px screen")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base-url", default="http://127.0.0.1:8033")
    parser.add_argument("--username", default="demo.rep")
    parser.add_argument("--password", default="servicebook-demo-2026")
    parser.add_argument("--phone", default="303.555.0147", help="typed into the search box")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args()
    base = args.base_url.rstrip("/")
    args.out.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        context = browser.new_context(
            viewport=VIEWPORT, locale="en-US", timezone_id="America/Denver"
        )
        context.set_default_timeout(15_000)
        page = context.new_page()
        page.on(
            "console",
            lambda m: m.type == "error" and problems.append(f"console error: {m.text}"),
        )
        page.on("pageerror", lambda e: problems.append(f"page error: {e}"))

        page.goto(f"{base}/auth/login/")
        page.get_by_label("Username").fill(args.username)
        page.get_by_label("Password").fill(args.password)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_load_state("load")
        if "/auth/login/" in page.url:
            sys.exit(f"could not log in as {args.username}: is the demo data loaded?")
        check_page(page, problems)

        # Find the caller by phone, as a rep would.
        page.keyboard.press("/")
        page.keyboard.type(args.phone)
        hit = page.locator("#search-suggest a[data-hit]:not(#hit-all)").first
        hit.wait_for(state="visible")
        page.keyboard.press("ArrowDown")
        page.keyboard.press("Enter")
        page.wait_for_url("**/accounts/*/")
        page.locator("#timeline").wait_for()
        check_page(page, problems)
        page.mouse.move(0, 0)
        console_png = args.out / "console.png"
        page.screenshot(path=str(console_png))
        print(f"saved {console_png} ({page.url})")

        # One of the account's cases: an open one if it has any, else from the queues.
        case_link = page.locator("#cases a[href*='/cases/']").first
        if case_link.count() == 0:
            page.goto(f"{base}/cases/queue/all/")
            case_link = page.locator("#results a[href*='/cases/']").first
            if case_link.count() == 0:
                sys.exit("no case to photograph: the demo data has no active case")
        case_link.click()
        page.get_by_test_id("case-status").wait_for()
        check_page(page, problems)
        page.mouse.move(0, 0)
        case_png = args.out / "case.png"
        page.screenshot(path=str(case_png))
        print(f"saved {case_png} ({page.url})")
        browser.close()

    for problem in problems:
        print(f"warning: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
