"""The messages an application sends: to the citizen at each step that needs them, and
to the booth's supervisors when a case is about to miss its deadline.

Why: a citizen who applied online should not have to keep checking: they hear when the
application is received (with its number and due date), returned as incomplete (with
what is missing), rejected (with the reason), ready, and completed (with the survey
link). Messages go through the notification outbox (notifications.services.
message_enqueue) inside the case's own transaction, so a message exists if and only if
the step committed, in the case's language. The context carries the case number, the
service, the mall and the citizen's name; never the NIK, and the phone or e-mail only
as recipients. Links point at the case-opening page (the number is typed there, never
put in a link).

Templates: src/mpp/cases/templates/notifications/case_<event>.{sms,email}.txt and
case_<event>.email.subject.txt; case_escalated.email.* for supervisors.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.urls import NoReverseMatch, reverse

from mpp.accounts.models import Role, User
from mpp.cases.models import Case, CaseType
from mpp.cases.numbers import number_display
from mpp.core.errors import Invalid
from mpp.core.links import public_base_url, public_url
from mpp.notifications.services import message_enqueue

log = logging.getLogger(__name__)

EVENTS = ("submitted", "returned", "rejected", "ready", "completed")
TEMPLATES = {event: f"case_{event}" for event in EVENTS}
ESCALATION_TEMPLATE = "case_escalated"


def _language(case: Case) -> str:
    language = (case.language or "").split("-")[0]
    return language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def _open_url() -> str:
    """The page where a citizen opens a case with its number ("" without MPP_PUBLIC_URL
    or before the citizen pages exist)."""
    try:
        return public_url(reverse("cases:open"))
    except NoReverseMatch:
        return ""


def _recipients(case: Case) -> list[tuple[str, str]]:
    out = []
    if case.phone:
        out.append(("sms", case.phone))
    if case.email:
        out.append(("email", case.email))
    return out


def _context(case: Case, *, note: str = "", missing: list[str] | None = None) -> dict:
    context = {
        "number": number_display(case.number),
        "service": case.service.name,
        "mall": case.mall.name,
        "booth": case.booth.name,
        "name": case.applicant_name,
        "language": _language(case),
        "url": _open_url(),
        "note": note,
        "missing": list(missing or []),
        "file": case.case_type.delivery in (CaseType.Delivery.FILE, CaseType.Delivery.EITHER),
        "pickup": case.case_type.delivery != CaseType.Delivery.FILE,
    }
    if case.due_on:
        context["due_date"] = case.due_on.isoformat()
    return context


def case_notify(
    case: Case,
    event: str,
    *,
    note: str = "",
    missing: list[str] | None = None,
    survey_path: str = "",
    key: str = "",
) -> int:
    """Queue the citizen's message of `event` (see EVENTS) to each contact they left;
    returns how many were queued. Call it inside the step's transaction. `key` tells
    repeats of one event apart (a second return after a resubmission)."""
    template = TEMPLATES[event]
    context = _context(case, note=note, missing=missing)
    if survey_path:
        base = public_base_url()
        context["survey_url"] = f"{base}{survey_path}" if base else ""
    queued = 0
    for channel, recipient in _recipients(case):
        try:
            message_enqueue(
                channel=channel,
                recipient=recipient,
                template=template,
                context=context,
                dedupe_key=f"case:{case.pk}:{event}:{key or case.version}:{channel}",
            )
        except Invalid as exc:  # a contact that cannot be written to: the step still counts
            log.warning("case message not queued (%s): %s", channel, exc.code)
            continue
        queued += 1
    return queued


def booth_supervisors(case: Case) -> list[User]:
    """Active supervisors of the case's booth with an e-mail address."""
    return list(
        User.objects.filter(
            role=Role.BOOTH_SUPERVISOR,
            mall_id=case.mall_id,
            booth_id=case.booth_id,
            is_active=True,
        )
        .exclude(email="")
        .order_by("pk")
    )


def escalation_notify(case: Case) -> int:
    """E-mail the booth's supervisors that the case is due soon (once per supervisor)."""
    context = {
        "number": number_display(case.number),
        "service": case.service.name,
        "mall": case.mall.name,
        "booth": case.booth.name,
        "status": str(case.get_status_display()),
        "due_date": case.due_on.isoformat() if case.due_on else "",
        "language": settings.LANGUAGE_CODE,
        "url": _staff_url(case),
    }
    queued = 0
    for user in booth_supervisors(case):
        try:
            message_enqueue(
                channel="email",
                recipient=user.email,
                template=ESCALATION_TEMPLATE,
                context=context,
                dedupe_key=f"case:{case.pk}:escalated:{user.pk}",
            )
        except Invalid as exc:
            log.warning("escalation message not queued: %s", exc.code)
            continue
        queued += 1
    return queued


def _staff_url(case: Case) -> str:
    try:
        return public_url(reverse("cases:staff_case", args=[case.number]))
    except NoReverseMatch:
        return ""
