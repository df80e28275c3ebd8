"""Calling the API with an API client's key: who it is, expiry, revocation, rate limit."""

import datetime as dt
import logging

import pytest
from django.test import Client

from mpp.accounts.models import Role
from mpp.accounts.services import token_create
from mpp.core.ratelimit import fallback_clear
from mpp.integrations.clients import client_key_rotate, client_revoke
from mpp.integrations.models import ApiClient, ApiClientKey
from tests.api.helpers import assert_error
from tests.factories import CaseFactory, CaseTypeFactory, UserFactory, client_with_key

pytestmark = pytest.mark.django_db

CASES = "/api/v1/cases"


def bearer(raw: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}", "HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def world(mall):
    """A case at a booth of the agency's in the mall, and another agency's case there."""
    own_type = CaseTypeFactory(offering__booth__mall=mall)
    other_type = CaseTypeFactory(offering__booth__mall=mall)
    own = CaseFactory(case_type=own_type, status="submitted")
    other = CaseFactory(case_type=other_type, status="submitted")
    return {"agency": own_type.offering.booth.agency, "own": own, "other": other}


def test_a_clients_key_makes_the_client_the_caller(mall, world):
    client, raw = client_with_key(agency=world["agency"], malls=[mall])
    response = Client().get(CASES, **bearer(raw))
    assert response.status_code == 200, response.content
    numbers = [item["number"] for item in response.json()["items"]]
    assert numbers == [world["own"].number]  # its agency's booths only
    assert ApiClient.objects.get(pk=client.pk).last_used_at is not None


def test_a_client_without_the_operation_is_forbidden(mall, world):
    _client, raw = client_with_key(agency=world["agency"], malls=[mall], operations=["ticket.read"])
    assert_error(Client().get(CASES, **bearer(raw)), 403, "forbidden")


def test_unknown_revoked_and_expired_keys_are_unauthorized(mall, world, clock):
    clock.move_to("2026-03-02T10:00:00+07:00")
    _client, raw = client_with_key(agency=world["agency"], malls=[mall])
    assert_error(Client().get(CASES, **bearer("mppc_" + "x" * 43)), 401, "unauthorized")

    expiring, short = client_with_key(
        agency=world["agency"],
        malls=[mall],
        key_expires_at=dt.datetime(2026, 3, 3, tzinfo=dt.UTC),
    )
    assert Client().get(CASES, **bearer(short)).status_code == 200
    clock.move_to("2026-03-03T07:00:01+07:00")
    assert_error(Client().get(CASES, **bearer(short)), 401, "unauthorized")

    revoked, gone = client_with_key(agency=world["agency"], malls=[mall])
    assert Client().get(CASES, **bearer(gone)).status_code == 200
    client_revoke(client=revoked)
    assert_error(Client().get(CASES, **bearer(gone)), 401, "unauthorized")
    assert Client().get(CASES, **bearer(raw)).status_code == 200


def test_after_rotation_both_keys_work_until_the_overlap_ends(mall, world, clock):
    clock.move_to("2026-03-02T10:00:00+07:00")
    client, old = client_with_key(agency=world["agency"], malls=[mall])
    new = client_key_rotate(client=client, overlap=dt.timedelta(hours=1))
    assert Client().get(CASES, **bearer(old)).status_code == 200
    assert Client().get(CASES, **bearer(new)).status_code == 200
    clock.move_to("2026-03-02T11:00:01+07:00")
    assert_error(Client().get(CASES, **bearer(old)), 401, "unauthorized")
    assert Client().get(CASES, **bearer(new)).status_code == 200


def test_staff_tokens_still_work_beside_client_keys(mall, world):
    manager = UserFactory(role=Role.MALL_MANAGER, mall=mall)
    token = token_create(username=manager.username)
    response = Client().get(CASES, **bearer(token))
    assert response.status_code == 200 and response.json()["count"] == 2


@pytest.mark.parametrize("redis", [False, True], ids=["cache", "redis-down"])
def test_each_client_has_its_own_rate_limit(mall, world, settings, redis):
    if redis:  # Redis configured but unreachable: the in-process limiter counts
        settings.REDIS_URL = "redis://127.0.0.1:1/0"
        fallback_clear()
    client, raw = client_with_key(agency=world["agency"], malls=[mall], rate_limit_per_minute=3)
    _other, other_raw = client_with_key(
        agency=world["agency"], malls=[mall], rate_limit_per_minute=3
    )
    # a second key of the same client shares its limit
    second = client_key_rotate(client=client)
    statuses = [Client().get(CASES, **bearer(k)).status_code for k in (raw, second, raw)]
    assert statuses == [200, 200, 200]
    refused = Client().get(CASES, **bearer(second))
    assert_error(refused, 429, "rate_limited")
    assert int(refused["Retry-After"]) >= 1
    # another client is not held up by this one
    assert Client().get(CASES, **bearer(other_raw)).status_code == 200
    fallback_clear()


def test_a_key_is_never_logged_nor_its_digest_kept_in_the_clear(mall, world, caplog):
    caplog.set_level(logging.DEBUG)
    _client, raw = client_with_key(agency=world["agency"], malls=[mall])
    Client().get(CASES, **bearer(raw))
    Client().get(CASES, **bearer(raw + "x"))  # a wrong one is not logged either
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert raw not in logged
    assert not ApiClientKey.objects.filter(digest=raw).exists()
