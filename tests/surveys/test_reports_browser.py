"""The SKM report in a real browser: a mall manager opens the report on a 1280 px screen,
switches to the quarter, reads the element table and downloads the XLSX; the same page on a
360 px phone needs no sideways scrolling.

Headless Chromium against uvicorn in a thread (the `server_url` fixture). Elements are found
by data-* attributes, never by their text, so the test holds in Indonesian (the default,
used here) and English. The world is test_reports' (October 2026, mall A: IKM 77.78).
"""

from __future__ import annotations

import re

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from tests.browser import chromium
from tests.surveys.test_reports import World, build_world

# Arithmetic on a handful of answers: groups of any size shown (test_privacy.py: the rule).
pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("every_group_shown")]

PASSWORD = "rahasia123"  # UserFactory's
DESK = {"viewport": {"width": 1280, "height": 800}}
PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True}
CODES = [f"U{i}" for i in range(1, 10)]


@pytest.fixture
def world(transactional_db) -> World:
    return build_world()


def signed_in(browser, base: str, username: str, **options) -> Page:
    context = browser.new_context(
        locale="id-ID", timezone_id="Asia/Jakarta", accept_downloads=True, **options
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.js_errors = []
    page.on("pageerror", lambda exc: page.js_errors.append(str(exc)))
    page.goto(f"{base}/accounts/login/")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(PASSWORD)
    with page.expect_navigation():
        page.locator("input[name=password]").press("Enter")
    return page


def fits(page: Page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_manager_switches_to_the_quarter_and_downloads_the_xlsx(world, server_url, tmp_path):
    with chromium() as browser:
        page = signed_in(browser, server_url, world.manager.username, **DESK)
        page.goto(f"{server_url}/m/mpp-a/ikm/laporan/?periode=bulan&tahun=2026&ke=10")
        expect(page.get_by_test_id("ikm-value")).to_have_text("77,78")  # Indonesian decimals
        expect(page.get_by_test_id("sample-short")).to_be_visible()

        page.locator('[data-period-kind="quarter"]').click()
        expect(page).to_have_url(re.compile(r"periode=triwulan&tahun=2026&ke=4$"))
        expect(page.locator('[data-period-kind="quarter"]')).to_have_attribute(
            "aria-current", "page"
        )
        expect(page.get_by_test_id("period-label")).to_contain_text("IV 2026")
        rows = page.locator('[data-testid="element-table"] tbody tr')
        expect(rows).to_have_count(9)
        assert rows.evaluate_all("rows => rows.map(r => r.dataset.element)") == CODES
        expect(page.get_by_test_id("ikm-value")).to_have_text("77,78")
        expect(page.get_by_test_id("ikm-transactions")).to_have_text("11")  # with November's
        expect(page.locator('[data-breakdown="booth"] tbody tr')).to_have_count(2)
        assert fits(page)

        with page.expect_download() as info:
            page.get_by_test_id("download-xlsx").click()
        download = info.value
        assert download.suggested_filename == "ikm-mpp-a-triwulan-2026-4.xlsx"
        saved = tmp_path / download.suggested_filename
        download.save_as(saved)
        book = load_workbook(saved)
        elements = [row for row in book["IKM"].iter_rows(values_only=True) if row[1] in CODES]
        assert [row[1] for row in elements] == CODES
        assert 77.78 in [row[1] for row in book["IKM"].iter_rows(values_only=True)]
        assert page.js_errors == []

        phone = signed_in(browser, server_url, world.manager.username, **PHONE)
        phone.goto(f"{server_url}/m/mpp-a/ikm/laporan/?periode=triwulan&tahun=2026&ke=4")
        expect(phone.get_by_test_id("ikm-value")).to_have_text("77,78")
        assert fits(phone)
        phone.goto(f"{server_url}/ikm/?periode=triwulan&tahun=2026&ke=4")
        expect(phone.locator('[data-breakdown="mall"] tbody tr')).to_have_count(3)
        assert fits(phone)
