"""A booking as an iCalendar file (.ics), so a phone's calendar reminds the citizen.

Why: many citizens lose an SMS but keep their calendar. The file holds the service,
the mall, the slot, the check-in window and what to bring; never the NIK, the phone
number or the name (a calendar may be shared or synced elsewhere).
"""

from __future__ import annotations

import datetime as dt

from django.http import Http404, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from mpp.bookings.calendar import slot_end, slot_start
from mpp.bookings.models import Booking
from mpp.bookings.records import policy_of
from mpp.bookings.selectors import booking_by_code
from mpp.bookings.views.common import code_grouped

LINE_OCTETS = 75
REMIND_BEFORE = "-PT2H"


def ics_escape(text: str) -> str:
    return (
        str(text)
        .replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
    )


def ics_fold(line: str) -> str:
    """Split a content line into 75-octet pieces (RFC 5545 3.1), never inside a character."""
    out, current = [], ""
    for ch in line:
        limit = LINE_OCTETS if not out else LINE_OCTETS - 1  # continuation lines start with " "
        if len((current + ch).encode()) > limit:
            out.append(current)
            current = ""
        current += ch
    out.append(current)
    return "\r\n ".join(out)


def _utc(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def booking_calendar(booking: Booking) -> str:
    policy = policy_of(booking)
    mall = booking.mall
    start, end = slot_start(booking.slot, mall), slot_end(booking.slot, mall)
    opens = (start - dt.timedelta(minutes=policy.checkin_early_minutes)).astimezone(mall.tz)
    closes = (end + dt.timedelta(minutes=policy.grace_minutes)).astimezone(mall.tz)
    service = booking.service
    lines = [
        _("Booking code: %(code)s") % {"code": code_grouped(booking.code)},
        _("Check in at the kiosk between %(opens)s and %(closes)s.")
        % {"opens": f"{opens:%H:%M}", "closes": f"{closes:%H:%M}"},
    ]
    if service.requirements:
        lines.append(_("Bring:"))
        lines.extend(f"- {item}" for item in service.requirements)
    location = ", ".join(p for p in (mall.name, " ".join(mall.address.split())) if p)
    cancelled = booking.status == Booking.Status.CANCELLED
    fields = [
        ("BEGIN", "VCALENDAR"),
        ("VERSION", "2.0"),
        ("PRODID", "-//MPP//Antrean online//ID"),
        ("CALSCALE", "GREGORIAN"),
        ("METHOD", "PUBLISH"),
        ("BEGIN", "VEVENT"),
        ("UID", f"{booking.code}@mpp"),
        ("DTSTAMP", _utc(timezone.now())),
        ("DTSTART", _utc(start)),
        ("DTEND", _utc(end)),
        ("SUMMARY", ics_escape(f"{service.name} · {mall.name}")),
        ("LOCATION", ics_escape(location)),
        ("DESCRIPTION", ics_escape("\n".join(lines))),
        ("STATUS", "CANCELLED" if cancelled else "CONFIRMED"),
        ("SEQUENCE", str(booking.reschedule_count)),
        ("BEGIN", "VALARM"),
        ("ACTION", "DISPLAY"),
        ("TRIGGER", REMIND_BEFORE),
        ("DESCRIPTION", ics_escape(f"{service.name} · {mall.name}")),
        ("END", "VALARM"),
        ("END", "VEVENT"),
        ("END", "VCALENDAR"),
    ]
    return "".join(ics_fold(f"{name}:{value}") + "\r\n" for name, value in fields)


def booking_ics(request, code: str):
    """GET /booking/<code>/ics/: the booking as a calendar event, downloaded."""
    booking = booking_by_code(code, None)
    if booking is None:
        raise Http404(_("No booking with this code."))
    response = HttpResponse(booking_calendar(booking), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="booking-{booking.code}.ics"'
    response["Cache-Control"] = "private, no-store"
    return response
