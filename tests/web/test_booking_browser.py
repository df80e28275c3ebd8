"""Online booking in a real browser: a citizen books on a cheap phone, checks in at the kiosk,
and finds the booking checked in; and the same booking with JavaScript turned off.

Headless Chromium (/usr/bin/chromium via Playwright) against uvicorn serving the test
database in a thread (the `server_url` fixture), like tests/web/test_e2e_browser.py: the
data is written before the browser starts and read back through `off_loop`. Elements are
found by ids, names and data-* attributes, never by their text, so the tests hold in
Indonesian and in English.

The mall is open every day, 00:00-23:59, and check-in opens about 22 days before a slot
(checkin_early_minutes = 32767), so the booking made now can be checked in now, whatever
the time of the run.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from mpp.bookings.calendar import bookable_dates
from mpp.bookings.models import Booking
from mpp.catalog.models import OpeningHours
from mpp.queueing.models import Source, Ticket
from tests.browser import chromium, off_loop, open_page
from tests.core.booking_world import otp_for
from tests.factories import (
    BookingPolicyFactory,
    MallFactory,
    OfferingFactory,
    device_credential,
    kiosk_cookie,
)

pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True}
KIOSK = {"viewport": {"width": 1366, "height": 768}}
NIK = "3210011505900001"
MOBILE = "0812 3456 7890"
BOOKING_URL = re.compile(r"/booking/(?P<code>[2-9A-Z]{8})/$")
CONFIRM_URL = re.compile(r"/booking/(?P<code>[2-9A-Z]{8})/konfirmasi/$")
TICKET_URL = re.compile(r"/t/(?P<id>[A-Za-z0-9_-]{20,32})/print/")


@dataclass
class World:
    mall_code: str
    service: str
    day: str  # a bookable day after today, YYYY-MM-DD
    kiosk: dict  # browser state of the mall's enrolled kiosk (mpp.devices)


@pytest.fixture
def world(transactional_db, clock) -> World:
    clock.working_day()  # walk-in places "today" and a ticket kept until the kiosk reads it
    mall = MallFactory()
    offering = OfferingFactory(
        booth__mall=mall, service__requirements=["KTP-el asli", "Kartu Keluarga"]
    )
    OfferingFactory(booth__mall=mall)  # a second service, so the kiosk has a choice
    for weekday in range(7):
        OpeningHours.objects.create(
            mall=mall, weekday=weekday, opens=dt.time(0), closes=dt.time(23, 59)
        )
    policy = BookingPolicyFactory(offering=offering, window_days=14, checkin_early_minutes=32767)
    today = mall.today()
    day = next(d for d in bookable_dates(policy, timezone.now()) if d > today)
    kiosk = kiosk_cookie("http://127.0.0.1/", device_credential(mall))
    return World(
        mall_code=mall.code, service=offering.service.code, day=day.isoformat(), kiosk=kiosk
    )


@pytest.fixture
def browser(world, server_url) -> Browser:
    """Chromium, started after the test data is written and closed before the server stops."""
    with chromium() as browser:
        yield browser


def book_on_phone(phone: Page, world: World, *, js: bool = True) -> str:
    """Service page -> day -> time -> data -> confirm -> the code sent by SMS (read from
    the outbox, the test's phone). Returns the booking code."""
    expect(phone.locator("[data-testid=walkin-left] dd")).to_have_text(re.compile(r"^\d+$"))
    phone.locator("[data-testid=book-online]").click()
    phone.locator(f'a.bk-day[data-date="{world.day}"]').click()
    phone.locator("label.bk-slot", has=phone.locator('input[value="10:00"]')).click()
    expect(phone.locator('input[name=slot][value="10:00"]')).to_be_checked()
    phone.locator("[data-testid=next]").click()

    nik = phone.locator("#bk-nik")
    expect(nik).to_have_attribute("inputmode", "numeric")
    nik.fill(NIK)
    count = phone.locator("#bk-nik ~ [data-digits-count]")
    if js:  # the script counts the digits typed
        expect(count).to_have_class(re.compile(r"\bis-done\b"))
        expect(count).to_contain_text("16")
    else:
        expect(count).to_be_hidden()
    phone.locator("#bk-name").fill("Siti Aminah")
    phone.locator("#bk-phone").fill(MOBILE)
    phone.locator("input[name=consent]").check()
    phone.locator("[data-testid=next]").click()

    expect(phone.locator("[data-testid=confirm]")).to_be_visible()
    phone.locator("[data-testid=confirm]").click()
    phone.wait_for_url(CONFIRM_URL)
    code = CONFIRM_URL.search(phone.url).group("code")
    assert off_loop(lambda: Booking.objects.get(code=code).status) == Booking.Status.PENDING
    phone.locator("#bk-otp").fill(off_loop(lambda: otp_for(code)))
    phone.locator("[data-testid=confirm-code]").click()
    phone.wait_for_url(BOOKING_URL)
    expect(phone.locator("[data-testid=booking-code]")).to_have_text(f"{code[:4]} {code[4:]}")
    assert phone.locator("[data-testid=booking-qr] svg").count() == 1
    assert NIK not in phone.content() and NIK not in phone.url
    return code


def check_in_at_kiosk(kiosk: Page, code: str) -> tuple[str, str]:
    """From the kiosk's start screen, type the code on the on-screen keypad, then the
    NIK's last 6 digits on the digit keypad, and check in. Returns (ticket id, number)
    from the slip page."""
    kiosk.locator("[data-testid=kiosk-check-in]").click()
    field = kiosk.locator("#ci-code")
    expect(field).to_have_value("")
    for ch in code:
        kiosk.locator(f'.ci-keypad [data-key="{ch}"]').click()
    expect(field).to_have_value(code)
    kiosk.locator("[data-testid=checkin-submit]").click()
    tail = kiosk.locator("[data-testid=checkin-tail]")
    expect(tail).to_have_value("")
    for ch in NIK[-6:]:
        kiosk.locator(f'.ci-keypad [data-key="{ch}"]').click()
    expect(tail).to_have_value(NIK[-6:])
    kiosk.locator("[data-testid=checkin-submit]").click()
    kiosk.wait_for_url(TICKET_URL)
    number = kiosk.locator(".slip-number").inner_text().strip()
    return TICKET_URL.search(kiosk.url).group("id"), number


def test_book_on_a_phone_then_check_in_at_the_kiosk(world, server_url, browser):
    phone = open_page(
        browser, f"{server_url}/m/{world.mall_code}/layanan/{world.service}/", **PHONE
    )
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, "the service page scrolls sideways on a 360 px phone"
    code = book_on_phone(phone, world)
    expect(phone.locator("[data-testid=booking-status]")).to_have_attribute("data-status", "booked")
    expect(phone.locator("button[data-print]")).to_be_visible()  # the script shows it
    # The name shows only after the NIK (the second factor), masked to its last 4 digits.
    assert phone.locator("[data-testid=booking-name]").count() == 0
    phone.locator("[data-testid=detail-nik]").fill(NIK)
    phone.locator("[data-testid=show-details]").click()
    expect(phone.locator("[data-testid=booking-name]")).to_have_text("Siti Aminah")
    expect(phone.locator("[data-testid=nik-masked]")).to_have_text("************0001")

    kiosk = open_page(
        browser, f"{server_url}/m/{world.mall_code}/kiosk/", storage_state=world.kiosk, **KIOSK
    )
    ticket_id, number = check_in_at_kiosk(kiosk, code)
    assert re.fullmatch(r"[A-Z]{1,2}-\d{3}", number), number

    # "My booking" on the phone now shows it checked in, with its queue number.
    phone.goto(f"{server_url}/booking/")
    phone.locator("#bk-code").fill(code.lower())
    phone.locator("#bk-nik").fill(NIK)
    phone.locator("[data-testid=find]").click()
    expect(phone.locator("[data-testid=booking-status]")).to_have_attribute(
        "data-status", "checked_in"
    )
    expect(phone.locator("[data-testid=ticket-number]")).to_have_text(number)
    assert NIK not in phone.url

    for page in (phone, kiosk):
        assert page.js_errors == [], (page.url, page.js_errors)
    booking = off_loop(lambda: Booking.objects.select_related("ticket").get(code=code))
    assert booking.status == Booking.Status.CHECKED_IN
    assert booking.ticket.secret == ticket_id and booking.ticket.number == number
    assert booking.ticket.source == Source.BOOKING


def test_booking_and_check_in_work_without_javascript(world, server_url, browser):
    url = f"{server_url}/m/{world.mall_code}/layanan/{world.service}/"
    phone = open_page(browser, url, java_script_enabled=False, **PHONE)
    assert phone.evaluate("typeof window.fetch") == "function"  # Playwright's own scripts run
    code = book_on_phone(phone, world, js=False)
    expect(phone.locator("button[data-print]")).to_be_hidden()  # nothing to print with

    kiosk = open_page(
        browser,
        f"{server_url}/m/{world.mall_code}/kiosk/",
        java_script_enabled=False,
        storage_state=world.kiosk,
        **KIOSK,
    )
    ticket_id, number = check_in_at_kiosk(kiosk, code)  # each key is a form submit
    assert number.endswith("-001")
    assert off_loop(Ticket.objects.count) == 1
    assert off_loop(lambda: Booking.objects.get(code=code).status) == Booking.Status.CHECKED_IN
