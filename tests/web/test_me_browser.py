"""/me/ ("Urusan saya") in a real browser on a 360 px phone: sign in with the code sent by
SMS, see the applications and bookings of the number, open one, sign out; with and
without JavaScript, and no serious or critical axe finding on any of its pages.

Headless Chromium against uvicorn serving the test database (the `server_url` fixture);
the data is written before the browser starts, the SMS code read from the outbox through
`off_loop`. Elements are found by ids, names and data-* attributes, never by their text.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from mpp.bookings.models import Booking, Slot
from mpp.cases.numbers import number_display
from mpp.cases.services import case_start
from mpp.notifications.models import Message
from tests.browser import axe_report, axe_violations, chromium, off_loop, open_page
from tests.factories import CaseTypeFactory, MallFactory, OfferingFactory

pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True}
MOBILE = "0812 3456 7890"


@pytest.fixture
def numbers(transactional_db) -> list[str]:
    """Two applications at two malls and one booking, all with MOBILE; their numbers."""
    made = []
    for i, name in enumerate(("Akta Kelahiran", "Perubahan KK")):
        mall = MallFactory(name=f"MPP Kabupaten Uji {i}")
        case_type = CaseTypeFactory(offering=OfferingFactory(booth__mall=mall, service__name=name))
        case = case_start(
            case_type=case_type,
            channel="web",
            applicant_name="Siti Aminah",
            nik=f"321001150590000{i + 1}",
            phone=MOBILE,
        )
        made.append(case.number)
    offering = OfferingFactory(service__name="Paspor Baru")
    date = timezone.localdate() + dt.timedelta(days=2)
    slot = Slot.objects.create(
        offering=offering,
        date=date,
        starts_at=dt.time(9),
        ends_at=dt.time(10),
        online_capacity=5,
        walkin_capacity=5,
        priority_capacity=1,
    )
    booking = Booking.objects.create(
        code="K7M2QX9P",
        mall=offering.mall,
        offering=offering,
        service=offering.service,
        slot=slot,
        date=date,
        nik_digest="k1$x",
        nik_masked="************0001",
        name="Siti Aminah",
        phone="+6281234567890",
        status=Booking.Status.BOOKED,
        channel="web",
    )
    made.append(booking.code)
    return made


@pytest.fixture
def browser(numbers, server_url) -> Browser:
    with chromium() as browser:
        yield browser


def last_otp() -> str:
    return Message.objects.filter(template="phone_code").latest("created_at", "pk").context["otp"]


def assert_accessible(page: Page, where: str, *, js: bool = True) -> None:
    """axe runs as a script in the page: only where scripts run (the no-JS pages are the
    same HTML)."""
    if not js:
        return
    violations = axe_violations(page)
    assert not violations, axe_report(where, violations)


def assert_fits(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"the page is {width} px wide on a 360 px phone"


@pytest.mark.parametrize("js", [True, False], ids=["js", "no-js"])
def test_sign_in_see_everything_and_sign_out_on_a_phone(browser, server_url, numbers, js):
    page = open_page(browser, f"{server_url}/me/", java_script_enabled=js, **PHONE)
    page.wait_for_url(f"{server_url}/me/masuk/")
    assert_accessible(page, "/me/masuk/", js=js)
    assert_fits(page)
    page.locator("#me-phone").fill(MOBILE)
    page.locator("[data-testid=send-code]").click()
    page.wait_for_url(f"{server_url}/me/masuk/kode/")
    assert_accessible(page, "/me/masuk/kode/", js=js)
    page.locator("#me-otp").fill("000000" if off_loop(last_otp) != "000000" else "111111")
    page.locator("[data-testid=verify-code]").click()
    expect(page.locator("[data-error=invalid_otp]")).to_be_visible()
    expect(page.locator("#me-otp")).to_have_attribute("aria-invalid", "true")
    page.locator("#me-otp").fill(off_loop(last_otp))
    page.locator("[data-testid=verify-code]").click()
    page.wait_for_url(f"{server_url}/me/")

    expect(page.locator("[data-testid=me-case]")).to_have_count(2)
    expect(page.locator("[data-testid=me-booking]")).to_have_count(1)
    for number in numbers[:2]:
        expect(page.locator("main")).to_contain_text(number_display(number))
    expect(page.locator("main")).to_contain_text(numbers[2])  # the booking code
    assert "81234567890" not in page.content() and "8123456789" not in page.url
    assert_accessible(page, "/me/", js=js)
    assert_fits(page)
    assert page.js_errors == []

    page.locator("[data-testid=me-case] a").first.click()
    page.wait_for_url(f"{server_url}/cases/{numbers[1]}/")
    expect(page.locator("main")).to_contain_text(number_display(numbers[1]))
    page.goto(f"{server_url}/me/")
    page.locator("[data-testid=sign-out]").click()
    page.wait_for_url(f"{server_url}/me/masuk/")
    page.goto(f"{server_url}/me/")
    page.wait_for_url(f"{server_url}/me/masuk/")


def test_open_a_case_with_a_code_on_a_phone(browser, server_url, numbers):
    page = open_page(browser, f"{server_url}/cases/open/", **PHONE)
    page.locator("[data-testid=open-by-code]").click()
    page.wait_for_url(f"{server_url}/me/berkas/")
    assert_accessible(page, "/me/berkas/")
    assert_fits(page)
    page.locator("#cc-number").fill(numbers[0])
    page.locator("[data-testid=send-code]").click()
    page.wait_for_url(f"{server_url}/me/berkas/kode/")
    assert_accessible(page, "/me/berkas/kode/")
    page.locator("#me-otp").fill(off_loop(last_otp))
    page.locator("[data-testid=verify-code]").click()
    page.wait_for_url(f"{server_url}/cases/{numbers[0]}/")
    expect(page.locator("main")).to_contain_text(number_display(numbers[0]))
