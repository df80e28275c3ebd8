"""The catalogue of webhook event types: what an agency's system may subscribe to.

Why a catalogue: the event log holds every change of every app, much of it internal to a
mall (counters opened, OTPs resent, staff accounts, audit reads). Only the kinds listed
here leave the installation as webhooks, each with a description and an example the API
shows (GET /webhooks/event-types). A type's `family` ("ticket") names the operation a
client needs to read it (FAMILY_OPERATION, the same action names as mpp.accounts.access);
a family mapped to None is public (any client of the mall may subscribe).

A type's name is the event's kind in the log (envelope "type"), except where
KIND_TO_TYPE renames it: the log keeps its kind ("consultation.topic_concluded", which
its history and tests use) and the webhook carries the public name the issue promises
("consultation.concluded"); webhook_type() is the one place that says so. Patterns a
subscription holds: "ticket.called" (one type), "ticket.*" (a family) or "*" (every
family the client may read); they name webhook types, never log kinds.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from mpp.accounts import access
from mpp.core.errors import Invalid

ALL = "*"
MAX_PATTERNS = 50

# The operation (mpp.accounts.access action) a client needs for each family; None: public.
FAMILY_OPERATION: dict[str, str | None] = {
    "ticket": "ticket.read",
    "booking": "booking.read",
    "case": "case.process",
    "complaint": "complaint.read",
    "survey": "survey.report",
    "consultation": None,
}


@dataclass(frozen=True)
class EventType:
    """One kind of event a subscription may receive, with an example of its data."""

    name: str
    family: str
    description: Promise
    example: dict = field(default_factory=dict)


# Example data, as the domain apps write it (the envelope adds mall, agency, service).
def _ticket(verb: str, description, status: str, **extra) -> EventType:
    data = {"number": "A-012", "service": "ktp-el", "service_name": "Perekaman KTP-el"}
    data.update(priority="regular", status=status, booth_id=7)
    if status in ("called", "serving", "done", "no_show"):
        data.update(counter_id=3, counter_number=2, counter_name="Loket 2")
    return EventType(f"ticket.{verb}", "ticket", description, {**data, **extra})


def _booking(verb: str, description, status: str, **extra) -> EventType:
    data = {"code": "7KQ2MXPA", "service": "ktp-el", "date": "2026-03-16", "slot": "09:00-10:00"}
    data.update(status=status, channel="web", booth_id=7, **extra)
    return EventType(f"booking.{verb}", "booking", description, data)


def _case(verb: str, description, source: str, target: str, **extra) -> EventType:
    data = {"from": source, "to": target, "channel": "web", "actor_kind": "officer"}
    data.update(booth_id=7, service_id=41, **extra)
    return EventType(f"case.{verb}", "case", description, data)


def _document(verb: str, description) -> EventType:
    data = {"document": 908, "kind": "submitted", "file_kind": "pdf", "size": 183204}
    data.update(requirement="kk", channel="web", actor_kind="citizen")
    return EventType(f"case.{verb}", "case", description, data)


def _complaint(verb: str, description, source: str, target: str) -> EventType:
    data = {"from": source, "to": target, "booth_id": 7, "category": "time", "channel": "web"}
    return EventType(f"complaint.{verb}", "complaint", description, {**data, "track": "regular"})


_TYPES = (
    # The walk-in queue (mpp.queueing).
    _ticket(
        "issued",
        _("A ticket was issued (kiosk, web, counter, booking check-in or phone)."),
        "waiting",
        source="kiosk",
    ),
    _ticket(
        "checked_in",
        _("A phone ticket was checked in at the mall and joined the queue."),
        "waiting",
    ),
    _ticket("called", _("A ticket was called to a counter."), "called"),
    _ticket("recalled", _("A called ticket was called again."), "called", recall_count=1),
    _ticket("started", _("Service of a ticket started at the counter."), "serving"),
    _ticket("finished", _("Service of a ticket was finished."), "done", service_seconds=412.5),
    _ticket("no_show", _("A called ticket was marked as no-show."), "no_show"),
    _ticket(
        "transferred",
        _("A ticket was moved to another service and waits again."),
        "waiting",
        from_service="akta-kelahiran",
        from_counter=2,
    ),
    _ticket(
        "expired",
        _("A ticket expired (its day ended, or a phone ticket was not checked in)."),
        "expired",
        reason="day_over",
    ),
    # Online bookings (mpp.bookings).
    _booking(
        "created", _("A booking was made (it may still wait for its confirmation code)."), "pending"
    ),
    _booking(
        "confirmed", _("A booking was confirmed with the code sent to the citizen."), "booked"
    ),
    _booking(
        "rescheduled",
        _("A booking was moved to another day or slot."),
        "booked",
        from_date="2026-03-13",
        from_slot="08:00-09:00",
    ),
    _booking("cancelled", _("A booking was cancelled."), "cancelled"),
    _booking(
        "checked_in",
        _("The citizen checked in for a booking and got a ticket."),
        "checked_in",
        ticket="A-012",
    ),
    _booking("no_show", _("The citizen did not come for a booking."), "no_show"),
    _booking(
        "expired", _("A booking was not confirmed in time and its place was freed."), "expired"
    ),
    # Applications (mpp.cases). Not a draft's steps: it is the citizen's until submitted.
    _case(
        "submitted",
        _("An application was submitted (or submitted again after being returned)."),
        "draft",
        "submitted",
        resubmitted=False,
    ),
    _case(
        "verification_started",
        _("An officer started checking an application."),
        "submitted",
        "verification",
    ),
    _case(
        "processing_started",
        _("An application was sent to the agency for processing."),
        "verification",
        "processing",
    ),
    _case(
        "returned",
        _("An application was returned to the citizen as incomplete."),
        "verification",
        "returned",
    ),
    _case("ready", _("The product of an application is ready."), "processing", "ready"),
    _case("completed", _("The product of an application was handed over."), "ready", "completed"),
    _case("rejected", _("An application was rejected."), "verification", "rejected"),
    _case(
        "withdrawn",
        _("The citizen withdrew an application."),
        "submitted",
        "withdrawn",
        actor_kind="citizen",
    ),
    _document("document_added", _("A document was added to an application.")),
    _document("document_retired", _("A document of an application was replaced or removed.")),
    # Complaints (mpp.complaints); not internal notes, contact views or exports.
    _complaint("received", _("A complaint about a booth was received."), "", "received"),
    _complaint("verified", _("A complaint was verified."), "received", "verified"),
    _complaint("forwarded", _("A complaint was forwarded to a booth."), "verified", "forwarded"),
    _complaint("started", _("Handling of a complaint started."), "forwarded", "in_progress"),
    _complaint("answered", _("A complaint was answered."), "in_progress", "answered"),
    _complaint("closed", _("A complaint was closed."), "answered", "closed"),
    _complaint("rejected", _("A complaint was rejected."), "received", "rejected"),
    # SKM answers (mpp.surveys.digest): never one per answer (docs/survey-privacy.md),
    # only a booth's count for a day that has ended, and only from 5 answers.
    EventType(
        "survey.submitted",
        "survey",
        _(
            "A day's survey answers at a booth, counted: sent after the mall's day has "
            "ended, and only when there were at least 5 answers."
        ),
        {"booth_id": 7, "date": "2026-03-16", "responses": 23, "ikm": 88.41},
    ),
    # Public consultation (mpp.consultation), under the name the issue promises.
    EventType(
        "consultation.concluded",
        "consultation",
        _("A public consultation was concluded and its outcome published."),
        {"status": "concluded", "changes": 2},
    ),
)

EVENT_TYPES: dict[str, EventType] = {t.name: t for t in _TYPES}
FAMILIES: frozenset[str] = frozenset(t.family for t in _TYPES)

# Event kinds in the log (left) sent under another webhook type (right); every other
# kind is sent under its own name.
KIND_TO_TYPE: dict[str, str] = {"consultation.topic_concluded": "consultation.concluded"}
_RENAMED: frozenset[str] = frozenset(KIND_TO_TYPE.values())


def webhook_type(kind: str) -> str:
    """The webhook type (envelope "type", subscription patterns) of a log kind."""
    return KIND_TO_TYPE.get(kind, kind)


def webhookable(kind: str) -> bool:
    """May events of this log kind become webhooks? (Dict lookups: no query.) A type's
    public name is not itself a log kind when it renames one: nothing records it."""
    return kind not in _RENAMED and webhook_type(kind) in EVENT_TYPES


def family_of(kind: str) -> str:
    return kind.partition(".")[0]


def pattern_matches(patterns, kind: str) -> bool:
    """Does one of a subscription's patterns take events of `kind`?

    "*" takes every catalogued kind (which families a client may read is checked apart),
    "ticket.*" every kind of the family, "ticket.called" that kind only.
    """
    if not isinstance(patterns, list | tuple):
        return False
    family = family_of(kind)
    return any(pattern in (kind, ALL) or pattern == f"{family}.*" for pattern in patterns)


def client_may(client, operation: str | None) -> bool:
    """Has `client` been given `operation` (None: a public family)? No query: the
    emitter asks this for every matching row, having checked the rest of the access
    rule (the event's mall among the client's, the booth of the client's agency) in
    its one SQL query."""
    return operation is None or operation in (getattr(client, "operations", None) or ())


def client_may_subscribe(client, operation: str | None) -> bool:
    """May `client` subscribe to a family needing `operation`? The access rule decides
    (mpp.accounts.access.allowed with no object: given the operation, in some mall)."""
    return operation is None or access.allowed(client, operation)


def families_for(client) -> list[str]:
    """The families `client` may subscribe to, in catalogue order."""
    seen = dict.fromkeys(t.family for t in _TYPES)
    return [f for f in seen if client_may_subscribe(client, FAMILY_OPERATION.get(f))]


def _refuse(message: str) -> Invalid:
    return Invalid(message, code="invalid_events")


def patterns_check(patterns: list[str], client) -> list[str]:
    """The subscription's patterns, cleaned (trimmed, without repeats), or Invalid
    invalid_events naming the unknown types or the families the client may not read."""
    if isinstance(patterns, str) or not isinstance(patterns, list | tuple):
        raise _refuse(gettext('Give the event types as a list, e.g. ["ticket.*"].'))
    if any(not isinstance(p, str) for p in patterns):
        raise _refuse(gettext('Each event type must be a text such as "ticket.called".'))
    cleaned = list(dict.fromkeys(p.strip() for p in patterns if p.strip()))
    if not cleaned:
        raise _refuse(gettext('Name at least one event type, e.g. "ticket.*".'))
    if len(cleaned) > MAX_PATTERNS:
        raise _refuse(gettext("Name at most %(n)d event types.") % {"n": MAX_PATTERNS})
    unknown, refused = [], []
    for pattern in cleaned:
        if pattern == ALL:
            if not families_for(client):
                refused.append(pattern)
            continue
        family, _dot, rest = pattern.partition(".")
        known = (rest == "*" and family in FAMILIES) or pattern in EVENT_TYPES
        if not known:
            unknown.append(pattern)
        elif not client_may_subscribe(client, FAMILY_OPERATION.get(family)):
            refused.append(pattern)
    if unknown:
        raise _refuse(
            gettext("Unknown event types: %(unknown)s. See GET /api/v1/webhooks/event-types.")
            % {"unknown": ", ".join(unknown)}
        )
    if refused:
        raise _refuse(
            gettext("This client may not receive: %(refused)s.") % {"refused": ", ".join(refused)}
        )
    return cleaned
