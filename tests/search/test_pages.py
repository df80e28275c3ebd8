"""The search pages /cari/ and /m/<mall>/cari/, driven like a browser without JavaScript:
Indonesian by default, English on request, results with their next steps, "did you
mean", and a readable page when nothing matches."""

import re

import pytest
from django.conf import settings
from django.test import Client

from tests.factories import device_credential


def english() -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def html(response) -> str:
    return response.content.decode()


def services_listed(page: str) -> list[str]:
    return re.findall(r'data-testid="search-hit" data-service="([^"]+)"', page)


def test_the_page_is_indonesian_by_default(demo):
    page = html(Client().get(f"/m/{demo.code}/cari/"))
    assert '<html lang="id">' in page
    assert "Cari layanan" in page  # "Find a service"
    assert 'method="get"' in page and f'action="/m/{demo.code}/cari/"' in page
    assert 'name="q"' in page


def test_english_with_the_language_cookie(demo):
    page = html(english().get(f"/m/{demo.code}/cari/"))
    assert '<html lang="en">' in page
    assert "What do you need?" in page


def test_the_form_sends_the_query_and_the_right_service_comes_first(demo):
    response = english().get(f"/m/{demo.code}/cari/", {"q": "bikin ktp hilang"})
    assert response.status_code == 200
    page = html(response)
    assert services_listed(page)[0] == "dukcapil-ktp-el-hilang-rusak"
    first = page[page.index('data-testid="search-hit"') :]
    first = first[: first.index("</li>\n")]
    assert "Gerai Disdukcapil" in first and "Free" in first
    assert "What to bring" in first and "Surat keterangan kehilangan" in first
    assert f'href="/m/{demo.code}/phone/dukcapil-ktp-el-hilang-rusak/" data-step="ticket"' in first
    assert f'href="/m/{demo.code}/layanan/dukcapil-ktp-el-hilang-rusak/"' in first


def test_a_bookable_service_offers_booking(demo):
    page = html(english().get(f"/m/{demo.code}/cari/", {"q": "perpanjang sim mobil"}))
    assert services_listed(page)[0] == "polres-sim-a-perpanjangan"
    assert 'data-step="book"' in page and "Book online" in page


def test_a_corrected_typo_says_did_you_mean(demo):
    page = html(english().get(f"/m/{demo.code}/cari/", {"q": "perpanjnag sim c"}))
    assert 'data-testid="did-you-mean"' in page
    assert f'href="/m/{demo.code}/cari/?q=perpanjang+sim+c"' in page
    assert services_listed(page)[0] == "polres-sim-c-perpanjangan"


def test_nothing_found_is_explained_with_the_service_list(demo):
    page = html(english().get(f"/m/{demo.code}/cari/", {"q": "zzzzqqq"}))
    assert 'data-testid="search-empty"' in page
    assert "No service matches “zzzzqqq”." in page
    assert f'href="/m/{demo.code}/" data-testid="service-list-link"' in page


def test_the_national_page_lists_where_each_service_is_served(demo, depok):
    page = html(english().get("/cari/", {"q": "ktp hilang"}))
    # one standard, two regencies' offices: one result served in both malls
    assert services_listed(page)[0] in {"dukcapil-ktp-el-hilang-rusak", "depok-ktp-el-hilang-rusak"}
    assert "Served at 2 malls:" in page and demo.name in page and depok.name in page


def test_an_unknown_mall_is_a_404_page(demo):
    assert Client().get("/m/mpp-atlantis/cari/", {"q": "ktp"}).status_code == 404


def test_a_long_query_is_cut_and_said(demo):
    page = html(english().get(f"/m/{demo.code}/cari/", {"q": "paspor " + "x" * 300}))
    assert "Only the first 200 characters were used." in page


def test_too_many_searches_get_a_readable_429(demo, settings):
    settings.MPP_RATE_LIMITS = {**settings.MPP_RATE_LIMITS, "search_ip": (1, 60)}
    client = english()
    assert client.get("/cari/", {"q": "paspor"}).status_code == 200
    response = client.get("/cari/", {"q": "paspor"})
    assert response.status_code == 429 and response["Retry-After"]
    assert 'data-testid="search-too-many"' in html(response)


def test_the_mall_page_and_the_kiosk_lead_to_the_search(demo):
    mall_page = html(Client().get(f"/m/{demo.code}/"))
    assert f'action="/m/{demo.code}/cari/"' in mall_page
    assert 'data-testid="mall-search-form"' in mall_page
    enrolled = Client()
    enrolled.cookies["mpp_device"] = device_credential(demo)  # the mall's kiosk (mpp.devices)
    kiosk = html(enrolled.get(f"/m/{demo.code}/kiosk/"))
    assert f'href="/m/{demo.code}/cari/" data-testid="kiosk-search"' in kiosk


@pytest.mark.parametrize("path", ["/cari/", "/m/mpp-kabupaten-majalengka/cari/"])
def test_an_empty_query_shows_the_form_only(demo, path):
    page = html(english().get(path, {"q": "   "}))
    assert 'data-testid="search-input"' in page and 'data-testid="search-hit"' not in page


def test_a_nik_typed_into_the_box_leaves_the_address_at_once(demo):
    response = Client().get(f"/m/{demo.code}/cari/", {"q": "ktp hilang 3210011505900001"})
    assert response.status_code == 302
    assert response["Location"] == f"/m/{demo.code}/cari/?q=ktp+hilang"
    page = html(Client().get(response["Location"]))
    assert "3210011505900001" not in page
