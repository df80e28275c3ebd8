"""Load shedding (mpp.core.shedding): the gates on their own, the middleware through the
whole stack, and 503s under real concurrency against a live server."""

import asyncio
import threading
import time

import httpx
import pytest

from mpp.bookings.models import Booking
from mpp.core.shedding import AsyncGate, SyncGate, is_booking_write
from tests.api.helpers import assert_error, post_json
from tests.core.booking_world import body, bookable_policy, counts, isolate_rate_limits, niks

# The gates --------------------------------------------------------------------------


def test_async_gate_admits_queues_hands_over_and_refuses():
    async def scenario():
        gate = AsyncGate()
        assert await gate.enter(2, 1, 1.0) and await gate.enter(2, 1, 1.0)
        waiting = asyncio.create_task(gate.enter(2, 1, 1.0))
        await asyncio.sleep(0.01)
        assert not waiting.done() and len(gate.waiters) == 1
        assert await gate.enter(2, 1, 1.0) is False  # the queue is full: refused at once
        gate.leave()  # the place goes to the waiter
        assert await waiting is True
        assert gate.inflight == 2 and not gate.waiters
        started = time.monotonic()
        assert await gate.enter(2, 1, 0.05) is False  # waited too long
        assert time.monotonic() - started >= 0.04  # it waited its 0.05 s, then gave up
        assert not gate.waiters
        gate.leave()
        gate.leave()
        assert gate.inflight == 0

    asyncio.run(scenario())


def test_async_gate_forgets_a_waiter_whose_client_went_away():
    async def scenario():
        gate = AsyncGate()
        assert await gate.enter(1, 5, 5.0)
        waiting = asyncio.create_task(gate.enter(1, 5, 5.0))
        await asyncio.sleep(0.01)
        waiting.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiting
        assert not gate.waiters
        gate.leave()
        assert gate.inflight == 0
        assert await gate.enter(1, 5, 5.0)  # the place is free again

    asyncio.run(scenario())


def test_sync_gate_bounds_threads():
    gate = SyncGate()
    assert gate.enter(1, 1, 1.0)
    outcome = {}

    def second():
        outcome["admitted"] = gate.enter(1, 1, 2.0)

    thread = threading.Thread(target=second)
    thread.start()
    time.sleep(0.05)
    assert gate.waiting == 1
    assert gate.enter(1, 1, 1.0) is False  # queue full
    gate.leave()
    thread.join(2)
    assert outcome["admitted"] is True and gate.inflight == 1
    assert gate.enter(1, 1, 0.05) is False  # timed out
    gate.leave()
    assert gate.inflight == 0


def test_which_requests_are_booking_writes(settings):
    assert is_booking_write("POST", "/api/v1/malls/mpp-x/bookings")
    assert is_booking_write("POST", "/api/v1/bookings/ABCD2345/reschedule")
    assert is_booking_write("POST", "/api/v1/bookings/ABCD2345/check-in")
    assert is_booking_write("DELETE", "/api/v1/bookings/ABCD2345")
    assert not is_booking_write("GET", "/api/v1/bookings/ABCD2345")
    assert not is_booking_write("GET", "/api/v1/malls/mpp-x/services/s/slots")
    assert not is_booking_write("POST", "/api/v1/malls/mpp-x/tickets")
    settings.MPP_SHED_PATHS = [("POST", r"^/booking/")]
    assert is_booking_write("POST", "/booking/mpp-x/new")
    assert not is_booking_write("POST", "/api/v1/malls/mpp-x/bookings")


# Through the stack (sync: the test client) ------------------------------------------


@pytest.mark.django_db
def test_no_room_at_all_sheds_with_503_and_retry_after(client, mall, settings):
    isolate_rate_limits(settings)
    policy, date = bookable_policy(mall)
    settings.MPP_BOOKING_MAX_INFLIGHT = 0
    settings.MPP_BOOKING_MAX_QUEUE = 0
    before = counts()
    response = post_json(client, f"/api/v1/malls/{mall.code}/bookings", body(policy, date))
    data = assert_error(response, 503, "overloaded")
    assert 2 <= int(response["Retry-After"]) <= 5
    assert response["Retry-After"] in data["message"]
    assert counts() == before
    slots = f"/api/v1/malls/{mall.code}/services/{policy.offering.service.code}/slots"
    assert client.get(f"{slots}?date={date}").status_code == 200  # reads are never shed
    settings.MPP_SHED_PATHS = [("POST", r"^/booking/")]
    page = client.post("/booking/anything", {"nik": "x"}, HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 503 and page["Content-Type"].startswith("text/html")
    assert "Retry-After" in page


# Real concurrency against a live server ---------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_overload_is_shed_quickly_while_admitted_requests_complete(server_url, mall, settings):
    settings.MPP_RATE_LIMITS = {}
    settings.MPP_BOOKING_MAX_INFLIGHT = 1
    settings.MPP_BOOKING_MAX_QUEUE = 2
    # Queued requests may wait long (a busy machine must not shed them for waiting), so a
    # 503 answered well before that was shed for a full queue, not after waiting its turn.
    settings.MPP_BOOKING_QUEUE_SECONDS = 30
    policy, date = bookable_policy(mall, online_per_slot=100)
    path = f"{server_url}/api/v1/malls/{mall.code}/bookings"
    slots = (
        f"{server_url}/api/v1/malls/{mall.code}/services/{policy.offering.service.code}"
        f"/slots?date={date}"
    )
    people = niks(40)
    warm = httpx.post(path, json=body(policy, date, nik=niks(1, start=99)[0]), timeout=30)
    assert warm.status_code == 201  # the day's slots are made, caches filled

    async def fire():
        limits = httpx.Limits(max_connections=100)
        async with httpx.AsyncClient(timeout=30, limits=limits) as client:

            async def post(nik):
                started = time.monotonic()
                response = await client.post(path, json=body(policy, date, nik=nik))
                return response, time.monotonic() - started

            return await asyncio.gather(
                *(post(nik) for nik in people), *(client.get(slots) for _ in range(10))
            )

    results = asyncio.run(fire())
    posts, reads = results[: len(people)], results[len(people) :]
    statuses = [r.status_code for r, _ in posts]
    assert set(statuses) <= {201, 503}, statuses
    shed = [(r, t) for r, t in posts if r.status_code == 503]
    assert shed, "40 at once with room for 3 must shed some"
    assert statuses.count(201) >= 1
    for response, _ in shed:
        assert response.json()["code"] == "overloaded"
        assert 2 <= int(response.headers["Retry-After"]) <= 5
    # A request shed for a full queue is answered at once, not after waiting its turn.
    assert min(t for _, t in shed) < settings.MPP_BOOKING_QUEUE_SECONDS / 3
    assert all(r.status_code == 200 for r in reads)  # reads are never shed
    assert Booking.objects.count() == 1 + statuses.count(201)  # a shed request wrote nothing
