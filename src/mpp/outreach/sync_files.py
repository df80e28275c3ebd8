"""The photos and scans of field records, uploaded in chunks that resume.

Why: a photo of a document is 30 KB to a few MB and a van's network drops mid-upload.
A record announces its attachments (id, sha256, size, kind: outreach.sync); the app
then sends each file's bytes in chunks (PUT with Content-Range), asks how much arrived
(GET) after a break, and goes on from there. A chunk must start exactly where the
received bytes end (else 409 offset_mismatch with the count, so the app resumes there).
When the last chunk arrives the whole file's sha256 must match the announced one, and
its content must be a sound JPEG, PNG or PDF (core.uploads, the house's one check);
otherwise everything received is dropped and the app starts that file again.

Chunks are kept as objects of their own in the default storage until the file is whole
(one server's disk, or the bucket every server shares), then joined into the final file
in that storage (FieldAttachment.file) and deleted after the commit. The attachment's
row is locked while a chunk is taken, so two uploads of one file never interleave.
"""

from __future__ import annotations

import hashlib
import logging
import uuid

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils.translation import gettext as _

from mpp.core.errors import Conflict, Invalid, NotFound
from mpp.core.events import event_record
from mpp.core.uploads import CONTENT_TYPES, UploadKindRefused, upload_kind
from mpp.outreach.models import FieldAttachment
from mpp.outreach.sync import may_use_vehicle
from mpp.outreach.sync_payloads import file_max

log = logging.getLogger(__name__)
PARTIAL_DIR = "outreach/partial"


class OffsetMismatch(Conflict):
    """A chunk that does not start where the received bytes end (answer: received)."""

    code = "offset_mismatch"

    def __init__(self, received: int):
        self.received = received
        super().__init__(_("The chunk must start at byte %(n)s.") % {"n": received}, code=self.code)


class ChecksumMismatch(Invalid):
    code = "checksum_mismatch"


class FileTooLarge(Invalid):
    status = 413
    code = "file_too_large"


def attachment_for(*, user, attachment_id) -> FieldAttachment:
    """The attachment `user` may upload (crew of its record's vehicle, or a planner)."""
    try:
        pk = uuid.UUID(str(attachment_id))
    except ValueError:
        pk = None
    attachment = (
        FieldAttachment.objects.select_related("record__vehicle").filter(pk=pk).first()
        if pk
        else None
    )
    if attachment is None or not may_use_vehicle(user, attachment.record.vehicle):
        raise NotFound(_("No uploaded record announced this file."), code="unknown_file")
    return attachment


def _chunk_name(attachment_id, start: int) -> str:
    return f"{PARTIAL_DIR}/{attachment_id}/{start:012d}"


def file_chunk_put(
    *, user, attachment_id, start: int, end: int, total: int, data: bytes
) -> FieldAttachment:
    """Take bytes start..end (inclusive) of a file of `total` bytes.

    A file already complete answers as it is (a repeated last chunk). Raises NotFound
    unknown_file, FileTooLarge, Invalid invalid_range / size_mismatch, OffsetMismatch,
    ChecksumMismatch or core.uploads' UploadKindRefused (the last two after dropping
    what was received).
    """
    attachment = attachment_for(user=user, attachment_id=attachment_id)
    if attachment.complete:
        return attachment
    if total > file_max():
        raise FileTooLarge(
            _("A file is too large (at most %(mb)s MB).") % {"mb": file_max() // (1024 * 1024)}
        )
    if total != attachment.size:
        raise Invalid(
            _("The file's size is not the size its record announced."), code="size_mismatch"
        )
    if start < 0 or end < start or end >= total or len(data) != end - start + 1:
        raise Invalid(_("Content-Range does not match the chunk sent."), code="invalid_range")
    failure = None
    with transaction.atomic():
        attachment = FieldAttachment.objects.select_for_update().get(pk=attachment.pk)
        if attachment.complete:
            return attachment
        if start != attachment.received:
            raise OffsetMismatch(attachment.received)
        name = _chunk_name(attachment.pk, start)
        if default_storage.exists(name):  # left by a chunk whose answer never committed
            default_storage.delete(name)
        default_storage.save(name, ContentFile(data))
        attachment.received = end + 1
        if attachment.received < attachment.size:
            attachment.save(update_fields=["received"])
            return attachment
        failure = _complete(attachment, user)
    if failure is not None:
        raise failure
    return attachment


def _complete(attachment: FieldAttachment, user):
    """Join the chunks, check them and store the file; the error to raise, or None."""
    content = _joined(attachment)
    failure = None
    if content is None or hashlib.sha256(content).hexdigest() != attachment.sha256:
        failure = ChecksumMismatch(
            _("The file's checksum does not match; send it again from the start.")
        )
    else:
        try:
            kind = upload_kind(ContentFile(content), max_bytes=file_max())
        except UploadKindRefused as exc:
            failure = exc
    if failure is not None:
        attachment.received = 0
        attachment.save(update_fields=["received"])
        transaction.on_commit(lambda: _drop_partial(attachment.pk))
        log.warning("field attachment %s refused: %s", attachment.pk, failure.code)
        return failure
    attachment.content_type = CONTENT_TYPES[kind]
    attachment.file.save(f"{attachment.pk}.{kind}", ContentFile(content), save=False)
    attachment.complete = True
    attachment.save(update_fields=["received", "content_type", "file", "complete"])
    event_record(
        kind="outreach.file_received",
        subject_type="field_record",
        subject_id=attachment.record_id,
        mall_id=attachment.record.mall_id,
        actor_id=user.pk,
        data={
            "channel": "mobile",
            "attachment": str(attachment.pk),
            "size": attachment.size,
            "file_kind": kind,
        },
    )
    transaction.on_commit(lambda: _drop_partial(attachment.pk))
    return None


def _joined(attachment: FieldAttachment) -> bytes | None:
    """The received chunks in order (None when one is missing)."""
    parts, position = [], 0
    while position < attachment.size:
        name = _chunk_name(attachment.pk, position)
        if not default_storage.exists(name):
            return None
        with default_storage.open(name, "rb") as chunk:
            data = chunk.read()
        if not data:
            return None
        parts.append(data)
        position += len(data)
    content = b"".join(parts)
    return content if len(content) == attachment.size else None


def _drop_partial(attachment_id) -> None:
    folder = f"{PARTIAL_DIR}/{attachment_id}"
    try:
        _, files = default_storage.listdir(folder)
    except (FileNotFoundError, NotImplementedError, OSError):
        return
    for name in files:
        try:
            default_storage.delete(f"{folder}/{name}")
        except OSError:
            log.warning("could not delete a chunk of field attachment %s", attachment_id)
