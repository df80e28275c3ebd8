"""The display board page: complete without JavaScript, and its voice clips exist."""

import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.urls import reverse

from mpp.queueing import services as q
from mpp.queueing import speech
from tests.factories import CounterFactory, OfferingFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(settings):
    """Assert on the English msgids, whatever the translations say."""
    settings.LANGUAGE_CODE = "en"


def board_url(mall):
    return reverse("board", kwargs={"mall": mall.code})


def test_board_shows_the_current_snapshot_server_side(client, mall, offering, counter, officer):
    waiting_offering = OfferingFactory(booth__mall=mall)
    called = q.ticket_issue(mall=mall, service_code=offering.service.code)
    q.ticket_issue(mall=mall, service_code=waiting_offering.service.code)
    q.ticket_issue(mall=mall, service_code=waiting_offering.service.code)
    q.ticket_call_next(counter_id=counter.pk, actor_id=officer.pk)
    idle = CounterFactory(mall=mall, name="Loket Informasi")

    response = client.get(board_url(mall))

    assert response.status_code == 200
    html = response.content.decode()
    assert mall.name in html
    hero = html.split('id="board-hero"', 1)[1].split("</div>", 1)[0]
    assert called.number in hero and counter.name in hero
    cards = html.split('id="board-counters"', 1)[1].split("</ul>", 1)[0]
    assert 'class="counter-card is-called"' in cards
    assert idle.name in cards and "is-closed" in cards
    last = html.split('id="board-last"', 1)[1].split("</ol>", 1)[0]
    assert called.number in last
    waiting = html.split('id="board-waiting"', 1)[1].split("</ul>", 1)[0]
    assert waiting_offering.service.name in waiting
    assert re.search(r'class="waiting-count">\s*2\s*<', waiting)


def test_board_config_starts_after_the_calls_already_shown(client, mall, offering, counter):
    q.ticket_issue(mall=mall, service_code=offering.service.code)
    q.ticket_call_next(counter_id=counter.pk, actor_id=None)
    response = client.get(board_url(mall))
    config = json.loads(
        re.search(
            r'<script id="board-config" type="application/json">(.*?)</script>',
            response.content.decode(),
            re.S,
        ).group(1)
    )
    snapshot_ids = [c["event_id"] for c in response.context["snapshot"]["last_calls"]]
    assert config["lastEventId"] == max(snapshot_ids) > 0
    assert config["stream"] == f"/api/v1/malls/{mall.code}/board/stream"
    assert config["timezone"] == mall.timezone


def test_empty_board_says_so(client, mall):
    response = client.get(board_url(mall))
    assert response.status_code == 200
    assert 'class="board-hero is-empty"' in response.content.decode()
    assert response.context["board_config"]["lastEventId"] == 0
    assert "No calls yet today" in response.content.decode()


def test_unknown_mall_is_404(client, db):
    response = client.get(reverse("board", kwargs={"mall": "no-such-mall"}))
    assert response.status_code == 404


def test_voice_clips_referenced_by_the_board_exist(client, mall):
    clips = client.get(board_url(mall)).context["board_config"]["clips"]
    assert clips["chime"] == "/static/queueing/voice/chime.mp3"
    assert set(clips) >= {speech.clip_name(w) for w in speech.call_words("B-017", 21)}
    for name, url in clips.items():
        found = finders.find(url.removeprefix(settings.STATIC_URL))
        assert found and Path(found).stat().st_size > 0, name
    script = finders.find("queueing/board.js")
    assert script and "MPPSpeech" in Path(script).read_text()
