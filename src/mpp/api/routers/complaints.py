"""Complaint (pengaduan) endpoints: file one (public), follow it by its tracking code
(public), and, for staff, the mall's list and the handling steps.

Filing is JSON only; an attachment (photo or PDF) is added on the web form
(/m/<mall>/pengaduan/), which checks the file's content, so API clients never send
files. A phone number or e-mail needs `consent: true`, as the web form's tick box
(422 consent_required). The tracking code is the citizen's key, so it never travels in
a URL (URLs end up in server, proxy and browser logs): the citizen sends it in the body
of POST /complaints/track, like the web page's form; staff act on the complaint's
internal id (POST /complaints/{id}/{action}). The public view holds no personal data
(no name, phone, e-mail, description or internal note). Filing and look-ups are
rate-limited per client IP (429 rate_limited with Retry-After); filing is safe to retry
with an Idempotency-Key. Staff: API token or signed-in session (like the officer
endpoints), seeing what complaints.selectors.complaints_for allows: another mall's
complaint is 403 forbidden; a step the status does not allow is 409 invalid_state.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Literal

from django.utils.translation import gettext as _
from ninja import Field, Path, Query, Router, Schema, Status

from mpp.accounts import access
from mpp.api.auth import OFFICER_AUTH
from mpp.api.idempotency import IdempotencyKey, idempotent
from mpp.api.lookups import mall_or_404
from mpp.api.schemas import CODE_MAX, ErrorOut, MallCode, ValidationErrorOut
from mpp.complaints.models import Complaint
from mpp.complaints.selectors import (
    complaint_by_code,
    complaint_by_id,
    complaint_list,
    public_history,
)
from mpp.complaints.services import complaint_act, complaint_file
from mpp.complaints.throttle import complaint_throttle_enforce
from mpp.complaints.validation import DESCRIPTION_MAX, DESCRIPTION_MIN, MESSAGE_MAX
from mpp.core.errors import Forbidden, NotFound
from mpp.core.pii import email_mask, phone_mask

router = Router(tags=["complaints"])

# Spelled out (not taken from the models) so the published contract changes only on
# purpose; tests check they match complaints.models.Complaint.
CategoryName = Literal[
    "service_quality",
    "officer_behaviour",
    "fees",
    "time",
    "facilities",
    "information",
    "online",
    "other",
]
StatusName = Literal[
    "received", "verified", "forwarded", "in_progress", "answered", "closed", "rejected"
]
TrackName = Literal["regular", "dispute", "field_check"]
ActionName = Literal["verify", "forward", "start", "answer", "close", "reject", "note"]
StepName = Literal[
    "received", "verified", "forwarded", "started", "answered", "closed", "rejected", "noted"
]

ActionPath = Path(..., description="The step to take.")
FiltersQuery = Query(...)
ComplaintId = Path(..., ge=1, le=2**62, description="The complaint's id (staff lists give it).")


class ComplaintIn(Schema):
    category: CategoryName
    description: str = Field(..., min_length=DESCRIPTION_MIN, max_length=DESCRIPTION_MAX)
    service: str | None = Field(
        None, max_length=CODE_MAX, description="The service's code, when known: routes it."
    )
    incident_date: dt.date | None = None
    ticket: uuid.UUID | None = Field(None, description="The queue ticket it is about.")
    booking: str | None = Field(None, max_length=20, description="The booking code it is about.")
    anonymous: bool = False
    name: str = Field("", max_length=120, description="Ignored when anonymous.")
    phone: str = Field(
        "", max_length=40, description="Indonesian mobile number: the SMS with the code."
    )
    email: str = Field("", max_length=254)
    consent: bool = Field(
        False,
        description="The citizen agrees that the phone number and e-mail are used to send "
        "the tracking code and the answer (UU 27/2022). Required (true) with either.",
    )


class TrackIn(Schema):
    code: str = Field(
        ...,
        min_length=1,
        max_length=40,
        description="The tracking code (10 characters; dashes, spaces and case ignored).",
    )


class ComplaintStepOut(Schema):
    at: dt.datetime
    step: StepName
    status: StatusName
    booth: str | None
    message: str = Field(..., description="The public message or reason; '' when none.")


class ComplaintPublicOut(Schema):
    code: str
    mall: str
    status: StatusName
    category: CategoryName
    service: str | None
    booth: str | None = Field(..., description="The booth handling it; null: the manager.")
    track: TrackName
    received_at: dt.datetime
    first_response_due: dt.datetime
    resolution_due: dt.datetime
    first_response_at: dt.datetime | None
    answered_at: dt.datetime | None
    closed_at: dt.datetime | None
    first_response_overdue: bool
    answer_overdue: bool
    rejection_reason: str
    history: list[ComplaintStepOut]


class ComplaintStaffOut(Schema):
    id: int
    code: str
    mall: str
    status: StatusName
    category: CategoryName
    channel: Literal["web", "kiosk", "counter", "api"]
    track: TrackName
    service: str | None
    booth_id: int | None
    booth: str | None
    about_booth: str | None = Field(
        ..., description="The booth it is about, as filed (officer and pungli: the manager's)."
    )
    description: str
    anonymous: bool
    name: str = Field(..., description="'' when anonymous.")
    phone_masked: str
    email_masked: str
    has_attachment: bool
    ticket: uuid.UUID | None
    booking: str
    received_at: dt.datetime
    first_response_due: dt.datetime
    resolution_due: dt.datetime
    first_response_at: dt.datetime | None
    answered_at: dt.datetime | None
    closed_at: dt.datetime | None
    first_response_overdue: bool
    answer_overdue: bool


class ComplaintListOut(Schema):
    count: int
    items: list[ComplaintStaffOut]


class ComplaintActIn(Schema):
    message: str = Field("", max_length=MESSAGE_MAX, description="Public; required to answer.")
    reason: str = Field("", max_length=MESSAGE_MAX, description="Public; required to reject.")
    note: str = Field("", max_length=MESSAGE_MAX, description="Staff only; required for note.")
    booth: int | None = Field(None, ge=1, le=2**62, description="Forward: the booth's id.")
    track: TrackName | None = Field(None, description="Verify or forward: the answer's track.")


def _common(c: Complaint) -> dict:
    """`c` as complaints.selectors reads it: with its overdue flags (with_flags)."""
    return {
        "code": c.code,
        "mall": c.mall.code,
        "status": c.status,
        "category": c.category,
        "service": c.service.code if c.service_id else None,
        "booth": c.booth.name if c.booth_id else None,
        "track": c.track,
        "received_at": c.received_at,
        "first_response_due": c.first_response_due,
        "resolution_due": c.resolution_due,
        "first_response_at": c.first_response_at,
        "answered_at": c.answered_at,
        "closed_at": c.closed_at,
        "first_response_overdue": c.first_overdue,
        "answer_overdue": c.answer_overdue,
    }


def public_out(c: Complaint) -> dict:
    history = [
        {
            "at": a.at,
            "step": a.kind,
            "status": a.to_status,
            "booth": a.booth.name if a.booth_id and a.kind == "forwarded" else None,
            "message": a.public_message,
        }
        for a in public_history(c)
    ]
    return {**_common(c), "rejection_reason": c.rejection_reason, "history": history}


def staff_out(c: Complaint) -> dict:
    named = not c.anonymous
    return {
        **_common(c),
        "id": c.pk,
        "channel": c.channel,
        "booth_id": c.booth_id,
        "about_booth": c.about_booth.name if c.about_booth_id else None,
        "description": c.description,
        "anonymous": c.anonymous,
        "name": c.name if named else "",
        "phone_masked": phone_mask(c.phone) if c.phone and named else "",
        "email_masked": email_mask(c.email) if c.email and named else "",
        "has_attachment": bool(c.attachment),
        "ticket": c.ticket_ref,
        "booking": c.booking_ref,
    }


def _throttle_file(request, **kwargs) -> None:
    complaint_throttle_enforce(request)


def _not_found() -> NotFound:
    return NotFound(_("No complaint with this tracking code."), code="complaint_not_found")


@router.post(
    "/malls/{mall}/complaints",
    response={
        201: ComplaintPublicOut,
        404: ErrorOut,
        409: ErrorOut,
        422: ValidationErrorOut | ErrorOut,
        429: ErrorOut,
    },
    operation_id="createComplaint",
)
@idempotent(ComplaintPublicOut, status=201, throttle=_throttle_file)
def create_complaint(
    request,
    payload: ComplaintIn,
    mall: str = MallCode,
    idempotency_key: str | None = IdempotencyKey,
):
    """File a complaint (no sign-in; anonymous allowed). 201 with the tracking code and
    the deadlines: first response within 3 working days, answer within 5.

    Routed to the booth offering `service` in this mall, else to the mall's manager;
    officer behaviour and fees (pungli) always to the mall's manager. With a phone or
    e-mail (and `consent: true`) the citizen gets the code by SMS or e-mail. 422:
    consent_required, invalid_service, invalid_name, invalid_phone, invalid_email,
    invalid_date, invalid_booking, invalid_description (or validation_error).
    Attachments: web form only.
    """
    complaint = complaint_file(
        mall=mall_or_404(mall),
        category=payload.category,
        description=payload.description,
        channel=Complaint.Channel.API,
        service_code=payload.service or "",
        incident_date=payload.incident_date,
        ticket_ref=payload.ticket,
        booking_ref=payload.booking or "",
        anonymous=payload.anonymous,
        name=payload.name,
        phone=payload.phone,
        email=payload.email,
        consent=payload.consent,
        language=(getattr(request, "LANGUAGE_CODE", "") or "id")[:2],
    )
    return Status(201, public_out(complaint_by_code(complaint.code)))


@router.post(
    "/complaints/track",
    response={200: ComplaintPublicOut, 404: ErrorOut, 422: ValidationErrorOut, 429: ErrorOut},
    operation_id="trackComplaint",
)
def track_complaint(request, payload: TrackIn):
    """A complaint's status, deadlines and public history, by the tracking code sent in
    the body (never in the URL, which servers and proxies log). No personal data.
    Unknown or malformed code: 404 complaint_not_found."""
    complaint_throttle_enforce(request, name="complaint_lookup_ip")
    complaint = complaint_by_code(payload.code)
    if complaint is None:
        raise _not_found()
    return public_out(complaint)


class ListFilters(Schema):
    status: StatusName | None = None
    overdue: bool | None = Field(None, description="true: only overdue; false: none overdue.")
    limit: int = Field(100, ge=1, le=500)
    offset: int = Field(0, ge=0, le=1_000_000)


@router.get(
    "/malls/{mall}/complaints",
    response={
        200: ComplaintListOut,
        401: ErrorOut,
        403: ErrorOut,
        404: ErrorOut,
        422: ValidationErrorOut,
    },
    auth=OFFICER_AUTH,
    operation_id="listMallComplaints",
)
def list_complaints(request, mall: str = MallCode, filters: ListFilters = FiltersQuery):
    """The mall's complaints this staff member handles (a booth's staff: their booth's;
    a manager: all of the mall's), newest first, with overdue flags. Another mall: 403."""
    found = mall_or_404(mall)
    if not access.allowed(request.auth, "complaint.handle", found):
        raise Forbidden(_("You are not staff of this mall."), code="forbidden")
    rows = complaint_list(
        request.auth, mall_id=found.pk, status=filters.status or "", overdue=filters.overdue
    )
    page = rows[filters.offset : filters.offset + filters.limit]
    return {"count": rows.count(), "items": [staff_out(c) for c in page]}


@router.post(
    "/complaints/{complaint_id}/{action}",
    response={
        200: ComplaintStaffOut,
        401: ErrorOut,
        403: ErrorOut,
        404: ErrorOut,
        409: ErrorOut,
        422: ValidationErrorOut | ErrorOut,
    },
    auth=OFFICER_AUTH,
    operation_id="actOnComplaint",
)
def act_on_complaint(
    request,
    payload: ComplaintActIn,
    complaint_id: int = ComplaintId,
    action: ActionName = ActionPath,
):
    """Take a step: verify, forward (booth), start, answer (message), close, reject
    (reason), note (note). 409 invalid_state when the status does not allow it; 403 when
    the complaint is not this staff member's to handle, or the step not their role's
    (forward: managers; close and reject: supervisors and managers). The complaint is
    named by its id: its tracking code is the citizen's, and stays out of URLs."""
    complaint = complaint_act(
        complaint_id=complaint_id,
        actor=request.auth,
        action=action,
        message=payload.message,
        reason=payload.reason,
        note=payload.note,
        booth_id=payload.booth,
        track=payload.track or "",
    )
    return staff_out(complaint_by_id(complaint.pk))  # read again, with its overdue flags
