"""Writes of complaints: filing one, and each step of its handling.

Why: a complaint's status changes only here, each in one transaction that locks the
row, checks the current status and the actor's right (complaints.workflow), writes the
step (ComplaintAction), an event in core's log (`complaint.*`, no personal data and no
free text) and, when the citizen left a contact, the message to them (complaints.notify).

    complaint_file(*, mall, category, description, channel, service_code="",
                   booth_id=None, incident_date=None, ticket_ref=None, booking_ref="",
                   anonymous=False, name="", phone="", email="", consent=False,
                   attachment=None,
                   actor=None, language="id", now=None) -> Complaint
    complaint_act(*, complaint_id, actor, action, message="", reason="", note="",
                  booth_id=None, track="", now=None) -> Complaint
        action: verify, forward, start, answer, close, reject, note (see workflow)
    complaint_contact_view(*, complaint_id, actor) -> Complaint  (managers; audited)
    complaints_export_record(*, mall, actor, date_from, date_to, with_contact, count)

Routing on filing: the booth offering the chosen service in this mall, else the booth
chosen, else none (the manager verifies it and forwards it). Complaints about an
officer's conduct or an illegal fee (pungli) always go to the manager's desk: the booth
they are about is kept as `about_booth`, not given them to handle. Deadlines (core.workdays,
in the mall's time zone): first response 3 working days after the day of receipt; the
answer 5, 14 or 60 by track (regular at filing; set on verify or forward).

A phone number or e-mail is kept only with the citizen's consent (consent=True), on
every channel: the web form's tick box, the API's `consent` field.

Errors (core.errors): Invalid 422 (see complaints.validation, and consent_required,
invalid_service,
invalid_booth, invalid_channel, invalid_track, message_required, reason_required,
note_required, booth_required); Forbidden 403 forbidden; NotFound 404
complaint_not_found; Conflict 409 invalid_state.
"""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mpp.accounts.access import is_client, person_of
from mpp.catalog.models import Booth, Mall, Offering
from mpp.complaints import validation as v
from mpp.complaints.models import Complaint, ComplaintAction
from mpp.complaints.notify import complaint_notify
from mpp.complaints.selectors import complaints_for
from mpp.complaints.workflow import (
    FIRST_RESPONSE_DAYS,
    MANAGERS,
    STEPS,
    TRACK_DAYS,
    Step,
    role_of,
    status_allows,
    step_allowed,
)
from mpp.core.errors import Conflict, Forbidden, Invalid, NotFound
from mpp.core.events import event_record
from mpp.core.workdays import add_working_days

CODE_ATTEMPTS = 8


def _route(
    mall: Mall, service_code: str, booth_id, category: str = ""
) -> tuple[Booth | None, object, Booth | None]:
    """(booth handling it, service, booth it is about) of a new complaint: the service's
    booth here, or the booth chosen; a complaint about an officer's conduct or an illegal
    fee (Complaint.MANAGER_CATEGORIES) goes to the mall manager's desk instead, never to
    the booth it accuses (whose officers would otherwise read and answer it)."""
    service, about = None, None
    if service_code:
        offering = (
            Offering.objects.select_related("booth", "service")
            .filter(mall=mall, service__code=str(service_code)[:80])
            .first()
        )
        if offering is None:
            raise Invalid(_("This service is not offered at this mall."), code="invalid_service")
        about, service = offering.booth, offering.service
    elif booth_id not in (None, ""):
        about = _booth_in(mall.pk, booth_id)
    if category in Complaint.MANAGER_CATEGORIES:
        return None, service, about
    return about, service, about


def _booth_in(mall_id: int, booth_id) -> Booth:
    """The booth `booth_id` of this mall, or Invalid (invalid_booth)."""
    try:
        booth = Booth.objects.filter(mall_id=mall_id, pk=int(booth_id)).first()
    except (TypeError, ValueError, OverflowError):
        booth = None
    if booth is None:
        raise Invalid(_("This booth is not in this mall."), code="invalid_booth")
    return booth


def _deadlines(received_at: dt.datetime, track: str, tz) -> tuple[dt.datetime, dt.datetime]:
    first = add_working_days(received_at, FIRST_RESPONSE_DAYS, tz)
    return first, add_working_days(received_at, TRACK_DAYS[track], tz)


def _event(complaint: Complaint, kind: str, actor, at, *, previous: str = "") -> None:
    event_record(
        kind=f"complaint.{kind}",
        subject_type="complaint",
        subject_id=complaint.pk,
        mall_id=complaint.mall_id,
        actor_id=getattr(person_of(actor), "pk", None),  # an API client: in data
        occurred_at=at,
        data={
            "from": previous,
            "to": complaint.status,
            "booth_id": complaint.booth_id,
            "category": complaint.category,
            "channel": complaint.channel,
            "track": complaint.track,
            **({"client_id": actor.pk} if is_client(actor) else {}),
        },
    )


def _insert(complaint: Complaint) -> None:
    for _attempt in range(CODE_ATTEMPTS):
        complaint.code = v.code_new()
        try:
            with transaction.atomic():
                complaint.save(force_insert=True)
            return
        except IntegrityError:
            if Complaint.objects.filter(code=complaint.code).exists():
                continue  # a code taken already (about 1 in 10^9): draw another
            raise
    raise Conflict(_("Something went wrong. Please try again."), code="code_exhausted")


def complaint_file(
    *,
    mall: Mall,
    category: str,
    description: str,
    channel: str,
    service_code: str = "",
    booth_id: int | str | None = None,
    incident_date=None,
    ticket_ref=None,
    booking_ref: str = "",
    anonymous: bool = False,
    name: str = "",
    phone: str = "",
    email: str = "",
    consent: bool = False,
    attachment=None,
    actor=None,
    language: str = "id",
    now: dt.datetime | None = None,
) -> Complaint:
    """File a complaint: check everything first, then write it with its first step, its
    event and the "received" message (with the tracking code) to the citizen's contacts."""
    now = now or timezone.now()
    category = v.choice_clean(
        category,
        Complaint.Category.values,
        code="invalid_category",
        message=_("Choose what the complaint is about."),
    )
    channel = v.choice_clean(
        channel, Complaint.Channel.values, code="invalid_channel", message=_("Unknown channel.")
    )
    description = v.description_clean(description)
    incident = v.date_clean(incident_date, today=now.astimezone(mall.tz).date())
    ticket = v.ticket_clean(ticket_ref)
    booking = v.booking_clean(booking_ref)
    name = "" if anonymous else v.name_clean(name)
    phone, email = v.phone_clean(phone), v.email_clean(email)
    if (phone or email) and consent is not True:
        raise Invalid(
            _(
                "To leave a phone number or e-mail, agree that they are used to send you the "
                "tracking code and the answer (consent), or leave them empty."
            ),
            code="consent_required",
        )
    kind = v.attachment_kind(attachment) if attachment else ""
    booth, service, about = _route(mall, service_code, booth_id, category)
    first_due, answer_due = _deadlines(now, Complaint.Track.REGULAR, mall.tz)
    complaint = Complaint(
        mall=mall,
        booth=booth,
        about_booth=about,
        service=service,
        category=category,
        channel=channel,
        description=description,
        incident_date=incident,
        anonymous=bool(anonymous),
        name=name,
        phone=phone,
        email=email,
        language=language if language in ("id", "en") else "id",
        attachment_type=kind,
        ticket_ref=ticket,
        booking_ref=booking,
        recorded_by=actor if getattr(actor, "pk", None) else None,
        received_at=now,
        first_response_due=first_due,
        resolution_due=answer_due,
    )
    if attachment:
        complaint.attachment.save(f"{v.code_new()}.{kind}", attachment, save=False)
    try:
        with transaction.atomic():
            _insert(complaint)
            ComplaintAction.objects.create(
                complaint=complaint,
                at=now,
                actor=complaint.recorded_by,
                kind=ComplaintAction.Kind.RECEIVED,
                to_status=complaint.status,
                booth=booth,
            )
            _event(complaint, "received", complaint.recorded_by, now)
            complaint_notify(complaint, "received")
    except BaseException:
        if complaint.attachment:
            complaint.attachment.delete(save=False)  # nothing half-written, on disk either
        raise
    return complaint


def _check(step: Step, *, message: str, reason: str, note: str, booth_id, track: str) -> dict:
    """The cleaned inputs of a step, or Invalid before anything is locked."""
    text = {
        "message": v.text_clean(
            message,
            code="message_required",
            required=step.needs_message,
            maximum=v.MESSAGE_MAX,
            what=_("Write the answer the citizen will read."),
        ),
        "reason": v.text_clean(
            reason,
            code="reason_required",
            required=step.needs_reason,
            maximum=v.MESSAGE_MAX,
            what=_("Write why the complaint is rejected."),
        ),
        "note": v.text_clean(
            note,
            code="note_required",
            required=step.needs_note,
            maximum=v.MESSAGE_MAX,
            what=_("Write the note."),
        ),
    }
    if track and track not in Complaint.Track.values:
        raise Invalid(_("Unknown track."), code="invalid_track")
    if step.needs_booth and booth_id in (None, ""):
        raise Invalid(_("Choose the booth to forward the complaint to."), code="booth_required")
    return text


def complaint_act(
    *,
    complaint_id: int,
    actor,
    action: str,
    message: str = "",
    reason: str = "",
    note: str = "",
    booth_id: int | str | None = None,
    track: str = "",
    now: dt.datetime | None = None,
) -> Complaint:
    """Take one step (workflow.STEPS) on a complaint as `actor` (a staff user)."""
    step = STEPS.get(action)
    if step is None:
        raise Invalid(_("Unknown action."), code="invalid_action")
    text = _check(step, message=message, reason=reason, note=note, booth_id=booth_id, track=track)
    now = now or timezone.now()
    with transaction.atomic():
        complaint = (  # of=self: lock the complaint, not its mall
            Complaint.objects.select_for_update(of=("self",))
            .select_related("mall")
            .filter(pk=complaint_id)
            .first()
        )
        if complaint is None:
            raise NotFound(_("Complaint not found."), code="complaint_not_found")
        if not step_allowed(actor, complaint, step, track=track):
            raise Forbidden(_("You may not do this with this complaint."), code="forbidden")
        if not status_allows(complaint, step):
            raise Conflict(
                _("A complaint that is %(status)s cannot be handled this way.")
                % {"status": complaint.get_status_display().lower()},
                code="invalid_state",
            )
        return _apply(complaint, step, actor, now, text, booth_id=booth_id, track=track)


def _apply(complaint, step: Step, actor, now, text: dict, *, booth_id, track) -> Complaint:
    previous = complaint.status
    S = Complaint.Status
    booth = _booth_in(complaint.mall_id, booth_id) if step.needs_booth else None
    if booth is not None:
        complaint.booth = booth
    if track and track != complaint.track and step.name in ("verify", "forward"):
        complaint.track = track
        complaint.resolution_due = _deadlines(complaint.received_at, track, complaint.mall.tz)[1]
    if step.target is not None:
        complaint.status = step.target
        if complaint.first_response_at is None:
            complaint.first_response_at = now
    if step.target == S.ANSWERED:
        complaint.answered_at = now
    if step.target in (S.CLOSED, S.REJECTED):
        complaint.closed_at = now
    if step.target == S.REJECTED:
        complaint.rejection_reason = text["reason"]
    complaint.save()
    public = text["message"] or text["reason"]
    ComplaintAction.objects.create(
        complaint=complaint,
        at=now,
        actor=person_of(actor),  # never an API client's id in a user column
        kind=step.kind,
        from_status=previous,
        to_status=complaint.status,
        booth=booth,
        public_message=public,
        internal_note=text["note"],
    )
    _event(complaint, step.kind, actor, now, previous=previous)
    if step.target == S.ANSWERED:
        complaint_notify(complaint, "answered", message=public)
    elif step.target == S.REJECTED:
        complaint_notify(complaint, "rejected", message=public)
    return complaint


def complaint_contact_view(*, complaint_id: int, actor) -> Complaint:
    """Show a manager the reporter's contact details, and keep a record that they did
    (event `complaint.contact_viewed`, without the details). Anonymous: nothing to show."""
    complaint = complaints_for(actor).select_related("mall").filter(pk=complaint_id).first()
    if complaint is None:
        raise NotFound(_("Complaint not found."), code="complaint_not_found")
    if role_of(actor) not in MANAGERS or complaint.anonymous:
        raise Forbidden(_("Only the mall's managers see contact details."), code="forbidden")
    with transaction.atomic():
        event_record(
            kind="complaint.contact_viewed",
            subject_type="complaint",
            subject_id=complaint.pk,
            mall_id=complaint.mall_id,
            actor_id=actor.pk,
        )
    return complaint


def complaints_export_record(
    *, mall: Mall, actor, date_from: dt.date, date_to: dt.date, with_contact: bool, count: int
) -> None:
    """Keep a record of an export (event `complaint.exported`): who took which range, and
    whether it held contact details (managers only)."""
    if role_of(actor) not in MANAGERS:
        raise Forbidden(_("Only the mall's managers export complaints."), code="forbidden")
    if with_contact and not actor.is_national and actor.mall_id != mall.pk:
        raise Forbidden(_("Only the mall's managers export complaints."), code="forbidden")
    with transaction.atomic():
        event_record(
            kind="complaint.exported",
            subject_type="mall",
            subject_id=mall.pk,
            mall_id=mall.pk,
            actor_id=actor.pk,
            data={
                "from": date_from.isoformat(),
                "to": date_to.isoformat(),
                "with_contact": bool(with_contact),
                "count": count,
            },
        )
