"""Turning cases into the API's response dicts, and the cases a caller may see.

Kept apart from the handlers so create, look-up, upload and every transition return the
very same case shape. Personal data never leave unmasked: the NIK only as `nik_masked`,
the phone and e-mail masked, and form answers of NIK or phone fields (by the field's
kind, and any 16-digit answer whatever its field) masked the same way.
"""

from __future__ import annotations

import re

from django.db.models import Prefetch, QuerySet

from mpp.accounts import access
from mpp.api.conditional import etag_of
from mpp.cases import deadlines, workflow
from mpp.cases.models import Case, CaseDocument, CaseField
from mpp.core.pii import email_mask, nik_mask, phone_mask

# The actor an API caller is in the workflow (mpp.cases.workflow): an agency system,
# which takes the officer's steps but none from draft. Submitting a draft recorded for
# a citizen at the counter (case.record) is the recording officer's step.
API_ACTOR = workflow.AGENCY
SUBMIT_ACTOR = workflow.OFFICER

# A NIK typed anywhere in an answer (16 digits, not part of a longer number).
_NIK_IN_TEXT = re.compile(r"(?<![0-9])[0-9]{16}(?![0-9])")


def cases_visible(user, action: str = "case.process") -> QuerySet[Case]:
    """The cases `user` may act on (accounts.access), ready for the list."""
    rows = Case.objects.select_related("mall", "booth", "service")
    return access.restrict(rows, user, action)


def case_for_api(case_id) -> Case | None:
    """A case with all that its full answer shows (None for an unknown id)."""
    return (
        Case.objects.select_related("mall", "booth", "service", "case_type", "assigned_to")
        .prefetch_related(
            Prefetch(
                "documents",
                queryset=CaseDocument.objects.select_related("requirement").order_by(
                    "created_at", "pk"
                ),
            ),
            "events",
        )
        .filter(pk=case_id)
        .first()
    )


def etag(case: Case) -> str:
    """The case's entity tag (strong): changes whenever the case does."""
    return etag_of(case.version)


def next_statuses(case: Case) -> list[str]:
    """Where an API caller may move the case now (withdrawing is the citizen's)."""
    steps = workflow.next_statuses(case.case_type, case.status, API_ACTOR)
    if case.status == Case.Status.DRAFT:
        steps = [
            s
            for s in workflow.next_statuses(case.case_type, case.status, SUBMIT_ACTOR)
            if s == Case.Status.SUBMITTED
        ]
    return steps


def summary_out(case: Case) -> dict:
    return {
        "id": case.pk,
        "number": case.number,
        "mall": case.mall.code,
        "booth_id": case.booth_id,
        "booth": case.booth.name,
        "service": case.service.code,
        "service_name": case.service.name,
        "status": case.status,
        "channel": case.channel,
        "applicant_name": case.applicant_name,
        "nik_masked": case.nik_masked,
        "created_at": case.created_at,
        "updated_at": case.updated_at,
        "submitted_at": case.submitted_at,
        "due_on": case.due_on,
        "overdue": bool(deadlines.is_overdue(case, deadlines.mall_today(case.mall))),
        "version": case.version,
    }


def _field_kinds(case: Case) -> dict[str, str]:
    """{answer key: field kind} from the schema the case was submitted against, and
    the type's current fields (a draft has no snapshot yet)."""
    kinds = {}
    properties = (case.form_schema or {}).get("properties") or {}
    if isinstance(properties, dict):
        for key, prop in properties.items():
            extra = prop.get("x-mpp") if isinstance(prop, dict) else None
            if isinstance(extra, dict) and extra.get("kind"):
                kinds[key] = extra["kind"]
    for key, kind in CaseField.objects.filter(case_type_id=case.case_type_id).values_list(
        "key", "kind"
    ):
        kinds.setdefault(key, kind)
    return kinds


def _mask(value, kind: str | None):
    if isinstance(value, list):
        return [_mask(v, kind) for v in value]
    if isinstance(value, dict):
        return {k: _mask(v, None) for k, v in value.items()}
    if not isinstance(value, str):
        return value
    if kind == CaseField.Kind.NIK:
        return nik_mask(value.strip())
    if kind == CaseField.Kind.PHONE:
        return phone_mask(value)
    return _NIK_IN_TEXT.sub(lambda m: nik_mask(m.group(0)), value)


def answers_out(case: Case) -> dict:
    """The case's answers with NIK and phone answers masked."""
    answers = case.answers if isinstance(case.answers, dict) else {}
    kinds = _field_kinds(case)
    return {key: _mask(value, kinds.get(key)) for key, value in answers.items()}


def _missing(case: Case) -> dict | None:
    missing = case.missing if isinstance(case.missing, dict) else {}
    if not missing:
        return None
    documents = missing.get("documents") or []
    return {
        "documents": [str(d) for d in documents] if isinstance(documents, list) else [],
        "note": str(missing.get("note") or ""),
    }


def document_out(document: CaseDocument) -> dict:
    return {
        "id": document.pk,
        "requirement": document.requirement.code if document.requirement_id else None,
        "kind": document.kind,
        "file_kind": document.file_kind,
        "size": document.size,
        "sha256": document.sha256,
        "original_name": document.original_name,
        "channel": document.channel,
        "created_at": document.created_at,
        "is_current": document.is_current,
    }


def event_out(event) -> dict:
    return {
        "at": event.at,
        "kind": event.kind,
        "from_status": event.from_status,
        "to_status": event.to_status,
        "actor_kind": event.actor_kind,
        "channel": event.channel,
        "note": event.note,
        "internal_note": event.internal_note,
    }


def case_out(case: Case) -> dict:
    """A case as staff and agency systems see it (read with case_for_api)."""
    return {
        **summary_out(case),
        "language": case.language,
        "phone_masked": phone_mask(case.phone) if case.phone else "",
        "email_masked": email_mask(case.email) if case.email else "",
        "relation": case.relation,
        "subject_name": case.subject_name,
        "answers": answers_out(case),
        "form_version": case.form_version,
        "ticket": case.ticket_id,
        "assigned_to": case.assigned_to.get_username() if case.assigned_to_id else None,
        "completed_at": case.completed_at,
        "returned_at": case.returned_at,
        "missing": _missing(case),
        "outcome_note": case.outcome_note,
        "next_statuses": next_statuses(case),
        "documents": [document_out(d) for d in case.documents.all()],
        "history": [event_out(e) for e in case.events.all()],
    }
