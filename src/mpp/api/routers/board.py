"""The display board: one JSON snapshot, or a live server-sent-events stream of them.

Boards of any vendor can follow a mall's queue without polling: on connect they
get `event: board` with the snapshot, then a fresh one whenever the queue changes
(a burst of changes gives one or two snapshots, not one per change), and a
`: ping` comment every 15 s so proxies keep the connection open. A board left on
overnight gets the new day's (empty) snapshot within 15 s of the mall's midnight. The stream is
an async view (served over ASGI); database reads run in a worker thread.

Redis is a helper here (queueing.fanout): when the fan-out loses Redis the stream stays
open and reads the snapshot from the database every 2 s instead (a frame only when it
changed), and tells the client with `event: status` / `data: {"mode": "backup"}`; when
Redis is back, `data: {"mode": "live"}` and frames after each change again.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator

from asgiref.sync import sync_to_async
from django.core.serializers.json import DjangoJSONEncoder
from django.db import close_old_connections
from django.http import StreamingHttpResponse
from ninja import Router

from mpp.api.lookups import mall_or_404
from mpp.api.schemas import BoardOut, ErrorOut, MallCode
from mpp.catalog.models import Mall
from mpp.queueing import fanout
from mpp.queueing.selectors import board_snapshot

log = logging.getLogger(__name__)

router = Router(tags=["board"])

PING_SECONDS = 15.0  # keep-alive comment interval
SETTLE_SECONDS = 0.05  # after a change, wait this long so a burst gives one snapshot


@router.get(
    "/malls/{mall}/board",
    response={200: BoardOut, 404: ErrorOut},
    operation_id="getBoard",
)
def get_board(request, mall: str = MallCode):
    """What a display board shows now: calling per counter, the last calls, waiting per service."""
    return board_snapshot(mall_or_404(mall))


def _snapshot_line(mall: Mall) -> tuple[str, str]:
    """The board as one line of JSON, and the same without its time of making (to tell
    whether anything changed); runs in a worker thread."""
    try:
        snapshot = board_snapshot(mall)
        line = json.dumps(
            snapshot, cls=DjangoJSONEncoder, ensure_ascii=False, separators=(",", ":")
        )
        snapshot.pop("generated_at", None)
        content = json.dumps(snapshot, cls=DjangoJSONEncoder, sort_keys=True)
        return line, content
    finally:
        # A board may stay connected all day: do not hold a database connection.
        close_old_connections()


class _SharedSnapshots:
    """One snapshot computation per mall and change, shared by every stream in this process.

    A mall's board, its kiosk and hundreds of citizens' phones may follow the same
    stream; they all wake on the same change. The first computes the snapshot, the
    others wait for it and reuse it when it was started after they saw the change.
    """

    def __init__(self) -> None:
        self._lines: dict[int, tuple[float, tuple[str, str]]] = {}
        self._locks: dict[int, asyncio.Lock] = {}

    async def get(self, mall: Mall, *, not_before: float) -> tuple[str, str]:
        loop = asyncio.get_running_loop()
        lock = self._locks.setdefault(mall.pk, asyncio.Lock())
        async with lock:
            hit = self._lines.get(mall.pk)
            if hit is not None and hit[0] >= not_before:
                return hit[1]
            started = loop.time()
            line = await sync_to_async(_snapshot_line)(mall)
            self._lines[mall.pk] = (started, line)
            return line


_shared = _SharedSnapshots()


def _frame(data: str) -> bytes:
    return f"event: board\ndata: {data}\n\n".encode()


def _status_frame(mode: str) -> bytes:
    return f'event: status\ndata: {{"mode":"{mode}"}}\n\n'.encode()


async def board_events(mall: Mall) -> AsyncIterator[bytes]:
    """The stream's frames, until the client goes away (never because Redis failed)."""
    changed = asyncio.Event()
    state = {"mode": "live"}

    async def listen() -> None:
        try:
            async for message in fanout.subscribe(mall.pk):
                kind = message.get("kind")
                if kind == fanout.DEGRADED:
                    state["mode"] = "backup"
                elif kind == fanout.RESTORED:
                    state["mode"] = "live"
                changed.set()
        except Exception:
            log.warning("board fan-out for mall %s failed; polling the database", mall.pk)
        finally:
            state["mode"] = "backup"
            changed.set()  # wake the writer, which then polls by itself

    listener = asyncio.create_task(listen())
    await asyncio.sleep(0)  # let it subscribe before the first snapshot is read
    loop = asyncio.get_running_loop()
    try:
        line, sent = await _shared.get(mall, not_before=loop.time())
        yield _frame(line)
        shown_mode = "live"
        shown_day = mall.today()
        next_ping = loop.time() + PING_SECONDS
        while True:
            ping_in = max(next_ping - loop.time(), 0)
            # No fan-out at all (the listener failed): read the database every few seconds.
            poll_in = fanout.POLL_SECONDS if listener.done() else None
            try:
                await asyncio.wait_for(changed.wait(), timeout=min(ping_in, poll_in or ping_in))
            except TimeoutError:
                new_day = mall.today() != shown_day  # a board left on overnight
                if not new_day and (poll_in is None or ping_in <= poll_in):
                    yield b": ping\n\n"  # (timers may fire a hair early)
                    next_ping = loop.time() + PING_SECONDS
                    continue
            if state["mode"] != shown_mode:
                shown_mode = state["mode"]
                yield _status_frame(shown_mode)
            seen_at = loop.time()
            await asyncio.sleep(SETTLE_SECONDS)
            changed.clear()
            line, content = await _shared.get(mall, not_before=seen_at)
            shown_day = mall.today()
            if content != sent or shown_mode == "live":  # polling: only what changed
                sent = content
                yield _frame(line)
    finally:
        listener.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await listener


@router.get(
    "/malls/{mall}/board/stream",
    response={404: ErrorOut},
    operation_id="streamBoard",
    openapi_extra={
        "responses": {
            200: {
                "description": (
                    "Server-sent events. First `event: board` with `data:` the board "
                    "snapshot (the getBoard JSON on one line), then one such event after "
                    "each change of the queue, and a `: ping` comment every 15 seconds."
                ),
                "content": {
                    "text/event-stream": {
                        "schema": {"type": "string"},
                        "example": 'event: board\ndata: {"mall":"mpp-kota-bandung",...}\n\n',
                    }
                },
            }
        }
    },
)
async def stream_board(request, mall: str = MallCode):
    """Live board: server-sent events with a fresh snapshot after every change."""
    found = await sync_to_async(mall_or_404)(mall)
    response = StreamingHttpResponse(board_events(found), content_type="text/event-stream")
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"
    return response
