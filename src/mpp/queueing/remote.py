"""The remote queue: a citizen takes today's ticket from their phone, then checks in at the mall.

Why: a phone sent to the kiosk flow got a walk-in number, a "take it from the printer"
page and a return to the kiosk start, so the ticket was lost. Like Qmatic's virtual
queue and ASAN's e-queue, a phone ticket holds a place without standing in the hall:

- Only services whose offering has `remote_per_day` > 0 take phone tickets, at most
  that many a day per service (the ticket number, taken first, keeps its row locked
  while counting, so two phones cannot both take the last one), only while the mall
  is open and not in its last `Mall.remote_stop_minutes` before closing (catalog.hours).
- The ticket gets its number and its place at once (queued_at = when it was taken)
  but is REMOTE: call-next never calls it until it is checked in.
- Check-in (remote_ticket_check_in) needs the short code shown on the citizen's
  ticket page (typed or scanned at the kiosk's check-in page, or read out to staff):
  the ticket becomes WAITING and keeps its place. Its secret page address is never
  needed, so staff do not learn it.
- A ticket not checked in by `arrive_by` (taken + Mall.remote_arrive_minutes, and
  never after closing or the day's end) expires: reads show it expired at once, and
  the next issue, check-in or worker run records the expiry (remote_tickets_expire).

Phone tickets are regular tickets: a priority group is confirmed at the kiosk or the
counter, where staff can see it. They do not use the walk-in places of a service with
online booking (bookings.WALKIN_SOURCES); they have their own daily number.
"""

from __future__ import annotations

import datetime as dt
import secrets

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mpp.catalog.hours import hours_require_open, zone_abbr
from mpp.catalog.models import Mall, Offering
from mpp.core.errors import Conflict, Invalid, NotFound
from mpp.queueing.day import day_start
from mpp.queueing.dayend import after_day_roll
from mpp.queueing.issuing import next_seq, offering_for_issue, ticket_insert
from mpp.queueing.models import Priority, Source, Ticket
from mpp.queueing.records import ticket_event

# Check-in codes: no 0/O, 1/I/L, 2/Z, 5/S, 8/B, so a code read aloud or typed is unambiguous.
CODE_ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"
CODE_LENGTH = 6
CODE_TRIES = 8


def checkin_code_new() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def checkin_code_clean(typed: str) -> str:
    """A typed or scanned code as stored: capitals, without spaces, dashes or a prefix."""
    text = str(typed or "").strip().upper()
    if text.startswith("MPPQ:"):
        text = text[5:]
    return "".join(ch for ch in text if ch.isalnum())[: CODE_LENGTH + 2]


def _remote_offering(mall: Mall, service_code: str) -> Offering:
    offering = offering_for_issue(mall.pk, service_code)
    if offering.remote_per_day <= 0:
        raise Conflict(
            _(
                "%(service)s does not take queue numbers from a phone. "
                "Please take a number at the kiosk."
            )
            % {"service": offering.service.name},
            code="remote_not_offered",
        )
    return offering


def remote_taken(offering: Offering, day: dt.date) -> int:
    """Phone tickets taken for this service on `day` (expired ones count: a day's cap)."""
    return Ticket.objects.filter(
        offering_id=offering.pk, service_date=day, source=Source.REMOTE
    ).count()


def _arrive_by(mall: Mall, now: dt.datetime, closes_at: dt.datetime | None) -> dt.datetime:
    limit = now + dt.timedelta(minutes=mall.remote_arrive_minutes)
    end = closes_at or day_start(mall) + dt.timedelta(days=1)
    return min(limit, end)


def _stop_check(mall: Mall, now: dt.datetime, closes_at: dt.datetime | None) -> None:
    if closes_at is None:
        return
    stop = closes_at - dt.timedelta(minutes=mall.remote_stop_minutes)
    if now >= stop:
        local = closes_at.astimezone(mall.tz)
        raise Conflict(
            _(
                "The mall closes at %(time)s: numbers from a phone are no longer given today. "
                "If you are at the mall, take a number at the kiosk."
            )
            % {"time": f"{local:%H:%M} {zone_abbr(mall.timezone)}".strip()},
            code="remote_stopped",
        )


@after_day_roll(lambda kwargs: kwargs["mall"])
@transaction.atomic
def remote_ticket_issue(*, mall: Mall, service_code: str) -> Ticket:
    """Give a phone a place in today's queue for one service, to be checked in on arrival."""
    if mall.status != Mall.Status.OPERATING:
        raise Conflict(_("This mall is not operating."), code="mall_closed")
    state = hours_require_open(mall)
    offering = _remote_offering(mall, service_code)
    now = timezone.now()
    _stop_check(mall, now, state.closes_at)
    # One phone at a time per booth letter while counting: the number, taken first, holds
    # its row's lock (SQLite: the database's write lock) until this transaction ends, so
    # the day's cap holds under a rush (queueing.issuing). A refusal rolls the number back.
    today = mall.today()
    prefix = offering.booth.ticket_prefix
    seq = next_seq(mall.pk, today, prefix)
    if remote_taken(offering, today) >= offering.remote_per_day:
        raise Conflict(
            _(
                "All numbers from a phone for %(service)s are taken today. "
                "If you are at the mall, take a number at the kiosk."
            )
            % {"service": offering.service.name},
            code="remote_full",
        )
    now = timezone.now()
    for attempt in range(CODE_TRIES):
        try:
            with transaction.atomic():
                ticket = ticket_insert(
                    mall=mall,
                    offering=offering,
                    service_date=today,
                    prefix=prefix,
                    seq=seq,
                    priority=Priority.REGULAR,
                    source=Source.REMOTE,
                    now=now,
                    status=Ticket.Status.REMOTE,
                    checkin_code=checkin_code_new(),
                    arrive_by=_arrive_by(mall, now, state.closes_at),
                )
            break
        except IntegrityError:  # the same check-in code today: draw another
            if attempt == CODE_TRIES - 1:
                raise
    ticket_event(
        ticket,
        "issued",
        actor_id=None,
        source=Source.REMOTE,
        arrive_by=ticket.arrive_by.isoformat(),
    )
    return ticket


def _expire_overdue(tickets, now: dt.datetime) -> int:
    count = 0
    for ticket in tickets:
        ticket.status = Ticket.Status.EXPIRED
        ticket.finished_at = now
        ticket.save(update_fields=["status", "finished_at"])
        ticket_event(ticket, "expired", actor_id=None, reason="not_checked_in")
        count += 1
    return count


def _overdue(now: dt.datetime, **filters):
    return (
        Ticket.objects.select_for_update(of=("self",))
        .select_related("offering__service", "counter")
        .filter(status=Ticket.Status.REMOTE, arrive_by__lte=now, **filters)
        .order_by("pk")
    )


def remote_tickets_expire(*, mall: Mall | None = None) -> int:
    """Expire phone tickets not checked in by their time (one mall, or all: the worker).

    Each expiry is an event by the system (reason not_checked_in), recorded once: the
    rows are locked and only REMOTE ones change. Returns the number expired.
    """
    now = timezone.now()
    filters = {"mall_id": mall.pk} if mall is not None else {}
    if not Ticket.objects.filter(
        status=Ticket.Status.REMOTE, arrive_by__lte=now, **filters
    ).exists():
        return 0
    with transaction.atomic():
        return _expire_overdue(_overdue(now, **filters), now)


@transaction.atomic
def _check_in(mall: Mall, code: str, actor_id: int | None) -> Ticket:
    ticket = (
        Ticket.objects.select_for_update(of=("self",))
        .select_related("mall", "offering__service", "offering__booth", "counter")
        .filter(mall_id=mall.pk, service_date=mall.today(), checkin_code=code)
        .first()
    )
    if ticket is None:
        raise NotFound(
            _("No phone ticket of today has this check-in code here. Check the code."),
            code="checkin_not_found",
        )
    if ticket.status in Ticket.QUEUE_STATUSES:
        return ticket  # checked in already (a double tap, a second scan): the same ticket
    if ticket.status != Ticket.Status.REMOTE:
        raise Conflict(
            _("Ticket %(number)s is %(status)s; please take a new number at the kiosk.")
            % {"number": ticket.number, "status": ticket.get_status_display().lower()},
            code="invalid_state",
        )
    now = timezone.now()
    ticket.status = Ticket.Status.WAITING
    ticket.checked_in_at = now
    ticket.save(update_fields=["status", "checked_in_at"])
    ticket_event(ticket, "checked_in", actor_id=actor_id)
    return ticket


def remote_ticket_check_in(*, mall: Mall, code: str, actor_id: int | None = None) -> Ticket:
    """The citizen has arrived: their phone ticket joins the queue at its original place.

    `code` is the check-in code of the ticket page (typed, scanned as "MPPQ:<code>", or
    read out to staff: `actor_id`). Not found: NotFound checkin_not_found. Taken too
    long ago (after arrive_by): it expires first, then Conflict invalid_state. Already
    checked in: the same ticket again.
    """
    clean = checkin_code_clean(code)
    if len(clean) != CODE_LENGTH:
        raise Invalid(
            _("A check-in code has %(n)d letters and digits.") % {"n": CODE_LENGTH},
            code="invalid_checkin_code",
        )
    remote_tickets_expire(mall=mall)  # commits on its own: a late ticket stays expired
    return _check_in(mall, clean, actor_id)


def remote_left(offering: Offering, day: dt.date | None = None) -> int:
    """Phone tickets still to be had today for this service (0 when it takes none)."""
    if offering.remote_per_day <= 0:
        return 0
    day = day or offering.mall.today()
    return max(offering.remote_per_day - remote_taken(offering, day), 0)
