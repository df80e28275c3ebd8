"""The landing page, staff login/logout, and the language switch of the base layout."""

import re

import pytest
from django.conf import settings
from django.test import Client

from mpp.accounts.models import Role
from mpp.catalog.models import Mall
from tests.factories import MallFactory, OfferingFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def en():
    """A browser switched to English, so assertions do not depend on the translations."""
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def test_home_lists_malls_with_services_and_their_kiosk_and_board(en):
    serving = OfferingFactory(booth__mall__name="MPP Kabupaten Uji").mall
    retired = OfferingFactory(is_active=False).mall
    MallFactory(name="MPP Tanpa Layanan")
    MallFactory(status=Mall.Status.PLANNED)

    response = en.get("/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "MPP Kabupaten Uji" in html
    assert f'href="/m/{serving.code}/phone/"' in html
    assert f'href="/m/{serving.code}/board/"' in html
    assert retired.name not in html and "MPP Tanpa Layanan" not in html
    assert "Public Service Mall (Mal Pelayanan Publik, MPP)" in html
    # four malls in the registry, three operating (factory default); linked to the API list
    assert "The national registry lists 4 malls, 3 of them operating." in html
    assert 'href="/api/v1/malls"' in html


def test_language_switch_posts_to_setlang_and_switches(db):
    browser = Client()
    html = browser.get("/").content.decode()
    assert '<html lang="id">' in html
    form = re.search(r'<form class="lang-switch" action="([^"]+)" method="post">', html)
    assert form.group(1) == "/i18n/setlang/"
    response = browser.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302 and response["Location"] == "/"
    assert '<html lang="en">' in browser.get("/").content.decode()


def test_staff_log_in_and_out(en, mall):
    manager = UserFactory(role=Role.MALL_MANAGER, mall=mall, username="manajer")
    page = en.get("/accounts/login/")
    assert page.status_code == 200 and 'name="password"' in page.content.decode()

    wrong = en.post("/accounts/login/", {"username": "manajer", "password": "salah"})
    assert wrong.status_code == 200 and 'class="form-error"' in wrong.content.decode()

    today = f"/m/{mall.code}/today/"
    ok = en.post(
        "/accounts/login/", {"username": "manajer", "password": "rahasia123", "next": today}
    )
    assert ok.status_code == 302 and ok["Location"] == today
    html = en.get(today).content.decode()
    assert 'class="staff-bar"' in html and manager.username in html

    confirm = en.get("/accounts/logout/")
    assert confirm.status_code == 200 and 'action="/accounts/logout/"' in confirm.content.decode()
    out = en.post("/accounts/logout/")
    assert out.status_code == 302 and out["Location"] == "/accounts/login/"
    assert en.get(today).status_code == 302  # logged out: back to login


def test_login_without_next_goes_to_the_console(en, mall):
    UserFactory(username="petugas", mall=mall)
    response = en.post("/accounts/login/", {"username": "petugas", "password": "rahasia123"})
    assert response.status_code == 302 and response["Location"] == "/console/"
