"""A board left on overnight: the stream sends the new day's board at the mall's midnight.

Nobody issues or calls a ticket at midnight, so no change wakes the stream; without its
day check a TV would show yesterday's queue until the first ticket of the morning.
"""

import datetime as dt
import time

import httpx
import pytest

from mpp.api.routers import board
from mpp.queueing import services as q
from tests.api.test_board_stream import WITHIN, open_stream, sse
from tests.factories import CounterFactory, MallFactory, OfferingFactory


@pytest.mark.clock
@pytest.mark.parametrize("tz", ["Asia/Jakarta", "Asia/Jayapura"])
def test_a_board_left_on_overnight_shows_the_new_day(server_url, transactional_db, clock, tz):
    mall = MallFactory(timezone=tz)
    offering = OfferingFactory(booth__mall=mall)
    CounterFactory(mall=mall, booth=offering.booth, serves=[offering])
    today = clock.today(mall.tz)
    clock.move_to(dt.datetime.combine(today, dt.time(23, 59, 57), tzinfo=mall.tz))
    board.PING_SECONDS, saved = 0.5, board.PING_SECONDS
    try:
        q.ticket_issue(mall=mall, service_code=offering.service.code)
        with (
            httpx.Client(base_url=server_url, timeout=WITHIN) as http,
            open_stream(http, mall) as response,
        ):
            events = sse(response.iter_lines())
            kind, first = next(events)
            assert kind == "board" and first["waiting_total"] == 1
            # Nothing happens in the mall; the clock passes midnight on its own. Pings
            # keep coming either way: give up after WITHIN seconds of them.
            deadline = time.monotonic() + WITHIN
            for kind, payload in events:
                if kind == "board" and payload["waiting_total"] == 0:
                    break
                assert time.monotonic() < deadline, "the board still shows yesterday"
            assert (
                payload["date"]
                == (dt.date.fromisoformat(first["date"]) + dt.timedelta(days=1)).isoformat()
            )
    finally:
        board.PING_SECONDS = saved
