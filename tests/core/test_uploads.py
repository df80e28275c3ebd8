"""The one upload check (mpp.core.uploads): the kind from the content's magic bytes and
structure, never the name; empty, oversized, cut-short and disguised files refused."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from mpp.core.uploads import (
    UploadEmpty,
    UploadKindRefused,
    UploadTooLarge,
    content_kind,
    upload_kind,
)
from tests.core.upload_samples import JPG, PDF, PNG, jpeg, jpeg_of_size, pdf

MB = 1024 * 1024


def upload(content: bytes, name: str = "ktp.jpg", content_type: str = "image/jpeg"):
    return SimpleUploadedFile(name, content, content_type=content_type)


@pytest.mark.parametrize(("content", "kind"), [(JPG, "jpg"), (PNG, "png"), (PDF, "pdf")])
def test_the_kind_comes_from_the_content_not_the_name(content, kind):
    sent = upload(content, name="surat.txt", content_type="text/plain")
    assert upload_kind(sent, max_bytes=MB) == kind
    assert sent.tell() == 0  # left ready for storing


@pytest.mark.parametrize(
    ("content", "name"),
    [
        (b"<html><script>alert(1)</script></html>", "ktp.jpg"),
        (b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>", "foto.png"),
        (b"MZ\x90\x00\x03\x00\x00\x00 an exe", "surat.pdf"),
        (b"GIF89a\x01\x00\x01\x00" + b"\x00" * 30, "foto.jpg"),
        (b"PK\x03\x04 a zip or docx", "kk.pdf"),
        (b"just text", "ktp.png"),
    ],
)
def test_lying_extensions_are_refused(content, name):
    with pytest.raises(UploadKindRefused) as refused:
        upload_kind(upload(content, name=name), max_bytes=MB)
    assert refused.value.code == "file_kind_refused" and refused.value.status == 422


@pytest.mark.parametrize(
    "content",
    [
        JPG[:-2],  # no EOI: the upload stopped before the end
        JPG[:30],  # cut inside the frame header
        b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64,
        b"\xff\xd8" + JPG[20:31] + b"\xff\xd9",  # a frame but no scan
        PNG[:-12],  # no IEND
        PNG[:40],  # cut inside a chunk
        PNG[:30] + bytes([PNG[30] ^ 0xFF]) + PNG[31:],  # a byte changed: CRC wrong
        PNG[:8] + PNG[33:],  # IDAT first, no IHDR
        PDF[:-7],  # no %%EOF
        b"%PDF-1.4 but never ends",
    ],
)
def test_files_cut_short_or_damaged_are_refused(content):
    assert content_kind(content) is None
    with pytest.raises(UploadKindRefused):
        upload_kind(upload(content), max_bytes=MB)


def test_jpeg_scans_with_stuffed_bytes_restart_markers_and_progressive_frames_pass():
    assert content_kind(jpeg(b"\x01\xff\x00\x02\xff\xd0\x03\xff\xd7\x04")) == "jpg"
    assert content_kind(jpeg(progressive=True)) == "jpg"
    # A thumbnail's EOI inside an APP1 segment does not end the file.
    exif = b"\xff\xe1\x00\x06Ex\xff\xd9"
    assert content_kind(JPG[:2] + exif + JPG[2:]) == "jpg"
    assert content_kind(JPG[:2] + exif + JPG[2:-2]) is None


def test_a_kind_outside_the_allowed_ones_is_refused_and_named():
    with translation.override("en"), pytest.raises(UploadKindRefused) as refused:
        upload_kind(upload(PDF, name="x.pdf"), allowed=("jpg", "png"), max_bytes=MB)
    assert "JPG or PNG" in refused.value.message
    assert upload_kind(upload(PNG), allowed=("jpg", "png"), max_bytes=MB) == "png"


def test_empty_is_refused():
    with pytest.raises(UploadEmpty) as refused:
        upload_kind(upload(b""), max_bytes=MB)
    assert refused.value.code == "file_empty"


def test_size_limit_is_exact():
    assert upload_kind(upload(jpeg_of_size(MB)), max_bytes=MB) == "jpg"
    with pytest.raises(UploadTooLarge) as refused:
        upload_kind(upload(jpeg_of_size(MB + 1)), max_bytes=MB)
    assert refused.value.code == "file_too_large" and "1 MB" in refused.value.message


@pytest.mark.parametrize(
    "name", [b"/JavaScript", b"/JS", b"/Launch", b"/EmbeddedFile", b"/J#61vaScript"]
)
def test_pdfs_with_active_content_are_refused(name):
    active = pdf(b"1 0 obj<</Type/Catalog/OpenAction<</S" + name + b"(app.alert(1))>>>>endobj\n")
    assert content_kind(active) is None


def test_binary_streams_that_happen_to_hold_names_are_not_read_as_names():
    stream = (
        b"2 0 obj<</Length 12/Filter/FlateDecode>>stream\n\x00/JS \x01/Launch\nendstream\nendobj\n"
    )
    assert content_kind(pdf(stream)) == "pdf"
    # ...but a dictionary after a stream still is.
    after = stream + b"3 0 obj<</S/JavaScript>>endobj\n"
    assert content_kind(pdf(after)) is None


def test_a_plain_file_object_without_size_is_measured():
    assert upload_kind(io.BytesIO(PNG), max_bytes=MB) == "png"
