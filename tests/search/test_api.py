"""GET /api/v1/services/search: the search over HTTP, its errors and its rate limit."""

import pytest
from django.test import Client

URL = "/api/v1/services/search"


@pytest.fixture
def client():
    return Client()


def test_a_citizen_query_finds_the_service_with_its_standard_and_next_steps(client, demo):
    response = client.get(URL, {"q": "bikin ktp hilang", "mall": demo.code})
    assert response.status_code == 200
    body = response.json()
    assert body["query"] == "bikin ktp hilang"
    assert body["normalized"] == "buat ktp hilang"
    assert body["corrections"] == []
    first = body["results"][0]
    assert first["service"] == "dukcapil-ktp-el-hilang-rusak"
    assert first["name"] == "Penggantian KTP-el hilang atau rusak"
    assert first["agency"].startswith("Dinas Kependudukan")
    assert (first["mall"], first["booth"]) == (demo.code, "Gerai Disdukcapil")
    assert first["fee"] == 0 and first["fee_varies"] is False
    assert first["time"] and first["requirements"]
    assert first["next_steps"] == [
        {"kind": "ticket", "url": f"/m/{demo.code}/phone/dukcapil-ktp-el-hilang-rusak/"},
        {"kind": "ask", "url": f"/m/{demo.code}/asisten/dukcapil-ktp-el-hilang-rusak/"},
    ]
    assert [r["score"] for r in body["results"]] == sorted(
        (r["score"] for r in body["results"]), reverse=True
    )


def test_typos_are_corrected_and_said(client, demo):
    body = client.get(URL, {"q": "perpanjnag sim c", "mall": demo.code}).json()
    assert body["corrections"] == [{"original": "perpanjnag", "corrected": "perpanjang"}]
    assert body["results"][0]["service"] == "polres-sim-c-perpanjangan"
    kinds = [s["kind"] for s in body["results"][0]["next_steps"]]
    assert kinds[:2] == ["ticket", "book"]  # the demo books SIM renewals online


def test_without_a_mall_every_mall_is_searched(client, demo, depok):
    body = client.get(URL, {"q": "ktp hilang"}).json()
    first = body["results"][0]
    assert first["mall"] is None and first["booth"] is None  # served in two malls
    assert {p["mall"] for p in first["places"]} == {demo.code, depok.code}
    assert {p["service"] for p in first["places"]} == {
        "dukcapil-ktp-el-hilang-rusak",
        "depok-ktp-el-hilang-rusak",
    }


@pytest.mark.parametrize("q", ["", "   "])
def test_an_empty_query_is_refused(client, demo, q):
    response = client.get(URL, {"q": q})
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_query"
    assert response.json()["message"]


def test_a_missing_or_too_long_query_is_refused(client, demo):
    for params in ({}, {"q": "ktp " * 60}):
        response = client.get(URL, params)
        assert response.status_code == 422
        body = response.json()
        assert body["code"] == "validation_error" and body["message"]


def test_an_unknown_mall_is_404(client, demo):
    response = client.get(URL, {"q": "ktp", "mall": "mpp-atlantis"})
    assert response.status_code == 404
    assert response.json()["code"] == "mall_not_found"


def test_nothing_found_is_an_empty_list(client, demo):
    body = client.get(URL, {"q": "zzzzqqq", "mall": demo.code}).json()
    assert body["results"] == []


def test_searches_are_rate_limited_per_ip(client, demo, settings):
    settings.MPP_RATE_LIMITS = {**settings.MPP_RATE_LIMITS, "search_ip": (2, 60)}
    for _ in range(2):
        assert client.get(URL, {"q": "paspor"}).status_code == 200
    response = client.get(URL, {"q": "paspor"})
    assert response.status_code == 429
    assert response.json()["code"] == "rate_limited"
    assert int(response["Retry-After"]) >= 1
    other = Client(REMOTE_ADDR="10.9.8.7")
    assert other.get(URL, {"q": "paspor"}).status_code == 200  # per address


def test_personal_numbers_are_neither_searched_nor_echoed(client, demo):
    response = client.get(URL, {"q": "ktp hilang 3210011505900001 hp 0812-3456-7890"})
    assert response.status_code == 200
    assert "3210011505900001" not in response.content.decode()
    assert "0812" not in response.content.decode()
    assert response.json()["query"] == "ktp hilang hp"
