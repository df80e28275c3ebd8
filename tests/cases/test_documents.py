"""Documents of an application (mpp.cases.documents): checked by content, within the
requirement's formats, size and count, added only when the status and the actor allow,
streamed back, and never half-stored (no row without a file, no file without a row)."""

from __future__ import annotations

import errno
import hashlib
import os

import pytest
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import SimpleUploadedFile

from mpp.cases import documents
from mpp.cases.documents import (
    StorageUnavailable,
    document_add,
    document_response,
    document_retire,
    required_documents_missing,
)
from mpp.cases.models import Case, CaseDocument, CaseEvent
from mpp.core.errors import Conflict, Forbidden, Invalid, NotFound
from mpp.core.models import Event
from tests.core.upload_samples import JPG, PDF, PNG, jpeg_of_size
from tests.factories import CaseFactory, DocumentRequirementFactory, UserFactory

pytestmark = pytest.mark.django_db
MB = 1024 * 1024
S = Case.Status


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def stored_files(root) -> list:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def upload(content: bytes = JPG, name: str = "KTP_Siti_3210011505900001.jpg"):
    return SimpleUploadedFile(name, content, content_type="image/jpeg")


@pytest.fixture
def case():
    return CaseFactory()


@pytest.fixture
def ktp(case):
    return DocumentRequirementFactory(
        case_type=case.case_type, code="ktp", name="KTP", formats="pdf,jpg", max_mb=1
    )


def add(case, *, content=JPG, requirement=None, actor_kind="citizen", **kwargs):
    kwargs.setdefault("channel", "web")
    return document_add(
        case=case,
        upload=upload(content),
        requirement=requirement,
        actor_kind=actor_kind,
        **kwargs,
    )


def test_a_citizen_adds_a_photo_to_a_draft(case, ktp, media):
    version = case.version
    document = add(case, requirement=ktp)
    document.refresh_from_db()
    assert (document.file_kind, document.size, document.is_current) == ("jpg", len(JPG), True)
    assert document.sha256 == hashlib.sha256(JPG).hexdigest()
    assert document.kind == CaseDocument.Kind.SUBMITTED and document.channel == "web"
    # The storage key is random, under the mall and case; nothing of the citizen's name.
    assert document.file.name.startswith(f"cases/{case.mall_id}/{case.pk}/")
    assert document.file.name.endswith(".jpg") and "Siti" not in document.file.name
    assert "3210" not in document.file.name
    assert [p.read_bytes() for p in stored_files(media)] == [JPG]
    event = CaseEvent.objects.get(case=case)
    assert (event.kind, event.actor_kind, event.channel, event.note) == (
        "document",
        "citizen",
        "web",
        "KTP",
    )
    logged = Event.objects.get(kind="case.document_added")
    assert logged.subject_id == str(case.pk) and logged.data["requirement"] == "ktp"
    assert "3210" not in str(logged.data) and "Siti" not in str(logged.data)
    case.refresh_from_db()
    assert case.version == version + 1


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"<html><script>alert(1)</script></html>", "file_kind_refused"),  # named .jpg
        (PNG, "file_kind_refused"),  # a real PNG, but the requirement takes pdf,jpg
        (JPG[:-2], "file_kind_refused"),  # cut short
        (b"", "file_empty"),
        (jpeg_of_size(MB + 1), "file_too_large"),  # max_mb 1
    ],
)
def test_refused_files_leave_no_row_no_file_no_event(case, ktp, media, content, code):
    with pytest.raises(Invalid) as refused:
        add(case, requirement=ktp, content=content)
    assert refused.value.code == code
    assert not CaseDocument.objects.exists() and not CaseEvent.objects.exists()
    assert not Event.objects.filter(kind__startswith="case.").exists()
    assert stored_files(media) == []


def test_size_limit_of_the_requirement_is_inclusive(case, ktp):
    assert add(case, requirement=ktp, content=jpeg_of_size(MB)).size == MB


def test_a_requirement_of_another_application_type_is_refused(case):
    elsewhere = DocumentRequirementFactory(code="ktp")
    with pytest.raises(Invalid) as refused:
        add(case, requirement=elsewhere)
    assert refused.value.code == "invalid_requirement"


@pytest.mark.parametrize(
    ("status", "actor_kind", "kind", "allowed"),
    [
        (S.DRAFT, "citizen", "submitted", True),
        (S.RETURNED, "citizen", "submitted", True),
        (S.SUBMITTED, "citizen", "submitted", False),
        (S.PROCESSING, "citizen", "submitted", False),
        (S.DRAFT, "citizen", "scanned", False),
        (S.DRAFT, "citizen", "output", False),
        (S.DRAFT, "officer", "scanned", True),
        (S.VERIFICATION, "officer", "scanned", True),
        (S.VERIFICATION, "agency", "submitted", True),
        (S.VERIFICATION, "officer", "output", False),
        (S.PROCESSING, "agency", "output", True),
        (S.READY, "officer", "output", True),
        (S.COMPLETED, "officer", "scanned", False),
        (S.REJECTED, "agency", "output", False),
        (S.WITHDRAWN, "officer", "scanned", False),
        (S.DRAFT, "system", "submitted", False),
    ],
)
def test_who_may_add_what_and_when(status, actor_kind, kind, allowed, media):
    case = CaseFactory(status=status)
    officer = UserFactory() if actor_kind == "officer" else None
    if allowed:
        document = add(case, content=PDF, kind=kind, actor_kind=actor_kind, actor=officer)
        assert document.kind == kind and document.uploaded_by == officer
        event = CaseEvent.objects.get(case=case)
        assert event.kind == ("output" if kind == "output" else "document")
        if officer:
            assert event.actor == officer and event.actor_label == officer.username
    else:
        with pytest.raises((Conflict, Forbidden)):
            add(case, content=PDF, kind=kind, actor_kind=actor_kind, actor=officer)
        assert not CaseDocument.objects.exists() and stored_files(media) == []


@pytest.mark.parametrize(
    ("status", "allowed"),
    [(S.SUBMITTED, False), (S.VERIFICATION, True), (S.READY, True), (S.COMPLETED, False)],
)
def test_without_agency_processing_the_product_comes_from_verification(status, allowed, media):
    # A file-delivered product must be attached before such a case can be marked ready,
    # and it never passes through processing.
    case = CaseFactory(status=status, case_type__uses_agency_processing=False)
    if allowed:
        assert add(case, content=PDF, kind="output", actor_kind="agency").kind == "output"
    else:
        with pytest.raises(Conflict):
            add(case, content=PDF, kind="output", actor_kind="agency")
        assert not CaseDocument.objects.exists()


def test_with_one_file_allowed_a_new_file_replaces_the_old(case, ktp, media):
    first = add(case, requirement=ktp)
    second = add(case, requirement=ktp, content=PDF)
    first.refresh_from_db()
    assert not first.is_current and second.is_current
    assert len(stored_files(media)) == 2  # the history keeps the old file
    assert Event.objects.get(kind="case.document_added", data__document=second.pk).data[
        "replaced"
    ] == (first.pk)


def test_over_max_files_is_refused_and_the_refused_file_is_removed(case, media):
    photos = DocumentRequirementFactory(case_type=case.case_type, max_files=2)
    add(case, requirement=photos)
    add(case, requirement=photos)
    with pytest.raises(Conflict) as refused:
        add(case, requirement=photos, content=PNG)
    assert refused.value.code == "too_many_files"
    assert CaseDocument.objects.count() == 2 and len(stored_files(media)) == 2


def test_required_documents_missing(case, ktp):
    kk = DocumentRequirementFactory(case_type=case.case_type, code="kk", min_files=2, max_files=3)
    DocumentRequirementFactory(case_type=case.case_type, code="foto", required=False)
    assert required_documents_missing(case) == [ktp, kk]
    add(case, requirement=ktp)
    add(case, requirement=kk)
    assert required_documents_missing(case) == [kk]  # one of two
    add(case, requirement=kk)
    assert required_documents_missing(case) == []
    retired = CaseDocument.objects.filter(requirement=ktp).get()
    document_retire(document=retired, channel="web", actor_kind="citizen")
    assert required_documents_missing(case) == [ktp]


def test_retire_keeps_the_file_and_tells_the_history(case, ktp, media):
    document = add(case, requirement=ktp)
    document_retire(document=document, channel="web", actor_kind="citizen")
    document.refresh_from_db()
    assert not document.is_current and len(stored_files(media)) == 1
    assert list(CaseEvent.objects.values_list("kind", flat=True)) == [
        "document",
        "document_retired",
    ]
    # Twice: nothing more happens.
    document_retire(document=document, channel="web", actor_kind="citizen")
    assert CaseEvent.objects.count() == 2


def test_a_citizen_cannot_retire_a_scan_or_after_submitting(case):
    scan = add(case, kind="scanned", actor_kind="officer", channel="counter")
    with pytest.raises(Forbidden):
        document_retire(document=scan, channel="web", actor_kind="citizen")
    mine = add(case)
    Case.objects.filter(pk=case.pk).update(status=S.SUBMITTED)
    with pytest.raises(Conflict):
        document_retire(document=mine, channel="web", actor_kind="citizen")
    document_retire(document=mine, channel="counter", actor_kind="officer")
    mine.refresh_from_db()
    assert not mine.is_current


def test_the_response_streams_the_file_without_the_original_name(case, ktp):
    document = add(case, requirement=ktp, content=PDF)
    response = document_response(document)
    assert response.streaming and b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Length"] == str(len(PDF))
    assert response["Content-Disposition"] == f'attachment; filename="{case.number}-ktp.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert "no-store" in response["Cache-Control"]


def test_a_file_gone_from_the_store_is_not_found(case, ktp, media):
    document = add(case, requirement=ktp)
    for path in stored_files(media):
        path.unlink()
    with pytest.raises(NotFound) as missing:
        document_response(document)
    assert missing.value.code == "document_missing"


class DiskFillsUp(FileSystemStorage):
    """A real local store whose disk fills up after `room` bytes: it writes what fits,
    then fails as a full disk does (ENOSPC), leaving the partial file behind."""

    def __init__(self, *args, room: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.room = room

    def _save(self, name, content):
        full = self.path(name)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "wb") as out:
            for chunk in content.chunks(chunk_size=16):
                if out.tell() + len(chunk) > self.room:
                    raise OSError(errno.ENOSPC, "No space left on device")
                out.write(chunk)
        return name


def test_a_storage_failing_mid_save_leaves_no_row_and_no_partial_file(
    case, ktp, tmp_path, monkeypatch
):
    full = tmp_path / "full-disk"
    field = CaseDocument._meta.get_field("file")
    monkeypatch.setattr(field, "storage", DiskFillsUp(location=full, room=len(PDF) // 2))
    with pytest.raises(StorageUnavailable) as failed:
        add(case, requirement=ktp, content=PDF)
    assert failed.value.status == 503 and failed.value.code == "storage_unavailable"
    assert not CaseDocument.objects.exists() and not CaseEvent.objects.exists()
    assert stored_files(full) == []
    case.refresh_from_db()
    assert case.version == 1


def test_a_case_gone_before_the_row_is_written_leaves_no_file(case, ktp, media):
    stale = Case.objects.get(pk=case.pk)
    Case.objects.filter(pk=case.pk).delete()
    with pytest.raises(NotFound):
        add(stale, requirement=ktp)
    assert stored_files(media) == []


def test_a_status_changed_while_storing_is_rechecked_under_the_lock(case, ktp, media, monkeypatch):
    """The first check passes; the case is submitted before the row is written."""
    real_store = documents._store

    def store_then_submit(document, upload_):
        real_store(document, upload_)
        Case.objects.filter(pk=case.pk).update(status=S.SUBMITTED)

    monkeypatch.setattr(documents, "_store", store_then_submit)
    with pytest.raises(Conflict):
        add(case, requirement=ktp)
    assert not CaseDocument.objects.exists() and stored_files(media) == []


def test_an_unknown_channel_is_refused(case):
    with pytest.raises(Invalid) as refused:
        add(case, channel="fax")
    assert refused.value.code == "invalid_channel"


# -- over real HTTP ---------------------------------------------------------------------

BOUNDARY = "----mppboundary7MA4YWxk"


def multipart(content: bytes, *, name: str = "ktp.jpg") -> bytes:
    return (
        (
            f"--{BOUNDARY}\r\n"
            f'Content-Disposition: form-data; name="file"; filename="{name}"\r\n'
            "Content-Type: image/jpeg\r\n\r\n"
        ).encode()
        + content
        + f"\r\n--{BOUNDARY}--\r\n".encode()
    )


def send(url: str, path: str, body: bytes, *, announced: int | None = None) -> int | None:
    """POST `body` over a socket, announcing `announced` bytes; the status, or None when
    the connection is closed before the whole announced body was sent."""
    import socket
    from urllib.parse import urlsplit

    host, port = urlsplit(url).hostname, urlsplit(url).port
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\n"
        f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n"
        f"Content-Length: {announced if announced is not None else len(body)}\r\n"
        "Connection: close\r\n\r\n"
    ).encode()
    with socket.create_connection((host, port), timeout=10) as sock:
        sock.sendall(head + body)
        if announced is not None and announced > len(body):
            sock.shutdown(socket.SHUT_WR)  # the phone lost its signal
            return None
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    return int(answer.split(b" ", 2)[1])


@pytest.fixture
def upload_server(server_url, settings):
    settings.ROOT_URLCONF = "tests.cases.upload_urls"
    return server_url


@pytest.mark.django_db(transaction=True)
def test_an_upload_interrupted_on_the_wire_leaves_no_file_and_no_row(upload_server, media):
    import time

    case = CaseFactory()
    path = f"/cases/{case.number}/documents/"
    photo = jpeg_of_size(400 * 1024)
    body = multipart(photo)
    # The connection drops half-way through the body.
    assert send(upload_server, path, body[: len(body) // 2], announced=len(body)) is None
    # The multipart body arrives whole but is cut inside the file (a proxy gave up).
    cut = multipart(photo)[: len(body) // 2]
    assert send(upload_server, path, cut) in (400, 422)
    time.sleep(0.5)  # the server has seen the disconnect
    assert not CaseDocument.objects.exists() and stored_files(media) == []
    # The same upload, whole, is stored: the endpoint works.
    assert send(upload_server, path, body) == 201
    assert CaseDocument.objects.get().size == len(photo)
    assert len(stored_files(media)) == 1
