"""The survey link by SMS for a booked ticket, when the officer finishes it.

Why: a citizen who booked online left a phone number, so the SKM invitation can reach
them after they have left the counter (a walk-in only has the ticket page). Queueing
must not import bookings (bookings sits above it), so queueing keeps a small listener
list (mpp.queueing.services.on_ticket_finished) and BookingsConfig.ready registers
`survey_invite_booked` there: every import points down, and queueing stays unaware of
who listens.

The message is queued in ticket_finish's own transaction (the notification outbox).
Without a public address (settings.MPP_PUBLIC_URL) there is no link to send, so
nothing is queued. A refusal of the outbox (an unusable stored number) never undoes
the finish: it is dropped with a warning that names the booking, never the phone.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import transaction

from mpp.bookings.models import Booking
from mpp.core.errors import DomainError
from mpp.core.links import public_base_url
from mpp.surveys.services import invitation_notify

log = logging.getLogger(__name__)
CHANNEL = "sms"


def survey_invite_booked(*, ticket, survey) -> None:
    """Queue the survey link to the booking's phone, if the ticket came from a booking."""
    if survey is None or survey.is_answered or not public_base_url():
        return
    booking = Booking.objects.filter(ticket_id=ticket.pk).only("pk", "phone").first()
    if booking is None or not booking.phone:
        return
    try:
        with transaction.atomic():  # a savepoint: a refusal leaves the finish intact
            invitation_notify(
                invitation_id=survey.pk,
                channel=CHANNEL,
                recipient=booking.phone,
                language=settings.LANGUAGE_CODE,
            )
    except DomainError as exc:
        log.warning("survey link for booking %s not queued: %s", booking.pk, exc.code)
