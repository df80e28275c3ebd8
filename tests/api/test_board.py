"""The board as JSON (the live stream is in test_board_stream.py)."""

import pytest

from mpp.queueing import services as q
from mpp.queueing.selectors import board_snapshot

pytestmark = pytest.mark.django_db


def test_board_json_is_the_snapshot(client, mall, offering, counter, officer):
    first = q.ticket_issue(mall=mall, service_code=offering.service.code)
    q.ticket_issue(mall=mall, service_code=offering.service.code)
    q.ticket_call_next(counter_id=counter.pk, actor_id=officer.pk)

    response = client.get(f"/api/v1/malls/{mall.code}/board")

    assert response.status_code == 200
    body = response.json()
    snapshot = board_snapshot(mall)
    assert set(body) == set(snapshot)
    assert body["mall"] == mall.code
    assert body["waiting_total"] == 1
    [serving] = body["now_serving"]
    assert serving["ticket"] == first.number and serving["status"] == "called"
    assert serving["counter_number"] == counter.number
    [call] = body["last_calls"]
    assert call["number"] == first.number and call["kind"] == "called"
    assert set(call) == set(snapshot["last_calls"][0])
    assert body["waiting"] == snapshot["waiting"]
