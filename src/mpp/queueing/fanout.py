"""Telling display boards and ticket pages that a mall's queue changed.

Two backends behind one pair of functions:
- in-process (default): subscribers are asyncio queues in this server process;
  enough for a pilot mall served by one process.
- Redis pub/sub (when REDIS_URL is set): every server process hears every change,
  so several workers can serve boards.

Publishing is called from `transaction.on_commit`, so a board never shows a
change that was rolled back. A message carries only the mall id and the event
kind: subscribers read the fresh state from the database.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import threading
from collections.abc import AsyncIterator

from django.conf import settings

log = logging.getLogger(__name__)

_CHANNEL = "mpp:mall:{}"


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

    async def subscribe(self, mall_id: int) -> AsyncIterator[dict]:
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue = asyncio.Queue()
        entry = (loop, queue)
        with self._lock:
            self._subs.setdefault(mall_id, set()).add(entry)
        try:
            while True:
                yield await queue.get()
        finally:
            with self._lock:
                self._subs.get(mall_id, set()).discard(entry)


_local = _LocalHub()
_redis_client = None
_redis_lock = threading.Lock()


def _redis():
    global _redis_client
    if _redis_client is None:
        with _redis_lock:
            if _redis_client is None:
                import redis

                _redis_client = redis.Redis.from_url(settings.REDIS_URL)
    return _redis_client


def publish(mall_id: int, kind: str) -> None:
    """Tell every subscriber of this mall that something of `kind` happened."""
    message = {"mall_id": mall_id, "kind": kind}
    if settings.REDIS_URL:
        try:
            _redis().publish(_CHANNEL.format(mall_id), json.dumps(message))
            return
        except Exception:  # Redis down: boards in this process still hear it
            log.warning("redis publish failed; falling back to in-process fan-out")
    _local.publish(mall_id, message)


async def subscribe(mall_id: int) -> AsyncIterator[dict]:
    """Yield a message each time this mall's queue changes (until cancelled)."""
    if not settings.REDIS_URL:
        async for message in _local.subscribe(mall_id):
            yield message
        return
    import redis.asyncio as aioredis

    client = aioredis.Redis.from_url(settings.REDIS_URL)
    pubsub = client.pubsub()
    await pubsub.subscribe(_CHANNEL.format(mall_id))
    try:
        async for raw in pubsub.listen():
            if raw.get("type") != "message":
                continue
            try:
                yield json.loads(raw["data"])
            except ValueError:
                continue
    finally:
        await pubsub.unsubscribe()
        await pubsub.aclose()
        await client.aclose()
