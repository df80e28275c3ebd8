"""Answers to follow-up questions about the service the conversation is about.

Why: after "This is the service you need: Penggantian KTP-el ...", a citizen asks
"berapa biayanya?" or "loketnya dimana?". Searching those words finds nothing (or the
wrong thing); the answer is one fact of the service already answered. The engine keeps
only the service's code in its state; this module reads the service again (the search's
card by code) and answers the aspects asked (intents.read): the fee, what to bring,
how long it takes, where it is served, the next steps (queue number, book or apply
online) and the mall's opening hours. Each answer names the service, so a citizen
reading it later (or a gateway showing it alone) knows what it is about.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from mpp.assistant.answers import PLACES_SHOWN, Answer, Kind, Step, step
from mpp.assistant.intents import FEE, HOURS, REQUIREMENTS, STEPS, TIME, WHERE
from mpp.catalog.models import OpeningHours
from mpp.catalog.pages import fee_label
from mpp.catalog.selectors import mall_get
from mpp.search.selectors import SearchHit

REQUIREMENTS_MAX = 10  # a follow-up on requirements lists them all, up to this many


def _place_links(hit: SearchHit) -> list[Step]:
    """National answers: a link to the service's page in each mall shown."""
    return [
        Step(kind="detail", label=f"{p.mall_name} ({p.booth})", url=p.detail_url)
        for p in hit.places[:PLACES_SHOWN]
        if p.detail_url
    ]


def _several_malls(hit: SearchHit) -> str:
    return _("%(service)s is served in %(n)d malls; choose one:") % {
        "service": hit.name,
        "n": hit.place_count,
    }


def _fee(hit: SearchHit) -> tuple[list[str], list[Step]]:
    fee = fee_label(hit.fee, varies=hit.fee_varies)
    return [_("Fee for %(service)s: %(fee)s.") % {"service": hit.name, "fee": fee}], []


def _requirements(hit: SearchHit) -> tuple[list[str], list[Step]]:
    if not hit.requirements:
        line = _("The catalogue lists nothing to bring for %(service)s; ask at the booth.")
        return [line % {"service": hit.name}], []
    shown = hit.requirements[:REQUIREMENTS_MAX]
    lines = [_("What to bring for %(service)s:") % {"service": hit.name}]
    lines += [f"- {r}" for r in shown]
    if len(hit.requirements) > len(shown):
        lines.append(_("- and %(n)d more") % {"n": len(hit.requirements) - len(shown)})
    return lines, []


def _time(hit: SearchHit) -> tuple[list[str], list[Step]]:
    if not hit.completion_time:
        line = _("The catalogue gives no completion time for %(service)s; ask at the booth.")
        return [line % {"service": hit.name}], []
    line = _("Time to complete %(service)s: %(time)s.")
    return [line % {"service": hit.name, "time": hit.completion_time}], []


def _where(hit: SearchHit) -> tuple[list[str], list[Step]]:
    place = hit.place
    if place is None:
        return [_several_malls(hit)], _place_links(hit)
    booth = place.booth + (f" ({place.booth_location})" if place.booth_location else "")
    lines = [
        _("%(service)s is served at %(booth)s, %(mall)s.")
        % {"service": hit.name, "booth": booth, "mall": place.mall_name}
    ]
    if place.ticket_prefix:
        lines.append(
            _("Its queue numbers start with %(letter)s.") % {"letter": place.ticket_prefix}
        )
    mall = mall_get(place.mall_code)
    if mall is not None and mall.address:
        lines.append(_("Address: %(address)s") % {"address": mall.address})
    links = [step("detail", place.detail_url)] if place.detail_url else []
    return lines, links


def _steps(hit: SearchHit) -> tuple[list[str], list[Step]]:
    if hit.place is None:
        return [_several_malls(hit)], _place_links(hit)
    steps = [s for s in hit.next_steps if s.kind in ("ticket", "book", "apply")]
    online = [s for s in steps if s.kind in ("book", "apply")]
    if not online:
        line = _(
            "%(service)s cannot be booked or applied for online: take a queue number at the mall."
        )
        return [line % {"service": hit.name}], [step(s.kind, s.url) for s in steps]
    lines = [_("For %(service)s you can:") % {"service": hit.name}]
    links = [step(s.kind, s.url) for s in steps if s.url]
    if any(s.kind == "apply" and not s.url for s in steps):
        lines.append(_("Can also be applied for online."))
    return lines, links


def opening_hours_lines(mall_id: int) -> list[str]:
    """A mall's week: "Monday–Thursday: 07:30–15:30" (following days of equal hours
    together), then the days it is closed."""
    rows = {h.weekday: (h.opens, h.closes) for h in OpeningHours.objects.filter(mall_id=mall_id)}
    names = {day: str(label) for day, label in OpeningHours.Weekday.choices}
    runs: list[list[int]] = []
    for day in sorted(rows):
        if runs and runs[-1][-1] == day - 1 and rows[runs[-1][0]] == rows[day]:
            runs[-1].append(day)
        else:
            runs.append([day])
    lines = []
    for run in runs:
        opens, closes = rows[run[0]]
        days = names[run[0]] + (f"–{names[run[-1]]}" if len(run) > 1 else "")
        lines.append(f"{days}: {opens:%H:%M}–{closes:%H:%M}")
    closed = [names[d] for d in range(7) if d not in rows]
    if closed:
        lines.append(_("Closed: %(days)s") % {"days": ", ".join(closed)})
    return lines


def _hours(hit: SearchHit) -> tuple[list[str], list[Step]]:
    place = hit.place
    mall = mall_get(place.mall_code) if place else None
    if mall is None:
        return [_several_malls(hit)], _place_links(hit)
    hours = opening_hours_lines(mall.pk)
    if not hours:
        line = _("%(service)s is served at %(mall)s; its opening hours are not in the catalogue.")
        return [line % {"service": hit.name, "mall": mall.name}], []
    line = _("%(service)s is served at %(mall)s, open:")
    return [line % {"service": hit.name, "mall": mall.name}, *hours], []


_ANSWERS = {
    FEE: _fee,
    REQUIREMENTS: _requirements,
    TIME: _time,
    WHERE: _where,
    STEPS: _steps,
    HOURS: _hours,
}


def follow_up(hit: SearchHit, aspects: tuple[str, ...]) -> Answer:
    """One short answer on the aspects asked of the service (in intents.ASPECTS order)."""
    lines: list[str] = []
    links: list[Step] = []
    for aspect in aspects:
        more_lines, more_links = _ANSWERS[aspect](hit)
        lines += more_lines
        links += [link for link in more_links if link not in links]
    return Answer(
        kind=Kind.FOLLOW_UP,
        lines=tuple(lines),
        links=tuple(links),
        topic=hit.service_code,
        aspects=aspects,
    )
