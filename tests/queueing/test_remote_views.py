"""The phone's pages (queueing.views.remote): take a number, keep the ticket page, check in.

Failed before issue 11: "Take a queue number" on the home, mall, service and search pages
opened the kiosk flow (a printed-slip page, window.print() and a return to the kiosk start
after 8 s), and no phone page or check-in page existed.
"""

import datetime as dt
import re

import pytest
from django.conf import settings
from django.test import Client

from mpp.catalog.models import OpeningHours
from mpp.core.models import Event
from mpp.queueing.models import Source, Ticket
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

NONCE = re.compile(r'name="nonce" value="([0-9a-f]{32})"')


@pytest.fixture
def en():
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def phone(offering):
    offering.remote_per_day = 5
    offering.save()
    return offering


def confirm_url(offering):
    return f"/m/{offering.mall.code}/phone/{offering.service.code}/"


def take(client, offering, nonce=None):
    if nonce is None:
        nonce = NONCE.search(client.get(confirm_url(offering)).content.decode()).group(1)
    return client.post(confirm_url(offering), {"nonce": nonce})


def test_take_a_number_links_lead_to_the_phone_flow(en, mall, phone):
    assert f'href="/m/{mall.code}/phone/"' in en.get(f"/m/{mall.code}/").content.decode()
    service_page = en.get(f"/m/{mall.code}/layanan/{phone.service.code}/").content.decode()
    assert f'href="{confirm_url(phone)}"' in service_page
    assert f"/m/{mall.code}/kiosk/" not in service_page
    assert f'href="/m/{mall.code}/phone/"' in en.get("/").content.decode()


def test_the_phone_list_shows_which_services_take_phone_numbers(en, mall, phone):
    from tests.factories import OfferingFactory

    kiosk_only = OfferingFactory(booth__mall=mall)
    html = en.get(f"/m/{mall.code}/phone/").content.decode()
    assert f'href="{confirm_url(phone)}"' in html and "5 numbers left today" in html
    assert kiosk_only.service.name in html and f'href="{confirm_url(kiosk_only)}"' not in html


def test_taking_a_number_opens_the_ticket_page_that_stays(en, mall, phone):
    response = take(en, phone)
    ticket = Ticket.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/t/{ticket.secret}/"  # not the slip, no autoprint
    assert ticket.source == Source.REMOTE and ticket.status == Ticket.Status.REMOTE
    page = en.get(response["Location"]).content.decode()
    assert ticket.number in page and ticket.checkin_code in page
    assert 'data-testid="checkin"' in page and "<svg" in page
    assert "autoprint" not in page and "printer" not in page.lower()
    assert 'http-equiv="refresh" content="30"' in page  # without JS it keeps itself fresh


def test_a_resent_form_gives_the_same_ticket(en, mall, phone):
    nonce = NONCE.search(en.get(confirm_url(phone)).content.decode()).group(1)
    first, again = take(en, phone, nonce), take(en, phone, nonce)
    assert first["Location"] == again["Location"]
    assert Ticket.objects.count() == 1


def test_per_client_limit_is_a_readable_429(en, mall, phone, settings):
    settings.MPP_RATE_LIMITS = {**settings.MPP_RATE_LIMITS, "remote_ip": (1, 3600)}
    assert take(en, phone).status_code == 302
    refused = take(en, phone)
    assert refused.status_code == 429
    assert "Too many requests" in refused.content.decode()
    assert Ticket.objects.count() == 1


def test_a_service_without_phone_numbers_says_to_use_the_kiosk(en, mall, offering):
    html = en.get(confirm_url(offering)).content.decode()
    assert 'data-testid="kiosk-only"' in html and "remote-take" not in html
    refused = en.post(confirm_url(offering), {})
    assert refused.status_code == 409 and "kiosk" in refused.content.decode()
    assert not Ticket.objects.exists()


@pytest.mark.clock
def test_outside_hours_the_page_says_when_the_mall_opens(en, mall, phone, clock):
    for weekday in range(7):
        OpeningHours.objects.create(
            mall=mall, weekday=weekday, opens=dt.time(8), closes=dt.time(15)
        )
    clock.move_to(dt.datetime.combine(dt.date(2026, 12, 7), dt.time(17, 8), tzinfo=mall.tz))
    html = en.get(confirm_url(phone)).content.decode()
    assert 'data-testid="mall-closed"' in html and "tomorrow at 08:00 WIB" in html
    refused = en.post(confirm_url(phone), {})
    assert refused.status_code == 409
    assert "tomorrow at 08:00 WIB" in refused.content.decode()
    assert not Ticket.objects.exists()


def test_check_in_at_the_kiosk_page_joins_the_queue(en, mall, phone):
    take(en, phone)
    ticket = Ticket.objects.get()
    url = f"/m/{mall.code}/phone/check-in/"
    assert en.get(url).status_code == 200
    wrong = en.post(url, {"code": "QQQQQQ" if ticket.checkin_code != "QQQQQQ" else "WWWWWW"})
    assert wrong.status_code == 404 and 'data-testid="checkin-error"' in wrong.content.decode()
    done = en.post(url, {"code": f"MPPQ:{ticket.checkin_code}"})
    assert done.status_code == 200 and 'data-testid="checked-in"' in done.content.decode()
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.WAITING and ticket.checked_in_at
    assert Event.objects.get(kind="ticket.checked_in").actor_id is None


def test_an_officer_checks_in_and_is_recorded(mall, phone):
    client = Client()
    client.post(confirm_url(phone), {})
    ticket = Ticket.objects.get()
    officer = UserFactory(mall=mall, booth=phone.booth)
    client.force_login(officer)
    client.post(f"/m/{mall.code}/phone/check-in/", {"code": ticket.checkin_code})
    assert Event.objects.get(kind="ticket.checked_in").actor_id == officer.pk


def test_check_in_attempts_are_limited(en, mall, phone, settings):
    settings.MPP_RATE_LIMITS = {**settings.MPP_RATE_LIMITS, "remote_checkin_ip": (2, 60)}
    url = f"/m/{mall.code}/phone/check-in/"
    for _ in range(2):
        assert en.post(url, {"code": "QQQQQQ"}).status_code == 404
    assert en.post(url, {"code": "QQQQQQ"}).status_code == 429


def test_unknown_mall_or_service_is_404(en, mall, phone):
    assert en.get("/m/no-such-mall/phone/").status_code == 404
    assert en.get(f"/m/{mall.code}/phone/no-such-service/").status_code == 404


@pytest.mark.clock
def test_an_expired_phone_ticket_page_says_why_and_asks_for_nothing(en, mall, phone, clock):
    phone.service.requirements = ["KTP-el asli"]
    phone.service.save()
    clock.move_to(dt.datetime.combine(dt.date(2026, 12, 7), dt.time(10), tzinfo=mall.tz))
    take(en, phone)
    ticket = Ticket.objects.get()
    assert "Bring these to the counter" in en.get(f"/t/{ticket.secret}/").content.decode()
    clock.move_to(dt.datetime.combine(dt.date(2026, 12, 7), dt.time(11, 1), tzinfo=mall.tz))
    html = en.get(f"/t/{ticket.secret}/").content.decode()
    assert 'data-status="expired"' in html
    assert "was not checked in at the mall in time" in html
    assert "Bring these to the counter" not in html and ticket.checkin_code not in html
