"""Checking what a citizen or officer types into a complaint, and making tracking codes.

Why: a complaint is only useful when it says what happened and, if the citizen wants
an answer by SMS or e-mail, reaches them; bad input is refused before anything is
written, each problem with its own code (core.errors.Invalid): invalid_category,
invalid_description, invalid_name, invalid_phone, invalid_email, invalid_date,
invalid_ticket, invalid_booking, invalid_attachment, attachment_too_large. Messages
never echo the phone number or e-mail address.

Attachments are checked by their content, not their name, through the one upload
check (mpp.core.uploads: magic bytes and structure): a JPEG, PNG or PDF file of at
most 5 MB. The name the citizen's file had is not kept (it often holds a name or a NIK).
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
import uuid

from django.utils.translation import gettext as _

from mpp.core import identity
from mpp.core.errors import Invalid
from mpp.core.identity import email_clean as email_clean  # re-exported
from mpp.core.uploads import CONTENT_TYPES, UploadTooLarge, upload_kind

CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # 31 letters: no 0/O, 1/I/L
CODE_LENGTH = 10  # 31^10, about 8 * 10^14: not guessable by trying
_CODE_RE = re.compile(f"^[{CODE_ALPHABET}]{{{CODE_LENGTH}}}$")
BOOKING_CODE_RE = re.compile(r"^[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{8}$")

DESCRIPTION_MIN = 10
DESCRIPTION_MAX = 4000
NAME_MAX = 120
MESSAGE_MAX = 4000
ATTACHMENT_MAX_BYTES = 5 * 1024 * 1024
ATTACHMENT_TYPES = {kind: CONTENT_TYPES[kind] for kind in ("jpg", "png", "pdf")}


def code_new() -> str:
    """A random tracking code of 10 characters nobody misreads."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def code_clean(code: str) -> str | None:
    """A typed tracking code in canonical form (upper case, no spaces or dashes), or None."""
    cleaned = re.sub(r"[\s\-.]", "", str(code or "")[:40]).upper()
    return cleaned if _CODE_RE.match(cleaned) else None


def code_grouped(code: str) -> str:
    """A tracking code as it is printed and read out: K7M2Q-X9PAB."""
    return f"{code[:5]}-{code[5:]}" if len(code) == CODE_LENGTH else code


def choice_clean(value: str, choices, *, code: str, message: str) -> str:
    value = str(value or "").strip()
    if value not in choices:
        raise Invalid(message, code=code)
    return value


def text_clean(
    value: str, *, code: str, required: bool, maximum: int, minimum: int = 1, what: str = ""
) -> str:
    """Free text with its ends trimmed; Invalid when empty (if required), too short or
    too long."""
    text = str(value or "").replace("\r\n", "\n").strip()
    if not text:
        if required:
            raise Invalid(what or _("Please write something."), code=code)
        return ""
    if len(text) < minimum:
        raise Invalid(_("Please write at least %(min)d characters.") % {"min": minimum}, code=code)
    if len(text) > maximum:
        raise Invalid(
            _("The text is too long (at most %(max)d characters).") % {"max": maximum}, code=code
        )
    if "\x00" in text:
        raise Invalid(_("The text contains characters that are not allowed."), code=code)
    return text


def description_clean(value: str) -> str:
    return text_clean(
        value,
        code="invalid_description",
        required=True,
        minimum=DESCRIPTION_MIN,
        maximum=DESCRIPTION_MAX,
        what=_("Please tell us what happened."),
    )


def name_clean(value: str) -> str:
    """A name with spaces tidied ("" when none is given), or Invalid (invalid_name)."""
    cleaned = " ".join(str(value or "").split())
    if not cleaned:
        return ""
    if not any(ch.isalpha() for ch in cleaned) or len(cleaned) > NAME_MAX or "\x00" in cleaned:
        raise Invalid(_("Write a name of at most 120 characters."), code="invalid_name")
    return cleaned


def phone_clean(value: str) -> str:
    """An Indonesian mobile number in E.164 ("" when none is given), or Invalid."""
    return identity.phone_clean(value, optional=True)


def date_clean(value, *, today: dt.date) -> dt.date | None:
    """The date of the incident (optional): not in the future, not before 2000."""
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        value = value.date()
    if not isinstance(value, dt.date):
        try:
            value = dt.date.fromisoformat(str(value).strip()[:10])
        except ValueError:
            raise Invalid(_("Give the date as YYYY-MM-DD."), code="invalid_date") from None
    if value > today or value.year < 2000:
        raise Invalid(_("The date of the incident cannot be in the future."), code="invalid_date")
    return value


def ticket_clean(value) -> uuid.UUID | None:
    """The id of the queue ticket the complaint is about (optional), as a UUID."""
    if value in (None, ""):
        return None
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value).strip()[:40])
    except ValueError:
        raise Invalid(_("This is not a queue ticket's id."), code="invalid_ticket") from None


def booking_clean(value) -> str:
    """The booking code the complaint is about (optional), in canonical form."""
    cleaned = re.sub(r"[\s\-]", "", str(value or "")[:40]).upper()
    if cleaned and not BOOKING_CODE_RE.match(cleaned):
        raise Invalid(
            _("A booking code has 8 letters and digits, like K7M2 QX9P."), code="invalid_booking"
        )
    return cleaned


def attachment_kind(upload) -> str:
    """The kind ("jpg", "png", "pdf") of an uploaded file, read from its content by the one
    upload check (mpp.core.uploads); Invalid (attachment_too_large, invalid_attachment)
    for anything else."""
    try:
        return upload_kind(upload, allowed=tuple(ATTACHMENT_TYPES), max_bytes=ATTACHMENT_MAX_BYTES)
    except UploadTooLarge:
        raise Invalid(
            _("The attachment is too large (at most 5 MB)."), code="attachment_too_large"
        ) from None
    except Invalid:
        raise Invalid(
            _("Attach a photo (JPG or PNG) or a PDF document."), code="invalid_attachment"
        ) from None
