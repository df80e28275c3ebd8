"""A service rendered away from the mall (jemput bola), counted like one at a counter.

Why: the mall's figures (queueing.selectors.day_summary: tickets issued and served per
day and service) and the satisfaction survey (surveys: one invitation per finished
transaction) both count finished tickets. A van's crew serves people offline and
uploads what they did days later (mpp.outreach.sync); without a ticket of its own, the
van would be missing from both. `mobile_ticket_record` writes that ticket: already
finished, source MOBILE, on the day it was served in the mall's time zone, with its
SKM invitation, exactly once per key (the field record's root id), however many times
the upload is repeated or raced.

The ticket takes its number from a letter of its own ("JB", jemput bola) through the
same numbering as every ticket (queueing.issuing), so the booths' numbers have no gaps
and a mobile ticket never waits in, or is called from, the mall's queue. It has no
call and no start time: the mall's mean wait and mean counter time are not skewed by
the van. Queueing never imports outreach: the caller passes plain values.
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mpp.catalog.models import Mall
from mpp.core.errors import Invalid
from mpp.queueing.issuing import next_seq, offering_for_issue, ticket_insert
from mpp.queueing.models import Priority, Source, Ticket
from mpp.queueing.records import ticket_event
from mpp.surveys.services import invitation_create

PREFIX = "JB"
# Ticket ids of mobile services: uuid5 of the caller's key in this namespace, so the
# same key always names the same ticket (the primary key makes it exactly once).
NAMESPACE = uuid.UUID("5b0c3a52-8a7e-4f57-9a4b-6d2f0b7c1e10")


def mobile_ticket_id(key: str) -> uuid.UUID:
    """The id of the ticket recorded for `key` (e.g. a field record's root id)."""
    return uuid.uuid5(NAMESPACE, f"mobile:{key}")


@transaction.atomic
def mobile_ticket_record(
    *,
    mall: Mall,
    service_code: str,
    key: str,
    served_at: dt.datetime,
    priority: str = Priority.REGULAR,
    actor_id: int | None = None,
    extra: dict | None = None,
) -> tuple[Ticket, bool]:
    """The finished ticket of one service rendered in the field, made on the first call.

    Returns (ticket, created). A second call with the same key returns the first ticket
    unchanged (whatever else it says). `served_at` in the future (a device's clock ahead)
    counts as now. Events ticket.issued and ticket.finished carry source and channel
    "mobile" (plus `extra`: plain, non-personal values such as the vehicle's id).
    """
    if priority not in Priority.values:
        raise Invalid(_("Unknown priority group."), code="invalid_priority")
    ticket_id = mobile_ticket_id(key)
    existing = Ticket.objects.filter(pk=ticket_id).first()
    if existing is not None:
        return existing, False
    offering = offering_for_issue(mall.pk, service_code)
    now = timezone.now()
    served_at = min(served_at, now)
    service_date = timezone.localdate(served_at, mall.tz)
    try:
        with transaction.atomic():  # a savepoint: a lost race leaves the caller usable
            seq = next_seq(mall.pk, service_date, PREFIX)
            ticket = ticket_insert(
                mall=mall,
                offering=offering,
                service_date=service_date,
                prefix=PREFIX,
                seq=seq,
                priority=priority,
                source=Source.MOBILE,
                now=served_at,
                id=ticket_id,
                status=Ticket.Status.DONE,
                finished_at=served_at,
                officer_id=actor_id,
            )
    except IntegrityError:
        existing = Ticket.objects.filter(pk=ticket_id).first()
        if existing is None:
            raise
        return existing, False
    data = {"source": Source.MOBILE, "channel": "mobile", **(extra or {})}
    ticket_event(ticket, "issued", actor_id=actor_id, **data)
    ticket_event(ticket, "finished", actor_id=actor_id, **data)
    invitation_create(  # the SKM: the van's citizens answer it like the counter's
        kind="ticket",
        transaction_id=str(ticket.pk),
        mall_id=ticket.mall_id,
        agency_id=offering.service.agency_id,
        service_id=offering.service_id,
        booth_id=offering.booth_id,
        now=served_at,
    )
    return ticket, True
