"""Lost database connections (mpp.core.dbfaults): checked pool connections, one retry
when nothing was committed, 503 + Retry-After instead of 500, and idempotency claims
released on a fresh connection.

Connections are really killed: on PostgreSQL a trigger on the booking table calls
pg_terminate_backend on every connection of the test database, its own included,
the first N times a booking is inserted (a sequence counts: it is not rolled back
with the dying transaction). SQLite has no connections to lose; the rule tests run on
both databases.
"""

import json
import uuid

import httpx
import pytest
from django.db import connection, transaction
from django.test import RequestFactory

from mpp.bookings.models import Booking
from mpp.catalog.models import Mall
from mpp.core import dbfaults
from mpp.core.models import IdempotencyRecord
from tests.api.helpers import assert_error, post_json
from tests.core.booking_world import NIK_2, body, bookable_policy, isolate_rate_limits

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="kills PostgreSQL connections"
)


@pytest.fixture(autouse=True)
def own_counters(settings):
    isolate_rate_limits(settings)


KILL_ALL = """
SELECT pg_terminate_backend(pid) FROM pg_stat_activity
WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'
"""


@pytest.fixture
def kill_on_insert():
    """kill_on_insert(n): the next n booking INSERTs kill every connection of the test
    database (the pool's idle ones and the inserting one)."""

    def arm(times: int) -> None:
        with connection.cursor() as cursor:
            cursor.execute("DROP SEQUENCE IF EXISTS mpp_test_kills")
            cursor.execute("CREATE SEQUENCE mpp_test_kills")
            cursor.execute(
                f"""
                CREATE OR REPLACE FUNCTION mpp_test_kill() RETURNS trigger AS $$
                BEGIN
                    IF nextval('mpp_test_kills') <= {int(times)} THEN
                        PERFORM pg_terminate_backend(pid) FROM pg_stat_activity
                        WHERE datname = current_database() AND pid <> pg_backend_pid()
                          AND backend_type = 'client backend';
                        PERFORM pg_terminate_backend(pg_backend_pid());
                    END IF;
                    RETURN NEW;
                END $$ LANGUAGE plpgsql
                """
            )
            cursor.execute("DROP TRIGGER IF EXISTS mpp_test_kill ON bookings_booking")
            cursor.execute(
                "CREATE TRIGGER mpp_test_kill BEFORE INSERT ON bookings_booking "
                "FOR EACH ROW EXECUTE FUNCTION mpp_test_kill()"
            )

    yield arm
    connection.close()  # possibly dead: borrow a fresh one to clean up
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER IF EXISTS mpp_test_kill ON bookings_booking")
        cursor.execute("DROP FUNCTION IF EXISTS mpp_test_kill()")
        cursor.execute("DROP SEQUENCE IF EXISTS mpp_test_kills")


def _booking_path(policy) -> str:
    return f"/api/v1/malls/{policy.offering.mall.code}/bookings"


# The rule: retried only when nothing was committed ------------------------------------


@pytest.mark.django_db(transaction=True)
def test_reads_and_rolled_back_writes_leave_a_request_retriable(mall):
    with dbfaults.tracking() as state:
        list(Mall.objects.all())
        with pytest.raises(RuntimeError), transaction.atomic():
            Mall.objects.filter(pk=mall.pk).update(name="Ganti")
            raise RuntimeError
    assert not state.committed and state.pending == 1
    assert Mall.objects.get(pk=mall.pk).name != "Ganti"


@pytest.mark.django_db(transaction=True)
def test_a_committed_write_makes_a_request_not_retriable(mall):
    with dbfaults.tracking() as state:
        with transaction.atomic():
            Mall.objects.filter(pk=mall.pk).update(name="Satu")
        assert state.committed
    with dbfaults.tracking() as state:
        Mall.objects.filter(pk=mall.pk).update(name="Dua")  # autocommit: committed at once
        assert state.committed
    with dbfaults.tracking() as state, dbfaults.untracked():
        Mall.objects.filter(pk=mall.pk).update(name="Tiga")  # compensated by its caller
    assert not state.committed


def test_the_unavailable_answers_are_a_json_503_and_a_readable_page(settings):
    settings.MPP_DB_RETRY_AFTER = 4
    api = dbfaults.unavailable(RequestFactory().post("/api/v1/malls/x/bookings"))
    assert api.status_code == 503 and api["Retry-After"] == "4"
    answer = json.loads(api.content)
    assert answer["code"] == "database_unavailable" and answer["message"]
    page = dbfaults.unavailable(RequestFactory().get("/m/x/"))
    assert page.status_code == 503 and page["Retry-After"] == "4"
    assert page["Content-Type"].startswith("text/html") and b"<h1>" in page.content


# Real lost connections (PostgreSQL) ----------------------------------------------------


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_killed_connections_are_replaced_without_errors(client, mall):
    """Before: every pooled connection killed answered one request with 500."""
    for _ in range(3):
        assert client.get("/api/v1/malls").status_code == 200
    with connection.cursor() as cursor:
        cursor.execute(KILL_ALL)
    connection.close()
    statuses = [client.get(f"/api/v1/malls/{mall.code}/services").status_code for _ in range(8)]
    assert statuses == [200] * 8


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_booking_whose_connection_dies_is_retried_once_and_booked_once(
    client, mall, kill_on_insert
):
    policy, date = bookable_policy(mall)
    kill_on_insert(1)
    retried = dbfaults.stats["retried"]
    key = {"HTTP_IDEMPOTENCY_KEY": str(uuid.uuid4())}
    response = post_json(client, _booking_path(policy), body(policy, date), **key)
    assert response.status_code == 201, response.content
    assert dbfaults.stats["retried"] == retried + 1
    assert Booking.objects.count() == 1
    record = IdempotencyRecord.objects.get()
    assert record.status_code == 201
    again = post_json(client, _booking_path(policy), body(policy, date), **key)
    assert again["Idempotent-Replayed"] == "true" and again.content == response.content


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_database_lost_twice_is_503_and_the_same_key_then_books(client, mall, kill_on_insert):
    """Before: 500, and the retry with the same key got idempotency_in_progress for 60 s
    (the claim was released on another dead pooled connection, or not at all)."""
    policy, date = bookable_policy(mall)
    kill_on_insert(2)  # the request and its one retry
    key = {"HTTP_IDEMPOTENCY_KEY": str(uuid.uuid4())}
    failed = post_json(client, _booking_path(policy), body(policy, date), **key)
    assert_error(failed, 503, "database_unavailable")
    assert int(failed["Retry-After"]) > 0
    assert Booking.objects.count() == 0
    assert IdempotencyRecord.objects.count() == 0  # the claim was released
    retry = post_json(client, _booking_path(policy), body(policy, date), **key)
    assert retry.status_code == 201, retry.content
    assert Booking.objects.count() == 1


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_lost_connection_is_a_transient_error_and_a_bad_value_is_not(mall):
    with pytest.raises(Exception) as lost, connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(pg_backend_pid())")
        cursor.execute("SELECT 1")
    assert dbfaults.is_transient(lost.value)
    connection.close()
    with pytest.raises(Exception) as bad, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT 1 / 0")
    assert not dbfaults.is_connection_error(bad.value)


@postgres_only
def test_over_asgi_a_killed_booking_is_retried_and_a_lost_database_is_503(
    server_url, mall, kill_on_insert
):
    """The middleware's async path (uvicorn, the request's own thread for the retry).
    With an Idempotency-Key the handler's writes are one transaction (the day's slots
    made with it): nothing committed before the kill, so it is retried."""
    policy, date = bookable_policy(mall)
    url = server_url + _booking_path(policy)
    kill_on_insert(1)
    first_key = {"Idempotency-Key": str(uuid.uuid4())}
    first = httpx.post(url, json=body(policy, date), headers=first_key, timeout=30)
    assert first.status_code == 201, first.text
    connection.close()
    kill_on_insert(2)
    key = {"Idempotency-Key": str(uuid.uuid4())}
    lost = httpx.post(url, json=body(policy, date, nik=NIK_2), headers=key, timeout=30)
    assert lost.status_code == 503 and lost.json()["code"] == "database_unavailable"
    assert int(lost.headers["Retry-After"]) > 0
    again = httpx.post(url, json=body(policy, date, nik=NIK_2), headers=key, timeout=30)
    assert again.status_code == 201, again.text
    connection.close()
    assert Booking.objects.count() == 2


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_request_that_committed_something_is_not_run_again(client, mall, kill_on_insert):
    """Without an Idempotency-Key, the day's slots are made (and committed) before the
    booking's own transaction: the lost booking is answered 503, not retried."""
    policy, date = bookable_policy(mall)
    kill_on_insert(1)
    retried = dbfaults.stats["retried"]
    lost = post_json(client, _booking_path(policy), body(policy, date))
    assert_error(lost, 503, "database_unavailable")
    assert dbfaults.stats["retried"] == retried
    assert Booking.objects.count() == 0
    assert post_json(client, _booking_path(policy), body(policy, date)).status_code == 201
