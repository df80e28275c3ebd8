"""POST /api/v1/malls/{mall}/tickets needs a registered kiosk of that mall, or its staff.

The finding: 70 anonymous calls used up a day's walk-in quota in 1.1 s and a citizen at
the kiosk got "No ticket was printed". Each test here failed before mpp.devices (the
anonymous and other-mall calls were answered 201).
"""

import datetime as dt
import uuid

import pytest
from django.test import Client

from mpp.api.v1 import api
from mpp.bookings.models import Slot
from mpp.bookings.selectors import walkin_left
from mpp.devices.models import Device
from mpp.devices.services import device_revoke
from mpp.queueing.models import Ticket
from tests.api.helpers import assert_error, counts, post_json
from tests.devices.conftest import bearer
from tests.factories import BookingPolicyFactory, UserFactory

pytestmark = pytest.mark.django_db


def path(mall) -> str:
    return f"/api/v1/malls/{mall.code}/tickets"


def issue(client, mall, offering, **headers):
    return post_json(client, path(mall), {"service": offering.service.code}, **headers)


@pytest.fixture
def quota(mall, offering):
    """A day of 70 walk-in places (the finding's day)."""
    BookingPolicyFactory(offering=offering)
    Slot.objects.create(
        offering=offering,
        date=mall.today(),
        starts_at=dt.time(8),
        ends_at=dt.time(15),
        online_capacity=10,
        walkin_capacity=70,
        priority_capacity=5,
    )
    return 70


def test_seventy_anonymous_calls_are_refused_and_the_quota_is_untouched(
    client, mall, offering, counter, quota, kiosk_key
):
    before = counts()
    for _ in range(70):
        assert_error(issue(client, mall, offering), 401, "unauthorized")
    assert counts() == before
    assert walkin_left(offering, mall.today()) == quota

    response = issue(client, mall, offering, HTTP_X_DEVICE_KEY=kiosk_key)  # the real kiosk
    assert response.status_code == 201, response.content
    assert walkin_left(offering, mall.today()) == quota - 1


def test_the_401_answer_says_which_credentials_are_accepted(client, mall, offering):
    response = issue(client, mall, offering)
    body = assert_error(response, 401, "unauthorized")
    assert set(body) == {"code", "message"}


@pytest.mark.parametrize(
    "headers",
    [
        {"HTTP_X_DEVICE_KEY": "mppd_" + "x" * 43},  # unknown
        {"HTTP_X_DEVICE_KEY": "mppd_" + "x" * 5000},  # absurdly long
        {"HTTP_X_DEVICE_KEY": ""},
        {"HTTP_X_DEVICE_KEY": "mpp_notadevicekey"},
        {"HTTP_AUTHORIZATION": "Bearer mppd_" + "x" * 43},
        {"HTTP_AUTHORIZATION": "Basic dXNlcjpwYXNz"},
    ],
)
def test_wrong_credentials_are_401_and_write_nothing(client, mall, offering, headers):
    before = counts()
    assert_error(issue(client, mall, offering, **headers), 401, "unauthorized")
    assert counts() == before


def test_the_kiosk_credential_in_the_bearer_header_is_not_accepted(
    client, mall, offering, kiosk_key
):
    """One documented place for the device credential: X-Device-Key."""
    response = issue(client, mall, offering, HTTP_AUTHORIZATION=f"Bearer {kiosk_key}")
    assert_error(response, 401, "unauthorized")


def test_kiosk_of_the_mall_issues_and_is_seen(client, mall, offering, kiosk_key):
    response = issue(client, mall, offering, HTTP_X_DEVICE_KEY=kiosk_key)
    assert response.status_code == 201, response.content
    ticket = Ticket.objects.get(pk=response.json()["id"])
    assert ticket.source == "api" and ticket.mall_id == mall.pk
    assert Device.objects.get().last_seen_at is not None


def test_kiosk_of_another_mall_is_403_and_writes_nothing(client, mall, offering, other):
    before = counts()
    response = issue(client, mall, offering, HTTP_X_DEVICE_KEY=other["kiosk_key"])
    assert_error(response, 403, "forbidden")
    assert counts() == before
    # ...while at its own mall it issues
    own = issue(client, other["mall"], other["offering"], HTTP_X_DEVICE_KEY=other["kiosk_key"])
    assert own.status_code == 201


def test_a_board_does_not_issue(client, mall, offering, board_key):
    before = counts()
    assert_error(issue(client, mall, offering, HTTP_X_DEVICE_KEY=board_key), 403, "forbidden")
    assert counts() == before


def test_revoked_kiosk_is_401(client, mall, offering, kiosk_key):
    assert issue(client, mall, offering, HTTP_X_DEVICE_KEY=kiosk_key).status_code == 201
    device_revoke(device_id=Device.objects.get().pk)
    before = counts()
    assert_error(issue(client, mall, offering, HTTP_X_DEVICE_KEY=kiosk_key), 401, "unauthorized")
    assert counts() == before


def test_staff_token_of_the_mall_issues_with_the_officer_as_actor(client, mall, offering, officer):
    response = issue(client, mall, offering, **bearer(officer))
    assert response.status_code == 201, response.content
    from mpp.core.models import Event

    event = Event.objects.get(kind="ticket.issued", subject_id=response.json()["id"])
    assert event.actor_id == officer.pk


def test_staff_token_of_another_mall_is_403(client, mall, offering, other):
    before = counts()
    response = issue(client, mall, offering, HTTP_AUTHORIZATION=f"Bearer {other['token']}")
    assert_error(response, 403, "forbidden")
    assert counts() == before


def test_national_admin_issues_anywhere(client, mall, offering, other, national):
    headers = bearer(national)
    assert issue(client, mall, offering, **headers).status_code == 201
    assert issue(client, other["mall"], other["offering"], **headers).status_code == 201


def test_staff_session_issues_with_its_csrf_token(mall, offering, officer):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(officer)
    assert_error(issue(browser, mall, offering), 403, "csrf_failed")
    token = "a" * 32
    browser.cookies["csrftoken"] = token
    response = issue(browser, mall, offering, HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 201, response.content


def test_inactive_staff_token_is_401(client, mall, offering):
    user = UserFactory(mall=mall)
    headers = bearer(user)
    user.is_active = False
    user.save()
    assert_error(issue(client, mall, offering, **headers), 401, "unauthorized")


def test_each_kiosk_has_its_own_rate_limit(client, mall, offering, kiosk_key, settings):
    settings.MPP_RATE_LIMITS = {**settings.MPP_RATE_LIMITS, "device_tickets": (3, 60)}
    from tests.factories import device_credential

    second = device_credential(mall, name="Second kiosk")
    for _ in range(3):
        assert issue(client, mall, offering, HTTP_X_DEVICE_KEY=kiosk_key).status_code == 201
    before = counts()
    refused = issue(client, mall, offering, HTTP_X_DEVICE_KEY=kiosk_key)
    assert_error(refused, 429, "rate_limited")
    assert int(refused["Retry-After"]) >= 1
    assert counts() == before
    assert issue(client, mall, offering, HTTP_X_DEVICE_KEY=second).status_code == 201


def test_a_retry_past_the_limit_gets_its_first_ticket_back(
    client, mall, offering, kiosk_key, settings
):
    settings.MPP_RATE_LIMITS = {**settings.MPP_RATE_LIMITS, "device_tickets": (1, 60)}
    key = {"HTTP_IDEMPOTENCY_KEY": str(uuid.uuid4()), "HTTP_X_DEVICE_KEY": kiosk_key}
    first = issue(client, mall, offering, **key)
    again = issue(client, mall, offering, **key)
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]


def test_openapi_documents_the_device_key_and_the_refusals():
    spec = api.get_openapi_schema()
    scheme = spec["components"]["securitySchemes"]["DeviceKey"]
    assert scheme == {
        "type": "apiKey",
        "in": "header",
        "name": "X-Device-Key",
        "description": scheme["description"],
    }
    operation = spec["paths"]["/api/v1/malls/{mall}/tickets"]["post"]
    assert {"DeviceKey": []} in operation["security"]
    assert {"BearerToken": []} in operation["security"]
    assert {401, 403, 429} <= {int(status) for status in operation["responses"]}


def test_lookup_stays_public(mall, offering, kiosk_key):
    issued = issue(Client(), mall, offering, HTTP_X_DEVICE_KEY=kiosk_key).json()
    assert Client().get(f"/api/v1/tickets/{issued['id']}").status_code == 200
