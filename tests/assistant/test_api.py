"""POST /api/v1/assistant/messages: the stateless chat for agency apps."""

from __future__ import annotations

import pytest
from django.test import Client

URL = "/api/v1/assistant/messages"


@pytest.fixture
def client():
    client = Client()
    client.cookies["django_language"] = "en"
    return client


def post(client, body):
    return client.post(URL, body, content_type="application/json")


def test_ask_then_answer_with_the_state_round_tripped(client, demo):
    response = post(client, {"text": "bikin ktp", "mall": demo.code})
    assert response.status_code == 200
    body = response.json()
    assert body["kind"] == "question" and body["service"] is None
    assert [o["service"] for o in body["options"]] == [
        "dukcapil-ktp-el-baru",
        "dukcapil-ktp-el-hilang-rusak",
        "dukcapil-ktp-el-perubahan",
    ]
    assert body["reply"].startswith("KTP new, lost/damaged or change of data?")
    assert "2. Penggantian KTP-el hilang atau rusak" in body["reply"]

    body = post(client, {"text": "2", "mall": demo.code, "state": body["state"]}).json()
    assert body["kind"] == "service"
    service = body["service"]
    assert service["service"] == "dukcapil-ktp-el-hilang-rusak"
    assert (service["mall"], service["booth"]) == (demo.code, "Gerai Disdukcapil")
    assert service["fee"] == "Free" and service["requirements"]
    assert service["next_steps"][0] == {
        "kind": "ticket",
        "label": "Take a queue number",
        "url": f"/m/{demo.code}/phone/dukcapil-ktp-el-hilang-rusak/",
    }
    assert f"/m/{demo.code}/phone/dukcapil-ktp-el-hilang-rusak/" in body["reply"]
    assert body["state"]["stage"] == "answered"


def test_a_state_from_another_mall_is_not_trusted(client, demo, depok):
    first = post(client, {"text": "bikin ktp", "mall": demo.code}).json()
    body = post(client, {"text": "2", "mall": depok.code, "state": first["state"]}).json()
    assert body["kind"] == "help"  # a fresh conversation has no list to pick from


def test_without_a_mall_every_mall_is_asked(client, demo, depok):
    body = post(client, {"text": "ktp hilang"}).json()
    assert body["kind"] == "service" and body["service"]["mall"] is None


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"text": "ktp", "mall": "no-such-mall"}, 404, "mall_not_found"),
        ({"mall": "x"}, 422, "validation_error"),
        ({"text": "k" * 501}, 422, "validation_error"),
        ({"text": "ktp", "state": "not an object"}, 422, "validation_error"),
    ],
)
def test_bad_requests_are_clear_json_errors(client, demo, body, status, code):
    response = post(client, body)
    assert response.status_code == status
    assert response.json()["code"] == code and response.json()["message"]


def test_too_many_messages_are_429(client, demo, settings):
    settings.MPP_RATE_LIMITS = {**settings.MPP_RATE_LIMITS, "assistant_ip": (2, 60)}
    for _ in range(2):
        assert post(client, {"text": "ktp hilang"}).status_code == 200
    response = post(client, {"text": "ktp hilang"})
    assert response.status_code == 429 and response.json()["code"] == "rate_limited"
    assert int(response["Retry-After"]) >= 1
