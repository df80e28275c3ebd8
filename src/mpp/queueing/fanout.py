"""Telling display boards and ticket pages that a mall's queue changed.

Two backends behind one pair of functions:
- in-process (default): subscribers are asyncio queues in this server process;
  enough for a pilot mall served by one process.
- Redis pub/sub (when REDIS_URL is set): every server process hears every change,
  so several workers can serve boards.

Publishing is called from `transaction.on_commit`, so a board never shows a
change that was rolled back. A message carries only the mall id and the event
kind: subscribers read the fresh state from the database.

Redis is a helper here, never a single point of failure (core.cache):
- publish() gives Redis at most 0.3 s (core.cache.REDIS_OPTIONS); when it fails, or
  while the breaker says Redis is down, the message goes to this process's
  subscribers instead. It never raises: it runs after a commit, and a done write
  must not turn into an error.
- subscribe() never ends because of Redis. Every subscription hears this process's
  own publishes as well; when its Redis connection fails (refused, reset, or no
  answer to a PING within PONG_SECONDS: a hung Redis), it yields DEGRADED, then POLL
  every POLL_SECONDS (the subscriber re-reads the database: changes made by other
  processes are seen that way), tries Redis again every RETRY_SECONDS, and yields
  RESTORED once subscribed again (changes may have been missed: re-read).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import threading
from collections.abc import AsyncIterator, Callable

# Imported here, once: importing redis for the first time in a publishing thread and in
# the event loop at the same moment can deadlock on Python's import locks.
import redis
import redis.asyncio as aioredis
from django.conf import settings

from mpp.core.cache import REDIS_OPTIONS, Breaker

log = logging.getLogger(__name__)

_CHANNEL = "mpp:mall:{}"

# Kinds of the messages subscribe() makes itself (the others come from publish()).
DEGRADED = "fanout.degraded"  # Redis lost: read the database every POLL_SECONDS
POLL = "fanout.poll"  # degraded: time to read the database again
RESTORED = "fanout.restored"  # Redis back: read once, then wait for messages again
POLL_SECONDS = 2.0
RETRY_SECONDS = 3.0
CONNECT_SECONDS = 1.0  # to connect and subscribe
IDLE_PING_SECONDS = 2.0  # a quiet subscription sends a PING after this long
PONG_SECONDS = 1.5  # and gives Redis up when no answer comes within this


class _LocalHub:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subs: dict[int, set[tuple[asyncio.AbstractEventLoop, asyncio.Queue]]] = {}

    def publish(self, mall_id: int, message: dict) -> None:
        with self._lock:
            subs = list(self._subs.get(mall_id, ()))
        for loop, queue in subs:
            with contextlib.suppress(RuntimeError):  # loop closed: subscriber gone
                loop.call_soon_threadsafe(queue.put_nowait, message)

    def register(self, mall_id: int) -> tuple[tuple, asyncio.Queue]:
        queue: asyncio.Queue = asyncio.Queue()
        entry = (asyncio.get_running_loop(), queue)
        with self._lock:
            self._subs.setdefault(mall_id, set()).add(entry)
        return entry, queue

    def unregister(self, mall_id: int, entry: tuple) -> None:
        with self._lock:
            self._subs.get(mall_id, set()).discard(entry)


_local = _LocalHub()
_redis_client = None
_redis_lock = threading.Lock()
_publish_breaker = Breaker("board fan-out")


def _redis():
    global _redis_client
    if _redis_client is None:
        with _redis_lock:
            if _redis_client is None:
                _redis_client = redis.Redis.from_url(settings.REDIS_URL, **REDIS_OPTIONS)
    return _redis_client


def publish(mall_id: int, kind: str) -> None:
    """Tell every subscriber of this mall that something of `kind` happened. Never raises."""
    message = {"mall_id": mall_id, "kind": kind}
    if settings.REDIS_URL and _publish_breaker.allow():
        try:
            _redis().publish(_CHANNEL.format(mall_id), json.dumps(message))
        except Exception as exc:  # noqa: BLE001 - down or hung: this process's boards hear it
            _publish_breaker.failed(exc)
        else:
            _publish_breaker.ok()
            return
    _local.publish(mall_id, message)


async def _read(pubsub, put: Callable[[dict], None]) -> None:
    """Pass the subscription's messages on until it fails; raises on failure."""
    loop = asyncio.get_running_loop()
    last_heard = loop.time()
    ping_sent: float | None = None
    while True:
        raw = await pubsub.get_message(timeout=1.0)
        now = loop.time()
        if raw is not None:
            last_heard, ping_sent = now, None
            if raw.get("type") == "message":
                with contextlib.suppress(ValueError, TypeError):
                    put(json.loads(raw["data"]))
            continue
        if ping_sent is None and now - last_heard >= IDLE_PING_SECONDS:
            await pubsub.ping()
            ping_sent = now
        elif ping_sent is not None and now - ping_sent >= PONG_SECONDS:
            raise TimeoutError("no answer to PING")


async def _pump(mall_id: int, put: Callable[[dict], None]) -> None:
    """Keep a Redis subscription for this mall; report losing and regaining it. Never
    ends by itself: any error (not only Redis's) counts as Redis lost."""
    up: bool | None = None  # unknown until the first try
    while True:
        client = aioredis.Redis.from_url(settings.REDIS_URL, **REDIS_OPTIONS)
        pubsub = client.pubsub()
        try:
            await asyncio.wait_for(pubsub.subscribe(_CHANNEL.format(mall_id)), CONNECT_SECONDS)
            if up is False:
                log.warning("board fan-out for mall %s: Redis is back", mall_id)
                put({"mall_id": mall_id, "kind": RESTORED})
            up = True
            await _read(pubsub, put)
        except Exception as exc:  # noqa: BLE001 - whatever broke, boards poll meanwhile
            if up is not False:
                log.warning(
                    "board fan-out for mall %s: Redis lost (%s); boards poll the database",
                    mall_id,
                    type(exc).__name__,
                )
                put({"mall_id": mall_id, "kind": DEGRADED})
            up = False
        finally:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(pubsub.aclose(), CONNECT_SECONDS)
            with contextlib.suppress(Exception):
                await asyncio.wait_for(client.aclose(), CONNECT_SECONDS)
        await asyncio.sleep(RETRY_SECONDS)


async def subscribe(mall_id: int) -> AsyncIterator[dict]:
    """Yield a message each time this mall's queue changes (until cancelled); with
    Redis, also DEGRADED, POLL and RESTORED (see the module docstring)."""
    entry, queue = _local.register(mall_id)
    pump = None
    if settings.REDIS_URL:
        pump = asyncio.create_task(_pump(mall_id, queue.put_nowait))
    degraded = False
    try:
        while True:
            try:
                if degraded:
                    message = await asyncio.wait_for(queue.get(), POLL_SECONDS)
                else:
                    message = await queue.get()
            except TimeoutError:
                message = {"mall_id": mall_id, "kind": POLL}
            if message.get("kind") == DEGRADED:
                degraded = True
            elif message.get("kind") == RESTORED:
                degraded = False
            yield message
    finally:
        _local.unregister(mall_id, entry)
        if pump is not None:
            pump.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await pump
