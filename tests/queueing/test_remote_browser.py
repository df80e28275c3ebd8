"""The phone flow in a browser at 360 px: mall page, service, take, a ticket page that stays.

Failed before issue 11: the mall page's "Take a queue number" opened the kiosk, whose slip
page called window.print() and went back to the kiosk start after 8 s, losing the ticket.
Here window.print is watched, and the page must still be the ticket page 9 s later. Then
the code shown on the phone checks the ticket in at the kiosk's check-in page, and the
phone page shows it waiting. Elements are found by data-* attributes, not their text.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from mpp.queueing.models import Ticket
from tests.browser import axe_report, axe_violations, chromium, off_loop, open_page
from tests.factories import CounterFactory, OfferingFactory

pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True}
KIOSK = {"viewport": {"width": 1080, "height": 1920}}
WATCH_PRINT = "window.__printed = 0; window.print = () => { window.__printed += 1; };"
TICKET_PAGE = re.compile(r"/t/[A-Za-z0-9_-]{20,32}/$")


@pytest.fixture
def world(transactional_db):
    offering = OfferingFactory(remote_per_day=10)
    CounterFactory(mall=offering.mall, booth=offering.booth, serves=[offering])
    return offering.mall.code, offering.service.code


def fits(page, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def test_phone_takes_a_number_and_keeps_its_ticket_page(world, server_url):
    mall_code, service = world
    with chromium() as browser:
        phone = open_page(browser, f"{server_url}/m/{mall_code}/", **PHONE)
        phone.add_init_script(WATCH_PRINT)
        phone.locator("[data-testid=take-number]").tap()
        phone.wait_for_url(f"**/m/{mall_code}/phone/")
        fits(phone, 360)
        phone.locator(f'[data-testid=remote-services] [data-service="{service}"]').tap()
        phone.wait_for_url(f"**/m/{mall_code}/phone/{service}/")
        take = phone.locator("[data-testid=remote-take]")
        box = take.bounding_box()
        assert box and box["height"] >= 44 and box["x"] + box["width"] <= 360
        fits(phone, 360)
        take.tap()
        phone.wait_for_url(TICKET_PAGE)
        ticket_url = phone.url
        code = phone.locator("[data-testid=checkin-code]").inner_text().strip()
        expect(phone.locator("#ticket-live [data-status]")).to_have_attribute(
            "data-status", "remote"
        )
        expect(phone.locator(".checkin-qr svg")).to_be_visible()
        fits(phone, 360)

        phone.wait_for_timeout(9000)  # the kiosk slip went back to the start after 8 s
        assert phone.url == ticket_url
        assert phone.evaluate("window.__printed") == 0

        ticket = off_loop(lambda: Ticket.objects.get())
        assert ticket.checkin_code == code and ticket_url.endswith(f"/t/{ticket.secret}/")

        kiosk = open_page(browser, f"{server_url}/m/{mall_code}/phone/check-in/", **KIOSK)
        kiosk.locator("[data-testid=remote-checkin-code]").fill(f"MPPQ:{code}")
        kiosk.locator("[data-testid=remote-checkin-submit]").click()
        expect(kiosk.locator("[data-testid=checked-in]")).to_be_visible()

        phone.reload()
        expect(phone.locator("#ticket-live [data-status]")).to_have_attribute(
            "data-status", "waiting"
        )
        assert phone.evaluate("window.__printed") == 0
        assert phone.js_errors == [] and kiosk.js_errors == []


def test_phone_flow_works_without_javascript(world, server_url):
    mall_code, service = world
    with chromium() as browser:
        phone = open_page(
            browser,
            f"{server_url}/m/{mall_code}/phone/{service}/",
            java_script_enabled=False,
            **PHONE,
        )
        phone.locator("[data-testid=remote-take]").tap()
        phone.wait_for_url(TICKET_PAGE)
        expect(phone.locator("[data-testid=checkin-code]")).to_be_visible()
        fits(phone, 360)


def test_phone_pages_have_no_serious_accessibility_violations(world, server_url):
    """axe-core (as tests/web/test_axe.py) over the phone's pages and the check-in page."""
    mall_code, service = world
    with chromium() as browser:
        phone = open_page(browser, f"{server_url}/m/{mall_code}/phone/", **PHONE)
        found = axe_violations(phone)
        phone.goto(f"{server_url}/m/{mall_code}/phone/{service}/")
        found += axe_violations(phone)
        phone.locator("[data-testid=remote-take]").tap()
        phone.wait_for_url(TICKET_PAGE)
        found += axe_violations(phone)
        phone.goto(f"{server_url}/m/{mall_code}/phone/check-in/")
        found += axe_violations(phone)
        assert found == [], axe_report("phone flow", found)
