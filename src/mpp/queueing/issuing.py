"""How a ticket gets its number and its row: shared by every way a ticket is issued.

Why: the walk-in, booking and mobile tickets (queueing.services.ticket_issue) and the
phone tickets (queueing.remote.remote_ticket_issue) take the next number of the booth's
letter the same way and build the same row; remote used to import these as private
names of services. Internal to queueing: other apps issue through those two services.

The number is taken with ONE statement (INSERT ... ON CONFLICT DO UPDATE ... RETURNING)
that holds the (mall, day, letter) row's lock until the transaction ends: issues of one
booth's letter are serialised by it, on PostgreSQL and on SQLite (whose write lock the
statement takes), which is also what keeps a per-service daily cap exact under a rush.
"""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.utils.translation import gettext as _

from mpp.catalog.models import Mall, Offering
from mpp.core.errors import NotFound
from mpp.queueing.models import Ticket, TicketSequence

_SEQ_TABLE = TicketSequence._meta.db_table
_NEXT_SEQ_SQL = (
    f"INSERT INTO {_SEQ_TABLE} (mall_id, service_date, prefix, last) VALUES (%s, %s, %s, 1) "
    f"ON CONFLICT (mall_id, service_date, prefix) DO UPDATE SET last = {_SEQ_TABLE}.last + 1 "
    "RETURNING last"
)


def next_seq(mall_id: int, service_date, prefix: str) -> int:
    """Take the next number of (mall, day, letter) in one statement under a row lock."""
    day = connection.ops.adapt_datefield_value(service_date)
    with connection.cursor() as cursor:
        cursor.execute(_NEXT_SEQ_SQL, [mall_id, day, prefix])
        return cursor.fetchone()[0]


def format_number(prefix: str, seq: int) -> str:
    return f"{prefix}-{seq:03d}"


def offering_for_issue(mall_id: int, service_code: str) -> Offering:
    """The active offering of an active service in the mall, with its service and booth."""
    offering = (
        Offering.objects.select_related("service", "booth")
        .filter(
            mall_id=mall_id, service__code=service_code, is_active=True, service__is_active=True
        )
        .first()
    )
    if offering is None:
        raise NotFound(
            _("Service %(code)s is not offered in this mall.") % {"code": service_code},
            code="service_not_found",
        )
    return offering


def ticket_insert(
    *,
    mall: Mall,
    offering: Offering,
    service_date: dt.date,
    prefix: str,
    seq: int,
    priority: str,
    source: str,
    now: dt.datetime,
    **fields,
) -> Ticket:
    """Write a numbered ticket, issued and queued `now`; `fields`: the rest of its row
    (status, due_at, checkin_code, arrive_by...)."""
    return Ticket.objects.create(
        mall=mall,
        offering=offering,
        service_date=service_date,
        prefix=prefix,
        seq=seq,
        number=format_number(prefix, seq),
        priority=priority,
        source=source,
        issued_at=now,
        queued_at=now,
        **fields,
    )
