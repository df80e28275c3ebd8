"""A national hit shows a few places (nearest first) and counts them all; the full list
is its own page and API resource. Also: regions' copies of one standard are one hit."""

import pytest
from django.test import Client

from mpp.search.lookups import service_hit, service_places
from mpp.search.selectors import PLACES_SHOWN, service_search
from mpp.search.text import standard_key
from tests.search.conftest import EXTRA, extra_malls

BPJS = "bpjskes-pendaftaran"  # a national service: one row, offered in every mall


@pytest.fixture
def many_malls(demo, depok):
    return extra_malls()


def test_regions_copies_worded_differently_are_one_standard():
    assert standard_key("Penerbitan KTP-el baru") == standard_key("Pembuatan KTP Elektronik baru")
    assert standard_key("Perpanjangan SIM C") == standard_key(
        "Perpanjang SIM C Kabupaten Cianjur", region_name="Kabupaten Cianjur"
    )
    assert standard_key("Penerbitan SKCK baru") == standard_key(
        "Penerbitan SKCK baru Temanggung", region_name="Kabupaten Temanggung"
    )
    # only the region's whole name is taken out: Kota Padang Panjang's "Perpanjang SIM C"
    assert standard_key("Perpanjang SIM C", region_name="Kota Padang Panjang") == (
        standard_key("Perpanjangan SIM C")
    )
    assert standard_key("Pendaftaran NIB") == standard_key("Pengajuan NIB")
    # what the service is stays in the key
    assert standard_key("Penerbitan KK baru") != standard_key("Perubahan data KK")
    assert standard_key("Paspor baru") != standard_key("Penggantian paspor hilang")


def test_a_national_hit_counts_every_place_and_shows_the_first_few(many_malls):
    hit = service_search(query="daftar bpjs kesehatan").hits[0]
    assert hit.service_code == BPJS
    assert hit.place_count == EXTRA + 2
    assert len(hit.places) == PLACES_SHOWN
    names = [p.mall_name.casefold() for p in hit.places]
    assert names == sorted(names)
    assert hit.place is None and hit.next_steps == ()


def test_places_near_the_citizen_come_first(many_malls):
    aceh = [m for m in many_malls if m.regency_id.startswith("11.")]
    hit = service_search(query="daftar bpjs kesehatan", near="11").hits[0]
    assert {p.mall_code for p in hit.places[: len(aceh)]} == {m.code for m in aceh}
    one = aceh[1]
    hit = service_search(query="daftar bpjs kesehatan", near=one.regency_id).hits[0]
    assert hit.places[0].mall_code == one.code  # the kabupaten/kota itself, then province
    assert {p.mall_code for p in hit.places[1 : len(aceh)]} == {m.code for m in aceh} - {one.code}
    # a malformed `near` is ignored, never an error
    plain = service_search(query="daftar bpjs kesehatan", near="'; drop").hits[0]
    assert plain.places == service_search(query="daftar bpjs kesehatan").hits[0].places


def test_every_regions_copy_of_the_standard_is_in_one_hit(many_malls, demo, depok):
    hits = service_search(query="ktp hilang").hits
    first = hits[0]
    copies = {f"ktp-hilang-{m.regency_id.replace('.', '-')}" for m in many_malls}
    assert copies | {"dukcapil-ktp-el-hilang-rusak", "depok-ktp-el-hilang-rusak"} == set(
        first.service_codes
    )
    assert first.place_count == EXTRA + 2
    assert not any(copies & set(h.service_codes) for h in hits[1:])


def test_the_full_list_is_paged_nearest_first(many_malls, demo, depok):
    page = service_places(code=BPJS, near="33", offset=0, limit=4)
    assert page.total == EXTRA + 2
    assert page.hit.service_code == BPJS
    central_java = {m.code for m in many_malls if m.regency_id.startswith("33.")}
    assert {p.mall_code for p in page.places[:3]} == central_java
    rest = service_places(code=BPJS, near="33", offset=4, limit=100)
    seen = [p.mall_code for p in page.places + rest.places]
    assert len(seen) == len(set(seen)) == EXTRA + 2
    assert service_places(code="no-such-service") is None
    assert service_hit(code=BPJS).place_count == EXTRA + 2


def test_the_api_carries_the_count_and_the_link_to_every_place(many_malls):
    client = Client()
    body = client.get("/api/v1/services/search", {"q": "daftar bpjs", "near": "51"}).json()
    first = body["results"][0]
    assert first["service"] == BPJS and first["place_count"] == EXTRA + 2
    assert len(first["places"]) == PLACES_SHOWN
    assert first["places"][0]["mall"].startswith("mpp-51-")
    assert first["places_url"] == f"/api/v1/services/{BPJS}/places"
    listed = client.get(first["places_url"], {"near": "51", "limit": 100}).json()
    assert listed["total"] == EXTRA + 2 and len(listed["places"]) == EXTRA + 2
    assert listed["places"][0]["mall"].startswith("mpp-51-")
    assert listed["places"][0]["next_steps"][0]["kind"] == "ticket"


def test_an_empty_near_means_none(demo):
    body = Client().get("/api/v1/services/search", {"q": "daftar bpjs", "near": ""}).json()
    assert body["results"][0]["service"] == BPJS


@pytest.mark.parametrize(
    ("path", "params", "status", "code"),
    [
        ("/api/v1/services/no-such/places", {}, 404, "service_not_found"),
        (f"/api/v1/services/{BPJS}/places", {"near": "x"}, 422, "validation_error"),
        (f"/api/v1/services/{BPJS}/places", {"limit": 0}, 422, "validation_error"),
        ("/api/v1/services/search", {"q": "bpjs", "near": "3210"}, 422, "validation_error"),
    ],
)
def test_bad_place_requests_get_a_clear_error(demo, path, params, status, code):
    response = Client().get(path, params)
    assert response.status_code == status
    assert response.json()["code"] == code


def test_the_national_page_links_to_every_place(many_malls):
    client = Client()
    client.cookies["django_language"] = "en"
    page = client.get("/cari/", {"q": "daftar bpjs kesehatan", "near": "33"}).content.decode()
    assert f"Served at {EXTRA + 2} malls:" in page
    assert f'href="/cari/{BPJS}/tempat/?near=33" data-testid="all-places"' in page
    assert '<option value="33" selected>' in page
    listing = client.get(f"/cari/{BPJS}/tempat/", {"near": "33"}).content.decode()
    assert f"Malls offering it: {EXTRA + 2}" in listing
    first = listing.index('data-mall="')
    assert listing[first + len('data-mall="') :].startswith("mpp-33-")
    assert client.get("/cari/no-such-service/tempat/").status_code == 404
    assert client.get(f"/cari/{BPJS}/tempat/", {"page": "x"}).status_code == 200


def test_the_places_list_counts_against_the_search_rate_limit(demo, settings):
    settings.MPP_RATE_LIMITS = {**settings.MPP_RATE_LIMITS, "search_ip": (1, 60)}
    client = Client()
    assert client.get(f"/api/v1/services/{BPJS}/places").status_code == 200
    refused = client.get(f"/api/v1/services/{BPJS}/places")
    assert refused.status_code == 429 and refused["Retry-After"]
    assert refused.json()["code"] == "rate_limited"
    page = client.get(f"/cari/{BPJS}/tempat/")
    assert page.status_code == 429 and 'data-testid="search-too-many"' in page.content.decode()
