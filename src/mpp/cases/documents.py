"""The files of an application: added, replaced, retired, read back, and what is missing.

Why: every channel (citizen pages, the officer's page, the agency API) takes documents
the same way, so the rules live here once:

- the content decides what a file is (mpp.core.uploads.upload_kind: magic bytes and
  structure), within the requirement's formats and size (max_mb; 5 MB without one);
- who may add what, when: the citizen sends documents while the case is a draft or
  returned; staff (officer, agency system) add to any case not yet closed; the product
  (kind OUTPUT) only by staff while processing or ready;
- a requirement takes at most `max_files` current files: with max_files 1 a new file
  replaces the old one (kept in the history, is_current off), otherwise the next is
  refused until one is retired;
- nothing half-stored: the file is written first, then the row, the CaseEvent and the
  core event in one short transaction; any failure deletes the written file, a storage
  failure mid-save leaves no row (StorageUnavailable, 503);
- files are read back only through `document_open` / `document_response` (streamed),
  after the caller authorised the reader. Original file names are kept for the people
  who sent them but never used as a storage key or a download name.
"""

from __future__ import annotations

import hashlib
import logging
import os

from django.db import transaction
from django.http import FileResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from mpp.cases import workflow
from mpp.cases.models import Case, CaseDocument, CaseEvent, Channel, DocumentRequirement
from mpp.cases.steps import actor_data, actor_label, actor_user
from mpp.cases.storage import storage_open
from mpp.core.errors import Conflict, DomainError, Forbidden, Invalid, NotFound
from mpp.core.events import event_record
from mpp.core.uploads import CONTENT_TYPES, KINDS, upload_kind, upload_size

log = logging.getLogger(__name__)

# A document without a requirement (a scan, the product); the request body limit of the
# upload paths (settings.MPP_MAX_UPLOAD_BYTES, 6 MB) must stay above the largest file.
DEFAULT_MAX_MB = 5
CHUNK = 64 * 1024
Kind = CaseDocument.Kind
# Kinds of files that answer a requirement (the product does not).
EVIDENCE = (Kind.SUBMITTED.value, Kind.SCANNED.value)


class StorageUnavailable(DomainError):
    """The file store did not take or give back a file (disk full, S3 unreachable)."""

    status = 503
    code = "storage_unavailable"

    def __init__(self, message=None, *, code=None):
        super().__init__(
            message or _("Files cannot be stored right now. Please try again in a moment."),
            code=code,
        )


def document_add(
    *,
    case: Case,
    upload,
    requirement: DocumentRequirement | None = None,
    kind: str = CaseDocument.Kind.SUBMITTED,
    channel: str,
    actor=None,
    actor_kind: str,
    now=None,
) -> CaseDocument:
    """Check and store one file of `case`; returns the new CaseDocument (is_current).

    Raises Invalid (file_empty, file_too_large, file_kind_refused, invalid_requirement,
    invalid_channel), Forbidden (document_kind_forbidden), Conflict (documents_locked,
    too_many_files) or StorageUnavailable; in each case nothing is stored.
    """
    now = now or timezone.now()
    kind = str(kind)
    if channel not in Channel.values:
        raise Invalid(_("Unknown channel."), code="invalid_channel")
    _check_allowed(case.status, kind, actor_kind, _output_statuses(case))
    requirement = _requirement_of(case, requirement, kind)
    formats, max_mb = _limits(requirement)
    file_kind = upload_kind(upload, allowed=formats, max_bytes=max_mb * 1024 * 1024)
    size = upload_size(upload)
    document = CaseDocument(
        case=case,
        requirement=requirement,
        kind=kind,
        file_kind=file_kind,
        size=size,
        sha256=_sha256(upload),
        original_name=_plain_name(getattr(upload, "name", "")),
        channel=channel,
        uploaded_by=actor_user(actor),
    )
    _store(document, upload)
    try:
        with transaction.atomic():
            locked = Case.objects.select_for_update().filter(pk=case.pk).first()
            if locked is None:
                raise NotFound(_("This application no longer exists."), code="case_not_found")
            _check_allowed(locked.status, kind, actor_kind, _output_statuses(case))
            replaced = _make_room(locked, requirement, kind)
            document.case = locked
            document.save()
            _record(locked, document, "document", actor, actor_kind, channel, now, replaced)
    except BaseException:
        _discard(document.file.name)
        raise
    case.version, case.status = locked.version, locked.status
    return document


def document_retire(
    *,
    document: CaseDocument,
    channel: str,
    actor=None,
    actor_kind: str,
    now=None,
) -> CaseDocument:
    """Take a file out of the case (kept in the history, is_current off).

    The citizen retires the files they sent while the case is a draft or returned;
    staff any file while the case is open. Retiring a retired file changes nothing.
    """
    now = now or timezone.now()
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=document.case_id)
        current = CaseDocument.objects.select_for_update().get(pk=document.pk)
        if not current.is_current:
            return current
        _check_allowed(case.status, current.kind, actor_kind, _output_statuses(case))
        if actor_kind == workflow.CITIZEN and current.kind != Kind.SUBMITTED:
            raise Forbidden(_("Only the files you sent can be removed."), code="document_forbidden")
        current.is_current = False
        current.save(update_fields=["is_current"])
        _record(case, current, "document_retired", actor, actor_kind, channel, now, None)
    document.is_current = False
    document.case = case
    return current


def document_open(document: CaseDocument):
    """The stored file, opened for reading in binary chunks (close it after use).

    NotFound when the file is gone; StorageUnavailable when the store does not answer.
    The caller has authorised the reader.
    """
    if not document.file or not document.file.name:
        raise NotFound(_("This document has no file."), code="document_missing")
    try:
        return storage_open(document.file.storage, document.file.name)
    except FileNotFoundError:
        raise NotFound(_("This document has no file."), code="document_missing") from None
    except OSError as exc:
        log.warning("case document %s could not be read: %s", document.pk, type(exc).__name__)
        raise StorageUnavailable() from None


def document_response(document: CaseDocument, *, as_attachment: bool = True) -> FileResponse:
    """The document streamed to the browser, which will not run anything in it.

    Named "<case number>-<requirement code or kind>.<kind>", never by the original name.
    """
    handle = document_open(document)
    label = document.requirement.code if document.requirement_id else document.kind
    response = FileResponse(
        handle,
        content_type=CONTENT_TYPES.get(document.file_kind, "application/octet-stream"),
        as_attachment=as_attachment,
        filename=f"{document.case.number}-{label}.{document.file_kind}",
    )
    response["Content-Length"] = str(document.size)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


def required_documents_missing(case: Case) -> list[DocumentRequirement]:
    """The required documents of the case's type with fewer current files than min_files."""
    counts: dict[int, int] = {}
    for requirement_id in case.documents.filter(
        is_current=True, kind__in=EVIDENCE, requirement__isnull=False
    ).values_list("requirement_id", flat=True):
        counts[requirement_id] = counts.get(requirement_id, 0) + 1
    return [
        requirement
        for requirement in case.case_type.documents.all()
        if requirement.required and counts.get(requirement.pk, 0) < max(requirement.min_files, 1)
    ]


def documents_current(case: Case) -> list[CaseDocument]:
    """The case's current files, in the order they came, with their requirements."""
    return list(case.documents.filter(is_current=True).select_related("requirement"))


def requirement_formats(requirement: DocumentRequirement | None) -> tuple[str, ...]:
    """The kinds a requirement accepts, of pdf, jpg and png (all three when none is set)."""
    if requirement is None:
        return KINDS
    wanted = {f.strip().lower().lstrip(".") for f in (requirement.formats or "").split(",")}
    wanted = {"jpg" if f == "jpeg" else f for f in wanted}
    return tuple(k for k in KINDS if k in wanted) or KINDS


# -- private -------------------------------------------------------------------------


def _output_statuses(case: Case) -> tuple[str, ...]:
    """When staff may attach the product: while processed at the agency or ready; for a
    type without agency processing, from verification (a file-delivered product must be
    there before the case can be marked ready)."""
    if case.case_type.uses_agency_processing:
        return (Case.Status.PROCESSING, Case.Status.READY)
    return (Case.Status.VERIFICATION, Case.Status.READY)


def _check_allowed(
    status: str, kind: str, actor_kind: str, output_statuses: tuple[str, ...] = ()
) -> None:
    if kind not in Kind.values:
        raise Invalid(_("Unknown kind of document."), code="invalid_document_kind")
    if actor_kind == workflow.CITIZEN:
        if kind != Kind.SUBMITTED:
            raise Forbidden(
                _("Only staff can add scans and the result of an application."),
                code="document_kind_forbidden",
            )
        if status not in workflow.CITIZEN_EDITABLE:
            raise Conflict(
                _("Documents can be added while the application is a draft or returned."),
                code="documents_locked",
            )
        return
    if actor_kind not in workflow.STAFF:
        raise Forbidden(_("You may not add documents here."), code="document_kind_forbidden")
    if status in workflow.TERMINAL:
        raise Conflict(_("This application is closed."), code="documents_locked")
    if kind == Kind.OUTPUT and status not in output_statuses:
        raise Conflict(
            _("The result can be attached while the application is processed or ready."),
            code="documents_locked",
        )


def _requirement_of(case, requirement, kind):
    if requirement is None:
        return None
    if kind == Kind.OUTPUT or requirement.case_type_id != case.case_type_id:
        raise Invalid(
            _("This document is not asked for by this application."), code="invalid_requirement"
        )
    return requirement


def _limits(requirement) -> tuple[tuple[str, ...], int]:
    if requirement is None:
        return KINDS, DEFAULT_MAX_MB
    return requirement_formats(requirement), max(int(requirement.max_mb or 1), 1)


def _make_room(case, requirement, kind) -> CaseDocument | None:
    """Refuse a file over the requirement's max_files, or retire the one it replaces."""
    if requirement is None or kind not in EVIDENCE:
        return None
    current = list(
        CaseDocument.objects.select_for_update()
        .filter(case=case, requirement=requirement, is_current=True, kind__in=EVIDENCE)
        .order_by("created_at", "pk")
    )
    limit = max(requirement.max_files, 1)
    if len(current) < limit:
        return None
    if limit == 1:
        old = current[0]
        old.is_current = False
        old.save(update_fields=["is_current"])
        return old
    raise Conflict(
        _("At most %(count)d files for this document: remove one first.") % {"count": limit},
        code="too_many_files",
    )


def _record(case, document, kind, actor, actor_kind, channel, now, replaced) -> None:
    """The CaseEvent, the core event and the case's new version, in the caller's atomic."""
    user = actor_user(actor)  # never an API client's id in a user column
    label = document.requirement.name if document.requirement_id else ""
    CaseEvent.objects.create(
        case=case,
        at=now,
        kind="output" if kind == "document" and document.kind == Kind.OUTPUT else kind,
        actor_kind=actor_kind,
        actor=user,
        actor_label=actor_label(actor),
        channel=channel,
        note=label,
    )
    data = {
        "document": document.pk,
        "kind": document.kind,
        "file_kind": document.file_kind,
        "size": document.size,
        "requirement": document.requirement.code if document.requirement_id else "",
        "channel": channel,
        "actor_kind": actor_kind,
        **actor_data(actor),
    }
    if replaced is not None:
        data["replaced"] = replaced.pk
    event_record(
        kind="case.document_added" if kind == "document" else "case.document_retired",
        subject_type="case",
        subject_id=case.pk,
        mall_id=case.mall_id,
        actor_id=user.pk if user else None,
        data=data,
        occurred_at=now,
    )
    case.version += 1
    case.save(update_fields=["version", "updated_at"])


def _sha256(upload) -> str:
    digest = hashlib.sha256()
    upload.seek(0)
    while chunk := upload.read(CHUNK):
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


def _plain_name(name: str) -> str:
    """The file's own name without folders or control characters, at most 120 characters."""
    base = os.path.basename(str(name or "").replace("\\", "/"))
    return "".join(ch for ch in base if ch.isprintable())[-120:]


def _store(document: CaseDocument, upload) -> None:
    """Write the file under a random name; on any failure remove what was written."""
    field = document.file.field
    name = field.generate_filename(document, f"upload.{document.file_kind}")
    storage = document.file.storage
    upload.seek(0)
    try:
        saved = storage.save(name, upload, max_length=field.max_length)
    except BaseException as exc:
        _discard(name, storage)
        if isinstance(exc, (OSError, _storage_errors())):
            log.warning("case document could not be stored: %s", type(exc).__name__)
            raise StorageUnavailable() from None
        raise
    document.file.name = saved


def _discard(name: str, storage=None) -> None:
    if not name:
        return
    storage = storage or CaseDocument._meta.get_field("file").storage
    try:
        storage.delete(name)
    except Exception as exc:  # the error that brought us here matters more
        log.warning("case document %s left behind: %s", name, type(exc).__name__)


def _storage_errors() -> tuple[type[BaseException], ...]:
    try:
        from botocore.exceptions import BotoCoreError, ClientError
    except ImportError:  # pragma: no cover - django-storages[s3] is a dependency
        return ()
    return (BotoCoreError, ClientError)
