"""Staff passwords and optional two-factor sign-in (mpp.accounts.twofactor), with real
TOTP codes (django_otp.oath.totp), and MPP_REQUIRE_2FA for national admins and mall
managers. Before: one password validator (length 8), and no second factor at all."""

from datetime import timedelta

import pytest
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from mpp.accounts.models import LoginThrottle
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "rahasia123"


def code(device: TOTPDevice, steps_ahead: int = 0) -> str:
    """The device's code now (or `steps_ahead` 30-second steps later)."""
    value = totp(device.bin_key, device.step, device.t0, device.digits, device.drift + steps_ahead)
    return f"{value:0{device.digits}d}"


def login(client, username, password=PASSWORD, otp=None, next_url=""):
    data = {"username": username, "password": password, "next": next_url}
    if otp is not None:
        data["otp_code"] = otp
    return client.post("/accounts/login/", data)


@pytest.fixture
def en(client):
    client.cookies["django_language"] = "en"
    return client


@pytest.fixture
def manager(mall):
    return UserFactory(username="manajer.x", mall=mall, role="mall_manager", is_staff=True)


def enrol(client, user) -> TOTPDevice:
    """Enrol through the page: GET shows the QR code and key, POST a real code."""
    client.force_login(user)
    page = client.get("/accounts/2fa/")
    assert page.status_code == 200
    body = page.content.decode()
    assert 'data-testid="twofactor-qr"' in body and "data:image/svg+xml" in body
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    answer = client.post("/accounts/2fa/", {"otp_code": code(device), "next": "/console/"})
    assert answer.status_code == 302 and answer.url == "/console/"
    device.refresh_from_db()
    assert device.confirmed
    client.logout()  # the test client's logout drops every cookie, the language too
    client.cookies["django_language"] = "en"
    return device


@pytest.mark.parametrize(
    "password", ["demo12345", "rahasia", "1234567890123", "password123", "manajer.x2026"]
)
def test_weak_staff_passwords_are_refused(manager, password):
    with pytest.raises(ValidationError):
        validate_password(password, user=manager)


def test_a_good_staff_password_passes(manager):
    validate_password("Lentera-pagi-Majalengka-7", user=manager)


def test_enrolment_needs_a_right_code(en, manager):
    en.force_login(manager)
    en.get("/accounts/2fa/")
    answer = en.post("/accounts/2fa/", {"otp_code": "000000"})
    assert answer.status_code == 200 and "not right" in answer.content.decode()
    assert not TOTPDevice.objects.filter(user=manager, confirmed=True).exists()


def test_after_enrolment_the_login_asks_for_the_code(en, manager, clock):
    clock.move_to("2026-12-07T09:00:00+07:00")
    device = enrol(en, manager)
    clock.shift(timedelta(seconds=31))  # a code is accepted once: wait for the next one
    page = login(en, "manajer.x")
    assert page.status_code == 200 and SESSION_KEY not in en.session
    assert "6-digit code" in page.content.decode()
    page = login(en, "manajer.x", otp="123456" if code(device) != "123456" else "654321")
    assert page.status_code == 200 and SESSION_KEY not in en.session
    assert "not right" in page.content.decode()
    assert LoginThrottle.objects.get(kind="user", key="manajer.x").failures == 1
    clock.shift(timedelta(seconds=31))  # django-otp also pauses after a wrong code
    page = login(en, "manajer.x", otp=code(device), next_url="/admin/")
    assert page.status_code == 302 and page.url == "/admin/"
    assert en.session[SESSION_KEY] == str(manager.pk)
    assert en.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
    assert en.get("/admin/").status_code == 200


def test_the_code_does_not_replace_the_password(en, manager, clock):
    clock.move_to("2026-12-07T09:00:00+07:00")
    device = enrol(en, manager)
    clock.shift(timedelta(seconds=31))
    page = login(en, "manajer.x", password="wrong-password", otp=code(device))
    assert page.status_code == 200 and SESSION_KEY not in en.session


def test_without_the_setting_nobody_must_enrol(en, manager, settings):
    settings.MPP_REQUIRE_2FA = False
    en.force_login(manager)
    assert en.get("/admin/").status_code == 200


@pytest.mark.parametrize("path", ["/admin/", "/console/"])
def test_required_managers_must_enrol_first(en, manager, settings, path):
    settings.MPP_REQUIRE_2FA = True
    page = login(en, "manajer.x", next_url=path)
    assert page.status_code == 302
    page = en.get(path)
    assert page.status_code == 302 and page.url.startswith("/accounts/2fa/?next=")
    assert en.get("/accounts/2fa/").status_code == 200


def test_required_national_admin_enrols_then_works(en, settings, clock):
    settings.MPP_REQUIRE_2FA = True
    clock.move_to("2026-12-07T09:00:00+07:00")
    admin = UserFactory(username="nasional", role="national_admin", is_staff=True)
    en.force_login(admin)
    assert en.get("/admin/").url.startswith("/accounts/2fa/")
    en.get("/accounts/2fa/")
    device = TOTPDevice.objects.get(user=admin)
    assert en.post("/accounts/2fa/", {"otp_code": code(device), "next": "/admin/"}).url == "/admin/"
    assert en.get("/admin/").status_code == 200  # this session is verified


def test_required_enrolled_manager_signed_in_without_code_is_sent_back(en, manager, settings):
    settings.MPP_REQUIRE_2FA = True
    TOTPDevice.objects.create(user=manager, name="authenticator", confirmed=True)
    en.force_login(manager)  # a session from before the setting, without the code
    page = en.get("/admin/")
    assert page.status_code == 302 and page.url.startswith("/accounts/login/")
    assert SESSION_KEY not in en.session


def test_officers_are_not_required(en, officer, settings):
    settings.MPP_REQUIRE_2FA = True
    en.force_login(officer)
    assert en.get("/console/").status_code == 200
