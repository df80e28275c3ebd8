"""Enrolment of a screen, and the kiosk pages that refuse a browser that is not a kiosk.

Before mpp.devices any browser could open /m/<mall>/kiosk/ and print numbers: the
refusal tests here failed then (200 and a ticket).
"""

import re

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from mpp.devices.enrolment import COOKIE_NAME
from mpp.devices.models import Device
from mpp.devices.services import device_revoke
from mpp.queueing.models import Ticket
from tests.api.helpers import counts

pytestmark = pytest.mark.django_db

NOT_A_KIOSK = "This screen is not a registered kiosk"


def kiosk_url(mall, service=""):
    return f"/m/{mall.code}/kiosk/" + (f"{service}/" if service else "")


def enrolled(client, raw):
    client.cookies[COOKIE_NAME] = raw
    return client


def take_number(client, mall, offering):
    page = client.get(kiosk_url(mall, offering.service.code)).content.decode()
    nonce = re.search(r'name="nonce" value="([^"]+)"', page)
    data = {"priority": "regular", "nonce": nonce.group(1) if nonce else "x"}
    return client.post(kiosk_url(mall, offering.service.code), data)


# Enrolment ---------------------------------------------------------------------------


def test_enrol_page_shows_a_form(en):
    response = en.get("/devices/enrol/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="credential"' in html and 'type="password"' in html
    assert "This screen is not enrolled." in html
    assert (
        response["Cache-Control"].startswith("no-store") or "no-store" in response["Cache-Control"]
    )


def test_enrolment_sets_a_strict_httponly_cookie_and_opens_the_kiosk(en, mall, kiosk_key):
    response = en.post("/devices/enrol/", {"credential": kiosk_key})
    assert response.status_code == 302
    assert response["Location"] == kiosk_url(mall)
    cookie = response.cookies[COOKIE_NAME]
    assert cookie.value == kiosk_key
    assert cookie["httponly"] and cookie["samesite"] == "Strict"
    assert not cookie["secure"]  # plain http (the test server): a Secure cookie is never sent
    assert int(cookie["max-age"]) >= 365 * 24 * 3600
    page = en.get("/devices/enrol/").content.decode()
    assert "Kiosk by the entrance" in page and mall.name in page


def test_enrolment_over_https_makes_the_cookie_secure(mall, kiosk_key):
    client = Client()
    response = client.post("/devices/enrol/", {"credential": kiosk_key}, secure=True)
    assert response.cookies[COOKIE_NAME]["secure"]


def test_a_board_is_enrolled_to_its_board(en, mall, board_key):
    response = en.post("/devices/enrol/", {"credential": board_key})
    assert response["Location"] == f"/m/{mall.code}/board/"


def test_enrolment_goes_back_to_a_local_next_only(en, mall, kiosk_key):
    path = kiosk_url(mall, "x")
    ok = en.post("/devices/enrol/", {"credential": kiosk_key, "next": path})
    assert ok["Location"] == path
    evil = en.post("/devices/enrol/", {"credential": kiosk_key, "next": "https://evil.example/"})
    assert evil["Location"] == kiosk_url(mall)
    scheme_relative = en.post(
        "/devices/enrol/", {"credential": kiosk_key, "next": "//evil.example/"}
    )
    assert scheme_relative["Location"] == kiosk_url(mall)


@pytest.mark.parametrize("credential", ["", "nonsense", "mppd_" + "x" * 43, "mppd_" + "y" * 500])
def test_a_wrong_credential_is_refused_without_a_cookie(en, credential):
    response = en.post("/devices/enrol/", {"credential": credential})
    assert response.status_code == 400
    assert COOKIE_NAME not in response.cookies
    assert "not the credential of a registered device" in response.content.decode()


def test_a_revoked_credential_is_refused(en, mall, kiosk_key):
    device_revoke(device_id=Device.objects.get().pk)
    assert en.post("/devices/enrol/", {"credential": kiosk_key}).status_code == 400


def test_enrolment_attempts_are_limited_per_address(en):
    for _ in range(10):
        assert en.post("/devices/enrol/", {"credential": "mppd_guess"}).status_code == 400
    refused = en.post("/devices/enrol/", {"credential": "mppd_guess"})
    assert refused.status_code == 429 and int(refused["Retry-After"]) >= 1


def test_enrolment_needs_the_csrf_token(mall, kiosk_key):
    client = Client(enforce_csrf_checks=True)
    assert client.post("/devices/enrol/", {"credential": kiosk_key}).status_code == 403


def test_forget_un_enrols_the_browser(en, kiosk_key):
    enrolled(en, kiosk_key)
    response = en.post("/devices/forget/")
    assert response.status_code == 302
    assert response.cookies[COOKIE_NAME].value == ""
    assert Device.objects.get().revoked_at is None  # the device itself stays registered


# The kiosk ---------------------------------------------------------------------------


def test_kiosk_refuses_a_browser_that_is_not_enrolled(en, mall, offering, counter):
    before = counts()
    for url in (kiosk_url(mall), kiosk_url(mall, offering.service.code)):
        response = en.get(url)
        assert response.status_code == 403
        html = response.content.decode()
        assert NOT_A_KIOSK in html
        assert f'href="/devices/enrol/?next={url.replace("/", "%2F")}"' in html
        assert f'href="/m/{mall.code}/"' in html  # a citizen's way: the mall's pages...
        assert f'href="{reverse("remote", args=[mall.code])}"' in html  # ...and the phone queue
    response = en.post(kiosk_url(mall, offering.service.code), {"priority": "regular"})
    assert response.status_code == 403 and NOT_A_KIOSK in response.content.decode()
    assert counts() == before


def test_kiosk_of_another_mall_is_refused(en, mall, offering, other):
    enrolled(en, other["kiosk_key"])
    response = en.get(kiosk_url(mall))
    assert response.status_code == 403
    assert other["mall"].name in response.content.decode()
    assert take_number(en, mall, offering).status_code == 403
    assert not Ticket.objects.exists()


def test_a_board_is_not_a_kiosk(en, mall, offering, board_key):
    enrolled(en, board_key)
    assert en.get(kiosk_url(mall)).status_code == 403
    assert take_number(en, mall, offering).status_code == 403
    assert not Ticket.objects.exists()


def test_a_revoked_kiosk_stops_at_its_next_page(en, mall, offering, counter, kiosk_key):
    enrolled(en, kiosk_key)
    assert take_number(en, mall, offering).status_code == 302
    device_revoke(device_id=Device.objects.get().pk)
    assert en.get(kiosk_url(mall)).status_code == 403
    assert take_number(en, mall, offering).status_code == 403
    assert Ticket.objects.count() == 1


def test_an_enrolled_kiosk_gives_out_numbers_and_keeps_its_cookie(
    en, mall, offering, counter, kiosk_key
):
    enrolled(en, kiosk_key)
    start = en.get(kiosk_url(mall))
    assert start.status_code == 200
    assert start.cookies[COOKIE_NAME]["max-age"]  # set again: enrolled while in use
    response = take_number(en, mall, offering)
    assert response.status_code == 302 and "/print/" in response["Location"]
    ticket = Ticket.objects.get()
    assert ticket.source == "kiosk" and ticket.mall_id == mall.pk
    assert Device.objects.get().last_seen_at is not None


# The board ---------------------------------------------------------------------------


def test_the_board_stays_public(en, mall):
    response = en.get(f"/m/{mall.code}/board/")
    assert response.status_code == 200
    assert COOKIE_NAME not in response.cookies


def test_an_enrolled_board_is_seen(en, mall, board_key):
    enrolled(en, board_key)
    response = en.get(f"/m/{mall.code}/board/")
    assert response.status_code == 200
    assert response.cookies[COOKIE_NAME].value == board_key
    assert Device.objects.get().last_seen_at is not None


def test_language_cookie_is_untouched(en, mall, kiosk_key):
    enrolled(en, kiosk_key)
    en.get(kiosk_url(mall))
    assert en.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
