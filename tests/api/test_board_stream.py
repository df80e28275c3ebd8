"""The live board over a real ASGI server: server-sent events follow the queue.

The server: the `server_url` fixture (tests/conftest.py, tests/live_server.py).
"""

import json
import time

import httpx
import pytest
from django.db import transaction

from mpp.api.routers import board
from mpp.core import cache as failsoft
from mpp.queueing import fanout
from mpp.queueing import services as q
from tests.dead_redis import closed_port_url
from tests.factories import CounterFactory, MallFactory, OfferingFactory, UserFactory

# How long a snapshot may take to arrive before the test gives up: room for a busy
# 2-core machine, not a promise about speed (no timing assertions in tests).
WITHIN = 15


@pytest.fixture
def place(transactional_db):
    mall = MallFactory()
    offering = OfferingFactory(booth__mall=mall)
    counter = CounterFactory(mall=mall, booth=offering.booth, serves=[offering])
    officer = UserFactory(mall=mall, booth=offering.booth)
    return mall, offering, counter, officer


def sse(lines):
    """Parse server-sent events: yields ("board", dict) per event and ("comment", text)."""
    event, data = None, []
    for line in lines:
        if line.startswith(":"):
            yield "comment", line[1:].strip()
        elif line.startswith("event:"):
            event = line[6:].strip()
        elif line.startswith("data:"):
            data.append(line[5:].strip())
        elif line == "" and (event or data):
            assert len(data) == 1, "a snapshot is one data line"
            yield event, json.loads(data[0])
            event, data = None, []


def next_board(events, until, within: float):
    """Read board events until `until(snapshot)` holds; return it and how many were read."""
    start, seen = time.monotonic(), 0
    for kind, payload in events:
        if kind != "board":
            continue
        seen += 1
        if until(payload):
            return payload, seen, time.monotonic() - start
        assert time.monotonic() - start < within, "no matching snapshot in time"
    raise AssertionError("stream ended")


def open_stream(http, mall):
    return http.stream("GET", f"/api/v1/malls/{mall.code}/board/stream")


def test_stream_sends_a_snapshot_then_one_after_each_change(server_url, place, clock):
    clock.midday()  # a ticket issued before midnight is not waiting after it
    mall, offering, counter, officer = place
    with (
        httpx.Client(base_url=server_url, timeout=WITHIN) as http,
        open_stream(http, mall) as response,
    ):
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        assert response.headers["cache-control"] == "no-cache"
        assert response.headers["x-accel-buffering"] == "no"
        events = sse(response.iter_lines())

        kind, first = next(events)
        assert kind == "board"
        assert first["mall"] == mall.code and first["waiting_total"] == 0

        ticket = q.ticket_issue(mall=mall, service_code=offering.service.code)
        snap, _, _ = next_board(events, lambda s: s["waiting_total"] == 1, within=WITHIN)
        assert snap["waiting"][0]["service"] == offering.service.code

        q.ticket_call_next(counter_id=counter.pk, actor_id=officer.pk)
        snap, _, _ = next_board(
            events, lambda s: s["now_serving"][0]["ticket"] == ticket.number, within=WITHIN
        )
        assert snap["last_calls"][0]["number"] == ticket.number
        assert snap["waiting_total"] == 0

    # The board went away: its subscription is dropped (no leak per reconnect).
    deadline = time.monotonic() + WITHIN
    while fanout._local._subs.get(mall.pk):
        assert time.monotonic() < deadline, "subscriber left behind after disconnect"
        time.sleep(0.02)


def test_a_burst_of_changes_gives_one_or_two_snapshots(server_url, place, clock):
    clock.midday()
    mall, offering, _, _ = place
    with (
        httpx.Client(base_url=server_url, timeout=WITHIN) as http,
        open_stream(http, mall) as response,
    ):
        events = sse(response.iter_lines())
        assert next(events)[0] == "board"
        with transaction.atomic():  # ten announcements land at once, at commit
            for _ in range(10):
                q.ticket_issue(mall=mall, service_code=offering.service.code)
        snap, seen, _ = next_board(events, lambda s: s["waiting_total"] == 10, within=WITHIN)
        assert seen <= 2


def test_stream_pings_while_nothing_happens(server_url, place, monkeypatch):
    monkeypatch.setattr(board, "PING_SECONDS", 0.2)
    mall = place[0]
    with (
        httpx.Client(base_url=server_url, timeout=WITHIN) as http,
        open_stream(http, mall) as response,
    ):
        events = sse(response.iter_lines())
        assert next(events)[0] == "board"
        assert next(events) == ("comment", "ping")
        assert next(events) == ("comment", "ping")


def test_stream_of_an_unknown_mall_is_a_json_404(server_url):
    response = httpx.get(f"{server_url}/api/v1/malls/nope/board/stream", timeout=WITHIN)
    assert response.status_code == 404
    assert response.json()["code"] == "mall_not_found"


def test_board_json_over_asgi(server_url, place, clock):
    clock.midday()
    mall, offering, _, _ = place
    q.ticket_issue(mall=mall, service_code=offering.service.code)
    response = httpx.get(f"{server_url}/api/v1/malls/{mall.code}/board", timeout=WITHIN)
    assert response.status_code == 200
    assert response.json()["waiting_total"] == 1


def test_stream_stays_open_and_reads_the_database_while_redis_is_down(
    server_url, place, settings, monkeypatch
):
    """With Redis dead the stream used to end (and again every 3 s on reconnect). Now it
    says `status: backup` and sends the changes it reads from the database."""
    settings.REDIS_URL = closed_port_url()  # after server_url, which clears it
    failsoft.breakers_reset()
    monkeypatch.setattr(fanout, "_redis_client", None)
    monkeypatch.setattr(fanout, "POLL_SECONDS", 0.3)
    mall, offering, counter, officer = place
    with httpx.Client(base_url=server_url, timeout=5) as http, open_stream(http, mall) as response:
        events = sse(response.iter_lines())
        assert next(events)[0] == "board"
        assert next(events) == ("status", {"mode": "backup"})
        # A change made by another server process: no message reaches this one.
        monkeypatch.setattr(fanout, "publish", lambda mall_id, kind: None)
        ticket = q.ticket_issue(mall=mall, service_code=offering.service.code)
        snap, seen, _ = next_board(events, lambda s: s["waiting_total"] == 1, within=5)
        assert seen == 1  # polling sends a frame only when something changed
        q.ticket_call_next(counter_id=counter.pk, actor_id=officer.pk)
        snap, _, _ = next_board(
            events, lambda s: s["now_serving"][0]["ticket"] == ticket.number, within=5
        )
        assert snap["waiting_total"] == 0
    failsoft.breakers_reset()
