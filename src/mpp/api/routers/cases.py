"""Case endpoints (berkas permohonan, MPP Digital): agency systems and counter software
record an application, read it, list a booth's cases, add its documents and move it
along its lifecycle (mpp.cases.workflow).

Staff credentials (API token or signed-in session, like the officer endpoints) and
agency systems' client keys (`Bearer mppc_...`), answered by mpp.accounts.access:
"case.record" to record an application for a service of the caller's mall,
"case.process" to see and act on the cases of the caller's booth (a mall's manager:
all of the mall's; an API client: those of its agency's booths in its malls, and it
records none). A case outside what the caller may see is 404 case_not_found, as for an
unknown id. Every step goes through the cases services with channel "api" and actor
"agency" (submitting a draft recorded for a citizen at the counter: "officer", the one
who recorded it). An API client is named in the history by its name and in the event
log by "client_id"; it never lands in a user column (mpp.cases.steps).

Concurrency: every case answer carries `ETag: "v<version>"`; every change needs it back
in `If-Match` (428 precondition_required without it; 412 precondition_failed when the
case changed meanwhile: read it again). Creating a case and taking a step accept an
Idempotency-Key (mpp.api.idempotency). Personal data: the NIK only masked, never in a
URL; the phone and e-mail masked (mpp.api.render_cases).
"""

from __future__ import annotations

import json
import uuid

from django.db import transaction
from django.http import HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _
from ninja import Field, Header, Path, Query, Router, Schema, Status
from ninja.responses import NinjaJSONEncoder

from mpp.accounts import access
from mpp.api.auth import OFFICER_AUTH
from mpp.api.conditional import (
    PreconditionFailed,
    UnsupportedMediaType,
    expected_version,
    if_match_present,
    json_only,
    not_modified,
    with_etag,
)
from mpp.api.idempotency import CONTENT_TYPE, IdempotencyKey, idempotent
from mpp.api.lookups import mall_or_404
from mpp.api.render_cases import (
    API_ACTOR,
    SUBMIT_ACTOR,
    case_for_api,
    case_out,
    cases_visible,
    etag,
    summary_out,
)
from mpp.api.schemas import CODE_MAX, ErrorOut, ValidationErrorOut
from mpp.api.schemas_cases import CaseIn, CaseListOut, CaseOut, CaseStatusName, TransitionIn
from mpp.cases import services
from mpp.cases.documents import document_add
from mpp.cases.models import Case, CaseDocument, CaseType, Channel
from mpp.core.errors import Conflict, DomainError, Forbidden, Invalid, NotFound
from mpp.queueing.selectors import ticket_get

router = Router(tags=["cases"])

CaseId = Path(..., description="The case's id (a UUID); unknown or malformed: 404.")
IfMatch = Header(
    None,
    alias="If-Match",
    max_length=200,
    description='Required: the ETag of the case as last read ("v<version>"). Stale: 412.',
)
IfNoneMatch = Header(None, alias="If-None-Match", max_length=200)


def _not_found() -> NotFound:
    return NotFound(_("No case with this id that you may see."), code="case_not_found")


def _case_or_404(request, case_id: str, *, full: bool = True) -> Case:
    """The case named in the path, if the caller may see it: a case of their booth
    (case.process), or a draft of their mall they may record (case.record). `full`:
    with all the answer shows; else just enough to decide."""
    try:
        pk = uuid.UUID(case_id)
    except ValueError:
        raise _not_found() from None
    if full:
        case = case_for_api(pk)
    else:
        case = Case.objects.only("pk", "mall_id", "booth_id", "status").filter(pk=pk).first()
    if case is None:
        raise _not_found()
    user = request.auth
    if access.allowed(user, "case.process", case):
        return case
    if case.status == Case.Status.DRAFT and access.allowed(user, "case.record", case):
        return case
    raise _not_found()


def _changes(request, case_id: str = "", **kwargs) -> None:
    """Before a step is claimed or written: a case the caller may see (else 404, as for
    an unknown one), a JSON body, and an If-Match header."""
    _case_or_404(request, case_id, full=False)
    json_only(request)
    if_match_present(request)


def _answer(case: Case) -> dict:
    """The case as it stands after a change, read again with all it shows."""
    return case_out(case_for_api(case.pk))


_ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut}
_WRITE_ERRORS = {
    **_ERRORS,
    409: ErrorOut,
    412: ErrorOut,
    415: ErrorOut,
    422: ValidationErrorOut | ErrorOut,
    428: ErrorOut,
}


@router.post(
    "/cases",
    response={201: CaseOut, **_WRITE_ERRORS},
    auth=OFFICER_AUTH,
    operation_id="createCase",
)
@with_etag(CaseOut, status=201)
@idempotent(CaseOut, status=201, throttle=json_only)
def create_case(request, payload: CaseIn, idempotency_key: str | None = IdempotencyKey):
    """Record an application for a citizen (staff of the mall: case.record): a draft
    (status "draft") of the service's application type, with the answers given so far.
    Add its documents (POST /cases/{id}/documents), then submit it (transition to
    "submitted"). 201 with the case and its ETag.

    404 mall_not_found, case_type_not_found (the mall takes no applications for this
    service); 409 case_type_closed (not taking applications now); 403 forbidden
    (another mall); 422 invalid_nik, invalid_name, invalid_phone, invalid_email,
    invalid_answers, invalid_ticket (or validation_error); 415 unsupported_media_type
    (not JSON).
    """
    mall = mall_or_404(payload.mall)
    case_type = (
        CaseType.objects.select_related("offering", "mall", "booth", "service")
        .filter(mall=mall, service__code=payload.service)
        .first()
    )
    if case_type is None:
        raise NotFound(
            _("This mall takes no applications for service %(code)s.") % {"code": payload.service},
            code="case_type_not_found",
        )
    access.require(request.auth, "case.record", case_type)
    ticket = None
    if payload.ticket is not None:
        ticket = ticket_get(payload.ticket)
        if ticket is None or ticket.mall_id != mall.pk:
            raise Invalid(_("No such queue ticket in this mall."), code="invalid_ticket")
    case = services.case_start(
        case_type=case_type,
        channel=Channel.API,
        applicant_name=payload.applicant_name,
        nik=payload.nik,
        phone=payload.phone,
        email=payload.email,
        language=payload.language,
        relation=payload.relation,
        subject_name=payload.subject_name,
        answers=payload.answers or None,
        ticket=ticket,
        actor=request.auth,
    )
    return Status(201, _answer(case))


@router.get(
    "/cases/{case_id}",
    response={200: CaseOut, 304: None, **_ERRORS},
    auth=OFFICER_AUTH,
    operation_id="getCase",
)
def get_case(request, case_id: str = CaseId, if_none_match: str | None = IfNoneMatch):
    """A case with its answers, documents and history, and its ETag (send it back in
    If-Match to change the case). With If-None-Match of the current ETag: 304."""
    case = _case_or_404(request, case_id)
    if not_modified(request, case.version):
        response = HttpResponse(status=304)
    else:
        data = CaseOut.model_validate(case_out(case)).model_dump()
        response = HttpResponse(json.dumps(data, cls=NinjaJSONEncoder), content_type=CONTENT_TYPE)
    response["ETag"] = etag(case)
    return response


class CaseFilters(Schema):
    status: CaseStatusName | None = None
    service: str | None = Field(None, max_length=CODE_MAX, description="The service's code.")
    booth: int | None = Field(None, ge=1, le=2**62, description="The booth's id.")
    mall: str | None = Field(None, max_length=60, description="The mall's code.")
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0, le=1_000_000)


FiltersQuery = Query(...)


@router.get(
    "/cases",
    response={200: CaseListOut, 401: ErrorOut, 403: ErrorOut, 422: ValidationErrorOut},
    auth=OFFICER_AUTH,
    operation_id="listCases",
)
def list_cases(request, filters: CaseFilters = FiltersQuery):
    """The cases the caller works on (a booth's staff: their booth's; a manager: the
    mall's; national: all), newest first, `limit` at a time from `offset`, with the
    total `count`. Filters: status, service code, booth id, mall code (an unknown
    one: an empty page). 403 forbidden for staff who process no cases."""
    if not access.allowed(request.auth, "case.process"):
        raise Forbidden(_("You do not process applications."), code="forbidden")
    rows = cases_visible(request.auth)
    if filters.status:
        rows = rows.filter(status=filters.status)
    if filters.service:
        rows = rows.filter(service__code=filters.service)
    if filters.booth:
        rows = rows.filter(booth_id=filters.booth)
    if filters.mall:
        rows = rows.filter(mall__code=filters.mall)
    rows = rows.order_by("-created_at", "-pk")
    page = rows[filters.offset : filters.offset + filters.limit]
    return {"count": rows.count(), "items": [summary_out(c) for c in page]}


_MULTIPART = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {
                            "type": "string",
                            "format": "binary",
                            "description": "PDF, JPG or PNG, checked by its content.",
                        },
                        "requirement": {
                            "type": "string",
                            "maxLength": 40,
                            "description": "The required document's code (see the case "
                            "type); omit for a paper that answers no listed requirement.",
                        },
                        "kind": {
                            "type": "string",
                            "enum": ["submitted", "scanned", "output"],
                            "default": "submitted",
                            "description": "output: the product, at processing or ready.",
                        },
                    },
                }
            }
        },
    }
}


def _upload_parts(request):
    """The file and its fields from a multipart body (the only body accepted)."""
    if (request.content_type or "") != "multipart/form-data":
        raise UnsupportedMediaType(_("Send the file as multipart/form-data, in the field 'file'."))
    try:
        files, fields = request.FILES, request.POST
    except (MultiPartParserError, OSError):  # cut short or malformed
        raise DomainError(_("The upload is incomplete or malformed."), code="bad_upload") from None
    upload = files.get("file")
    if upload is None:
        raise Invalid(_("Send the file in the field 'file'."), code="file_required")
    kind = fields.get("kind") or CaseDocument.Kind.SUBMITTED
    if kind not in CaseDocument.Kind.values:
        raise Invalid(
            _("The kind of document is one of: submitted, scanned, output."), code="invalid_kind"
        )
    return upload, fields.get("requirement") or "", kind


@router.post(
    "/cases/{case_id}/documents",
    response={201: CaseOut, 400: ErrorOut, 413: ErrorOut, 503: ErrorOut, **_WRITE_ERRORS},
    auth=OFFICER_AUTH,
    operation_id="uploadCaseDocument",
    openapi_extra=_MULTIPART,
)
@with_etag(CaseOut, status=201)
def upload_case_document(request, case_id: str = CaseId, if_match: str | None = IfMatch):
    """Add a document to a case (multipart/form-data: `file`, `requirement`, `kind`):
    a paper the citizen brought, a scan, or the product (`kind=output`, while the case
    is processing or ready). The file's kind is read from its content; the
    requirement's formats, largest size and number of files apply. 201 with the case,
    its new ETag and the document in `documents`.

    428/412: If-Match missing or stale. 415 unsupported_media_type (not multipart);
    422 file_required, file_empty, file_too_large, file_kind_refused,
    invalid_requirement, invalid_kind; 409 documents_locked (closed, or the product
    before processing), too_many_files; 503 storage_unavailable (with nothing stored).
    """
    case = _case_or_404(request, case_id)
    upload, code, kind = _upload_parts(request)
    expected = expected_version(request, case.version)
    requirement = None
    if code:
        requirement = case.case_type.documents.filter(code=code[:40]).first()
        if requirement is None:
            raise Invalid(
                _("This application type asks for no document with this code."),
                code="invalid_requirement",
            )
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        if expected is not None and locked.version != expected:
            raise PreconditionFailed()
        document_add(
            case=locked,
            upload=upload,
            requirement=requirement,
            kind=kind,
            channel=Channel.API,
            actor=request.auth,
            actor_kind=API_ACTOR,
        )
    return Status(201, _answer(case))


@router.post(
    "/cases/{case_id}/transitions",
    response={200: CaseOut, **_WRITE_ERRORS},
    auth=OFFICER_AUTH,
    operation_id="transitionCase",
)
@with_etag(CaseOut)
@idempotent(CaseOut, throttle=_changes)
def transition_case(
    request,
    payload: TransitionIn,
    case_id: str = CaseId,
    if_match: str | None = IfMatch,
    idempotency_key: str | None = IdempotencyKey,
):
    """Move a case to another status (see `next_statuses` in the case): start
    verification, send for processing, return as incomplete (`missing`: the document
    codes and a note for the citizen; the deadline stops), reject (`note`: the
    reason), mark ready, mark handed over (completed), or submit a draft recorded for
    a citizen at the counter (case.record; its answers and documents complete) and a
    returned case the citizen has completed. Withdrawing is the citizen's alone.

    428/412: If-Match missing or stale. 409 invalid_state (not from this status);
    403 not_allowed (a step that is not an agency's, such as withdrawing); 422
    invalid_answers, documents_missing, missing_required, invalid_missing,
    reason_required; 409 output_missing (a product delivered as a file, not attached
    yet); 415 unsupported_media_type (not JSON).
    """
    case = _case_or_404(request, case_id)
    expected = expected_version(request, case.version)
    try:
        if payload.to == Case.Status.SUBMITTED:
            if access.is_client(request.auth):  # an agency resubmits a returned case
                kind = API_ACTOR  # (from draft: 403 not_allowed; the service checks)
            else:
                access.require(request.auth, "case.record", case)
                kind = SUBMIT_ACTOR
            case = services.case_submit(
                case=case,
                channel=Channel.API,
                actor=request.auth,
                actor_kind=kind,
                expected_version=expected,
            )
        else:
            if not access.allowed(request.auth, "case.process", case):
                raise Forbidden(_("This case is another booth's to process."), code="forbidden")
            case = services.case_transition(
                case=case,
                to=payload.to,
                channel=Channel.API,
                actor=request.auth,
                actor_kind=API_ACTOR,
                note=payload.note,
                internal_note=payload.internal_note,
                missing=payload.missing.model_dump() if payload.missing else None,
                expected_version=expected,
            )
    except Conflict as exc:
        if exc.code == "version_mismatch":  # changed between the read and the write
            raise PreconditionFailed() from exc
        raise
    return _answer(case)
