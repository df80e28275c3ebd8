"""Load shedding on the booking write paths: a few requests in flight, a short queue,
and a quick 503 with Retry-After beyond that.

Why: when the quotas open at 07:00, thousands press "book" in the same second. Past
what the database can do, letting every request in only makes all of them slow (each
one holds a thread and a database connection, SQLite writers queue on the lock) until
they all time out. Instead each server process lets at most MPP_BOOKING_MAX_INFLIGHT
booking writes run at once; up to MPP_BOOKING_MAX_QUEUE more wait, each at most
MPP_BOOKING_QUEUE_SECONDS; everyone else is answered at once with 503
{"code": "overloaded"} and Retry-After (MPP_SHED_RETRY_AFTER seconds, jittered so the
retries do not come back together). Admitted requests stay fast, refused ones cost
almost nothing, and the rate of accepted bookings stays at what the database sustains.

Why not a waiting room (a page that admits people at a fixed rate): it needs a token
per visitor and a fixed admission rate someone must tune for each server, and an API
client gets nothing from it; 503 + Retry-After is what HTTP clients, proxies and the
booking pages already understand, and the in-flight limit adapts by itself to how fast
the database is today. Reads (the slot list) are never shed: they do not write.

The middleware is first in settings.MIDDLEWARE and async-capable: under ASGI a refused
or waiting request never takes a thread; other paths pass straight through. Under WSGI
(the test client) it works the same with a thread condition. Limits are per process;
read on each request, so they can be changed in tests. Which requests are booking
writes: settings.MPP_SHED_PATHS, (method, regex on the path) pairs; the booking pages
add theirs there.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import logging
import random
import re
import threading
import time
import weakref
from collections import deque
from functools import lru_cache

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.utils.translation import gettext as _

from mpp.core.middleware import HybridMiddleware

DEFAULT_PATHS = (
    ("POST", r"^/api/v1/malls/[^/]+/bookings/?$"),
    ("POST", r"^/api/v1/bookings/[^/]+/(reschedule|check-in)/?$"),
    ("DELETE", r"^/api/v1/bookings/[^/]+/?$"),
)

log = logging.getLogger(__name__)
LOG_EVERY_SECONDS = 60.0

stats = {"admitted": 0, "shed": 0}  # this process's counts, for tests and curiosity


@lru_cache(maxsize=8)
def _compiled(paths: tuple) -> tuple:
    return tuple((method.upper(), re.compile(pattern)) for method, pattern in paths)


def is_booking_write(method: str, path: str) -> bool:
    paths = tuple(tuple(p) for p in getattr(settings, "MPP_SHED_PATHS", DEFAULT_PATHS))
    return any(m == method and rx.match(path) for m, rx in _compiled(paths))


def _limits() -> tuple[int, int, float]:
    return (
        int(getattr(settings, "MPP_BOOKING_MAX_INFLIGHT", 8)),
        int(getattr(settings, "MPP_BOOKING_MAX_QUEUE", 64)),
        float(getattr(settings, "MPP_BOOKING_QUEUE_SECONDS", 1.0)),
    )


class AsyncGate:
    """At most `limit` holders; up to `max_queue` waiters in order, each for `timeout`
    seconds. One per event loop (a uvicorn worker has one)."""

    def __init__(self) -> None:
        self.inflight = 0
        self.waiters: deque[asyncio.Future] = deque()

    async def enter(self, limit: int, max_queue: int, timeout: float) -> bool:
        if self.inflight < limit and not self.waiters:
            self.inflight += 1
            return True
        if len(self.waiters) >= max_queue or timeout <= 0:
            return False
        fut = asyncio.get_running_loop().create_future()
        self.waiters.append(fut)
        try:
            await asyncio.wait((fut,), timeout=timeout)
        except asyncio.CancelledError:  # the client went away while waiting
            self._abandon(fut)
            raise
        if fut.done() and not fut.cancelled():
            return True  # a leaving holder handed its place over
        self._abandon(fut)
        return False

    def _abandon(self, fut: asyncio.Future) -> None:
        if fut.done() and not fut.cancelled():
            self.leave()  # handed a place that will not be used: pass it on
            return
        fut.cancel()
        with contextlib.suppress(ValueError):
            self.waiters.remove(fut)

    def leave(self) -> None:
        while self.waiters:
            fut = self.waiters.popleft()
            if not fut.done():
                fut.set_result(None)  # the place goes straight to the first waiter
                return
        self.inflight -= 1


class SyncGate:
    """The same for sync (WSGI) serving: a condition shared by the worker threads."""

    def __init__(self) -> None:
        self.cond = threading.Condition()
        self.inflight = 0
        self.waiting = 0

    def enter(self, limit: int, max_queue: int, timeout: float) -> bool:
        with self.cond:
            if self.inflight < limit:
                self.inflight += 1
                return True
            if self.waiting >= max_queue or timeout <= 0:
                return False
            self.waiting += 1
            try:
                admitted = self.cond.wait_for(lambda: self.inflight < limit, timeout)
            finally:
                self.waiting -= 1
            if admitted:
                self.inflight += 1
            return admitted

    def leave(self) -> None:
        with self.cond:
            self.inflight -= 1
            self.cond.notify()


_async_gates: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_sync_gate = SyncGate()


def async_gate() -> AsyncGate:
    loop = asyncio.get_running_loop()
    gate = _async_gates.get(loop)
    if gate is None:
        gate = _async_gates[loop] = AsyncGate()
    return gate


def retry_after() -> int:
    low, high = getattr(settings, "MPP_SHED_RETRY_AFTER", (2, 5))
    return random.randint(int(low), int(high))


def overloaded(request) -> HttpResponse:
    """503 with Retry-After: JSON on the API, a short page elsewhere."""
    seconds = retry_after()
    message = _("Many people are booking right now. Please try again in %(seconds)d seconds.") % {
        "seconds": seconds
    }
    if request.path.startswith("/api/"):
        response = JsonResponse({"code": "overloaded", "message": message}, status=503)
    else:
        body = f"<!doctype html><meta charset=utf-8><title>503</title><p>{html.escape(message)}"
        response = HttpResponse(body, status=503, content_type="text/html; charset=utf-8")
    response["Retry-After"] = str(seconds)
    response["Cache-Control"] = "no-store"
    response["Content-Length"] = str(len(response.content))  # outside CommonMiddleware
    # Shedding is on purpose, not a server error: Django would log each 503 as one
    # (thousands of lines at 07:00); a warning a minute says how many instead.
    response._has_been_logged = True
    stats["shed"] += 1
    _log_shedding()
    return response


_last_log = [0.0, 0]  # when the last warning was logged, requests shed since


def _log_shedding() -> None:
    now = time.monotonic()
    _last_log[1] += 1
    if now - _last_log[0] >= LOG_EVERY_SECONDS:
        log.warning("shedding load: %d booking writes refused with 503", _last_log[1])
        _last_log[0], _last_log[1] = now, 0


class BookingShedMiddleware(HybridMiddleware):
    """Bounds the booking writes in flight in this process; see the module docstring."""

    def __call__(self, request):
        if self.is_async:
            return self._acall(request)
        if not is_booking_write(request.method, request.path):
            return self.get_response(request)
        if not _sync_gate.enter(*_limits()):
            return overloaded(request)
        stats["admitted"] += 1
        try:
            return self.get_response(request)
        finally:
            _sync_gate.leave()

    async def _acall(self, request):
        if not is_booking_write(request.method, request.path):
            return await self.get_response(request)
        gate = async_gate()
        if not await gate.enter(*_limits()):
            return overloaded(request)
        stats["admitted"] += 1
        try:
            return await self.get_response(request)
        finally:
            gate.leave()
