import os
import time

import pytest
import time_machine

from tests import clock as test_clock
from tests.factories import CounterFactory, MallFactory, OfferingFactory, UserFactory
from tests.live_server import live_server

_session_travel: time_machine.travel | None = None

# Tests of one queue day: tickets issued, then called, counted or shown. A queue's day
# ends at the mall's midnight, so run at 23:59:59 they would straddle it: they start at
# 10:00 of today in Jakarta (marker `midday`), real or moved, unless they take the
# `clock` fixture and set the time themselves (the midnight tests do).
ONE_QUEUE_DAY = (
    "tests/queueing/",
    "tests/api/test_board",
    "tests/api/test_tickets.py",
    "tests/api/test_officer.py",
    "tests/bookings/test_walkin.py",
    "tests/surveys/test_browser.py",
)
# Modules whose tests depend on the day, the hour or a deadline, marked `clock` (with
# every test that takes the `clock` fixture): CI runs them again with the clock moved.
DAY_DEPENDENT = (
    *ONE_QUEUE_DAY,
    "tests/bookings/",
    "tests/complaints/",
    "tests/surveys/",
    "tests/outreach/",  # plans over working days, reminders the day before, field days
    "tests/core/test_workdays.py",
    "tests/api/test_bookings_api.py",
)


def pytest_configure(config):
    """MPP_TEST_NOW=<ISO instant> moves the session's clock there (ticking) and, by
    `_test_now`, back to it at the start of every test, so each test sees the same
    instant whatever ran before it (23:59:59.5 makes any test of over half a second
    straddle midnight). Subprocesses started through tests.clock.subprocess_env()
    follow."""
    global _session_travel
    now = os.environ.get(test_clock.ENV_NOW)
    if now and _session_travel is None:
        _session_travel = time_machine.travel(test_clock.parse_instant(now).timestamp())
        _session_travel.start()
        time.time()  # runs from now
        os.environ.update(test_clock.subprocess_env())


def pytest_unconfigure(config):
    global _session_travel
    if _session_travel is not None:
        _session_travel.stop()
        _session_travel = None


def pytest_report_header(config):
    now = os.environ.get(test_clock.ENV_NOW)
    return [f"clock moved: {test_clock.ENV_NOW}={now}"] if now else []


def pytest_collection_modifyitems(config, items):
    """Mark `clock` the day-dependent tests, `midday` the tests of one queue day."""
    root = config.rootpath
    for item in items:
        path = item.path.relative_to(root).as_posix() if item.path.is_relative_to(root) else ""
        takes_clock = "clock" in getattr(item, "fixturenames", ())
        if takes_clock or path.startswith(DAY_DEPENDENT):
            item.add_marker(pytest.mark.clock)
        if path.startswith(ONE_QUEUE_DAY) and not takes_clock:
            item.add_marker(pytest.mark.midday)


@pytest.fixture(autouse=True)
def _test_now(request):
    """With MPP_TEST_NOW set, every test starts at that instant (see pytest_configure);
    a test marked `midday` starts at 10:00 of that day (or of today) in Jakarta."""
    now = os.environ.get(test_clock.ENV_NOW)
    clock = test_clock.Clock()
    if now:
        clock.move_to(now)
    if request.node.get_closest_marker("midday"):
        clock.midday()
    yield
    clock.stop()


@pytest.fixture
def clock():
    """Moves "now" for this test: clock.move_to("2026-12-24T23:59:50+07:00") (ticking
    unless tick=False); see tests/clock.py for working-day helpers."""
    c = test_clock.Clock()
    yield c
    c.stop()


@pytest.fixture(autouse=True, scope="session")
def _private_media(tmp_path_factory):
    """Uploads (case documents, complaint attachments) go to a folder of the run's own,
    never into var/media of the checkout. One folder for the whole run: module-wide test
    worlds store files that later tests read back."""
    from django.test.utils import override_settings

    override = override_settings(MEDIA_ROOT=str(tmp_path_factory.mktemp("media")))
    override.enable()
    yield
    override.disable()


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
