"""The mobile-service request form in a real browser on a 360 px phone, with and without
JavaScript: choose the kecamatan, then the village, the services and a home visit, send,
read the tracking code, follow it; a bad phone number shows a readable message; axe-core
finds nothing serious on each page and nothing is wider than the phone.

Headless Chromium (/usr/bin/chromium via Playwright) against uvicorn serving the test
database (the `server_url` fixture). Elements are found by ids, names and data-*
attributes, never by their text, so the test holds in Indonesian and English.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page

from mpp.outreach.models import OutreachRequest
from tests.browser import axe_report, axe_violations, chromium, off_loop, open_page
from tests.factories import MallFactory, OfferingFactory, village

pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True}


@pytest.fixture
def world(transactional_db):
    village()
    village("32.10.01.2002", "Bangbayang")
    village("32.10.02.2001", "Sindanghurip", "Bantarujeg")
    mall = MallFactory()
    offering = OfferingFactory(booth__mall=mall, service__name="KTP-el", service__code="ktp-el")
    OfferingFactory(booth=offering.booth, mall=mall, service__name="Kartu Keluarga")
    return mall


def checked(page: Page, where: str) -> None:
    if not page.js:
        return
    violations = axe_violations(page)
    assert not violations, axe_report(where, violations)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), where


def submit(page: Page, selector: str) -> None:
    with page.expect_navigation():
        page.locator(selector).click()


@pytest.mark.parametrize("js", [True, False], ids=["js", "no-js"])
def test_request_form_on_a_phone(world, server_url, js):
    with chromium() as browser:
        page = open_page(
            browser, f"{server_url}/keliling/{world.code}/minta/", java_script_enabled=js, **PHONE
        )
        page.js = js
        assert page.locator("#jb-district").count() == 1
        checked(page, "step 1")
        page.select_option("#jb-district", "32.10.01")
        submit(page, '[data-testid="next"]')
        options = page.locator("#jb-village option").evaluate_all("os => os.map(o => o.value)")
        assert "32.10.01.2001" in options and "32.10.02.2001" not in options
        checked(page, "step 2")
        page.select_option("#jb-village", "32.10.01.2002")
        page.locator('input[name="services"][value="ktp-el"]').check()
        page.fill("#jb-people", "2")
        page.locator('input[name="home_visit"]').check()
        page.locator('input[name="needs"][value="bedridden"]').check()
        page.fill("#jb-phone", "12345")
        submit(page, '[data-testid="send"]')
        assert page.locator("#jb-phone-error").count() == 1
        assert page.locator('[data-testid="correct-these"]').count() == 1
        checked(page, "form with errors")
        page.fill("#jb-phone", "0812 3456 7890")
        submit(page, '[data-testid="send"]')
        code = page.locator('[data-testid="tracking-code"]').inner_text().strip()
        assert re.fullmatch(r"JB-[A-Z0-9]{6}", code)
        checked(page, "thanks")
        saved = off_loop(lambda: OutreachRequest.objects.get(code=code))
        assert saved.village_id == "32.10.01.2002" and saved.home_visit
        assert saved.needs == ["bedridden"] and saved.people == 2
        page.goto(f"{server_url}/keliling/lacak/")
        checked(page, "track form")
        page.fill("#jb-code", code.lower())
        submit(page, '[data-testid="track"]')
        assert page.locator('[data-testid="request-status"]').get_attribute("data-status") == (
            "received"
        )
        checked(page, "tracked")
        assert not page.js_errors


def _session_cookie(url: str, user) -> dict:
    """Playwright storage_state of a browser signed in as `user`."""
    from urllib.parse import urlsplit

    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    value = client.cookies[settings.SESSION_COOKIE_NAME].value
    cookie = {"name": settings.SESSION_COOKIE_NAME, "value": value, "path": "/"}
    cookie.update(domain=urlsplit(url).hostname, expires=-1, httpOnly=True, secure=False)
    return {"cookies": [{**cookie, "sameSite": "Lax"}], "origins": []}


def test_manager_demand_pages_on_a_phone(world, server_url):
    from mpp.accounts.models import Role
    from tests.factories import OutreachRequestFactory, UserFactory

    manager = UserFactory(role=Role.MALL_MANAGER, mall=world)
    service = world.offerings.first().service
    req = OutreachRequestFactory(mall=world, people=4, home_visit=True, services=[service])
    state = off_loop(lambda: _session_cookie(server_url, manager))
    with chromium() as browser:
        page = open_page(
            browser, f"{server_url}/staff/outreach/demand/", storage_state=state, **PHONE
        )
        page.js = True
        assert page.locator('[data-testid="by-village"] tr[data-village]').count() == 1
        checked(page, "demand")
        page.goto(f"{server_url}/staff/outreach/requests/{req.pk}/")
        assert page.locator('[data-testid="request"]').count() == 1
        checked(page, "request detail")
        page.goto(f"{server_url}/staff/outreach/villages/{req.village_id}/")
        checked(page, "village point")
        page.goto(f"{server_url}/staff/outreach/requests/new/")
        checked(page, "agent form")
        assert not page.js_errors
