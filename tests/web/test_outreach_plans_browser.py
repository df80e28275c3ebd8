"""The public mobile-service schedule on a 360 px phone (with and without JavaScript) and
the manager's plan page on a desk screen, in headless Chromium against the live server;
axe-core finds nothing serious on either. Like tests/web/test_cases_browser.py: the data
is written before the browser starts; elements are found by ids and data-* attributes,
never by their text."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.test import Client
from playwright.sync_api import Browser, Page

from mpp.outreach.models import PlanStatus, Unserved, UnservedReason
from tests.browser import axe_report, axe_violations, chromium, off_loop
from tests.outreach.plans_world import make_plan, make_request, make_world

pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True}
DESK = {"viewport": {"width": 1366, "height": 900}}


@dataclass
class World:
    mall_code: str
    session: str
    draft_id: int
    published_id: int


@pytest.fixture
def world(transactional_db) -> World:
    w = make_world()
    home = make_request(w, home_visit=True, contact_name="Mbah Karto", address="RT 01 RW 02")
    published = make_plan(
        w,
        [
            {"day": 2, "start": dt.time(8, 30), "end": dt.time(11, 0), "services": w.services},
            {"day": 2, "kind": "home", "requests": [home], "start": dt.time(11, 30),
             "end": dt.time(12, 0)},
            {"day": 3, "village": 1},
        ],
        status=PlanStatus.PUBLISHED,
    )  # fmt: skip
    waiting = make_request(w, village_index=1, people=2)
    served = make_request(w, people=6)
    draft = make_plan(w, [{"day": 4, "requests": [served], "people": 6}], first=4, days=3)
    Unserved.objects.create(plan=draft, request=waiting, reason=UnservedReason.TOO_FAR)
    client = Client()
    client.force_login(w.manager)
    return World(w.mall.code, client.cookies["sessionid"].value, draft.pk, published.pk)


@pytest.fixture
def browser(world, server_url) -> Browser:
    with chromium() as browser:
        yield browser


def _page(browser: Browser, url: str, *, size: dict, js: bool = True, session: str = "") -> Page:
    context = browser.new_context(
        locale="id-ID",
        timezone_id="Asia/Jakarta",
        bypass_csp=True,
        java_script_enabled=js,
        **size,
    )
    context.set_default_timeout(10_000)
    if session:
        context.add_cookies([{"name": "sessionid", "value": session, "url": url}])
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.js_errors = errors
    page.goto(url)
    return page


def _axe(page: Page, where: str) -> None:
    page.wait_for_load_state("load")
    report = axe_report(where, axe_violations(page))
    assert not report, report


def test_public_schedule_on_a_phone_with_and_without_js(world, server_url, browser):
    url = f"{server_url}/keliling/{world.mall_code}/"
    page = _page(browser, url, size=PHONE)
    assert page.locator("[data-visit-kind=village]").count() == 2
    assert page.locator("[data-visit-kind=home]").count() == 1
    assert "Karto" not in page.content() and "RT 01" not in page.content()
    _axe(page, "schedule (mall)")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    # Follow a kecamatan, then a village: plain links.
    with page.expect_navigation():
        page.locator("[data-district='32.10.02'] h2 a").click()
    assert page.url.endswith("/kecamatan/32.10.02/")
    _axe(page, "schedule (kecamatan)")
    with page.expect_navigation():
        page.locator("[data-village='32.10.02.2002'] a").first.click()
    assert page.url.endswith("/desa/32.10.02.2002/")
    assert page.locator("[data-visit-kind]").count() == 1
    _axe(page, "schedule (village)")
    assert page.js_errors == []
    page.context.close()

    no_js = _page(browser, url, size=PHONE, js=False)
    assert no_js.locator("[data-visit-kind]").count() == 3
    no_js.context.close()


def test_manager_plan_page_is_accessible_and_publishes(world, server_url, browser):
    url = f"{server_url}/staff/outreach/plans/{world.draft_id}/"
    page = _page(browser, url, size=DESK, session=world.session)
    assert page.locator("[data-route], section.route").count() == 1
    assert page.locator("[data-reason=too_far]").count() == 1
    _axe(page, "plan (draft)")
    with page.expect_navigation():
        page.locator("[data-testid=publish]").click()
    assert page.locator("[data-status=published]").count() == 1
    _axe(page, "plan (published)")

    def statuses():
        from mpp.outreach.models import Plan

        return dict(Plan.objects.values_list("pk", "status"))

    assert off_loop(statuses) == {
        world.draft_id: PlanStatus.PUBLISHED,
        world.published_id: PlanStatus.SUPERSEDED,
    }
    listing = _page(
        browser, f"{server_url}/staff/outreach/plans/", size=DESK, session=world.session
    )
    _axe(listing, "plans (list)")
    assert listing.locator(f"[data-plan='{world.draft_id}']").count() == 1
    assert page.js_errors == [] and listing.js_errors == []
