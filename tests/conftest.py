import pytest

from tests.factories import CounterFactory, MallFactory, OfferingFactory, UserFactory
from tests.live_server import live_server


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts with an empty cache (estimates, rate limits, kiosk guards)."""
    from django.core.cache import cache

    from mpp.core.hotcache import hotcaches_clear

    cache.clear()
    hotcaches_clear()
    yield


@pytest.fixture
def mall(db):
    return MallFactory()


@pytest.fixture
def offering(mall):
    return OfferingFactory(booth__mall=mall)


@pytest.fixture
def counter(mall, offering):
    return CounterFactory(mall=mall, booth=offering.booth, serves=[offering])


@pytest.fixture
def officer(mall, offering):
    return UserFactory(mall=mall, booth=offering.booth)


@pytest.fixture
def server_url(transactional_db, settings):
    """uvicorn serving mpp.asgi:application on a free localhost port, in a thread.

    transactional_db: rows the test writes are committed, so the server's own
    database connections see them.
    """
    settings.REDIS_URL = ""  # in-process fan-out: the server runs in this process
    from mpp.asgi import application

    with live_server(application) as url:
        yield url
