"""The kiosk's start screen on a phone: the booth shortcuts wrap inside a 360-390 px
screen (no sideways scrolling, every shortcut whole), while the kiosk's own 1080 and
1920 px screens keep their row of large pills.

Headless Chromium (/usr/bin/chromium via Playwright) against uvicorn serving the test
database in a thread (`server_url`); the data is written before the browser starts.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser

from mpp.catalog.models import Mall
from tests.browser import chromium, open_page
from tests.factories import MallFactory, OfferingFactory, device_credential, kiosk_cookie

pytestmark = pytest.mark.browser

# Gerai of a real MPP: short names, long names without a short one, one long single word.
AGENCIES = [
    ("Dinas Kependudukan dan Pencatatan Sipil", "Disdukcapil"),
    ("Badan Penyelenggara Jaminan Sosial Kesehatan", "BPJS Kesehatan"),
    ("Kantor Pertanahan Kabupaten Majalengka", ""),
    ("Dinas Penanaman Modal dan Pelayanan Terpadu Satu Pintu", "DPMPTSP"),
    ("Kepolisian Resor Majalengka", "Polres"),
    ("Badan Pendapatan Daerah", "Bapenda"),
    ("Kantor Imigrasi Kelas II Non TPI Cirebon", ""),
    ("Pengadilan Agama", ""),
    ("Perusahaan Umum Daerah Air Minum Tirta Rangga", "PerumdaAirMinumTirtaRanggaMajalengka"),
    ("Kantor Pelayanan Pajak Pratama Majalengka", "KPP Pratama"),
]
LETTERS = "ABCDEFGHJK"
CHIPS = """els => els.map(e => {
  const r = e.getBoundingClientRect(), s = getComputedStyle(e);
  return {left: r.left, right: r.right, top: r.top, height: r.height,
          letter: e.querySelector('.letter').textContent.trim(), minHeight: s.minHeight};
})"""


@pytest.fixture
def kiosk_url(server_url) -> str:
    mall = MallFactory()
    for n, (name, short) in enumerate(AGENCIES):
        OfferingFactory(
            booth__mall=mall,
            booth__agency__name=name,
            booth__agency__short_name=short,
            booth__name=f"Gerai {name}",
            booth__sort_order=n,
            booth__ticket_prefix=LETTERS[n],
        )
    return f"{server_url}/m/{mall.code}/kiosk/"


@pytest.fixture
def enrolled(kiosk_url, server_url) -> dict:
    """The browser state of the mall's enrolled kiosk (mpp.devices)."""
    mall = Mall.objects.get(code=kiosk_url.rstrip("/").split("/")[-2])
    return kiosk_cookie(server_url, device_credential(mall))


@pytest.fixture
def browser(kiosk_url, enrolled) -> Browser:
    with chromium() as browser:
        yield browser


def rows(chips: list[dict]) -> list[list[str]]:
    """The chips' letters, row by row."""
    out: dict[float, list[str]] = {}
    for chip in chips:
        out.setdefault(round(chip["top"]), []).append(chip["letter"])
    return [out[top] for top in sorted(out)]


@pytest.mark.parametrize("width", [390, 360])
def test_booth_shortcuts_fit_a_phone(browser, kiosk_url, enrolled, width):
    page = open_page(
        browser,
        kiosk_url,
        storage_state=enrolled,
        viewport={"width": width, "height": 844},
        is_mobile=True,
        has_touch=True,
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    chips = page.eval_on_selector_all(".booth-chip", CHIPS)
    assert [c["letter"] for c in chips] == list(LETTERS)
    for chip in chips:
        assert chip["left"] >= 0 and chip["right"] <= width, chip
        assert chip["height"] >= 44, chip  # still a comfortable touch target
    assert rows(chips) == [list(LETTERS[i : i + 2]) for i in range(0, 10, 2)]
    nav = page.locator(".booth-nav").bounding_box()
    assert nav["height"] < 844 / 2  # the shortcuts leave room for the services
    # The long single word breaks inside its chip instead of pushing it wider.
    longest = page.locator(".booth-chip", has_text="Perumda")
    assert longest.evaluate("e => e.scrollWidth <= e.clientWidth")
    assert page.js_errors == []


@pytest.mark.parametrize(
    ("width", "height", "first_row"), [(1920, 1080, "ABCD"), (1080, 1920, "AB")]
)
def test_the_kiosk_screen_keeps_its_large_pills(
    browser, kiosk_url, enrolled, width, height, first_row
):
    viewport = {"width": width, "height": height}
    page = open_page(browser, kiosk_url, storage_state=enrolled, viewport=viewport)
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert page.locator(".booth-nav").evaluate("e => getComputedStyle(e).display") == "flex"
    chips = page.eval_on_selector_all(".booth-chip", CHIPS)
    assert {c["minHeight"] for c in chips} == {"64px"}
    assert all(c["height"] >= 64 and c["right"] <= width for c in chips)
    assert "".join(rows(chips)[0]) == first_row
