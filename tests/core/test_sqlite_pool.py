"""core.sqlite_backend keeps closed SQLite connections for the next request."""

import pytest
from django.db import connection

from mpp.core.sqlite_backend.base import pool_drain
from tests.factories import AgencyFactory

pytestmark = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="the kept connections are SQLite's"
)


@pytest.mark.django_db(transaction=True)
def test_a_closed_connection_is_reused_by_the_next_one():
    connection.ensure_connection()
    raw = connection.connection
    connection.close()
    connection.ensure_connection()
    assert connection.connection is raw
    with connection.cursor() as cursor:  # still the same database, still usable
        cursor.execute("SELECT count(*) FROM django_migrations")
        assert cursor.fetchone()[0] > 0


@pytest.mark.django_db(transaction=True)
def test_a_transaction_left_open_is_rolled_back_before_reuse():
    from mpp.catalog.models import Agency

    before = Agency.objects.count()
    connection.ensure_connection()
    raw = connection.connection
    raw.execute("BEGIN")  # behind Django's back: as if a request died mid-transaction
    AgencyFactory()
    assert raw.in_transaction and Agency.objects.count() == before + 1
    connection.close()
    connection.ensure_connection()
    assert connection.connection is raw and not raw.in_transaction
    assert Agency.objects.count() == before


@pytest.mark.django_db(transaction=True)
def test_draining_closes_the_kept_connections():
    connection.ensure_connection()
    raw = connection.connection
    connection.close()
    assert pool_drain() >= 1
    connection.ensure_connection()
    assert connection.connection is not raw
