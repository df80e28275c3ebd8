"""The citizen pages of online booking and the kiosk check-in, driven like a browser without
JavaScript: links are followed and forms submitted with exactly the fields the HTML holds.

The mall is open every day from 00:00 to 23:59 and the window is 14 days, so whatever the
time of the run there are future days to book (national holidays are skipped by picking
from calendar.bookable_dates). Every URL the pages lead to, every Location header and every
link is recorded and checked for the NIK and the phone number.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlencode, urljoin

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client, override_settings
from django.utils import timezone

from mpp.bookings.calendar import bookable_dates, open_days
from mpp.bookings.forms import code_from_scan
from mpp.bookings.models import Booking, Slot
from mpp.bookings.services import booking_cancel, booking_confirm, booking_create
from mpp.catalog.models import OpeningHours
from mpp.core.models import Event, IdempotencyRecord
from mpp.queueing.models import Source, Ticket
from tests.bookings.conftest import NIK_FEMALE, NIK_MALE, NIK_OTHER, otp_sent, phone_for
from tests.dead_redis import redis_down  # noqa: F401
from tests.factories import (
    BookingPolicyFactory,
    MallFactory,
    OfferingFactory,
    ServiceFactory,
    UserFactory,
    device_credential,
)
from tests.web.test_i18n import PLACEHOLDER, po_entries

pytestmark = pytest.mark.django_db

PHONE = "081234567890"
PHONE_FORMS = ("81234567890", "0812-3456-7890", "0812 3456 7890")
NIKS = (NIK_MALE, NIK_FEMALE, NIK_OTHER)
CODE_IN_URL = re.compile(r"/booking/([2-9A-Z]{8})/$")


# A browser without JavaScript -------------------------------------------------------


class _Html(HTMLParser):
    """The forms (with their fields and buttons) and the link targets of a page."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self.links: list[str] = []
        self._form: dict | None = None
        self._textarea = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        for key in ("href", "src", "action", "formaction"):
            if a.get(key):
                self.links.append(a[key])
        if tag == "form":
            self._form = {"action": a.get("action") or "", "method": a.get("method", "get"),
                          "fields": [], "buttons": []}  # fmt: skip
            self.forms.append(self._form)
        elif self._form is not None and tag == "input":
            kind = a.get("type", "text")
            if kind == "submit":
                self._form["buttons"].append(a)
            else:
                self._form["fields"].append({"type": kind, **a})
        elif self._form is not None and tag == "button" and a.get("type", "submit") == "submit":
            self._form["buttons"].append(a)

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None


def parse(response) -> _Html:
    html = _Html()
    html.feed(response.content.decode())
    return html


class NoJsBrowser:
    """A Django test client used like a browser with JavaScript off; remembers every URL."""

    def __init__(self, client: Client | None = None):
        self.client = client or Client()
        self.urls: list[str] = []  # requested, Location headers and links on pages
        self.url = "/"

    def _seen(self, response):
        if response.has_header("Location"):
            self.urls.append(response["Location"])
        if response.get("Content-Type", "").startswith("text/html"):
            self.urls.extend(parse(response).links)
        return response

    def get(self, url: str):
        self.url = urljoin(self.url, url)
        self.urls.append(self.url)
        return self._seen(self.client.get(self.url))

    def follow(self, response):
        assert response.status_code in (301, 302), response.status_code
        return self.get(response["Location"])

    def submit(self, response, *, button: dict | None = None, form: int | None = None, **fill):
        """Send a form of the page as a browser would: its fields' values, the checked
        boxes and radios, `fill` typed in, and the pressed button's name and value."""
        forms = parse(response).forms
        chosen = self._pick(forms, button, form)
        data: dict[str, str] = {}
        for field in chosen["fields"]:
            name = field.get("name")
            if not name or "disabled" in field:
                continue
            if field["type"] in ("radio", "checkbox"):
                if "checked" in field:
                    data[name] = field.get("value", "on")
            else:
                data[name] = field.get("value", "")
        data.update({k: v for k, v in fill.items() if v is not None})
        for key in [k for k, v in fill.items() if v is None]:
            data.pop(key, None)
        pressed = self._button(chosen, button)
        if pressed and pressed.get("name"):
            data[pressed["name"]] = pressed.get("value", "")
        url = urljoin(self.url, chosen["action"] or self.url)
        if chosen["method"].lower() == "get":
            return self.get(f"{url.split('?')[0]}?{urlencode(data)}")
        self.url = url
        self.urls.append(url)
        return self._seen(self.client.post(url, data))

    @staticmethod
    def _button(chosen, button):
        if button is None:
            return chosen["buttons"][0] if chosen["buttons"] else None
        for b in chosen["buttons"]:
            if all(b.get(k) == v for k, v in button.items()):
                assert "disabled" not in b
                return b
        raise AssertionError(f"no button {button}")

    @staticmethod
    def _pick(forms, button, index):
        if index is not None:
            return forms[index]
        if button is not None:
            for f in forms:
                if any(all(b.get(k) == v for k, v in button.items()) for b in f["buttons"]):
                    return f
            raise AssertionError(f"no form with button {button}")
        posts = [f for f in forms if f["method"].lower() == "post"]
        return [f for f in posts if f["action"] != "/i18n/setlang/"][0]

    def assert_no_personal_data(self, *niks: str):
        for url in self.urls:
            for secret in (*niks, PHONE, *PHONE_FORMS):
                assert secret not in url, url


def english() -> NoJsBrowser:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return NoJsBrowser(client)


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


# The world ----------------------------------------------------------------------


@pytest.fixture
def policy(mall, offering):
    """Open every day 00:00-23:59; 60-minute slots of 3 online places; 14 days ahead."""
    for weekday in range(7):
        OpeningHours.objects.create(
            mall=mall, weekday=weekday, opens=dt.time(0), closes=dt.time(23, 59)
        )
    offering.service.requirements = ["KTP-el asli", "Kartu Keluarga"]
    offering.service.save()
    return BookingPolicyFactory(offering=offering, window_days=14)


def future_day(policy) -> dt.date:
    """A bookable day after today (every slot of it lies ahead)."""
    today = policy.offering.mall.today()
    return next(d for d in bookable_dates(policy, timezone.now()) if d > today)


def make_booking(policy, *, nik=NIK_MALE, day=None, slot="10:00", now=None, confirm=True):
    """A booking made and (confirm=True) confirmed with the SMS code from the outbox."""
    booking = booking_create(
        mall=policy.offering.mall,
        service_code=policy.offering.service.code,
        date=day or future_day(policy),
        slot_start=slot,
        nik=nik,
        name="Siti Aminah",
        phone=PHONE if nik == NIK_MALE else phone_for(nik),
        channel="web",
        now=now,
    )
    if not confirm:
        return booking
    return booking_confirm(code=booking.code, otp=otp_sent(booking), now=now)


CONFIRM_URL = re.compile(r"/booking/([2-9A-Z]{8})/konfirmasi/$")


def confirm_through_pages(browser: NoJsBrowser, held, otp: str | None = None):
    """The confirm page (after the 302 to it): type the SMS code read from the outbox."""
    code = CONFIRM_URL.search(held["Location"]).group(1)
    page = browser.follow(held)
    assert page.status_code == 200 and 'data-testid="otp"' in page.content.decode()
    otp = otp or otp_sent(Booking.objects.get(code=code))
    return browser.submit(page, button={"data-testid": "confirm-code"}, otp=otp)


def urls(policy):
    mall, service = policy.offering.mall.code, policy.offering.service.code
    return {
        "mall": f"/m/{mall}/",
        "service": f"/m/{mall}/layanan/{service}/",
        "book": f"/m/{mall}/layanan/{service}/pesan/",
        "submit": f"/m/{mall}/layanan/{service}/pesan/kirim/",
        "kiosk": f"/m/{mall}/kiosk/",
        "check_in": f"/m/{mall}/check-in/",
    }


def book_through_pages(
    browser: NoJsBrowser, policy, *, day=None, slot="10:00", sms_code=True, **data
):
    """Service page -> day -> time -> data -> confirm -> (sms_code=True) the SMS code;
    returns the last response."""
    day = day or future_day(policy)
    page = browser.get(urls(policy)["service"])
    book_link = next(u for u in parse(page).links if u.endswith("/pesan/"))
    days = browser.get(book_link)
    assert days.status_code == 200
    day_link = next(u for u in parse(days).links if u.endswith(f"?tanggal={day.isoformat()}"))
    times = browser.get(day_link)
    assert times.status_code == 200
    form_page = browser.submit(times, slot=slot)
    assert form_page.status_code == 200 and 'name="nik"' in form_page.content.decode()
    fields = {"nik": NIK_MALE, "name": "Siti Aminah", "phone": PHONE, "consent": "on", **data}
    confirm = browser.submit(form_page, button={"data-testid": "next"}, **fields)
    if confirm.status_code != 200 or 'data-testid="confirm"' not in confirm.content.decode():
        return confirm
    held = browser.submit(confirm, button={"data-testid": "confirm"})
    if not sms_code or held.status_code != 302 or not CONFIRM_URL.search(held["Location"]):
        return held
    return confirm_through_pages(browser, held)


# The pages ----------------------------------------------------------------------


def test_three_steps_without_javascript_book_exactly_one(policy):
    browser = english()
    day = future_day(policy)
    done = book_through_pages(browser, policy, day=day)
    assert done.status_code == 302 and CODE_IN_URL.search(done["Location"])
    booking = Booking.objects.get()
    assert (booking.date, f"{booking.slot.starts_at:%H:%M}", booking.channel) == (
        day,
        "10:00",
        "web",
    )
    assert booking.status == Booking.Status.BOOKED and booking.name == "Siti Aminah"
    assert Slot.objects.get(pk=booking.slot_id).online_booked == 1

    page = browser.follow(done)
    html = page.content.decode()
    assert page.status_code == 200
    assert "Your booking is confirmed." in html
    assert f"{booking.code[:4]} {booking.code[4:]}" in html
    assert re.search(r'data-testid="booking-qr"[^>]*>\s*<svg', html)
    # Nothing personal by the code alone; the NIK (second factor) shows the details.
    assert "Siti Aminah" not in html and "0001" not in html and "0812****7890" not in html
    mine = browser.submit(page, button={"data-testid": "show-details"}, nik=NIK_MALE)
    assert mine.status_code == 200
    assert "Siti Aminah" in text(mine) and "************0001" in text(mine)
    assert "0812****7890" in text(mine) and NIK_MALE not in text(mine)
    assert NIK_MALE not in html and PHONE not in html and "81234567890" not in html
    assert "KTP-el asli" in html  # what to bring
    links = parse(page).links
    assert f"/booking/{booking.code}/ics/" in links
    assert f"/booking/?kode={booking.code}" in links
    browser.assert_no_personal_data(NIK_MALE)


def test_qr_code_holds_the_kiosk_payload(policy):
    booking = make_booking(policy)
    html = Client().get(f"/booking/{booking.code}/").content.decode()
    assert f'title="MPPB:{booking.code}"' in html
    assert (
        Client().get(f"/booking/{booking.code.lower()}/")["Location"] == f"/booking/{booking.code}/"
    )
    assert Client().get("/booking/AAAAAAAA/").status_code == 404
    # What a scanner types, even after something typed before it.
    assert code_from_scan(f"mppb:{booking.code.lower()}") == booking.code
    assert code_from_scan(f"K7MPPB:{booking.code}") == booking.code
    assert code_from_scan(f"{booking.code[:4]} {booking.code[4:]}") == booking.code


def test_resending_the_confirm_form_shows_the_same_booking(policy):
    browser = english()
    day = future_day(policy)
    page = browser.get(f"{urls(policy)['book']}?tanggal={day.isoformat()}")
    form_page = browser.submit(page, slot="10:00")
    fields = {"nik": NIK_MALE, "name": "Siti", "phone": PHONE, "consent": "on"}
    confirm = browser.submit(form_page, button={"data-testid": "next"}, **fields)
    first = browser.submit(confirm, button={"data-testid": "confirm"})
    again = browser.submit(confirm, button={"data-testid": "confirm"})  # a double tap
    assert first.status_code == again.status_code == 302
    assert first["Location"] == again["Location"]
    assert Booking.objects.count() == 1


@pytest.mark.usefixtures("redis_down")
def test_resending_the_confirm_form_with_redis_down_shows_the_same_booking(policy):
    # The form key lives in the database (core.formkeys), not in the cache: a dead
    # Redis neither books twice nor tells the citizen "already booked".
    browser = english()
    day = future_day(policy)
    page = browser.get(f"{urls(policy)['book']}?tanggal={day.isoformat()}")
    form_page = browser.submit(page, slot="10:00")
    fields = {"nik": NIK_MALE, "name": "Siti", "phone": PHONE, "consent": "on"}
    confirm = browser.submit(form_page, button={"data-testid": "next"}, **fields)
    first = browser.submit(confirm, button={"data-testid": "confirm"})
    again = browser.submit(confirm, button={"data-testid": "confirm"})
    assert first.status_code == again.status_code == 302
    assert first["Location"] == again["Location"]
    assert Booking.objects.count() == 1
    assert IdempotencyRecord.objects.filter(status_code=200).count() == 1


def test_bad_data_is_explained_next_to_each_field_and_nothing_is_written(policy):
    browser = english()
    day = future_day(policy)
    page = browser.get(f"{urls(policy)['book']}?tanggal={day.isoformat()}")
    form_page = browser.submit(page, slot="10:00")
    fields = {"nik": "1234", "name": "  ", "phone": "12345", "email": "siti@", "consent": None}
    again = browser.submit(form_page, button={"data-testid": "next"}, **fields)
    html = text(again)
    assert again.status_code == 200
    assert "Your NIK must be 16 digits, exactly as on your KTP or KK." in html
    assert "Please write your name." in html
    assert "Write an Indonesian mobile number, for example 0812 3456 7890." in html
    assert "This e-mail address is not right. You may leave it empty." in html
    assert "Please tick the box to agree." in html
    assert html.count('aria-invalid="true"') == 5
    # A NIK of 16 digits with an impossible birth date: the plain sentence and the detail.
    again = browser.submit(again, button={"data-testid": "next"}, nik="3210013505900001",
                           name="Siti", phone=PHONE, email="", consent="on")  # fmt: skip
    assert "Your NIK must be 16 digits" in text(again) and "not a real date" in text(again)
    assert (Booking.objects.count(), Slot.objects.filter(online_booked__gt=0).count()) == (0, 0)
    assert not Event.objects.filter(kind="booking.created").exists()


def test_changing_the_data_and_going_back_keeps_the_choice(policy):
    browser = english()
    day = future_day(policy)
    page = browser.get(f"{urls(policy)['book']}?tanggal={day.isoformat()}")
    form_page = browser.submit(page, slot="11:00")
    fields = {"nik": NIK_MALE, "name": "Siti", "phone": PHONE, "consent": "on"}
    confirm = browser.submit(form_page, button={"data-testid": "next"}, **fields)
    back = browser.submit(confirm, button={"name": "back"})
    assert 'name="nik"' in back.content.decode() and 'value="Siti"' in back.content.decode()
    times = browser.submit(back, button={"name": "back"})
    assert 'value="11:00" checked' in times.content.decode()
    assert Booking.objects.count() == 0


def test_full_slot_sends_back_to_the_times_without_writing(policy):
    day = future_day(policy)
    for nik in (NIK_FEMALE, NIK_OTHER, "3210012001850004"):
        make_booking(policy, nik=nik, day=day, slot="10:00")
    browser = english()
    times = browser.get(f"{urls(policy)['book']}?tanggal={day.isoformat()}")
    assert re.search(r'value="10:00" disabled', times.content.decode())
    refused = browser.submit(times, slot="10:00")  # a stale page: the slot filled meanwhile
    assert refused.status_code == 409
    assert "this time has just become full" in text(refused) and 'name="slot"' in text(refused)
    # Filled between the data step and the confirm step.
    form_page = browser.submit(times, slot="11:00")
    confirm = browser.submit(form_page, button={"data-testid": "next"}, nik=NIK_MALE,
                             name="Siti", phone=PHONE, consent="on")  # fmt: skip
    Slot.objects.filter(offering=policy.offering, date=day, starts_at=dt.time(11)).update(
        online_booked=3
    )
    done = browser.submit(confirm, button={"data-testid": "confirm"})
    assert done.status_code == 409 and "choose another time" in text(done)
    assert 'name="slot"' in text(done)
    assert Booking.objects.count() == 3


def test_duplicate_and_closed_day_are_readable(policy):
    day = future_day(policy)
    make_booking(policy, nik=NIK_MALE, day=day, slot="09:00")
    browser = english()
    done = book_through_pages(browser, policy, day=day, slot="10:00")
    assert done.status_code == 409
    assert "This NIK already has a booking for this service on that day." in text(done)
    assert "/booking/" in parse(done).links
    assert Booking.objects.count() == 1

    far = policy.offering.mall.today() + dt.timedelta(days=40)
    page = browser.get(f"{urls(policy)['book']}?tanggal={far.isoformat()}")
    assert page.status_code == 409 and "This day cannot be booked now." in text(page)
    forged = browser.client.post(
        urls(policy)["submit"],
        {"step": "confirm", "date": far.isoformat(), "slot": "10:00", "nik": NIK_OTHER,
         "name": "Siti", "phone": PHONE, "consent": "on"},
    )  # fmt: skip
    assert forged.status_code == 409 and "This day cannot be booked now." in text(forged)
    step1 = browser.client.post(
        urls(policy)["book"], {"step": "slot", "date": far.isoformat(), "slot": "10:00"}
    )
    assert step1.status_code == 409 and not Slot.objects.filter(date=far).exists()
    assert Booking.objects.count() == 1
    browser.assert_no_personal_data(NIK_MALE)


def test_days_show_closed_days_with_their_reason(policy):
    from mpp.bookings.models import ClosedDay

    day = future_day(policy)
    ClosedDay.objects.create(mall=policy.offering.mall, date=day, reason="Kerja bakti")
    page = english().get(urls(policy)["book"])
    html = page.content.decode()
    block = re.search(
        rf'<div class="bk-day is-closed" data-date="{day.isoformat()}".*?</div>', html, re.S
    )
    assert block and "Closed: Kerja bakti" in block.group(0)
    assert f'href="{urls(policy)["book"]}?tanggal={day.isoformat()}"' not in html


def test_final_post_is_rate_limited_per_nik(policy, settings):
    settings.MPP_RATE_LIMITS = {**settings.MPP_RATE_LIMITS, "booking_nik": (1, 600)}
    day = future_day(policy)
    first = book_through_pages(english(), policy, day=day, slot="10:00")
    assert first.status_code == 302
    other = english()  # another phone, same NIK
    second = book_through_pages(other, policy, day=day, slot="11:00")
    assert second.status_code == 429 and int(second["Retry-After"]) > 0
    assert "Too many attempts" in text(second)
    assert Booking.objects.count() == 1


def test_only_the_final_post_is_a_booking_write_for_load_shedding(policy, settings):
    """With the page's write path in MPP_SHED_PATHS and no room left, the confirm POST is
    turned away (503, Retry-After) while choosing a day, a time and typing stay usable."""
    settings.MPP_SHED_PATHS = [("POST", r"^/m/[^/]+/layanan/[^/]+/pesan/kirim/$")]
    settings.MPP_BOOKING_MAX_INFLIGHT = 0
    settings.MPP_BOOKING_MAX_QUEUE = 0
    browser = english()
    done = book_through_pages(browser, policy)
    assert done.status_code == 503 and int(done["Retry-After"]) > 0
    assert browser.url.endswith("/pesan/kirim/") and Booking.objects.count() == 0
    assert browser.client.get(urls(policy)["submit"])["Location"] == urls(policy)["book"]


def test_lookup_cancel_and_reschedule_keep_the_nik_out_of_urls(policy):
    booking = make_booking(policy, slot="10:00")
    browser = english()
    detail = browser.get(f"/booking/{booking.code}/")
    lookup = browser.get(next(u for u in parse(detail).links if u.startswith("/booking/?kode=")))
    assert f'value="{booking.code}"' in lookup.content.decode()

    wrong_nik = browser.submit(lookup, nik=NIK_OTHER)
    wrong_code = browser.submit(lookup, code="K7M2QX9P", nik=NIK_MALE)
    assert wrong_nik.status_code == wrong_code.status_code == 404
    assert text(wrong_nik).count("We could not find a booking with this code and NIK.") == 1

    def same(response, code, nik):  # the page without its token and the typed values
        html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", text(response))
        return html.replace(code, "X").replace(nik, "Y")

    assert same(wrong_nik, booking.code, NIK_OTHER) == same(wrong_code, "K7M2QX9P", NIK_MALE)

    manage = browser.submit(lookup, nik=NIK_MALE)
    assert manage.status_code == 200 and "************0001" in text(manage)
    # Move it: a day, then a time.
    days = browser.submit(manage, button={"value": "reschedule"})
    new_day = [d for d in bookable_dates(policy, timezone.now()) if d > booking.date][0]
    times = browser.submit(days, button={"value": new_day.isoformat()})
    moved = browser.submit(times, slot="12:00")
    assert moved.status_code == 302 and moved["Location"] == f"/booking/{booking.code}/"
    booking.refresh_from_db()
    assert (booking.date, booking.slot.starts_at, booking.reschedule_count) == (
        new_day,
        dt.time(12),
        1,
    )
    assert "Your booking is moved to" in text(browser.follow(moved))

    # Once only: the button is gone, and a forged request is refused readably.
    manage = browser.submit(lookup, nik=NIK_MALE)
    assert 'value="reschedule"' not in manage.content.decode()
    forged = browser.client.post(
        "/booking/", {"code": booking.code, "nik": NIK_MALE, "action": "reschedule"}
    )
    assert forged.status_code == 409 and "already been moved once" in text(forged)

    # Cancel, with a confirm step.
    sure = browser.submit(manage, button={"value": "cancel"})
    assert "Cancel the booking?" in text(sure)
    booking.refresh_from_db()
    assert booking.status == Booking.Status.BOOKED
    done = browser.submit(sure, button={"value": "cancel_yes"})
    booking.refresh_from_db()
    assert done.status_code == 302 and booking.status == Booking.Status.CANCELLED
    assert Slot.objects.get(pk=booking.slot_id).online_booked == 0
    assert "This booking is cancelled." in text(browser.follow(done))
    again = browser.client.post(
        "/booking/", {"code": booking.code, "nik": NIK_MALE, "action": "cancel_yes"}
    )
    assert again.status_code == 409 and "can no longer be changed" in text(again)
    browser.assert_no_personal_data(NIK_MALE, NIK_OTHER)


def test_reschedule_to_a_full_slot_asks_again(policy):
    booking = make_booking(policy, slot="10:00")
    day = booking.date
    for nik in (NIK_FEMALE, NIK_OTHER, "3210012001850004"):
        make_booking(policy, nik=nik, day=day, slot="11:00")
    response = english().client.post(
        "/booking/",
        {"code": booking.code, "nik": NIK_MALE, "action": "reschedule_do",
         "date": day.isoformat(), "slot": "11:00"},
    )  # fmt: skip
    assert response.status_code == 409
    html = text(response)
    assert "this time has just become full" in html and 'name="slot"' in html
    booking.refresh_from_db()
    assert booking.slot.starts_at == dt.time(10) and booking.reschedule_count == 0


def kiosk_digits(code: str, nik: str) -> dict:
    """The kiosk's second screen as posted: the code (hidden) and the NIK's last digits."""
    return {"stage": "tail", "code": code, "tail": nik[-6:]}


@pytest.fixture
def checkin_policy(policy):
    """Check-in opens long before the slot (about 22 days), so any booked day can check in now."""
    policy.checkin_early_minutes = 32767
    policy.save()
    return policy


def test_kiosk_check_in_prints_a_ticket(checkin_policy):
    policy = checkin_policy
    booking = make_booking(policy)
    browser = english()
    page = browser.get(urls(policy)["check_in"])
    assert page.status_code == 200 and 'data-key="K"' in page.content.decode()
    digits = browser.submit(
        page, button={"data-testid": "checkin-submit"}, code=f"MPPB:{booking.code}"
    )
    # The code alone is not enough: the NIK's last 6 digits are asked for.
    assert digits.status_code == 200 and 'data-testid="checkin-tail"' in text(digits)
    assert Ticket.objects.count() == 0
    done = browser.submit(digits, button={"data-testid": "checkin-submit"}, tail=NIK_MALE[-6:])
    assert done.status_code == 302
    assert re.fullmatch(r"/t/[A-Za-z0-9_-]{20,32}/print/\?autoprint=1", done["Location"])
    booking.refresh_from_db()
    ticket = Ticket.objects.get()
    assert booking.status == Booking.Status.CHECKED_IN and booking.ticket_id == ticket.pk
    assert ticket.source == Source.BOOKING
    slip = browser.follow(done)
    assert f'<p class="slip-number">{ticket.number}</p>' in slip.content.decode()

    # Scanning it again shows the ticket it already has, and prints nothing new.
    again = browser.submit(
        page, button={"data-testid": "checkin-submit"}, code=booking.code.lower()
    )
    again = browser.submit(again, button={"data-testid": "checkin-submit"}, tail=NIK_MALE[-6:])
    assert again.status_code == 409 and "already checked in" in text(again)
    assert f'data-testid="existing-ticket">{ticket.number}<' in again.content.decode()
    assert Ticket.objects.count() == 1

    mine = english().client.post("/booking/", {"code": booking.code, "nik": NIK_MALE})
    assert 'data-status="checked_in"' in mine.content.decode() and ticket.number in text(mine)


def test_kiosk_keypad_works_without_javascript(checkin_policy):
    policy = checkin_policy
    booking = make_booking(policy)
    browser = english()
    page = browser.get(urls(policy)["check_in"])
    for ch in booking.code[:-1] + "Z":
        page = browser.submit(page, button={"data-key": ch})
    assert f'value="{booking.code[:-1]}Z"' in page.content.decode()
    page = browser.submit(page, button={"data-key": "back"})
    page = browser.submit(page, button={"data-key": booking.code[-1]})
    assert f'value="{booking.code}"' in page.content.decode()
    cleared = browser.submit(page, button={"data-key": "clear"})
    assert 'name="code" class="ci-input" type="text" value=""' in cleared.content.decode()
    digits = browser.submit(page, button={"data-testid": "checkin-submit"})
    assert 'data-key="0"' in text(digits) and 'data-key="K"' not in text(digits)
    for ch in NIK_MALE[-6:]:  # the digit keypad, each key a submit
        digits = browser.submit(digits, button={"data-key": ch})
    assert f'value="{NIK_MALE[-6:]}"' in text(digits)
    done = browser.submit(digits, button={"data-testid": "checkin-submit"})
    assert done.status_code == 302 and "/print/?autoprint=1" in done["Location"]


def test_kiosk_refusals_are_readable(checkin_policy):
    policy = checkin_policy
    booking = make_booking(policy)
    other_mall = OfferingFactory(booth__mall=MallFactory()).mall
    elsewhere = english().client.post(
        f"/m/{other_mall.code}/check-in/", kiosk_digits(booking.code, NIK_MALE)
    )
    assert elsewhere.status_code == 404 and "do not match a booking at this" in text(elsewhere)
    bad = english().client.post(urls(policy)["check_in"], {"code": "HELLO"})
    assert bad.status_code == 422 and "8 letters and digits" in text(bad)
    # The field is empty again for the next scan; what was sent is shown in the message.
    assert 'data-testid="tried-code">HELLO<' in text(bad) and 'type="text" value=""' in text(bad)

    policy.checkin_early_minutes = 60
    policy.save()
    early = english().client.post(urls(policy)["check_in"], kiosk_digits(booking.code, NIK_MALE))
    assert early.status_code == 409 and "too early to check in" in text(early)
    assert "Check-in opens on" in text(early)

    mall = policy.offering.mall
    today = mall.today()
    past = max(open_days(mall, today - dt.timedelta(days=20), today - dt.timedelta(days=2)))
    old = make_booking(policy, nik=NIK_OTHER, day=past, slot="10:00",
                       now=dt.datetime.combine(past, dt.time(7), tzinfo=mall.tz))  # fmt: skip
    late = english().client.post(urls(policy)["check_in"], kiosk_digits(old.code, NIK_OTHER))
    assert late.status_code == 409 and "check-in time of this booking has passed" in text(late)
    assert f'href="/m/{mall.code}/kiosk/"' in late.content.decode()
    booking.refresh_from_db()
    old.refresh_from_db()
    assert booking.status == old.status == Booking.Status.BOOKED
    assert Ticket.objects.count() == 0


def test_calendar_file_has_the_slot_and_no_personal_data(policy):
    booking = make_booking(policy, slot="10:00")
    response = Client().get(f"/booking/{booking.code}/ics/")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    body = response.content.decode()
    start = dt.datetime.combine(booking.date, dt.time(10), tzinfo=policy.offering.mall.tz)
    assert f"DTSTART:{start.astimezone(dt.UTC):%Y%m%dT%H%M%SZ}" in body
    assert f"UID:{booking.code}@mpp" in body and "BEGIN:VALARM" in body
    assert all(len(line.encode()) <= 75 for line in body.split("\r\n"))
    unfolded = body.replace("\r\n ", "")
    assert booking.code[:4] in unfolded and "KTP-el asli" in unfolded
    for secret in (NIK_MALE, "81234567890", "Siti"):
        assert secret not in unfolded


def test_service_page_publishes_the_quota_split(policy, clock):
    clock.working_day()  # "places left today": none on a holiday
    page = english().get(urls(policy)["service"])
    html = text(page)
    assert page.status_code == 200
    assert re.search(
        r'data-testid="walkin-left"><dt>Walk-in places left today</dt><dd>\d+</dd>', html
    )
    assert re.search(
        r'data-testid="priority-left"><dt>Priority places left today</dt><dd>\d+</dd>', html
    )
    assert "Online places in the coming days" in html and "Free" in html
    assert 'data-testid="next-opening"' in html and "opens at 07:00 on" in html
    assert f'href="{urls(policy)["book"]}"' in html
    assert f'href="/m/{policy.offering.mall.code}/phone/{policy.offering.service.code}/"' in html


def test_service_without_online_booking(mall, offering):
    page = english().get(f"/m/{mall.code}/layanan/{offering.service.code}/")
    assert page.status_code == 200 and "This service has no online booking." in text(page)
    assert "Walk-in places left today" not in text(page)
    assert (
        english().get(f"/m/{mall.code}/layanan/{offering.service.code}/pesan/").status_code == 404
    )
    assert english().get(f"/m/{mall.code}/layanan/tidak-ada/").status_code == 404


def test_mall_page_groups_by_agency_and_searches_without_javascript(policy):
    mall = policy.offering.mall
    paspor = OfferingFactory(
        booth__mall=mall, service__name="Paspor Baru", service__keywords="imigrasi"
    )
    page = english().get(f"/m/{mall.code}/")
    html = page.content.decode()
    assert html.count('class="bk-agency"') == 2
    assert html.count('data-testid="service-link"') == 2 and "Online queue" in html
    found = english().get(f"/m/{mall.code}/?q=IMIGRASI")
    links = [u for u in parse(found).links if "/layanan/" in u]
    assert links == [f"/m/{mall.code}/layanan/{paspor.service.code}/"]
    assert "No service matches your search." in text(english().get(f"/m/{mall.code}/?q=zzz"))
    home = english().get("/")
    assert f"/m/{mall.code}/" in parse(home).links


def test_pages_are_indonesian_by_default(policy):
    booking = make_booking(policy)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.cookies["mpp_device"] = device_credential(policy.offering.mall)  # a kiosk
    pages = [u for k, u in urls(policy).items() if k != "submit"]
    pages += ["/booking/", f"/booking/{booking.code}/"]
    pages.append(f"{urls(policy)['book']}?tanggal={booking.date.isoformat()}")
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        assert response["Content-Language"] == "id"
        assert '<html lang="id">' in response.content.decode()
    service = text(client.get(urls(policy)["service"]))
    assert "Gratis" in service and "Ambil nomor antrean" in text(client.get(urls(policy)["mall"]))


def test_cancelled_booking_cannot_check_in(checkin_policy):
    booking = make_booking(checkin_policy)
    booking_cancel(code=booking.code, nik=NIK_MALE)
    response = english().client.post(
        urls(checkin_policy)["check_in"], kiosk_digits(booking.code, NIK_MALE)
    )
    assert response.status_code == 409 and "cancelled" in text(response)
    assert Ticket.objects.count() == 0


def test_other_service_in_the_same_agency_is_listed(policy):
    extra = ServiceFactory(agency=policy.offering.booth.agency, name="Legalisir")
    OfferingFactory(booth=policy.offering.booth, service=extra)
    html = english().get(urls(policy)["mall"]).content.decode()
    assert html.count('class="bk-agency"') == 1 and "Legalisir" in html


# Indonesian -------------------------------------------------------------------------

REPO = Path(__file__).resolve().parents[2]
PACKAGE = REPO / "src" / "mpp"
TSV = REPO / "notes" / "translations" / "booking-pages.tsv"
MY_FILES = (
    "bookings/views/",
    "bookings/templates/",
    "bookings/forms.py",
    "queueing/templates/queueing/kiosk.html",
    "web/templates/web/home.html",
    "queueing/templates/queueing/console_pick.html",
)
needs_gettext = pytest.mark.skipif(
    shutil.which("msgfmt") is None or shutil.which("xgettext") is None,
    reason="GNU gettext (msgfmt, xgettext) is not installed",
)


def tsv_pairs(*paths: Path) -> dict[str, str]:
    pairs = {}
    for path in paths:
        for line in path.read_text(encoding="utf-8").splitlines():
            if "\t" in line:
                msgid, msgstr = line.split("\t", 1)
                pairs[msgid] = msgstr
    return pairs


@needs_gettext
def test_every_string_of_these_pages_has_an_indonesian_line(tmp_path, monkeypatch):
    """makemessages over a copy of the code: each msgid of these pages is translated in the
    catalogue or in notes/translations/booking-pages.tsv (which the lead merges)."""
    source = tmp_path / "mpp"
    shutil.copytree(PACKAGE, source, ignore=shutil.ignore_patterns("locale", "__pycache__"))
    (source / "locale" / "id" / "LC_MESSAGES").mkdir(parents=True)
    monkeypatch.chdir(source)
    with override_settings(LOCALE_PATHS=[source / "locale"]):
        call_command("makemessages", locale=["id"], ignore_patterns=["migrations/*"], verbosity=0)
    fresh = po_entries(source / "locale" / "id" / "LC_MESSAGES" / "django.po")[1:]
    ours = [e for e in fresh if any(r.startswith(MY_FILES) for r in e["refs"])]
    committed = {e["msgid"]: e for e in po_entries(PACKAGE / "locale/id/LC_MESSAGES/django.po")[1:]}
    mine = tsv_pairs(TSV)
    assert len(ours) > 100

    def translated(e):
        if e["msgid"] in mine and e["plural"] is None:  # po_fill fills singular entries only
            return True
        return e["msgid"] in committed and all(committed[e["msgid"]]["msgstr"].values())

    missing = [e["msgid"] for e in ours if not translated(e)]
    assert missing == []
    for msgid, msgstr in mine.items():
        assert sorted(PLACEHOLDER.findall(msgid)) == sorted(PLACEHOLDER.findall(msgstr)), msgid
        assert "antrian" not in msgstr.lower()


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


@pytest.fixture
def merged_catalogue(tmp_path, settings):
    """The committed catalogue with every TSV of notes/translations filled in, compiled:
    what the pages look like once the lead has merged the translations."""
    pairs = tsv_pairs(*sorted((REPO / "notes" / "translations").glob("*.tsv")))
    entries = po_entries(PACKAGE / "locale/id/LC_MESSAGES/django.po")
    known = {e["msgid"] for e in entries}
    blocks = []
    for e in entries:
        lines = [f"msgid {_quote(e['msgid'])}"]
        if e["plural"] is not None:
            lines.append(f"msgid_plural {_quote(e['plural'])}")
        for key, value in e["msgstr"].items():
            lines.append(f"{key} {_quote(value or pairs.get(e['msgid'], ''))}")
        blocks.append("\n".join(lines))
    for msgid, msgstr in pairs.items():
        if msgid not in known:
            blocks.append(f"msgid {_quote(msgid)}\nmsgstr {_quote(msgstr)}")
    po = tmp_path / "django.po"
    po.write_text("\n\n".join(blocks) + "\n", encoding="utf-8")
    out = tmp_path / "locale" / "id" / "LC_MESSAGES"
    out.mkdir(parents=True)
    subprocess.run(["msgfmt", "-o", str(out / "django.mo"), str(po)], check=True)
    settings.LOCALE_PATHS = [tmp_path / "locale"]
    return pairs


@needs_gettext
def test_pages_read_in_indonesian_once_merged(checkin_policy, merged_catalogue, clock):
    clock.working_day()  # "Sisa kuota prioritas hari ini": not on a holiday
    policy = checkin_policy
    booking = make_booking(policy)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")  # the browser's wish does not matter
    client.cookies["mpp_device"] = device_credential(policy.offering.mall)  # a kiosk
    pages = {
        urls(policy)["mall"]: ["Cari layanan", "Antrean online", "Booking Saya"],
        urls(policy)["service"]: ["Sisa kuota prioritas hari ini", "Pesan antrean online",
                                  "Ambil nomor antrean", "Gratis", "Yang perlu dibawa"],
        urls(policy)["book"]: ["Hari apa Anda akan datang?", "Sisa kuota:", "Hari dan jam"],
        f"/booking/{booking.code}/": ["Kode booking", "Simpan ke kalender",
                                      "Batal atau jadwal ulang"],
        "/booking/": ["Tulis kode booking dan NIK Anda", "Cari booking saya"],
        urls(policy)["check_in"]: ["Check-in dengan booking Anda", "Hapus semua"],
        urls(policy)["kiosk"]: ["Saya punya booking online"],
        "/": ["Layanan dan antrean online"],
    }  # fmt: skip
    english_words = [m for m in merged_catalogue if len(m) > 14 and m in tsv_pairs(TSV)]
    for url, words in pages.items():
        html = text(client.get(url))
        for word in words:
            assert word in html, (url, word)
        leaked = [m for m in english_words if m in html]
        assert leaked == [], (url, leaked)
    # The three steps, refusals included.
    data = client.post(
        urls(policy)["book"], {"step": "slot", "date": booking.date.isoformat(), "slot": "11:00"}
    )
    assert "Siapa yang akan datang?" in text(data) and "16 angka, sesuai KTP" in text(data)
    wrong = client.post(urls(policy)["book"], {"step": "data", "slot": "11:00", "nik": "12",
                                               "date": booking.date.isoformat()})  # fmt: skip
    assert "NIK harus 16 angka dan sesuai KTP/KK." in text(wrong)
    assert "Silakan centang kotak persetujuan." in text(wrong)
    late = client.post(urls(policy)["check_in"], kiosk_digits("K7M2QX9P", NIK_MALE))
    assert "Kode booking dan angka NIK ini tidak cocok dengan booking di MPP ini." in text(late)


def test_officer_checks_in_from_the_console(checkin_policy, officer):
    policy = checkin_policy
    booking = make_booking(policy)
    url = f"/m/{policy.offering.mall.code}/check-in/petugas/"
    assert Client().get(url).status_code == 302  # to the login page
    stranger = UserFactory(mall=MallFactory())
    other = english()
    other.client.force_login(stranger)
    assert other.client.get(url).status_code == 403

    desk = english()
    desk.client.force_login(officer)
    console = desk.get("/console/")
    page = desk.get(next(u for u in parse(console).links if u.endswith("/check-in/petugas/")))
    found = desk.submit(page, button={"data-testid": "find"}, code=booking.code.lower())
    html = text(found)
    assert "Siti Aminah" in html and "************0001" in html and NIK_MALE not in html
    done = desk.submit(found, button={"data-testid": "officer-check-in"})
    booking.refresh_from_db()
    ticket = Ticket.objects.get()
    assert booking.status == Booking.Status.CHECKED_IN and booking.checked_in_by_id == officer.pk
    assert f'data-testid="ticket-number">{ticket.number}<' in done.content.decode()
    again = desk.client.post(url, {"code": booking.code, "action": "check_in"})
    assert again.status_code == 409 and "already checked in" in text(again)
    missing = desk.client.post(url, {"code": "K7M2QX9P"})
    assert missing.status_code == 404 and "No booking with this code in this mall." in text(missing)
    assert Ticket.objects.count() == 1
