"""The SKM in a real browser: an officer finishes a citizen's ticket, the citizen's phone (390 px)
offers the survey, the citizen answers it, and the mall's public IKM page counts the answer.

Headless Chromium against uvicorn in a thread (the `server_url` fixture), like
tests/web/test_e2e_browser.py. Elements are found by data-* attributes and names, never by
their text, so the test holds in Indonesian and English. Database calls run off the
Playwright loop (`off_loop`).
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from playwright.sync_api import Browser, Page, expect

from mpp.queueing import services as q
from mpp.surveys.models import SurveyInvitation, SurveyResponse
from tests.browser import chromium, off_loop, open_page
from tests.factories import CounterFactory, MallFactory, OfferingFactory, UserFactory

# Arithmetic on a handful of answers: groups of any size shown (test_privacy.py: the rule).
pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("every_group_shown")]

PASSWORD = "rahasia123"  # UserFactory's
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
DESK = {"viewport": {"width": 1366, "height": 768}}
TABLET = {"viewport": {"width": 800, "height": 1280}}
LIVE_MS = 3000
# U1..U9 = 4,4,3,4,4,3,4,3,4: total 33; IKM = 33 x 25 / 9 = 91.666... -> 91,67 (A).
SCORES = (4, 4, 3, 4, 4, 3, 4, 3, 4)


@dataclass
class World:
    mall_code: str
    counter_id: int
    officer: str
    ticket_id: str


@pytest.fixture
def world(transactional_db) -> World:
    mall = MallFactory()
    offering = OfferingFactory(booth__mall=mall)
    counter = CounterFactory(mall=mall, booth=offering.booth, serves=[offering], number=2)
    officer = UserFactory(mall=mall, booth=offering.booth)
    ticket = q.ticket_issue(mall=mall, service_code=offering.service.code)  # at the kiosk
    return World(mall.code, counter.pk, officer.username, ticket.secret)  # its page


@pytest.fixture
def browser(world, server_url) -> Browser:
    with chromium() as browser:
        yield browser


def fits(page: Page) -> bool:
    """Nothing wider than the viewport (no sideways scrolling on a phone)."""
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def officer_console(browser: Browser, base: str, world: World) -> Page:
    console = open_page(browser, f"{base}/accounts/login/", **DESK)
    console.locator("input[name=username]").fill(world.officer)
    console.locator("input[name=password]").fill(PASSWORD)
    with console.expect_navigation():
        console.locator("input[name=password]").press("Enter")
    console.goto(f"{base}/console/{world.counter_id}/")
    return console


def press(console: Page, key: str) -> None:
    with console.expect_navigation():
        console.locator(f"button[data-key={key}]").click()


def answer(page: Page, scores=SCORES) -> None:
    for i, score in enumerate(scores, start=1):
        option = page.locator(f'[data-element="U{i}"] label.sv-score-{score}')
        option.click()
        expect(option.locator("input")).to_be_checked()
    page.locator('label:has(input[name=sex][value="P"])').click()
    page.locator("input[name=age]").fill("29")
    page.locator('label:has(input[name=education][value="s1"])').click()
    page.locator('label:has(input[name=occupation][value="swasta"])').click()
    page.locator("textarea[name=comment]").fill("Petugas sangat membantu.")
    with page.expect_navigation():
        page.locator("[data-testid=survey-submit]").click()


def test_citizen_rates_the_service_from_the_ticket_page(world, server_url, browser):
    base = server_url
    phone = open_page(browser, f"{base}/t/{world.ticket_id}/", **PHONE)
    expect(phone.locator("#ticket-live [data-status]")).to_have_attribute("data-status", "waiting")
    expect(phone.locator("[data-testid=survey-link]")).to_have_count(0)

    console = officer_console(browser, base, world)
    press(console, "N")
    press(console, "S")
    press(console, "F")

    # The phone follows without a reload and now offers the survey, with its QR code.
    link = phone.locator("[data-testid=survey-link]")
    expect(link).to_be_visible(timeout=LIVE_MS)
    expect(phone.locator("[data-testid=survey-offer] svg.qr")).to_have_count(1)
    assert fits(phone)
    with phone.expect_navigation():
        link.click()
    assert "/survei/" in phone.url
    expect(phone.locator("fieldset[data-element]")).to_have_count(9)
    assert fits(phone)
    box = phone.locator('[data-element="U1"] label.sv-score-1').bounding_box()
    assert box["height"] >= 48 and box["width"] >= 150  # a big tap target on a phone

    # A forgotten question brings the form back as filled, with one sentence.
    phone.locator('[data-element="U1"] label.sv-score-4').click()
    with phone.expect_navigation():
        phone.locator("[data-testid=survey-submit]").click()
    expect(phone.locator("[data-testid=survey-error]")).to_be_visible()
    expect(phone.locator('[data-element="U1"] input[value="4"]')).to_be_checked()

    answer(phone)
    expect(phone.locator("[data-testid=survey-thanks]")).to_be_visible()
    with phone.expect_navigation():
        phone.locator("[data-testid=ikm-link]").click()
    month = phone.locator('[data-period="month"]')
    expect(month.locator("[data-testid=ikm-respondents]")).to_have_text("1")
    expect(month.locator("[data-testid=ikm-value]")).to_have_text("91,67")  # Indonesian comma
    expect(month.locator("[data-testid=ikm-mutu]")).to_have_text("A")
    expect(month.locator("tr[data-element]")).to_have_count(9)
    assert fits(phone)

    # The ticket page now thanks instead of offering the survey again.
    phone.goto(f"{base}/t/{world.ticket_id}/")
    expect(phone.locator("[data-testid=survey-answered]")).to_be_visible()
    expect(phone.locator("[data-testid=survey-link]")).to_have_count(0)
    for page in (phone, console):
        assert page.js_errors == [], (page.url, page.js_errors)

    row = off_loop(lambda: SurveyResponse.objects.get())
    assert tuple(row.scores().values()) == SCORES and row.channel == "web"
    assert (row.sex, row.age, row.education, row.occupation) == ("P", 29, "s1", "swasta")
    assert off_loop(lambda: SurveyInvitation.objects.get().used) is True


def test_counter_tablet_takes_the_answer_and_waits_again(world, server_url, browser):
    base = server_url
    console = officer_console(browser, base, world)
    tablet = console.context.new_page()  # the same signed-in officer, on the tablet's screen
    errors: list[str] = []
    tablet.on("pageerror", lambda exc: errors.append(str(exc)))
    tablet.set_viewport_size(TABLET["viewport"])
    tablet.goto(f"{base}/console/{world.counter_id}/survei/")
    expect(tablet.locator("[data-testid=tablet-wait]")).to_be_visible()
    assert '<meta http-equiv="refresh" content="5">' in tablet.content()  # in <noscript>
    assert tablet.locator('meta[name="mpp-reload"]').get_attribute("content") == "5"

    press(console, "N")
    press(console, "S")
    press(console, "F")
    # The waiting screen refreshes itself into the questionnaire (web/reload.js; without
    # scripts, the <noscript> refresh).
    expect(tablet.locator("[data-testid=tablet-form]")).to_be_visible(timeout=8000)
    answer(tablet, (3,) * 9)
    expect(tablet.locator("[data-testid=tablet-thanks]")).to_be_visible()
    expect(tablet.locator("[data-testid=tablet-wait]")).to_be_visible(timeout=10_000)
    assert "checked" not in tablet.content()  # the officer sees no answer
    assert errors == [] and console.js_errors == []

    row = off_loop(lambda: SurveyResponse.objects.get())
    assert row.channel == "tablet" and row.u9 == 3
