"""Shared parts of the headless Chromium tests (Playwright driving Debian's chromium).

Playwright's sync API keeps an asyncio loop running in the test thread, where Django
refuses database calls: tests write their data before the browser starts and read
it back with `off_loop`.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

from django.db import connections
from playwright.sync_api import Browser, Page, sync_playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",  # CI runs as root
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


@contextmanager
def chromium() -> Iterator[Browser]:
    """Headless Chromium; fails (never skips) when the system package is missing."""
    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: scripts/test installs it (apt)"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def off_loop(fn, *args):
    """Run a database call in a worker thread (Playwright's loop owns the test thread)."""

    def call():
        try:
            return fn(*args)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(call).result()


def open_page(browser: Browser, url: str, **options) -> Page:
    """A new page in Indonesian, Jakarta time, 10 s timeouts; page.js_errors collects
    uncaught script errors (a test asserts it stays empty)."""
    context = browser.new_context(locale="id-ID", timezone_id="Asia/Jakarta", **options)
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.js_errors = errors
    page.goto(url)
    return page
