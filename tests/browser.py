"""Shared parts of the headless Chromium tests (Playwright driving Debian's chromium).

Playwright's sync API keeps an asyncio loop running in the test thread, where Django
refuses database calls: tests write their data before the browser starts and read
it back with `off_loop`.

`axe_violations` runs axe-core (the npm package, installed by scripts/test with `npm ci`
from package.json into node_modules/) in a page and returns its serious and critical
findings; `axe_report` words them for an assertion message.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

from django.db import connections
from playwright.sync_api import Browser, Page, sync_playwright

CHROMIUM = "/usr/bin/chromium"
AXE_JS = Path(__file__).resolve().parents[1] / "node_modules" / "axe-core" / "axe.min.js"
AXE_IMPACTS = ("serious", "critical")  # what a page may not have; minor/moderate are reported

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
    uncaught script errors (a test asserts it stays empty). bypass_csp: Playwright's
    wait_for_function evaluates its predicate with eval(), which the site's
    Content-Security-Policy forbids (tests/web/test_production_csp.py checks the policy)."""
    options.setdefault("bypass_csp", True)
    context = browser.new_context(locale="id-ID", timezone_id="Asia/Jakarta", **options)
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.js_errors = errors
    page.goto(url)
    return page


def axe_violations(page: Page, *, impacts: tuple[str, ...] = AXE_IMPACTS) -> list[dict]:
    """axe-core's violations on the page as it is now, of the given impacts.

    Fails (never skips) when axe-core is missing: `npm ci` (scripts/test) installs it.
    The script is evaluated through the DevTools protocol, so a Content-Security-Policy
    that allows only the site's own scripts does not stop it. Each violation is a dict
    with rule id, impact, help text, help URL and the offending nodes (CSS target and
    axe's summary of what to fix).
    """
    assert AXE_JS.exists(), f"{AXE_JS} is missing: run `npm ci` in the repository (scripts/test)"
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(AXE_JS.read_text(encoding="utf-8"))
    result = page.evaluate(
        """async () => {
            const r = await window.axe.run(document, {resultTypes: ["violations"]});
            return r.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
                nodes: v.nodes.map(n => ({
                    target: n.target.join(" "), html: n.html.slice(0, 160),
                    summary: (n.failureSummary || "").slice(0, 300),
                })),
            }));
        }"""
    )
    return [v for v in result if v["impact"] in impacts]


def axe_report(where: str, violations: list[dict], *, nodes: int = 3) -> str:
    """One readable block per violation: page, rule, impact, help, first offending nodes."""
    lines = []
    for v in violations:
        lines.append(f"{where}: [{v['impact']}] {v['id']}: {v['help']} ({v['helpUrl']})")
        for n in v["nodes"][:nodes]:
            lines.append(f"    at {n['target']}: {n['html']}")
            if n["summary"]:
                lines.append("      " + n["summary"].replace("\n", " | "))
        if len(v["nodes"]) > nodes:
            lines.append(f"    ... and {len(v['nodes']) - nodes} more nodes")
    return "\n".join(lines)
