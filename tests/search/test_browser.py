"""A citizen on a 390 px phone types "bikin ktp hilang" on the mall's search page and finds
the replacement of a lost KTP-el first, with its next-step buttons.

Headless Chromium (Debian's /usr/bin/chromium, via Playwright) against uvicorn serving the
test database in a thread (the `server_url` fixture); the demo catalogue is written and
indexed before the browser starts (Playwright's loop owns the test thread). Elements are
found by ids and data-* attributes, never by their text.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from mpp.search.selectors import PLACES_SHOWN
from tests.browser import chromium, open_page
from tests.search.conftest import EXTRA, extra_malls, load_demo

pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


@pytest.fixture
def mall_code(transactional_db, fast_hashing) -> str:
    return load_demo().code


def test_a_citizen_finds_the_lost_ktp_service_on_a_phone(mall_code, server_url):
    with chromium() as browser:
        context = browser.new_context(locale="id-ID", timezone_id="Asia/Jakarta", **PHONE)
        context.set_default_timeout(10_000)
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(f"{server_url}/m/{mall_code}/")

        page.locator("#bk-ask").fill("bikin ktp hilang")  # the mall page's search box
        page.locator("#bk-ask").press("Enter")
        page.wait_for_url(f"**/m/{mall_code}/cari/?q=bikin+ktp+hilang")

        first = page.locator("[data-testid=search-hit]").first
        expect(first).to_have_attribute("data-service", "dukcapil-ktp-el-hilang-rusak")
        ticket = first.locator("[data-step=ticket]")
        expect(ticket).to_be_visible()
        expect(ticket).to_have_attribute(
            "href", f"/m/{mall_code}/phone/dukcapil-ktp-el-hilang-rusak/"
        )
        expect(first.locator("[data-step=detail]")).to_be_visible()
        box = ticket.bounding_box()
        assert box and box["height"] >= 44 and box["x"] >= 0 and box["x"] + box["width"] <= 390
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390  # nothing runs off the side of the phone

        page.locator("[data-testid=search-input]").fill("perpanjang sim motor")
        page.locator("[data-testid=search-submit]").click()
        expect(page.locator("[data-testid=search-hit]").first).to_have_attribute(
            "data-service", "polres-sim-c-perpanjangan"
        )
        expect(
            page.locator("[data-testid=search-hit]").first.locator("[data-step=book]")
        ).to_be_visible()
        context.close()
        assert errors == []


@pytest.fixture
def national(transactional_db, fast_hashing) -> list[str]:
    load_demo()
    return [m.code for m in extra_malls()]


def test_a_national_hit_leads_to_every_mall_nearest_first(national, server_url):
    central_java = {code for code in national if code.startswith("mpp-33-")}
    with chromium() as browser:
        page = open_page(browser, f"{server_url}/cari/", **PHONE)
        page.locator("[data-testid=search-input]").fill("daftar bpjs kesehatan")
        page.locator("[data-testid=search-near]").select_option("33")  # Jawa Tengah
        page.locator("[data-testid=search-submit]").click()
        first = page.locator("[data-testid=search-hit]").first
        expect(first).to_have_attribute("data-service", "bpjskes-pendaftaran")
        places = first.locator(".sr-places li")
        expect(places).to_have_count(PLACES_SHOWN)
        shown = [a.get_attribute("href").split("/")[2] for a in places.locator("a").all()]
        assert set(shown[: len(central_java)]) == central_java
        assert page.evaluate("document.documentElement.scrollWidth") <= 390

        first.locator("[data-testid=all-places]").click()
        page.wait_for_url("**/cari/bpjskes-pendaftaran/tempat/?near=33")
        listed = page.locator("[data-testid=places] li")
        expect(listed).to_have_count(EXTRA + 2)
        malls = [item.get_attribute("data-mall") for item in listed.all()]
        assert set(malls[: len(central_java)]) == central_java
        expect(page.locator("[data-testid=places-near]")).to_have_value("33")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        assert page.js_errors == []


@pytest.fixture
def manager_with_gaps(transactional_db, fast_hashing) -> tuple[str, str]:
    import datetime as dt

    from django.utils import timezone

    from mpp.accounts.models import Role
    from mpp.search.models import SearchGap
    from tests.factories import UserFactory

    mall = load_demo()
    for back in range(3):
        day = timezone.localdate() - dt.timedelta(days=back)
        SearchGap.objects.create(mall=mall, day=day, word="ngocor", searches=4)
    manager = UserFactory(role=Role.MALL_MANAGER, mall=mall)
    return mall.code, manager.username


def test_a_manager_reads_the_words_the_search_does_not_know(manager_with_gaps, server_url):
    mall_code, username = manager_with_gaps
    with chromium() as browser:
        page = open_page(browser, f"{server_url}/accounts/login/", **PHONE)
        page.locator("input[name=username]").fill(username)
        page.locator("input[name=password]").fill("rahasia123")  # UserFactory's
        with page.expect_navigation():
            page.locator("input[name=password]").press("Enter")
        page.goto(f"{server_url}/m/{mall_code}/cari/kata-baru/")
        row = page.locator("[data-testid=gaps] tr[data-word=ngocor] td")
        expect(row.nth(1)).to_have_text("12")  # searches over the three days
        expect(row.nth(2)).to_have_text("3")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        assert page.js_errors == []
