"""Schemathesis over the whole API: whatever a client sends, never a 5xx.

Every operation of the served OpenAPI spec except the board's event stream (a response
that never ends) gets property-based requests generated from its schema (valid and
invalid bodies, queries, headers, path parameters), sent in-process to Django's WSGI
application, with the `not_a_server_error` check: any 5xx fails, with the request that
caused it (schemathesis prints a curl line to reproduce it).

The world is the demo mall at 10:00 of a working day, with a queue going on, a booking and
a complaint. Three in four generated path parameters are swapped for ids and codes that exist
there (which half is decided by the generated value, so runs repeat), so requests reach the
code behind the look-ups and not only the 404s; every request carries a national admin's API
token, so officer operations run as far as their own rules let them. Rate limits are raised
so that 429s do not hide the rest. Deterministic (derandomize), bounded examples: under two
minutes on a busy two-core machine.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os

import pytest
import schemathesis
from django.conf import settings as django_settings
from django.core.management import call_command
from django.core.wsgi import get_wsgi_application
from django.test import override_settings
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error

from mpp.accounts.models import User
from mpp.accounts.services import token_create
from mpp.api.v1 import api
from mpp.bookings.demo import booking_demo_load
from mpp.bookings.services import booking_create
from mpp.catalog.demo import DEMO_MALL, demo_load
from mpp.catalog.models import Counter, Mall
from mpp.complaints.demo import complaint_demo_load
from mpp.complaints.models import Complaint
from mpp.consultation.demo import consultation_demo_load
from mpp.consultation.models import Topic
from mpp.queueing import services as queue
from mpp.search.services import search_index_rebuild
from tests.clock import Clock, working_day_ahead

STREAMS = r"/stream$"  # server-sent events: a response that does not end
EXAMPLES = int(os.environ.get("MPP_SCHEMATHESIS_EXAMPLES", "25"))  # per operation (~36)

# Dates and instants at the ends of the calendar as often as in between: Python's date
# arithmetic overflows there (a day after 9999-12-31), which random dates rarely reach.
EDGE_DATES = [dt.date.min, dt.date.max, dt.date(1970, 1, 1), dt.date(2000, 2, 29)]
schemathesis.openapi.format(
    "date", st.one_of(st.sampled_from(EDGE_DATES), st.dates()).map(dt.date.isoformat)
)
schemathesis.openapi.format(
    "date-time",
    st.one_of(
        st.sampled_from(["0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "9999-12-31T23:59:59"]),
        st.datetimes(timezones=st.just(dt.UTC)).map(dt.datetime.isoformat),
    ),
)

schema = schemathesis.openapi.from_dict(api.get_openapi_schema()).exclude(path_regex=STREAMS)
schema.app = get_wsgi_application()

SERVICE = "dukcapil-ktp-el-baru"
KNOWN: dict[str, str] = {}  # path parameter -> a value that exists in the world


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """The demo mall at 10:00 of a working day: an open counter, tickets, a booking.

    Loaded once for every operation (about 4 s) and committed, since the requests of
    schemathesis commit too; the tables are flushed at the end, as after any
    transactional test. The clock stays at that working day until then."""
    clock = Clock()
    fast = override_settings(
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        MPP_RATE_LIMITS={name: (100_000, 60) for name in django_settings.MPP_RATE_LIMITS},
    )
    fast.enable()
    try:
        with django_db_blocker.unblock():
            now = clock.working_day(dt.time(10))
            yield _world_load(now)
    finally:
        with django_db_blocker.unblock():
            call_command("flush", interactive=False, verbosity=0)
        fast.disable()
        clock.stop()


def _world_load(now: dt.datetime) -> dict:
    demo_load()
    booking_demo_load()
    search_index_rebuild()
    complaint_demo_load()
    consultation_demo_load()
    mall = Mall.objects.get(code=DEMO_MALL)
    counter = Counter.objects.get(mall=mall, number=1)
    officer = User.objects.get(username="petugas.dukcapil")
    queue.counter_open(counter_id=counter.pk, officer_id=officer.pk)
    tickets = [queue.ticket_issue(mall=mall, service_code=SERVICE) for _ in range(3)]
    queue.ticket_call_next(counter_id=counter.pk, actor_id=officer.pk)
    booking = booking_create(
        mall=mall,
        service_code=SERVICE,
        date=working_day_ahead(1, now.date()),
        slot_start="09:00",
        nik="3210014107900001",
        name="Siti Aminah",
        phone="081234567890",
        channel="web",
    )
    KNOWN.update(
        mall=mall.code,
        service=SERVICE,
        ticket_id=str(tickets[0].pk),
        counter=str(counter.pk),
        code=booking.code,
        topic_id=str(Topic.objects.filter(mall=mall).order_by("pk").first().pk),
        channel="sms",
    )
    complaint_code = Complaint.objects.filter(mall=mall).order_by("pk").first().code
    token = token_create(username="admin", name="schemathesis")
    return {"token": token, "complaint_code": complaint_code}


def _known(case, complaint_code: str) -> None:
    """Swap three in four path parameters for values that exist (decided by the
    generated value's hash, so a run repeats itself)."""
    for name, value in list((case.path_parameters or {}).items()):
        known = (
            complaint_code if name == "code" and "/complaints/" in case.path else KNOWN.get(name)
        )
        if known is None:
            continue
        digest = hashlib.sha256(repr(value).encode()).digest()
        if digest[0] % 4:
            case.path_parameters[name] = known


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    derandomize=True,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    database=None,
)
def test_no_request_makes_the_api_fail_with_a_5xx(case, world, django_db_blocker):
    # No test transaction around it: the database runs in autocommit, as a server's does
    # (inside one, a failed statement would break every later request of the test).
    _known(case, world["complaint_code"])
    headers = {"Authorization": f"Bearer {world['token']}"}
    with django_db_blocker.unblock():
        case.call_and_validate(headers=headers, checks=[not_a_server_error])


def test_every_operation_but_the_streams_is_exercised(db):
    """The run above covers the whole spec (and, asking for `db`, has pytest-django create
    the test database that the world is loaded into even when this module runs alone)."""
    spec = api.get_openapi_schema()
    every = {(m.upper(), p) for p, ops in spec["paths"].items() for m in ops}
    exercised = {(op.method.upper(), op.path) for op in _operations()}
    assert {p for _, p in every - exercised} == {"/api/v1/malls/{mall}/board/stream"}
    assert len(exercised) >= 36


def _operations():
    return [result.ok() for result in schema.get_all_operations()]
