"""Handling an application: each step an officer or an agency system takes, the citizen's
withdrawal, and giving a case to an officer (re-exported by cases.services, the one
door for writes; the module docstring there lists the errors).

Why a module of its own: cases.services holds how an application starts and is filled
in; this holds what happens after submission, so each stays small enough to read.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mpp.accounts import access
from mpp.cases import workflow as wf
from mpp.cases.models import Case, CaseDocument, CaseType, Channel
from mpp.cases.notify import case_notify
from mpp.cases.steps import (
    PROCESS,
    actor_kind_check,
    actor_label,
    actor_user,
    authorise,
    case_lock,
    case_sync,
    channel_check,
    step_check,
    step_record,
    version_check,
    version_save,
)
from mpp.core.errors import Conflict, Forbidden, Invalid

S = Case.Status


# Handling ----------------------------------------------------------------------------


def _missing_clean(case: Case, missing, note: str) -> dict:
    """{"documents": [requirement codes], "note": "..."}: at least one of the two."""
    missing = missing or {}
    if not isinstance(missing, dict):
        raise Invalid(_("Say what is missing."), code="invalid_missing")
    codes = missing.get("documents") or []
    if isinstance(codes, str) or not isinstance(codes, list | tuple):
        raise Invalid(_("Say what is missing."), code="invalid_missing")
    known = set(case.case_type.documents.values_list("code", flat=True))
    codes = list(dict.fromkeys(str(c) for c in codes))
    if any(code not in known for code in codes):
        raise Invalid(
            _("A missing document is not one this application asks for."),
            code="invalid_missing",
        )
    text = str(missing.get("note") or note or "").strip()
    if not codes and not text:
        raise Invalid(
            _("Say which documents are missing or what must be corrected."),
            code="missing_required",
        )
    return {"documents": codes, "note": text}


def _survey_path(case: Case, now: dt.datetime) -> str:
    from mpp.surveys.services import invitation_create, survey_path

    invitation = invitation_create(
        kind="case",
        transaction_id=str(case.pk),
        mall_id=case.mall_id,
        agency_id=case.service.agency_id,
        service_id=case.service_id,
        booth_id=case.booth_id,
        now=now,
    )
    return survey_path(invitation.token)


def case_transition(
    *,
    case: Case,
    to: str,
    channel: str,
    actor=None,
    actor_kind: str,
    note: str = "",
    internal_note: str = "",
    missing: dict | None = None,
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> Case:
    """Take one step of handling (see cases.workflow): verify, send for processing,
    return as incomplete (`missing`), reject (`note` is the reason), mark ready, mark
    handed over (which invites the citizen to the survey). `note` is for the citizen,
    `internal_note` for staff. Submitting and withdrawing go through case_submit and
    case_withdraw (called from here for `to` "submitted" and "withdrawn")."""
    now = now or timezone.now()
    channel_check(channel)
    actor_kind_check(actor_kind)
    if to not in S.values:
        raise Invalid(_("Unknown status."), code="invalid_status")
    if to == S.SUBMITTED:
        from mpp.cases.services import case_submit  # services re-exports this module

        return case_submit(
            case=case,
            channel=channel,
            actor=actor,
            actor_kind=actor_kind,
            expected_version=expected_version,
            now=now,
        )
    note, internal_note = str(note or "").strip(), str(internal_note or "").strip()
    if to == S.WITHDRAWN and actor_kind == wf.CITIZEN:
        version_check(Case.objects.get(pk=case.pk), expected_version)
        return case_withdraw(case=case, channel=channel, note=note, now=now)
    with transaction.atomic():
        locked = case_lock(case)
        version_check(locked, expected_version)
        step_check(locked, to, actor_kind)
        authorise(actor, PROCESS, locked)
        source = locked.status
        message: dict = {}
        if to == S.RETURNED:
            locked.missing = _missing_clean(locked, missing, note)
            locked.returned_at = now
            note = note or locked.missing["note"]
            names = dict(locked.case_type.documents.values_list("code", "name"))
            message = {"missing": [names[c] for c in locked.missing["documents"]]}
        elif to == S.REJECTED:
            if not note:
                raise Invalid(_("Give the reason for the rejection."), code="reason_required")
            locked.outcome_note = note
            locked.completed_at = now
        elif to == S.READY:
            _output_check(locked)
            if note:
                locked.outcome_note = note
        elif to == S.COMPLETED:
            locked.completed_at = now
            message = {"survey_path": _survey_path(locked, now)}
        elif to == S.VERIFICATION and locked.assigned_to_id is None and actor_user(actor):
            locked.assigned_to = actor_user(actor)  # a person: an API client is no officer
        locked.status = to
        version_save(locked)
        step_record(
            locked,
            kind="transition",
            verb=wf.VERBS[to],
            now=now,
            channel=channel,
            actor=actor,
            actor_kind=actor_kind,
            from_status=source,
            to_status=to,
            note=note,
            internal_note=internal_note,
        )
        if to in (S.RETURNED, S.REJECTED, S.READY, S.COMPLETED):
            case_notify(locked, str(to), note=note, **message)
    case_sync(case, locked)
    return locked


def _output_check(case: Case) -> None:
    """A product delivered only as a file must be attached before the case is ready."""
    if case.case_type.delivery != CaseType.Delivery.FILE:
        return
    outputs = CaseDocument.objects.filter(case=case, kind=CaseDocument.Kind.OUTPUT, is_current=True)
    if not outputs.exists():
        raise Conflict(
            _("Attach the product file before marking the application ready."),
            code="output_missing",
        )


def case_withdraw(
    *, case: Case, channel: str, note: str = "", now: dt.datetime | None = None
) -> Case:
    """The citizen takes the application back (from draft up to processing)."""
    now = now or timezone.now()
    channel_check(channel)
    with transaction.atomic():
        locked = case_lock(case)
        step_check(locked, S.WITHDRAWN, wf.CITIZEN)
        source = locked.status
        locked.status = S.WITHDRAWN
        locked.completed_at = now
        version_save(locked)
        step_record(
            locked,
            kind="transition",
            verb="withdrawn",
            now=now,
            channel=channel,
            actor_kind=wf.CITIZEN,
            from_status=source,
            to_status=S.WITHDRAWN,
            note=str(note or "").strip(),
        )
    case_sync(case, locked)
    return locked


def case_assign(*, case: Case, officer, actor, now: dt.datetime | None = None) -> Case:
    """Give the case to an officer of its booth (None: to nobody)."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = case_lock(case)
        if actor is None:
            raise Forbidden(_("Only staff assign applications."))
        authorise(actor, PROCESS, locked)
        if locked.status in wf.TERMINAL:
            raise Conflict(_("This application is closed."), code="invalid_state")
        if officer is not None and not access.allowed(officer, PROCESS, locked):
            raise Invalid(
                _("This officer does not handle this booth's applications."),
                code="invalid_officer",
            )
        locked.assigned_to = officer
        version_save(locked)
        step_record(
            locked,
            kind="assigned",
            verb="assigned",
            now=now,
            channel=Channel.WEB,
            actor=actor,
            actor_kind=wf.OFFICER,
            internal_note=actor_label(officer),
            data={"officer_id": officer.pk if officer is not None else None},
        )
    case_sync(case, locked)
    return locked
