"""Sign-in lock-out (mpp.accounts.throttle): 48 wrong passwords and then the right one
used to get in. Now a username (after 5 failures) and a client address (after 20) are
locked with a growing pause, the right password is refused during it with a message
that says how long, and the counts live in the database."""

from datetime import timedelta

import pytest
from django.contrib.auth import SESSION_KEY, authenticate

from mpp.accounts.models import LoginThrottle
from mpp.accounts.throttle import lock_seconds
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
PASSWORD = "rahasia123"


@pytest.fixture
def en(client):
    client.cookies["django_language"] = "en"
    return client


def attempt(client, username, password, address="203.0.113.7", path=LOGIN):
    return client.post(path, {"username": username, "password": password}, REMOTE_ADDR=address)


def signed_in(client) -> bool:
    return SESSION_KEY in client.session


def test_48_wrong_passwords_then_the_right_one_does_not_get_in(en, mall):
    UserFactory(username="petugas.a", mall=mall)
    for _ in range(48):
        attempt(en, "petugas.a", "wrong-password")
    page = attempt(en, "petugas.a", PASSWORD)
    assert page.status_code == 200 and not signed_in(en)
    assert "Too many failed sign-ins" in page.content.decode()
    assert "try again in" in page.content.decode()
    row = LoginThrottle.objects.get(kind="user", key="petugas.a")
    assert row.failures >= 5 and row.locked_until is not None


def test_five_failures_are_free_the_sixth_locks(en, mall):
    UserFactory(username="petugas.b", mall=mall)
    for _ in range(5):
        attempt(en, "petugas.b", "wrong-password")
    assert attempt(en, "petugas.b", PASSWORD).status_code == 302 and signed_in(en)
    en.logout()  # the test client's logout drops every cookie, the language too
    en.cookies["django_language"] = "en"
    # a success cleared the count: five more are free again, the sixth locks
    for _ in range(6):
        attempt(en, "petugas.b", "wrong-password")
    page = attempt(en, "petugas.b", PASSWORD)
    assert page.status_code == 200 and not signed_in(en)
    assert "Too many failed sign-ins" in page.content.decode()


def test_the_lock_grows_to_15_minutes_and_then_ends(en, mall, clock):
    clock.move_to("2026-12-07T10:00:00+07:00", tick=False)
    UserFactory(username="petugas.c", mall=mall)
    assert [lock_seconds("user", n) for n in (5, 6, 7, 8, 9, 10, 11, 30)] == [
        0,
        30,
        60,
        120,
        240,
        480,
        900,
        900,
    ]
    for _ in range(48):
        attempt(en, "petugas.c", "wrong-password")
    row = LoginThrottle.objects.get(kind="user", key="petugas.c")
    # attempts during a lock are refused unchecked and not counted
    assert row.failures == 6
    clock.shift(timedelta(seconds=31))
    for _ in range(10):  # each wrong password after a lock ends locks it longer
        attempt(en, "petugas.c", "wrong-password")
        clock.shift(timedelta(minutes=16))
    row.refresh_from_db()
    assert row.failures == 16
    clock.shift(timedelta(minutes=-16, seconds=60))
    assert "Too many failed sign-ins" in attempt(en, "petugas.c", PASSWORD).content.decode()
    clock.shift(timedelta(minutes=15))
    assert attempt(en, "petugas.c", PASSWORD).status_code == 302 and signed_in(en)
    assert not LoginThrottle.objects.filter(kind="user", key="petugas.c").exists()


def test_one_address_trying_many_usernames_is_locked(en, mall):
    UserFactory(username="petugas.d", mall=mall)
    for n in range(21):  # 20 are free (a mall's staff may share an address)
        attempt(en, f"guess{n}", "wrong-password", address="198.51.100.9")
    page = attempt(en, "petugas.d", PASSWORD, address="198.51.100.9")
    assert page.status_code == 200 and not signed_in(en)
    assert "Too many failed sign-ins" in page.content.decode()
    # the same person from another address is not locked
    assert attempt(en, "petugas.d", PASSWORD, address="198.51.100.10").status_code == 302


def test_usernames_are_counted_whatever_their_case(en, mall):
    UserFactory(username="petugas.e", mall=mall)
    for n in range(6):
        attempt(en, "PETUGAS.E" if n % 2 else "petugas.e", "wrong", address=f"192.0.2.{n}")
    page = attempt(en, "petugas.e", PASSWORD, address="192.0.2.99")
    assert not signed_in(en) and "Too many failed sign-ins" in page.content.decode()


def test_the_admin_login_is_the_same_login(en, mall):
    UserFactory(username="manajer.f", mall=mall, role="mall_manager", is_staff=True)
    for _ in range(10):
        attempt(en, "manajer.f", "wrong-password", path="/admin/login/")
    page = attempt(en, "manajer.f", PASSWORD, path="/admin/login/")
    assert not signed_in(en) and "Too many failed sign-ins" in page.content.decode()


def test_authenticate_itself_refuses_a_locked_username(mall):
    """Any entry point that calls authenticate() (not only the login page) is held."""
    user = UserFactory(username="petugas.g", mall=mall)
    for _ in range(6):
        assert authenticate(username="petugas.g", password="wrong") is None
    assert authenticate(username="petugas.g", password=PASSWORD) is None
    LoginThrottle.objects.filter(kind="user").update(locked_until=None)
    assert authenticate(username="petugas.g", password=PASSWORD) == user


def test_a_wrong_password_of_an_unknown_user_is_counted_too(en):
    for _ in range(6):
        attempt(en, "nobody", "wrong")
    assert LoginThrottle.objects.get(kind="user", key="nobody").failures == 6
    assert LoginThrottle.objects.get(kind="ip", key="203.0.113.7").failures == 6
