"""The citizen's phone sign-in, /me/ ("Urusan saya"), sign-out and opening a case with a
one-time code (mpp.web.phone_signin, mpp.web.me, mpp.web.case_code), driven like a
browser without JavaScript: plain form posts, the session keeping what was proven."""

from __future__ import annotations

import datetime as dt
import itertools
import re

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from mpp.accounts.models import PhoneCode
from mpp.bookings.models import Booking, Slot
from mpp.cases.services import case_start
from mpp.notifications.models import Message
from tests.factories import CaseTypeFactory, OfferingFactory

pytestmark = pytest.mark.django_db

PHONE = "0812-3456-7890"
E164 = "+6281234567890"
OTHER = "0813-9999-0000"
NIKS = itertools.count(1)


def english() -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def last_otp() -> str:
    return Message.objects.filter(template="phone_code").latest("created_at", "pk").context["otp"]


def wrong(otp: str) -> str:
    return f"{(int(otp) + 1) % 10**6:06d}"


def a_case(phone: str, case_type=None, **fields):
    return case_start(
        case_type=case_type or CaseTypeFactory(),
        channel="web",
        applicant_name="Siti Aminah",
        nik=f"32100115059{next(NIKS):05d}",
        phone=phone,
        **fields,
    )


def a_booking(phone: str, *, days: int = 3, status=Booking.Status.BOOKED) -> Booking:
    offering = OfferingFactory()
    date = timezone.localdate() + dt.timedelta(days=days)
    slot = Slot.objects.create(
        offering=offering,
        date=date,
        starts_at=dt.time(9),
        ends_at=dt.time(10),
        online_capacity=5,
        walkin_capacity=5,
        priority_capacity=1,
    )
    return Booking.objects.create(
        code=f"K7M2QX{Booking.objects.count():02d}",
        mall=offering.mall,
        offering=offering,
        service=offering.service,
        slot=slot,
        date=date,
        nik_digest="k1$x",
        nik_masked="************0001",
        name="Siti Aminah",
        phone=phone,
        status=status,
        channel="web",
    )


def sign_in(client: Client, phone: str = PHONE):
    response = client.post(reverse("web:me_signin"), {"phone": phone})
    assert response.status_code == 302 and response["Location"] == reverse("web:me_code")
    response = client.post(reverse("web:me_code"), {"action": "verify", "otp": last_otp()})
    assert response.status_code == 302 and response["Location"] == reverse("web:me")
    return response


def test_me_asks_to_sign_in_first():
    response = english().get("/me/")
    assert response.status_code == 302 and response["Location"] == "/me/masuk/"
    html = english().get("/me/masuk/").content.decode()
    assert (
        "My affairs" in html
        and 'name="phone"' in html
        and "<script" not in html.split("</main>")[0].split("<main")[1]
    )


def test_sign_in_with_the_code_and_see_everything_of_that_number():
    mine = [a_case(PHONE), a_case(E164, subject_name="Budi", relation="child")]
    theirs = a_case(OTHER)
    booking = a_booking(E164)
    a_booking(OTHER)
    client = english()
    response = client.post("/me/masuk/", {"phone": PHONE})
    assert response["Location"] == "/me/masuk/kode/"
    message = Message.objects.get(template="phone_code")
    assert message.recipient == E164
    html = client.get("/me/masuk/kode/").content.decode()
    assert "We have sent a code by SMS" in html and "8123456789" not in html
    bad = client.post("/me/masuk/kode/", {"action": "verify", "otp": wrong(last_otp())})
    assert bad.status_code == 422 and 'data-error="invalid_otp"' in bad.content.decode()
    assert "4 tries left" in bad.content.decode()
    assert client.get("/me/").status_code == 302  # not yet signed in
    response = client.post("/me/masuk/kode/", {"action": "verify", "otp": last_otp()})
    assert response.status_code == 302 and response["Location"] == "/me/"
    html = client.get("/me/").content.decode()
    assert "0812****7890" in html and "81234567890" not in html
    for case in mine:
        assert case.number in html and case.mall.name in html
    assert html.count('data-testid="me-case"') == 2 and theirs.number not in html
    assert "For Budi" in html
    assert 'data-status="draft"' in html  # a draft: the citizen has to act
    assert html.count('data-testid="me-booking"') == 1 and booking.code in html
    assert reverse("booking-detail", args=[booking.code]) in html
    # each case opens in this browser without the NIK (citizen_session.may_see)
    page = client.get(reverse("cases:citizen_case", args=[mine[0].number]))
    assert page.status_code == 200 and mine[0].number in page.content.decode()


def test_nothing_yet_says_so():
    client = english()
    sign_in(client)
    html = client.get("/me/").content.decode()
    assert 'data-testid="me-no-cases"' in html and 'data-testid="me-no-bookings"' in html


def test_no_url_or_redirect_carries_the_number():
    client = english()
    locations = [client.post("/me/masuk/", {"phone": PHONE})["Location"]]
    locations.append(
        client.post("/me/masuk/kode/", {"action": "verify", "otp": last_otp()})["Location"]
    )
    for location in locations:
        assert not re.search(r"\d{6,}", location)
    assert "citizen_phone_digest" in client.session


def test_a_bad_number_is_a_readable_error_and_sends_nothing():
    response = english().post("/me/masuk/", {"phone": "12345"})
    assert response.status_code == 422
    html = response.content.decode()
    assert 'data-error="invalid_phone"' in html and "Indonesian mobile number" in html
    assert not Message.objects.exists() and not PhoneCode.objects.exists()


def test_the_code_step_without_a_code_under_way_goes_back():
    response = english().get("/me/masuk/kode/")
    assert response.status_code == 302 and response["Location"] == "/me/masuk/"


def test_a_new_code_after_a_minute(clock):
    clock.move_to(timezone.now())
    client = english()
    client.post("/me/masuk/", {"phone": PHONE})
    early = client.post("/me/masuk/kode/", {"action": "resend"})
    assert early.status_code == 429 and 'data-error="rate_limited"' in early.content.decode()
    clock.move_to(timezone.now() + dt.timedelta(seconds=61))
    again = client.post("/me/masuk/kode/", {"action": "resend"})
    assert again.status_code == 200 and 'data-testid="code-sent"' in again.content.decode()
    assert Message.objects.filter(template="phone_code").count() == 2
    client.post("/me/masuk/kode/", {"action": "verify", "otp": last_otp()})
    assert client.get("/me/").status_code == 200


def test_codes_asked_for_are_limited_per_address(settings):
    settings.MPP_RATE_LIMITS = {**settings.MPP_RATE_LIMITS, "phone_code_ip": (2, 600)}
    client = english()
    for phone in (PHONE, OTHER):
        assert client.post("/me/masuk/", {"phone": phone}).status_code == 302
    refused = client.post("/me/masuk/", {"phone": "0815-1111-2222"})
    assert refused.status_code == 429
    assert Message.objects.filter(template="phone_code").count() == 2


def test_sign_out_forgets_the_number_and_the_cases_opened():
    case = a_case(PHONE)
    client = english()
    sign_in(client)
    before = client.session.session_key
    response = client.post("/me/keluar/")
    assert response.status_code == 302 and response["Location"] == "/me/masuk/"
    assert client.session.session_key != before
    assert "citizen_phone_digest" not in client.session and "cases_open" not in client.session
    assert client.get("/me/").status_code == 302
    page = client.get(reverse("cases:citizen_case", args=[case.number]))
    assert case.applicant_name not in page.content.decode()
    assert english().get("/me/keluar/").status_code == 405


def test_open_a_case_with_a_code_to_its_phone():
    case = a_case(PHONE)
    client = english()
    html = client.get(reverse("cases:open")).content.decode()
    assert f'href="{reverse("web:case_code")}" data-testid="open-by-code"' in html
    response = client.post("/me/berkas/", {"number": case.number.lower()})
    assert response.status_code == 302 and response["Location"] == "/me/berkas/kode/"
    message = Message.objects.get(template="phone_code")
    assert message.recipient == E164 and message.context["purpose"] == "case_open"
    html = client.get("/me/berkas/kode/").content.decode()
    assert "If this application has a mobile number" in html and "7890" not in html
    response = client.post("/me/berkas/kode/", {"action": "verify", "otp": last_otp()})
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:citizen_case", args=[case.number])
    page = client.get(response["Location"])
    assert page.status_code == 200 and case.number in page.content.decode()
    assert "citizen_phone_digest" not in client.session  # only this case was opened


def test_a_code_for_one_case_does_not_open_another_of_the_same_phone():
    first, second = a_case(PHONE), a_case(PHONE)
    client = english()
    client.post("/me/berkas/", {"number": first.number})
    client.post("/me/berkas/kode/", {"action": "verify", "otp": last_otp()})
    assert client.get(reverse("cases:citizen_case", args=[first.number])).status_code == 200
    other = client.get(reverse("cases:citizen_case", args=[second.number]))
    assert second.applicant_name not in other.content.decode() or other.status_code != 200


def _answers(client: Client, number: str) -> list[tuple[int, str, str]]:
    out = []
    response = client.post("/me/berkas/", {"number": number})
    out.append((response.status_code, response.get("Location", ""), ""))
    html = client.get("/me/berkas/kode/").content.decode()
    out.append((200, "", re.sub(r"csrfmiddlewaretoken\" value=\"[^\"]+", "", html)))
    for _ in range(7):
        response = client.post("/me/berkas/kode/", {"action": "verify", "otp": "000000"})
        error = re.search(
            r'data-error="([a-z_]+)"><p class="bk-alert-text">([^<]+)', (response.content.decode())
        )
        out.append((response.status_code, "", error.groups() if error else ""))
    return out


def test_an_unknown_number_or_one_without_a_phone_answers_like_a_real_one(settings):
    settings.MPP_SMS_GATEWAY_URL = "https://sms.example.invalid/"  # no demo code on the page
    with_phone, without = a_case(PHONE), a_case("")
    real = _answers(english(), with_phone.number)
    if last_otp() == "000000":  # one chance in a million: the guess was right
        pytest.skip("the random code was 000000")
    assert Message.objects.filter(template="phone_code").count() == 1
    for number in (without.number, "26ZZZZZZZZ"):
        assert _answers(english(), number) == real
    assert Message.objects.filter(template="phone_code").count() == 1


def test_the_sms_is_short_and_the_demo_shows_its_code(settings):
    from mpp.notifications.rendering import SMS_MAX, render

    settings.MPP_SMS_GATEWAY_URL = ""
    client = english()
    client.post("/me/masuk/", {"phone": PHONE})
    html = client.get("/me/masuk/kode/").content.decode()
    assert 'data-testid="demo-code">' in html and last_otp() in html
    message = Message.objects.get(template="phone_code")
    for language in ("id", "en"):
        for purpose in ("sign_in", "case_open"):
            context = message.context | {"purpose": purpose}
            body = render(template="phone_code", channel="sms", language=language, context=context)
            assert last_otp() in body.body and len(body.body) <= SMS_MAX
