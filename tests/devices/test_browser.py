"""A kiosk in a real browser: refused until enrolled, enrolled once by its credential,
then it takes a ticket (headless Chromium against uvicorn in a thread)."""

from __future__ import annotations

import re

import pytest

from mpp.queueing.models import Ticket
from tests.browser import chromium, off_loop, open_page
from tests.factories import CounterFactory, MallFactory, OfferingFactory, device_credential

pytestmark = pytest.mark.browser


def test_enrol_a_kiosk_and_take_a_ticket(server_url):
    mall = MallFactory()
    offering = OfferingFactory(booth__mall=mall, service__name="KTP-el baru")
    CounterFactory(mall=mall, booth=offering.booth, serves=[offering])
    raw = device_credential(mall, name="Kiosk by the entrance")
    kiosk = f"{server_url}/m/{mall.code}/kiosk/"

    with chromium() as browser:
        page = open_page(browser, kiosk)
        page.context.add_cookies([{"name": "django_language", "value": "en", "url": server_url}])
        page.goto(kiosk)
        assert page.get_by_role(
            "heading", name="This screen is not a registered kiosk"
        ).is_visible()
        page.get_by_role("link", name="Enrol this screen").click()
        page.get_by_label("Device credential").fill(raw)
        page.get_by_role("button", name="Enrol").click()
        page.wait_for_url(kiosk)  # back to the kiosk it was sent from
        cookie = next(c for c in page.context.cookies() if c["name"] == "mpp_device")
        assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
        assert page.evaluate("document.cookie").find("mppd_") == -1  # scripts cannot read it

        page.locator(f'[data-testid=service][data-service="{offering.service.code}"]').click()
        page.locator("[data-testid=issue]").click()
        page.wait_for_url(re.compile(r"/t/[^/]+/print/"))  # the slip
        assert page.locator(".slip-number").inner_text().strip().endswith("-001")
        assert page.js_errors == []

    tickets = off_loop(lambda: list(Ticket.objects.values_list("mall_id", "source")))
    assert tickets == [(mall.pk, "kiosk")]
