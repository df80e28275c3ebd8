"""Turning an event into webhook messages, in the transaction of the change itself.

Why here and this way: a webhook must exist if and only if the change committed (no
lost and no phantom messages), so the outbox rows (WebhookMessage) are written by a
listener of core.events.event_record, inside the caller's transaction; `mpp worker`
delivers them later (webhooks.dispatch). The listener runs on EVERY state change of the
system, so it is kept cheap:

- a kind not in the catalogue (most of the log), or an event without a mall, costs
  nothing: no query at all; a catalogued kind is matched under its webhook type
  (catalogue.webhook_type: "consultation.topic_concluded" is "consultation.concluded");
- otherwise ONE raw query finds the active subscriptions of unrevoked clients of the
  event's mall; most malls have none, and there it stops. Patterns and the clients'
  operations are checked in Python on those few rows; only if one matches are the
  event's booth, agency and service looked up (one query, plus the agency's code and,
  for events whose data names no booth, the subject's row), and the agency and service
  filters applied (a booth's record only to clients of that booth's agency);
- one bulk INSERT writes the messages, if any matched.

Odd data never raises here (a missing booth, a malformed id: no message), but a
database error does, and fails the change rather than losing its webhooks.
"""

from __future__ import annotations

import functools
import json
import uuid

from django.db import connection

from mpp.bookings.models import Booking
from mpp.cases.models import Case
from mpp.catalog.models import Agency, Booth, Mall, Service
from mpp.complaints.models import Complaint
from mpp.consultation.models import Topic
from mpp.core.events import event_listener_register
from mpp.core.models import Event
from mpp.integrations.models import ApiClient, MessageStatus, Subscription, WebhookMessage
from mpp.integrations.webhooks.catalogue import (
    FAMILY_OPERATION,
    family_of,
    pattern_matches,
    webhook_type,
    webhookable,
)
from mpp.integrations.webhooks.envelope import body_dumps, envelope_build
from mpp.queueing.models import Ticket

LISTENER = "webhooks"
SUBJECT_MAX = WebhookMessage._meta.get_field("subject").max_length

# Where a subject's booth and service are, for events whose data does not say.
_SUBJECTS = {
    "ticket": (Ticket, "offering__booth_id", "offering__service_id"),
    "booking": (Booking, "offering__booth_id", "service_id"),
    "case": (Case, "booth_id", "service_id"),
    "complaint": (Complaint, "booth_id", "service_id"),
    "consultation_topic": (Topic, None, "service_id"),
}


def register() -> None:
    """Register the listener (called once from mpp.integrations.hooks)."""
    event_listener_register(LISTENER, messages_for_event)


def _int(value) -> int | None:
    """A database id from event data (an int or a string of digits), else None."""
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value if 0 < value < 2**63 else None


def _subject_ids(event: Event) -> tuple[int | None, int | None]:
    """(booth id, service id) read from the event's subject, for events whose data does
    not say; (None, None) for an unknown kind of subject or a malformed id."""
    known = _SUBJECTS.get(event.subject_type)
    if known is None:
        return None, None
    model, booth_field, service_field = known
    try:
        pk = model._meta.pk.to_python(event.subject_id)
    except Exception:  # a malformed id: no such record, so no message
        return None, None
    if isinstance(pk, int) and _int(pk) is None:
        return None, None
    fields = [f for f in (booth_field, service_field) if f]
    row = model.objects.filter(pk=pk).values_list(*fields).first()
    if row is None:
        return None, None
    values = dict(zip(fields, row, strict=True))
    return _int(values.get(booth_field)), _int(values.get(service_field))


def _place(event: Event, data: dict) -> tuple[int | None, int | None, str | None]:
    """(booth id, service id, service code) of the event: from its data where it says,
    else from its subject; None where there is none."""
    booth = _int(data["booth_id"]) if "booth_id" in data else None
    code = data.get("service") if isinstance(data.get("service"), str) else None
    service = _int(data.get("service_id"))
    if ("booth_id" not in data) or (service is None and not code):
        subject_booth, subject_service = _subject_ids(event)
        if "booth_id" not in data:
            booth = subject_booth
        if service is None and not code:
            service = subject_service
    return booth, service, code


@functools.cache
def _sql(template: str) -> str:
    """`template` with this project's table names, formatted once per process."""
    return template.format(**_tables())


def _tables() -> dict[str, str]:
    return {
        "sub": Subscription._meta.db_table,
        "client": ApiClient._meta.db_table,
        "malls": ApiClient.malls.through._meta.db_table,
        "mall": Mall._meta.db_table,
        "booth": Booth._meta.db_table,
        "service": Service._meta.db_table,
        "agency": Agency._meta.db_table,
    }


# Raw SQL on purpose: the listener runs in every state change, and building the same
# query through the ORM cost about 6 ms of Python per event (bench/webhooks.py, "emit").
_SUBSCRIPTIONS_SQL = """
SELECT s.id, s.events, s.agency_id, s.service_id, c.agency_id, c.operations
FROM {sub} s JOIN {client} c ON c.id = s.client_id
WHERE s.status = 'active' AND c.revoked_at IS NULL
  AND (s.mall_id IS NULL OR s.mall_id = %s)
  AND EXISTS (SELECT 1 FROM {malls} m WHERE m.apiclient_id = s.client_id AND m.mall_id = %s)
"""

# The booth's agency when the event names a booth of this mall, else the service's.
_PLACE_SQL = """
SELECT m.code, b.id, a.id, a.code, s.id, s.code
FROM {mall} m
LEFT JOIN {booth} b ON b.id = %s AND b.mall_id = m.id
LEFT JOIN {service} s ON s.id = COALESCE(%s, (SELECT x.id FROM {service} x WHERE x.code = %s))
LEFT JOIN {agency} a ON a.id = CASE WHEN b.id IS NOT NULL THEN b.agency_id ELSE s.agency_id END
WHERE m.id = %s
"""


def _json(value):
    return json.loads(value) if isinstance(value, str | bytes) else value


def _subscriptions(mall_id: int) -> list[tuple]:
    """Active subscriptions of unrevoked clients of this mall (one indexed query)."""
    with connection.cursor() as cursor:
        cursor.execute(_sql(_SUBSCRIPTIONS_SQL), [mall_id, mall_id])
        return [
            (sub_id, _json(events) or [], agency, service, client_agency, _json(ops) or [])
            for sub_id, events, agency, service, client_agency, ops in cursor.fetchall()
        ]


def _where(mall_id: int, booth: int | None, service: int | None, code: str | None):
    """(mall code, booth id if in this mall, agency id, agency code, service id, service
    code) of the event; None when the mall does not exist."""
    with connection.cursor() as cursor:
        cursor.execute(_sql(_PLACE_SQL), [booth, service, code, mall_id])
        return cursor.fetchone()


def messages_for_event(event: Event) -> int:
    """Write one pending WebhookMessage per matching active subscription; how many."""
    kind = event.kind
    if not isinstance(kind, str) or not webhookable(kind):
        return 0
    mall_id = _int(event.mall_id)
    if mall_id is None:
        return 0
    subscriptions = _subscriptions(mall_id)
    if not subscriptions:
        return 0  # the usual case for most malls: one cheap query, nothing else
    kind = webhook_type(kind)  # what subscriptions name and receivers get
    operation = FAMILY_OPERATION.get(family_of(kind))
    subscriptions = [
        row
        for row in subscriptions
        if pattern_matches(row[1], kind) and (operation is None or operation in row[5])
    ]
    if not subscriptions:
        return 0
    data = event.data if isinstance(event.data, dict) else {}
    booth, service, code = _place(event, data)
    if operation is not None and booth is None:
        return 0  # a booth's record without a booth (a manager's complaint): no client's
    where = _where(mall_id, booth, service, code)
    if where is None:
        return 0
    mall_code, booth_id, agency, agency_code, service_id, service_code = where
    if operation is not None and booth_id is None:
        return 0  # a booth that is not in this mall: nobody's
    messages = []
    subject = f"{event.subject_type}/{event.subject_id}"[:SUBJECT_MAX]
    for sub_id, _events, only_agency, only_service, client_agency, _ops in subscriptions:
        if operation is not None and client_agency != agency:
            continue  # a booth's record goes only to clients of that booth's agency
        if only_agency is not None and only_agency != agency:
            continue
        if only_service is not None and only_service != service_id:
            continue
        webhook_id = "msg_" + uuid.uuid4().hex
        context = {
            "agency": agency_code,
            "booth_id": booth_id if booth_id is not None else booth,
            "service": code or service_code,
        }
        envelope = envelope_build(
            event, webhook_id=webhook_id, mall_code=mall_code, context=context
        )
        messages.append(
            WebhookMessage(
                subscription_id=sub_id,
                webhook_id=webhook_id,
                event_id=event.pk,
                event_type=kind,
                subject=subject,
                occurred_at=event.occurred_at,
                body=body_dumps(envelope),
                status=MessageStatus.PENDING,
                next_attempt_at=event.occurred_at,
            )
        )
    if messages:
        WebhookMessage.objects.bulk_create(messages)
    return len(messages)
