"""Small breaks of the front pages: where the home and mall pages lead, the favicon, the
complaints desk on a 1920 px screen, the manager's "today" page refreshing without a
forced reload.

Links are asserted by their targets (hrefs), in English where text matters.
"""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import expect

from mpp.accounts.models import Role
from mpp.catalog.demo import DEMO_MALL, demo_load
from mpp.complaints.demo import complaint_demo_load
from mpp.queueing import services as queue
from tests.browser import chromium, off_loop, open_page
from tests.factories import CounterFactory, OfferingFactory, UserFactory


def english() -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def hrefs(html: str) -> set[str]:
    return set(re.findall(r'href="([^"]+)"', html))


@pytest.mark.django_db
def test_home_leads_citizens_to_search_booking_complaints_and_ikm():
    mall = OfferingFactory().mall
    html = english().get("/").content.decode()
    links = hrefs(html)
    assert {"/booking/", "/pengaduan/lacak/", "/ikm/"} <= links
    assert f"/m/{mall.code}/pengaduan/" in links and f"/m/{mall.code}/ikm/" in links
    search = re.search(r'<form class="home-search" method="get" action="([^"]+)"', html)
    assert search and search.group(1) == "/cari/" and 'name="q"' in html
    # The raw JSON is for developers, next to the API docs, not a citizen's link.
    developers = html[html.index("For developers:") :]
    assert 'href="/api/v1/malls"' in developers and 'href="/api/v1/docs"' in developers


@pytest.mark.django_db
def test_mall_page_has_one_search_box_and_leads_to_complaints_and_ikm():
    mall = OfferingFactory().mall
    html = english().get(f"/m/{mall.code}/").content.decode()
    assert html.count('role="search"') == 1
    assert len(re.findall(r'<input[^>]+type="search"', html)) == 1
    assert f'action="/m/{mall.code}/cari/"' in html  # the search that understands own words
    links = hrefs(html)
    assert {f"/m/{mall.code}/pengaduan/", "/pengaduan/lacak/", f"/m/{mall.code}/ikm/"} <= links


@pytest.mark.django_db
def test_favicon_is_linked_and_served():
    client = Client()
    html = client.get("/").content.decode()
    icon = re.search(r'<link rel="icon" href="([^"]+\.ico)"', html)
    assert icon, "no <link rel=icon> in the base template"
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response["Location"] == icon.group(1)
    served = client.get(icon.group(1))
    assert served.status_code == 200
    assert served["Content-Type"] in {"image/x-icon", "image/vnd.microsoft.icon"}
    assert b"".join(served.streaming_content if served.streaming else [served.content])[:4] == (
        b"\x00\x00\x01\x00"
    )  # an ICO file


@pytest.mark.browser
def test_complaints_desk_is_not_clipped_on_a_1920_screen(server_url):
    def setup():
        demo_load()
        complaint_demo_load()
        from mpp.accounts.models import User

        client = Client()
        client.force_login(User.objects.get(username="manajer"))
        return client.cookies["sessionid"].value

    session = setup()
    with chromium() as browser:
        page = open_page(browser, "about:blank", viewport={"width": 1920, "height": 1080})
        page.context.add_cookies([{"name": "sessionid", "value": session, "url": server_url}])
        page.goto(f"{server_url}/m/{DEMO_MALL}/pengaduan/kelola/")
        sizes = page.evaluate(
            """() => {
                const wrap = document.querySelector('[data-testid=complaint-list]').parentElement;
                const doc = document.documentElement;
                return {wrap: [wrap.scrollWidth, wrap.clientWidth],
                        page: [doc.scrollWidth, doc.clientWidth]};
            }"""
        )
        assert sizes["wrap"][0] <= sizes["wrap"][1], f"the table scrolls sideways: {sizes}"
        assert sizes["page"][0] <= sizes["page"][1], f"the page scrolls sideways: {sizes}"


@pytest.mark.browser
def test_today_page_updates_its_figures_without_reloading(server_url):
    offering = OfferingFactory()
    mall = offering.mall
    counter = CounterFactory(mall=mall, booth=offering.booth, serves=[offering])
    officer = UserFactory(mall=mall, booth=offering.booth)
    manager = UserFactory(role=Role.MALL_MANAGER, mall=mall)
    client = Client()
    client.force_login(manager)
    session = client.cookies["sessionid"].value

    with chromium() as browser:
        page = open_page(browser, "about:blank", viewport={"width": 1366, "height": 768})
        page.context.add_cookies([{"name": "sessionid", "value": session, "url": server_url}])
        page.goto(f"{server_url}/m/{mall.code}/today/")
        assert page.locator('meta[http-equiv="refresh"]').count() == 0  # no forced reload
        assert page.locator("[data-testid=today-reload]").get_attribute("href")
        assert page.locator("[data-figure=open_counters]").inner_text() == "0"
        page.evaluate("window.__marker = 1")

        off_loop(lambda: queue.counter_open(counter_id=counter.pk, officer_id=officer.pk))
        # What the timer does every 30 s; coming back to the tab does it at once.
        page.evaluate("document.dispatchEvent(new Event('visibilitychange'))")
        expect(page.locator("[data-figure=open_counters]")).to_have_text("1")
        assert page.evaluate("window.__marker === 1"), "the page was reloaded"
        assert page.js_errors == []
