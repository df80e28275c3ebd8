"""The body of a webhook: a CloudEvents 1.0 envelope around an event's data, without
personal data.

Why CloudEvents: agencies' systems (and their gateways) already route and store events in
this shape (https://github.com/cloudevents/spec, JSON format), so a receiver needs no
MPP-specific parser: `type` is the event's kind in our log ("ticket.called"; a few
are renamed, catalogue.webhook_type), `subject`
the id the API uses for the record, `mppeventid` the log entry it came from.

Why the scrub: event data is written by every app and is meant to hold ids and states
only, but a webhook leaves the installation. Keys that name a person or their contact
(NIK, name, phone, e-mail, recipient, address, ...), secrets (tokens, one-time codes)
and free text are dropped, and so is any value that looks like a NIK, a phone number or
an e-mail address, whatever its key. The mall, agency, booth and service are added so a
receiver can route without asking back.
"""

from __future__ import annotations

import datetime as dt
import json
import re

from mpp.core.models import Event
from mpp.integrations.webhooks.catalogue import webhook_type

SPECVERSION = "1.0"
CONTENT_TYPE = "application/json"

# Keys (lower case) dropped wherever they appear, and parts of keys that drop them too.
_DROP_KEYS = frozenset(
    {
        "name",
        "note",
        "internal_note",
        "message",
        "comment",
        "text",
        "body",
        "outcome",
        "answers",
        "relation",
        "actor_label",
        "label",
    }
)
_DROP_PARTS = (
    "nik",
    "phone",
    "mail",
    "recipient",
    "address",
    "birth",
    "contact",
    "token",
    "otp",
    "secret",
    "password",
    "checkin_code",
    "tracking",
    "voter",
)
# Names that are not a person's: a service's, a counter's, a booth's, an agency's, a mall's.
_SAFE_NAMES = frozenset({"service_name", "counter_name", "booth_name", "agency_name", "mall_name"})
_DIGITS = re.compile(r"\+?\d{10,16}")  # a NIK (16 digits) or a phone number, once compacted
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def _key_dropped(key: str) -> bool:
    k = key.lower()
    if k in _SAFE_NAMES:
        return False
    if k in _DROP_KEYS or k.endswith(("_name", "name")):
        return True
    return any(part in k for part in _DROP_PARTS)


def _value_personal(value: str) -> bool:
    compact = re.sub(r"[\s\-.()]", "", value)
    return bool(_DIGITS.fullmatch(compact) or _EMAIL.fullmatch(value.strip()))


def scrub(value):
    """`value` with personal data, secrets and free text removed (dicts and lists walked)."""
    if isinstance(value, dict):
        return {
            str(k): scrub(v)
            for k, v in value.items()
            if not _key_dropped(str(k)) and not (isinstance(v, str) and _value_personal(v))
        }
    if isinstance(value, list | tuple):
        return [scrub(v) for v in value if not (isinstance(v, str) and _value_personal(v))]
    return value


def rfc3339(moment: dt.datetime) -> str:
    """A UTC time in RFC 3339 with a "Z" (microseconds only when there are any)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    utc = moment.astimezone(dt.UTC)
    spec = "microseconds" if utc.microsecond else "seconds"
    return utc.replace(tzinfo=None).isoformat(timespec=spec) + "Z"


def envelope_build(event: Event, *, webhook_id: str, mall_code: str, context: dict) -> dict:
    """The CloudEvents 1.0 envelope of `event` for one subscription's message.

    `context` gives what the receiver routes by: "agency" (code), "booth_id" and
    "service" (code); each is added to data (None when the event has none)."""
    raw = event.data if isinstance(event.data, dict) else {}
    data = scrub(raw)
    data["mall"] = mall_code
    for key in ("agency", "booth_id", "service"):
        data[key] = context.get(key, data.get(key))
    return {
        "specversion": SPECVERSION,
        "id": webhook_id,
        "type": webhook_type(event.kind),
        "source": f"/api/v1/malls/{mall_code}",
        "subject": str(event.subject_id),
        "time": rfc3339(event.occurred_at),
        "datacontenttype": CONTENT_TYPE,
        "mppeventid": event.pk,
        "data": data,
    }


def body_dumps(envelope: dict) -> str:
    """The envelope as the bytes that are signed and sent: compact JSON, keys sorted,
    ASCII only (so the text and its UTF-8 bytes are the same)."""
    return json.dumps(envelope, sort_keys=True, separators=(",", ":"), default=str)


def example_envelope(event_type, *, mall_code: str = "mpp-contoh") -> dict:
    """What a message of `event_type` (catalogue.EventType) looks like, for the docs/API."""
    example = dict(event_type.example)
    event = Event(
        pk=1234567,
        kind=event_type.name,
        subject_type=event_type.family,
        subject_id="123"
        if event_type.family != "ticket"
        else "9b2c0f7e-3c1d-4e0a-9f57-1b6f0d7c2a11",
        data=example,
        occurred_at=dt.datetime(2026, 3, 16, 2, 15, 30, tzinfo=dt.UTC),
    )
    context = {
        "agency": None if event_type.family == "consultation" else "disdukcapil-contoh",
        "booth_id": example.get("booth_id"),
        "service": example.get("service") if isinstance(example.get("service"), str) else None,
    }
    if event_type.family == "case":
        context["service"] = "ktp-el"
    return envelope_build(
        event,
        webhook_id="msg_2b0e8f4c1d6a4e7f9a3b5c7d9e1f2a4b",
        mall_code=mall_code,
        context=context,
    )
