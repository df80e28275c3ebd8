"""The display board (TV) of a mall: who is called to which counter, and how many wait.

The page is rendered from the same snapshot the API streams
(queueing.selectors.board_snapshot), so it is complete without JavaScript; the
script then follows the board stream and calls new tickets aloud.

The board stays public (docs/devices.md): it shows only numbers and counters, the same
snapshot the public API streams, and citizens follow it from their phones too. A TV
enrolled as a registered board of the mall (mpp.devices) is recognised: the admin sees
when it was last seen, and its enrolment is kept alive while it shows the board.
"""

import datetime as dt

from django.http import Http404
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _

from mpp.catalog.selectors import mall_get
from mpp.devices.enrolment import cookie_refresh, device_from_request
from mpp.devices.models import DeviceKind
from mpp.queueing import speech
from mpp.queueing.selectors import board_snapshot

VOICE_DIR = "queueing/voice/"
VOICE_EXT = ".mp3"


def counters_size(count: int) -> str:
    """How large the counter cards are drawn, so that all counters fit on one screen.

    board.js has the same rule."""
    return "l" if count <= 8 else "m" if count <= 16 else "s"


def voice_clips() -> dict[str, str]:
    """The URL of every recorded clip by name (each through static(), so hashed names work)."""
    names = [speech.CHIME, *map(speech.clip_name, speech.clip_words())]
    return {name: static(f"{VOICE_DIR}{name}{VOICE_EXT}") for name in names}


def _labels() -> dict:
    """Words the script needs when it redraws the board (translated like the page)."""
    return {
        "called": _("Please come forward"),
        "serving": _("Being served"),
        "recalled": _("Called again"),
        "go_to": _("please go to"),
        "free": _("Open"),
        "closed": _("Closed"),
        "no_calls": _("No calls yet today"),
        "nobody_waiting": _("Nobody is waiting"),
        "live": _("Live"),
        "reconnecting": _("Offline: reconnecting…"),
        # the stream reads the database every few seconds while Redis is down
        "backup": _("Live (backup mode)"),
    }


def board(request, mall: str):
    mall_obj = mall_get(mall)
    if mall_obj is None:
        raise Http404(_("Unknown mall."))
    snapshot = board_snapshot(mall_obj)
    calls = snapshot["last_calls"]
    for call in calls:  # the time of day as the board shows it, in the mall's zone
        call["time"] = dt.datetime.fromisoformat(call["at"]).astimezone(mall_obj.tz)
    config = {
        "mall": mall_obj.code,
        "timezone": mall_obj.timezone,
        "lastEventId": max((c["event_id"] for c in calls), default=0),
        "stream": f"{reverse('api-v1:api-root')}malls/{mall_obj.code}/board/stream",
        "clips": voice_clips(),
        "labels": _labels(),
    }
    device = device_from_request(request, kind=DeviceKind.BOARD)  # seen: last_seen_at
    response = render(
        request,
        "queueing/board.html",
        {
            "mall": mall_obj,
            "snapshot": snapshot,
            "newest": calls[0] if calls else None,
            "counters_size": counters_size(len(snapshot["now_serving"])),
            "board_config": config,
            "now": mall_obj.local_now(),
        },
    )
    if device is not None and device.mall_id == mall_obj.pk:
        cookie_refresh(response, request)
    return response
