"""The messages a booking sends: its one-time code, confirmation, day-before reminder,
cancellation, new time.

Why: the citizen must have the booking code in hand (SMS, and e-mail when given)
and be reminded the day before. Messages go through the notification outbox
(mpp.notifications.services.message_enqueue) inside the booking's own transaction,
so a message exists if and only if the change committed. The context carries the
booking code, service, mall, date, slot and the citizen's name; never the NIK or the
phone number (the phone is only the SMS recipient). The one-time code goes by SMS only
(template booking_code, in src/mpp/bookings/templates/notifications/), and the
confirmation and reminder only once the booking is confirmed with it.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation

from mpp.bookings.calendar import local_datetime
from mpp.bookings.models import Booking
from mpp.core.links import public_url
from mpp.notifications.services import message_enqueue, messages_enqueue, messages_withdraw

REMINDER_AT = dt.time(7, 0)  # mall-local time on the day before


def _language() -> str:
    language = (translation.get_language() or "").split("-")[0]
    return language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def _context(booking: Booking) -> dict:
    return {
        "code": booking.code,
        "service": booking.service.name,
        "mall": booking.mall.name,
        "date": booking.date.isoformat(),
        "time": booking.slot.label,
        "name": booking.name,
        "language": _language(),
        **_link(booking),
    }


def _link(booking: Booking) -> dict:
    """{"url": the booking's page} when settings.MPP_PUBLIC_URL is set (the code is the
    only identifier in it: no NIK, no phone)."""
    url = public_url(reverse("booking-detail", args=[booking.code]))
    return {"url": url} if url else {}


def _recipients(booking: Booking) -> list[tuple[str, str]]:
    out = [("sms", booking.phone)]
    if booking.email:
        out.append(("email", booking.email))
    return out


def _specs(booking: Booking, template: str, key: str, not_before=None) -> list[dict]:
    context = _context(booking)
    return [
        {
            "channel": channel,
            "recipient": recipient,
            "template": template,
            "context": context,
            "not_before": not_before,
            "dedupe_key": f"booking:{booking.pk}:{key}:{channel}",
        }
        for channel, recipient in _recipients(booking)
    ]


def _send(booking: Booking, template: str, key: str, not_before=None) -> None:
    for spec in _specs(booking, template, key, not_before):
        message_enqueue(**spec)


def reminder_time(booking: Booking) -> dt.datetime:
    """07:00 mall-local on the day before the booked day."""
    return local_datetime(booking.mall, booking.date - dt.timedelta(days=1), REMINDER_AT)


def _withdraw_reminders(booking: Booking) -> None:
    messages_withdraw(dedupe_prefix=f"booking:{booking.pk}:reminder:")


def _reminders(booking: Booking, now: dt.datetime) -> list[dict]:
    at = reminder_time(booking)
    if at <= now:  # booked after the reminder time: the confirmation is the reminder
        return []
    key = f"reminder:{booking.date.isoformat()}:{booking.reschedule_count}"
    return _specs(booking, "booking_reminder", key, at)


def _remind(booking: Booking, now: dt.datetime) -> None:
    for spec in _reminders(booking, now):
        message_enqueue(**spec)


def booking_confirmed(booking: Booking, *, now: dt.datetime | None = None) -> None:
    """Queue the confirmation now and the reminder for the day before, in one insert
    (a new booking has no messages yet, so there is nothing to look up first)."""
    specs = _specs(booking, "booking_confirmed", "confirmed")
    messages_enqueue(messages=specs + _reminders(booking, now or timezone.now()))


def booking_rescheduled(booking: Booking, *, now: dt.datetime | None = None) -> None:
    """Queue the new time and a reminder for the new day."""
    _withdraw_reminders(booking)
    _send(booking, "booking_rescheduled", f"rescheduled:{booking.reschedule_count}")
    _remind(booking, now or timezone.now())


def booking_cancelled(booking: Booking) -> None:
    _withdraw_reminders(booking)
    _send(booking, "booking_cancelled", "cancelled")


def booking_code(booking: Booking, *, otp: str, minutes: int) -> None:
    """Queue the one-time code that confirms the booking (SMS to its phone only)."""
    message_enqueue(
        channel="sms",
        recipient=booking.phone,
        template="booking_code",
        context={
            "code": booking.code,
            "otp": otp,
            "mall": booking.mall.name,
            "minutes": minutes,
            "language": _language(),
        },
        dedupe_key=f"booking:{booking.pk}:otp:{booking.otp_sends}",
    )
