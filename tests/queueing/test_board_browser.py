"""The display board in a real browser while Redis is down: it stays live from the
database and its status line says so ("Live (backup mode)"), without a reload.

Headless Chromium (/usr/bin/chromium via Playwright) against uvicorn serving the test
database in a thread (`server_url`); Redis is a closed port (a killed Redis).
"""

from __future__ import annotations

import pytest

from mpp.core import cache as failsoft
from mpp.queueing import fanout
from mpp.queueing import services as q
from tests.browser import chromium, off_loop, open_page
from tests.dead_redis import closed_port_url
from tests.factories import OfferingFactory

pytestmark = pytest.mark.browser


def test_board_says_backup_mode_and_follows_the_database(server_url, settings, monkeypatch):
    offering = OfferingFactory()
    mall = offering.booth.mall
    settings.REDIS_URL = closed_port_url()  # after server_url, which clears it
    failsoft.breakers_reset()
    monkeypatch.setattr(fanout, "_redis_client", None)
    # Changes made by another server process: no message reaches this one's boards.
    monkeypatch.setattr(fanout, "publish", lambda mall_id, kind: None)
    with chromium() as browser:
        board = open_page(browser, f"{server_url}/m/{mall.code}/board/?lang=en")
        status = board.locator("#board-status")
        status.wait_for(state="visible")
        board.wait_for_function(
            "document.getElementById('board-status').textContent.includes('backup')",
            timeout=5000,
        )
        assert status.text_content().strip() == "Live (backup mode)"
        assert "is-backup" in status.get_attribute("class")
        ticket = off_loop(lambda: q.ticket_issue(mall=mall, service_code=offering.service.code))
        board.wait_for_function(
            "document.getElementById('board-waiting-total').textContent.trim() === '1'",
            timeout=6000,  # read from the database every 2 s
        )
        assert ticket.number.split("-")[0] in board.locator("#board-waiting").text_content()
        assert board.js_errors == []
    failsoft.breakers_reset()
