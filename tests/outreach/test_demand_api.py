"""The request API: POST /api/v1/malls/{mall}/outreach/requests and
GET /api/v1/outreach/requests/{code} (public, rate-limited, idempotent)."""

from __future__ import annotations

import json
import uuid

import pytest

from mpp.outreach.models import OutreachRequest
from tests.factories import OfferingFactory, village

pytestmark = pytest.mark.django_db


@pytest.fixture
def offering():
    village()
    return OfferingFactory()


def _post(client, mall_code, body, **headers):
    return client.post(
        f"/api/v1/malls/{mall_code}/outreach/requests",
        data=json.dumps(body),
        content_type="application/json",
        **headers,
    )


def _body(offering, **extra):
    return {
        "village_code": "32.10.01.2001",
        "services": [offering.service.code],
        "people": 6,
        "home_visit": False,
        "contact_phone": "081234567890",
        **extra,
    }


def test_create_and_follow(client, offering):
    response = _post(client, offering.mall.code, _body(offering, contact_name="Pak Ujang"))
    assert response.status_code == 201, response.content
    out = response.json()
    assert out["code"].startswith("JB-") and out["status"] == "received"
    assert out["village_code"] == "32.10.01.2001" and out["village_name"] == "Cipasung"
    assert out["services"] == [offering.service.code]
    assert (out["people"], out["home_visit"]) == (6, False)
    assert "contact_phone" not in out and "Ujang" not in response.content.decode()
    req = OutreachRequest.objects.get(code=out["code"])
    assert req.source == "api" and req.contact_phone == "+6281234567890"
    lookup = client.get(f"/api/v1/outreach/requests/{out['code'].lower()}")
    assert lookup.status_code == 200
    state = lookup.json()
    assert state["code"] == out["code"] and state["visit"] is None
    assert state["mall"] == offering.mall.code
    assert "81234567890" not in lookup.content.decode()


def test_village_outside_the_mall_is_422(client, offering):
    response = _post(client, offering.mall.code, _body(offering, village_code="33.01.01.2001"))
    assert response.status_code == 422
    assert response.json()["code"] == "village_outside_mall"
    assert response.json()["message"]
    assert not OutreachRequest.objects.exists()


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"services": ["nope"]}, 422, "unknown_service"),
        ({"people": 0}, 422, "invalid_people"),
        ({"people": "lots"}, 422, "validation_error"),
        ({"contact_phone": "12"}, 422, "invalid_phone"),
        ({"needs": ["x"]}, 422, "invalid_needs"),
        ({"lat": 1.0}, 422, "invalid_location"),
        ({"village_code": None}, 422, "validation_error"),
        ({"services": "not-a-list"}, 422, "validation_error"),
        ({"village_code": "x" * 50}, 422, "validation_error"),
    ],
)
def test_bad_input_is_a_readable_4xx(client, offering, change, status, code):
    response = _post(client, offering.mall.code, _body(offering, **change))
    assert response.status_code == status, response.content
    assert response.json()["code"] == code and response.json()["message"]


def test_unknown_mall_and_code_are_404(client, offering):
    response = _post(client, "no-such-mall", _body(offering))
    assert response.status_code == 404 and response.json()["code"] == "mall_not_found"
    response = client.get("/api/v1/outreach/requests/JB-AAAAAA")
    assert response.status_code == 404
    assert response.json()["code"] == "outreach_request_not_found"
    response = client.get("/api/v1/outreach/requests/" + "Z" * 20)
    assert response.status_code == 404


def test_not_json_is_a_4xx(client, offering):
    response = client.post(
        f"/api/v1/malls/{offering.mall.code}/outreach/requests",
        data="{not json",
        content_type="application/json",
    )
    assert 400 <= response.status_code < 500
    assert "code" in response.json()


def test_idempotency_key_replays_the_first_answer(client, offering):
    key = str(uuid.uuid4())
    first = _post(client, offering.mall.code, _body(offering), HTTP_IDEMPOTENCY_KEY=key)
    again = _post(client, offering.mall.code, _body(offering), HTTP_IDEMPOTENCY_KEY=key)
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert first.json()["code"] == again.json()["code"]
    assert OutreachRequest.objects.count() == 1


def test_filing_is_rate_limited(client, offering, settings):
    settings.MPP_RATE_LIMITS = {**settings.MPP_RATE_LIMITS, "outreach_request_ip": (2, 600)}
    settings.MPP_RATELIMIT_PREFIX = f"rl-{uuid.uuid4().hex}"
    codes = [_post(client, offering.mall.code, _body(offering)).status_code for _ in range(3)]
    assert codes == [201, 201, 429]
    refused = _post(client, offering.mall.code, _body(offering))
    assert refused.json()["code"] == "rate_limited" and int(refused["Retry-After"]) >= 1
    assert OutreachRequest.objects.count() == 2
