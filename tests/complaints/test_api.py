"""The complaint API: file (public, contact details only with consent), follow by tracking
code sent in a POST body (public, no personal data), the staff list and steps on internal
ids (no tracking code in any URL); every error is JSON {"code", "message"} with its 4xx."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from mpp.accounts.services import token_create
from mpp.api.routers import complaints as api
from mpp.complaints.models import Complaint, ComplaintAction
from mpp.core.models import Event
from mpp.notifications.models import Message
from tests.api.helpers import assert_error, post_json
from tests.complaints.conftest import file_one

pytestmark = pytest.mark.django_db


@pytest.fixture
def client():
    return Client()


@pytest.fixture
def csrf_client():
    """A test client that, like a browser session, must present the CSRF token."""
    return Client(enforce_csrf_checks=True)


def bearer(user) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {token_create(username=user.username)}"}


def body(world, **extra) -> dict:
    data = {
        "category": "fees",
        "description": "Petugas parkir meminta uang tambahan Rp20.000 di depan gerai.",
        "service": world.offering_a.service.code,
    }
    data.update(extra)
    return data


def track(client, code: str):
    return post_json(client, "/api/v1/complaints/track", {"code": code})


def counts():
    return Complaint.objects.count(), ComplaintAction.objects.count(), Event.objects.count()


def test_published_names_match_the_models():
    assert set(api.CategoryName.__args__) == set(Complaint.Category.values)
    assert set(api.StatusName.__args__) == set(Complaint.Status.values)
    assert set(api.TrackName.__args__) == set(Complaint.Track.values)
    assert set(api.StepName.__args__) == set(ComplaintAction.Kind.values)


def test_file_and_follow_a_complaint(client, world):
    url = f"/api/v1/malls/{world.mall.code}/complaints"
    response = post_json(
        client,
        url,
        body(world, name="Budi", phone="0812 3456 7890", email="b@example.com", consent=True),
    )
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["status"] == "received" and created["booth"] is None  # pungli: the manager
    assert created["first_response_due"] < created["resolution_due"]
    assert created["history"][0]["step"] == "received"
    complaint = Complaint.objects.get()
    assert complaint.channel == "api" and created["code"] == complaint.code
    assert Message.objects.filter(template="complaint_received").count() == 2
    text = json.dumps(created)
    for secret in ("Budi", "0812", "6281234567890", "b@example.com", "Rp20.000"):
        assert secret not in text

    code = complaint.code
    public = track(client, f"{code[:5]}-{code[5:].lower()}")
    assert public.status_code == 200 and public.json()["code"] == code
    assert public.json()["first_response_overdue"] is False


def test_contact_details_need_consent_like_the_web_form(client, world):
    url = f"/api/v1/malls/{world.mall.code}/complaints"
    before = counts()
    for contact in ({"phone": "081234567890"}, {"email": "b@example.com"}):
        for consent in ({}, {"consent": False}):
            refused = post_json(client, url + "?lang=en", body(world, **contact, **consent))
            assert_error(refused, 422, "consent_required")
            assert "consent" in refused.json()["message"]
    assert counts() == before and not Message.objects.exists()
    # without contact details no consent is needed; with consent they are used
    assert post_json(client, url, body(world)).status_code == 201
    given = post_json(client, url, body(world, phone="081234567890", consent=True))
    assert given.status_code == 201
    assert Message.objects.filter(template="complaint_received").count() == 1


def test_file_anonymously_without_a_service(client, world):
    url = f"/api/v1/malls/{world.mall.code}/complaints"
    response = post_json(client, url, body(world, service=None, anonymous=True, name="Budi"))
    assert response.status_code == 201 and response.json()["booth"] is None
    assert Complaint.objects.get().name == ""


def test_filing_errors(client, world):
    url = f"/api/v1/malls/{world.mall.code}/complaints"
    before = counts()
    assert_error(
        post_json(client, "/api/v1/malls/tidak-ada/complaints", body(world)), 404, "mall_not_found"
    )
    assert_error(post_json(client, url, body(world, category="x")), 422, "validation_error")
    assert_error(post_json(client, url, body(world, description="pendek")), 422, "validation_error")
    assert_error(post_json(client, url, body(world, service="nope")), 422, "invalid_service")
    assert_error(post_json(client, url, body(world, phone="12345")), 422, "invalid_phone")
    assert_error(post_json(client, url, body(world, email="@")), 422, "invalid_email")
    assert_error(post_json(client, url, body(world, booking="X")), 422, "invalid_booking")
    assert_error(
        post_json(client, url, body(world, incident_date="2999-01-01")), 422, "invalid_date"
    )
    bad_json = client.post(url, "{not json", content_type="application/json")
    assert bad_json.status_code in (400, 422) and "code" in bad_json.json()
    assert counts() == before


def test_filing_is_rate_limited_per_address(client, world, settings):
    settings.MPP_RATE_LIMITS = {**settings.MPP_RATE_LIMITS, "complaint_ip": (2, 600)}
    url = f"/api/v1/malls/{world.mall.code}/complaints"
    assert post_json(client, url, body(world)).status_code == 201
    assert post_json(client, url, body(world)).status_code == 201
    refused = post_json(client, url, body(world))
    assert_error(refused, 429, "rate_limited")
    assert int(refused["Retry-After"]) >= 1
    assert Complaint.objects.count() == 2


def test_a_retry_with_the_same_idempotency_key_files_once(client, world):
    url = f"/api/v1/malls/{world.mall.code}/complaints"
    first = post_json(client, url, body(world), HTTP_IDEMPOTENCY_KEY="k-1")
    again = post_json(client, url, body(world), HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true" and again.json() == first.json()
    assert Complaint.objects.count() == 1


def test_lookup_errors_and_limit(client, world, settings):
    assert_error(track(client, "ABCDEFGHJK"), 404, "complaint_not_found")
    assert_error(track(client, "nope"), 404, "complaint_not_found")
    assert_error(post_json(client, "/api/v1/complaints/track", {}), 422, "validation_error")
    settings.MPP_RATE_LIMITS = {**settings.MPP_RATE_LIMITS, "complaint_lookup_ip": (1, 60)}
    track(client, "ABCDEFGHJK")
    assert_error(track(client, "ABCDEFGHJK"), 429, "rate_limited")


def test_the_tracking_code_is_never_in_a_url(client, world):
    complaint = file_one(world)
    # the old GET by code in the path is gone: the code would be in every access log
    gone = client.get(f"/api/v1/complaints/{complaint.code}")
    assert gone.status_code in (404, 405) and "code" in gone.json()
    # staff name the complaint by its id; a code in its place is no id
    by_code = post_json(
        client, f"/api/v1/complaints/{complaint.code}/verify", {}, **bearer(world.manager)
    )
    assert by_code.status_code == 422 and Complaint.objects.get().status == "received"
    from mpp.api.v1 import api as v1

    paths = v1.get_openapi_schema()["paths"]
    assert "/api/v1/complaints/track" in paths and "/api/v1/complaints/{code}" not in paths
    assert not [p for p in paths if "complaint" in p and "{code}" in p]


@pytest.mark.clock
def test_staff_list_with_filters(client, world):
    from tests.clock import working_days_ago

    # received 6 working days ago: first response (3) and answer (5) deadlines both past
    late = file_one(world, now=working_days_ago(6), phone="081234567890", consent=True)
    fresh = file_one(world, service_code=world.offering_b.service.code)
    url = f"/api/v1/malls/{world.mall.code}/complaints"
    everything = client.get(url, **bearer(world.manager)).json()
    assert everything["count"] == 2
    item = next(i for i in everything["items"] if i["id"] == late.pk)
    assert item["first_response_overdue"] and item["answer_overdue"]
    assert item["phone_masked"] == "0812****7890" and "phone" not in item
    overdue = client.get(url, {"overdue": "true"}, **bearer(world.manager)).json()
    assert [i["id"] for i in overdue["items"]] == [late.pk]
    received = client.get(url, {"status": "received", "limit": 1}, **bearer(world.manager))
    assert received.json()["count"] == 2 and len(received.json()["items"]) == 1
    booth_b = client.get(url, **bearer(world.officer_b)).json()
    assert [i["id"] for i in booth_b["items"]] == [fresh.pk]


def test_staff_list_errors(client, world):
    url = f"/api/v1/malls/{world.mall.code}/complaints"
    assert_error(client.get(url), 401, "unauthorized")
    assert_error(client.get(url, **bearer(world.other_manager)), 403, "forbidden")
    assert_error(
        client.get(url, {"status": "lost"}, **bearer(world.manager)), 422, "validation_error"
    )
    assert_error(
        client.get("/api/v1/malls/nope/complaints", **bearer(world.manager)), 404, "mall_not_found"
    )


def test_steps_through_the_api(client, world):
    complaint = file_one(world, service_code="")
    base = f"/api/v1/complaints/{complaint.pk}"
    auth = bearer(world.manager)
    verified = post_json(client, f"{base}/verify", {"track": "dispute"}, **auth)
    assert verified.status_code == 200 and verified.json()["track"] == "dispute"
    forwarded = post_json(client, f"{base}/forward", {"booth": world.booth_b.pk}, **auth)
    assert forwarded.json()["booth_id"] == world.booth_b.pk
    officer = bearer(world.officer_b)
    assert post_json(client, f"{base}/start", {}, **officer).json()["status"] == "in_progress"
    answered = post_json(client, f"{base}/answer", {"message": "Sudah diperbaiki."}, **officer)
    assert answered.json()["status"] == "answered"
    public = track(client, complaint.code).json()
    assert public["history"][-1]["message"] == "Sudah diperbaiki."
    assert [h["step"] for h in public["history"]] == [
        "received",
        "verified",
        "forwarded",
        "started",
        "answered",
    ]


def test_step_errors(client, world, csrf_client):
    complaint = file_one(world)
    base = f"/api/v1/complaints/{complaint.pk}"
    assert_error(post_json(client, f"{base}/verify", {}), 401, "unauthorized")
    assert_error(
        post_json(client, f"{base}/verify", {}, **bearer(world.other_manager)), 403, "forbidden"
    )
    assert_error(
        post_json(client, f"{base}/verify", {}, **bearer(world.officer_b)), 403, "forbidden"
    )
    assert_error(
        post_json(client, f"{base}/close", {}, **bearer(world.manager)), 409, "invalid_state"
    )
    assert_error(
        post_json(client, f"{base}/reject", {}, **bearer(world.manager)), 422, "reason_required"
    )
    assert_error(
        post_json(client, f"{base}/fly", {}, **bearer(world.manager)), 422, "validation_error"
    )
    assert_error(
        post_json(client, "/api/v1/complaints/999999/verify", {}, **bearer(world.manager)),
        404,
        "complaint_not_found",
    )
    csrf_client.force_login(world.manager)
    assert_error(post_json(csrf_client, f"{base}/verify", {}), 403, "csrf_failed")
    assert Complaint.objects.get().status == "received"


def test_session_with_csrf_token_works(world, csrf_client):
    complaint = file_one(world)
    csrf_client.force_login(world.officer_a)
    csrf_client.get(f"/m/{world.mall.code}/pengaduan/kelola/")
    token = csrf_client.cookies["csrftoken"].value
    response = post_json(
        csrf_client, f"/api/v1/complaints/{complaint.pk}/verify", {}, HTTP_X_CSRFTOKEN=token
    )
    assert response.status_code == 200 and response.json()["status"] == "verified"
