"""What a record uploaded from the field app must look like, and its canonical digest.

Why a module of its own: outreach.sync decides what happens to a record (accepted,
duplicate, conflict); this only reads the device's JSON into a checked `Upload`, or
refuses it with core.errors.Invalid and a stable code the app can show. The digest is
the sha256 of the record's content in one canonical JSON form, so the same record sent
again (after a lost answer, from a retry) is recognised as the same, and the same id
with any other content is not.

No personal identifiers: the app never asks for a NIK, and a 16-digit number in a
payload's text is refused (code "nik_in_payload") rather than stored.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import uuid
from dataclasses import dataclass, field

from django.conf import settings
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from mpp.core.errors import Invalid
from mpp.outreach.models import RecordKind
from mpp.queueing.models import Priority

CONTENT_TYPES = ("image/jpeg", "image/png", "application/pdf")
MAX_ATTACHMENTS = 10
FILE_MAX_DEFAULT = 10 * 1024 * 1024
OUTCOMES = ("done", "incomplete", "referred")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_NIK_LIKE = re.compile(r"(?<!\d)\d{16}(?!\d)")

# Each kind's payload: field -> (type, required, max length for text).
_FIELDS: dict[str, dict[str, tuple[type, bool, int]]] = {
    RecordKind.SERVICE: {
        "service_code": (str, True, 80),
        "people": (int, True, 0),
        "outcome": (str, True, 12),
        "note": (str, False, 1000),
        "ticket_id": (str, False, 36),
    },
    RecordKind.TICKET: {
        "number": (str, True, 12),
        "service_code": (str, True, 80),
        "priority": (str, False, 12),
    },
    RecordKind.APPLICATION: {
        "service_code": (str, True, 80),
        "applicant_name": (str, True, 120),
        "note": (str, False, 1000),
    },
    RecordKind.NOTE: {"text": (str, True, 2000)},
}


def file_max() -> int:
    """The largest attachment accepted, in bytes (settings.MPP_OUTREACH_FILE_MAX)."""
    return int(getattr(settings, "MPP_OUTREACH_FILE_MAX", FILE_MAX_DEFAULT))


@dataclass(frozen=True)
class Attachment:
    id: uuid.UUID
    sha256: str
    size: int
    content_type: str


@dataclass(frozen=True)
class Upload:
    """One record as the device sent it, checked."""

    id: uuid.UUID
    previous: uuid.UUID | None
    kind: str
    visit_id: int | None
    recorded_at: dt.datetime
    payload: dict
    attachments: tuple[Attachment, ...] = field(default_factory=tuple)

    def content(self) -> dict:
        """The record's content in canonical form (what the digest is made of)."""
        return {
            "id": str(self.id),
            "previous": str(self.previous) if self.previous else None,
            "kind": self.kind,
            "visit_id": self.visit_id,
            "recorded_at": self.recorded_at.astimezone(dt.UTC).isoformat(),
            "payload": self.payload,
            "attachments": [
                {
                    "id": str(a.id),
                    "sha256": a.sha256,
                    "size": a.size,
                    "content_type": a.content_type,
                }
                for a in self.attachments
            ],
        }

    def digest(self) -> str:
        return content_digest(self.content())


def content_digest(content: dict) -> str:
    text = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def _uuid(value, code: str, what: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError, AttributeError):
        raise Invalid(_("%(what)s is not a valid id.") % {"what": what}, code=code) from None


def record_id_of(raw) -> str | None:
    """The record's id as the device sent it, when there is one (for the answer)."""
    if isinstance(raw, dict) and isinstance(raw.get("id"), str):
        return raw["id"][:64]
    return None


def upload_parse(raw) -> Upload:
    """Check one record of a sync batch. Raises Invalid with a code per problem."""
    if not isinstance(raw, dict):
        raise Invalid(_("A record must be a JSON object."), code="invalid_record")
    record_id = _uuid(raw.get("id"), "invalid_id", _("The record's id"))
    previous = raw.get("previous")
    previous = None if previous is None else _uuid(previous, "invalid_previous", _("previous"))
    if previous == record_id:
        raise Invalid(_("A record cannot be an edit of itself."), code="invalid_previous")
    kind = raw.get("kind")
    if kind not in RecordKind.values:
        raise Invalid(_("Unknown record kind."), code="invalid_kind")
    visit_id = raw.get("visit_id")
    if visit_id is not None and (type(visit_id) is not int or visit_id <= 0):
        raise Invalid(_("visit_id must be a whole number or null."), code="invalid_visit")
    recorded_at = _moment(raw.get("recorded_at"))
    payload = _payload(kind, raw.get("payload"))
    attachments = _attachments(raw.get("attachments", []))
    return Upload(record_id, previous, kind, visit_id, recorded_at, payload, attachments)


def _moment(value) -> dt.datetime:
    moment = parse_datetime(value) if isinstance(value, str) else None
    if moment is None or moment.tzinfo is None:
        raise Invalid(
            _("recorded_at must be a date and time with its offset (ISO 8601)."),
            code="invalid_recorded_at",
        )
    return moment


def _payload(kind: str, payload) -> dict:
    if not isinstance(payload, dict):
        raise Invalid(_("The payload must be a JSON object."), code="invalid_payload")
    fields = _FIELDS[kind]
    unknown = sorted(set(payload) - set(fields))
    if unknown:
        raise Invalid(
            _("Unknown payload field(s): %(fields)s.") % {"fields": ", ".join(unknown)},
            code="invalid_payload",
        )
    clean = {}
    for name, (kind_of, required, max_length) in fields.items():
        value = payload.get(name)
        if value is None or value == "":
            if required:
                raise Invalid(
                    _("The payload needs %(field)s.") % {"field": name}, code="invalid_payload"
                )
            continue
        if kind_of is int:
            if type(value) is not int or not 1 <= value <= 500:
                raise Invalid(
                    _("%(field)s must be a whole number from 1 to 500.") % {"field": name},
                    code="invalid_payload",
                )
        elif not isinstance(value, str) or len(value) > max_length:
            raise Invalid(
                _("%(field)s must be text of at most %(n)s characters.")
                % {"field": name, "n": max_length},
                code="invalid_payload",
            )
        elif _NIK_LIKE.search(value):
            raise Invalid(
                _("A NIK or other 16-digit number may not be recorded in the field app."),
                code="nik_in_payload",
            )
        clean[name] = value.strip() if isinstance(value, str) else value
    if kind == RecordKind.SERVICE and clean["outcome"] not in OUTCOMES:
        raise Invalid(_("Unknown outcome."), code="invalid_payload")
    if kind == RecordKind.SERVICE and "ticket_id" in clean:
        clean["ticket_id"] = str(_uuid(clean["ticket_id"], "invalid_payload", "ticket_id"))
    if kind == RecordKind.TICKET and clean.get("priority", Priority.REGULAR) not in Priority.values:
        raise Invalid(_("Unknown priority group."), code="invalid_payload")
    return clean


def _attachments(items) -> tuple[Attachment, ...]:
    if not isinstance(items, list) or len(items) > MAX_ATTACHMENTS:
        raise Invalid(
            _("attachments must be a list of at most %(n)s files.") % {"n": MAX_ATTACHMENTS},
            code="invalid_attachment",
        )
    out, seen = [], set()
    for item in items:
        if not isinstance(item, dict):
            raise Invalid(_("An attachment must be a JSON object."), code="invalid_attachment")
        attachment_id = _uuid(item.get("id"), "invalid_attachment", _("An attachment's id"))
        sha = item.get("sha256")
        size = item.get("size")
        content_type = item.get("content_type")
        if not isinstance(sha, str) or not _SHA256.match(sha.lower()):
            raise Invalid(_("An attachment's sha256 is not valid."), code="invalid_attachment")
        if type(size) is not int or size <= 0:
            raise Invalid(_("An attachment's size is not valid."), code="invalid_attachment")
        if size > file_max():
            raise Invalid(
                _("A file is too large (at most %(mb)s MB).") % {"mb": file_max() // (1024 * 1024)},
                code="file_too_large",
            )
        if content_type not in CONTENT_TYPES:
            raise Invalid(
                _("Attach photos (JPEG or PNG) or PDF files only."), code="file_kind_refused"
            )
        if attachment_id in seen:
            raise Invalid(_("An attachment is listed twice."), code="invalid_attachment")
        seen.add(attachment_id)
        out.append(Attachment(attachment_id, sha.lower(), size, content_type))
    return tuple(out)
