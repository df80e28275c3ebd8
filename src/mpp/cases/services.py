"""Writes of applications: start, save answers, submit, each step of handling, withdraw,
assign, and the daily warning of cases about to miss their deadline.

Why: a case's status changes only here, each in one transaction that locks the row,
checks the version (the API's If-Match), the current status and the actor (cases.
workflow), writes the step (CaseEvent, what the citizen's history shows), an event in
core's log (`case.<verb>`, no personal data and no free text), bumps `version`, and
queues the citizen's message (cases.notify) in the same transaction: a message exists
if and only if the step committed.

    case_start(*, case_type, channel, applicant_name, nik, phone="", email="",
               language="id", relation="self", subject_name="", answers=None,
               ticket=None, actor=None, now=None) -> Case                      (draft)
    case_save_answers(*, case, answers, channel, actor=None, now=None) -> Case
    case_submit(*, case, channel, actor=None, actor_kind="citizen",
                expected_version=None, now=None) -> Case
    case_transition(*, case, to, channel, actor=None, actor_kind, note="",
                    internal_note="", missing=None, expected_version=None, now=None)
    case_withdraw(*, case, channel, note="", now=None) -> Case
    case_assign(*, case, officer, actor, now=None) -> Case
    cases_escalate(*, now=None) -> int       (periodic, in `mpp worker`)

Each returns the case as saved and also updates the instance it was given.
Staff actors are checked against the access rule: "case.process" for handling steps
(their booth's cases), "case.record" for an application recorded at the counter.

Errors (core.errors): Invalid 422 (invalid_channel, invalid_actor, invalid_status,
invalid_relation, invalid_ticket, invalid_missing, missing_required, reason_required,
documents_missing, invalid_answers (formschema), invalid_nik, nik_not_verified
(case_start: the population register), invalid_name, invalid_phone, invalid_email,
invalid_officer); Forbidden 403 (forbidden, not_allowed); Conflict 409 (invalid_state,
version_mismatch, case_type_closed, output_missing).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mpp.accounts import access
from mpp.cases import workflow as wf
from mpp.cases.deadlines import due_date, extend_for_pause, mall_day
from mpp.cases.escalation import cases_escalate
from mpp.cases.handling import case_assign, case_transition, case_withdraw
from mpp.cases.models import Case, CaseType, Channel
from mpp.cases.notify import case_notify
from mpp.cases.numbers import (
    email_clean,
    name_clean,
    nik_clean,
    number_new,
    phone_clean,
    phone_digest,
)
from mpp.cases.steps import (
    PROCESS,
    RECORD,
    DocumentsMissing,
    actor_kind_check,
    answers_clean,
    authorise,
    case_lock,
    case_sync,
    channel_check,
    documents_missing,
    schema_of_type,
    step_check,
    step_record,
    version_check,
    version_save,
)
from mpp.core.errors import Conflict, Invalid
from mpp.core.identity import nik_verify
from mpp.core.pii import nik_digest, nik_mask

__all__ = [
    "DocumentsMissing",
    "case_assign",
    "case_save_answers",
    "case_start",
    "case_submit",
    "case_transition",
    "case_withdraw",
    "cases_escalate",
]

S = Case.Status


# Starting and filling in -------------------------------------------------------------


def case_start(
    *,
    case_type: CaseType,
    channel: str,
    applicant_name: str,
    nik: str,
    phone: str = "",
    email: str = "",
    language: str = "id",
    relation: str = "self",
    subject_name: str = "",
    answers: dict | None = None,
    ticket=None,
    actor=None,
    now: dt.datetime | None = None,
) -> Case:
    """A new application (draft) for `case_type`, by or for the person named."""
    now = now or timezone.now()
    channel_check(channel)
    if not case_type.is_open:
        raise Conflict(_("This service takes no applications now."), code="case_type_closed")
    today = mall_day(case_type.mall, now)
    name = name_clean(applicant_name)
    nik = nik_clean(nik, today=today)
    phone, email = phone_clean(phone), email_clean(email)
    if relation not in Case.Relation.values:
        raise Invalid(_("Say for whom you apply."), code="invalid_relation")
    subject = ""
    if relation != Case.Relation.SELF:
        subject = name_clean(subject_name, code="invalid_subject_name")
    if language not in dict(settings.LANGUAGES):
        language = settings.LANGUAGE_CODE
    clean = answers_clean(case_type=case_type, answers=answers or {}, partial=True)
    if ticket is not None and ticket.mall_id != case_type.mall_id:
        raise Invalid(_("The ticket is of another mall."), code="invalid_ticket")
    if channel == Channel.API:
        actor_kind = wf.AGENCY
    else:
        actor_kind = wf.OFFICER if actor is not None else wf.CITIZEN
    if actor is not None:
        access.require(actor, RECORD, case_type, _("You may not record applications here."))
    # The population register, when configured (docs/nik-register.md): the NIK is only
    # here (later steps keep its digest); before the transaction, as a remote call.
    nik_verify(nik=nik, name=name, purpose="case", mall_id=case_type.mall_id)
    case = Case(
        case_type=case_type,
        mall_id=case_type.mall_id,
        booth_id=case_type.booth_id,
        service_id=case_type.service_id,
        status=S.DRAFT,
        channel=channel,
        language=language,
        applicant_name=name,
        nik_digest=nik_digest(nik),
        nik_masked=nik_mask(nik),
        phone=phone,
        phone_digest=phone_digest(phone),
        email=email,
        relation=relation,
        subject_name=subject,
        answers=clean,
        form_version=case_type.form_version,
        ticket=ticket,
    )
    with transaction.atomic():
        for attempt in range(8):
            case.number = number_new(today)
            try:
                with transaction.atomic():
                    case.save(force_insert=True)
                break
            except IntegrityError:
                if attempt == 7 or not Case.objects.filter(number=case.number).exists():
                    raise
        step_record(
            case,
            kind="started",
            verb="started",
            now=now,
            channel=channel,
            actor=actor,
            actor_kind=actor_kind,
            to_status=S.DRAFT,
            data={"case_type_id": case_type.pk},
        )
    return case


def case_save_answers(
    *, case: Case, answers: dict, channel: str, actor=None, now: dt.datetime | None = None
) -> Case:
    """Keep (some of) the answers of a draft or returned case; empty values clear one."""
    now = now or timezone.now()
    channel_check(channel)
    with transaction.atomic():
        locked = case_lock(case)
        if locked.status not in wf.CITIZEN_EDITABLE:
            raise Conflict(_("The answers can no longer be changed."), code="invalid_state")
        if actor is not None:
            authorise(actor, PROCESS if locked.status == S.RETURNED else RECORD, locked)
        schema = locked.form_schema or None
        clean = answers_clean(
            case_type=None if schema else locked.case_type,
            schema=schema,
            answers=answers,
            partial=True,
        )
        cleared = {k for k, v in answers.items() if v in (None, "", [])}
        merged = {**locked.answers, **clean}
        locked.answers = {k: v for k, v in merged.items() if k in clean or k not in cleared}
        version_save(locked)
        kind = wf.AGENCY if channel == Channel.API else (wf.OFFICER if actor else wf.CITIZEN)
        step_record(
            locked,
            kind="answers",
            verb="answers_saved",
            now=now,
            channel=channel,
            actor=actor,
            actor_kind=kind,
            data={"keys": len(clean)},
        )
    case_sync(case, locked)
    return locked


def case_submit(
    *,
    case: Case,
    channel: str,
    actor=None,
    actor_kind: str = "citizen",
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> Case:
    """Send a draft (or a returned case, again) to the booth: every answer checked
    against the form, every required document there. The first submission starts the
    clock (due in the case type's working days); a resubmission moves the due date by
    the working days the case stood returned."""
    now = now or timezone.now()
    channel_check(channel)
    actor_kind_check(actor_kind)
    with transaction.atomic():
        locked = case_lock(case)
        version_check(locked, expected_version)
        step_check(locked, S.SUBMITTED, actor_kind)
        if actor_kind != wf.CITIZEN:
            authorise(actor, RECORD if locked.status == S.DRAFT else PROCESS, locked)
        source = locked.status
        if source == S.DRAFT:
            schema = schema_of_type(locked.case_type)
            locked.form_schema = schema
            locked.form_version = locked.case_type.form_version
        else:
            schema = locked.form_schema
        if schema or source == S.DRAFT:
            locked.answers = answers_clean(
                case_type=None if schema else locked.case_type,
                schema=schema or None,
                answers=locked.answers,
                partial=False,
            )
        missing = documents_missing(locked)
        if missing:
            raise DocumentsMissing(missing)
        if source == S.DRAFT:
            locked.submitted_at = now
            locked.due_on = due_date(
                mall=locked.mall, start=now, days=locked.case_type.completion_days
            )
        else:
            if locked.due_on and locked.returned_at:
                locked.due_on = extend_for_pause(
                    mall=locked.mall,
                    due_on=locked.due_on,
                    paused_from=locked.returned_at,
                    resumed_at=now,
                )
            locked.returned_at = None
            locked.missing = {}
        locked.status = S.SUBMITTED
        version_save(locked)
        step_record(
            locked,
            kind="transition",
            verb="submitted",
            now=now,
            channel=channel,
            actor=actor,
            actor_kind=actor_kind,
            from_status=source,
            to_status=S.SUBMITTED,
            data={"resubmitted": source != S.DRAFT},
        )
        case_notify(locked, "submitted")
    case_sync(case, locked)
    return locked
