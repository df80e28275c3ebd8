"""The one check of an uploaded file: what it is, read from its content, never its name.

Why: citizens and officers send photos and scans (complaint attachments, the documents
of an application). A file's name and its announced content type are whatever the
sender's device says, so a page or a script renamed `ktp.jpg` must not be stored and
later served as a photo. Every upload in MPP passes `upload_kind`:

- its size: not empty, at most `max_bytes` (UploadEmpty, UploadTooLarge);
- its kind from the content: the magic bytes and then the structure, so a file cut
  short (an interrupted upload, a damaged copy) is refused too:
  - JPEG: SOI, marker segments with consistent lengths, the frame, the scan, and EOI;
  - PNG: the signature, IHDR first, every chunk's length and CRC, up to IEND;
  - PDF: "%PDF-1.x" at the start, "%%EOF" at the end, and no active content
    (/JavaScript, /JS, /Launch, /EmbeddedFile(s), /RichMedia in its uncompressed
    dictionaries: a scan needs none of them);
- the kind among `allowed` (UploadKindRefused).

All three errors are core.errors.Invalid (422) with their own codes; callers with
older codes (complaints) translate them. Nothing is written here: the caller stores
the file only after this returned.
"""

from __future__ import annotations

import re
import zlib

from django.utils.translation import gettext as _

from mpp.core.errors import Invalid

KINDS = ("pdf", "jpg", "png")
CONTENT_TYPES = {"pdf": "application/pdf", "jpg": "image/jpeg", "png": "image/png"}
KIND_NAMES = {"pdf": "PDF", "jpg": "JPG", "png": "PNG"}

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_PDF_HEADER = re.compile(rb"^%PDF-[12]\.[0-9]")
_PDF_NAME = re.compile(rb"/[A-Za-z0-9#]{2,20}")
_PDF_ACTIVE = {b"JavaScript", b"JS", b"Launch", b"EmbeddedFile", b"EmbeddedFiles", b"RichMedia"}
_PDF_HEX = re.compile(rb"#([0-9A-Fa-f]{2})")
# Stream bodies (compressed images and pages) are left out of the search for names:
# binary data holds "/JS" by chance. "endstream" itself is not a stream's start.
_PDF_STREAM = re.compile(rb"(?<!end)stream(?:\r\n|\n|\r).*?endstream", re.S)


class UploadEmpty(Invalid):
    code = "file_empty"


class UploadTooLarge(Invalid):
    code = "file_too_large"


class UploadKindRefused(Invalid):
    code = "file_kind_refused"


def kinds_display(kinds) -> str:
    """ "PDF, JPG or PNG" style list of kinds for messages."""
    names = [KIND_NAMES.get(k, k.upper()) for k in kinds]
    if len(names) <= 1:
        return "".join(names)
    return _("%(first)s or %(last)s") % {"first": ", ".join(names[:-1]), "last": names[-1]}


def upload_size(upload) -> int:
    """The size of an uploaded file (its `size`, else measured by seeking)."""
    size = getattr(upload, "size", None)
    if size is None:
        upload.seek(0, 2)
        size = upload.tell()
        upload.seek(0)
    return int(size)


def upload_kind(upload, *, allowed=KINDS, max_bytes: int) -> str:
    """The kind ("pdf", "jpg", "png") of an uploaded file, read from its content.

    Raises UploadEmpty, UploadTooLarge or UploadKindRefused (all Invalid). The file is
    read to check its structure and left at position 0.
    """
    size = upload_size(upload)
    if size == 0:
        raise UploadEmpty(_("The file is empty."))
    if size > max_bytes:
        raise UploadTooLarge(
            _("The file is too large (at most %(mb)s MB).") % {"mb": _megabytes(max_bytes)}
        )
    upload.seek(0)
    content = upload.read(max_bytes + 1)
    upload.seek(0)
    kind = content_kind(content)
    if kind is None or kind not in allowed or len(content) != size:
        raise UploadKindRefused(
            _("Send a %(kinds)s file. This file is of another kind, or damaged.")
            % {"kinds": kinds_display(allowed)}
        )
    return kind


def content_kind(content: bytes) -> str | None:
    """The kind of a whole file's bytes when its structure is sound, else None."""
    if content.startswith(b"\xff\xd8\xff"):
        return "jpg" if _jpeg_sound(content) else None
    if content.startswith(_PNG_SIGNATURE):
        return "png" if _png_sound(content) else None
    if _PDF_HEADER.match(content):
        return "pdf" if _pdf_sound(content) else None
    return None


def _megabytes(size: int) -> str:
    mb = size / (1024 * 1024)
    return str(int(mb)) if mb == int(mb) else f"{mb:.1f}"


def _jpeg_sound(data: bytes) -> bool:
    """SOI, then marker segments up to a frame and a scan, entropy data, and EOI."""
    pos, end = 2, len(data)
    frame = scan = False
    while pos < end:
        if data[pos] != 0xFF:
            return False
        while pos < end and data[pos] == 0xFF:  # fill bytes before a marker
            pos += 1
        if pos >= end:
            return False
        marker = data[pos]
        pos += 1
        if marker == 0xD9:  # EOI
            return frame and scan
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:  # no length
            continue
        if pos + 2 > end:
            return False
        length = int.from_bytes(data[pos : pos + 2], "big")
        if length < 2 or pos + length > end:
            return False
        pos += length
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            frame = True
        if marker == 0xDA:  # SOS: entropy-coded data up to the next real marker
            if not frame:
                return False
            scan = True
            pos = _jpeg_scan_end(data, pos)
            if pos < 0:
                return False
    return False


def _jpeg_scan_end(data: bytes, pos: int) -> int:
    """The position of the marker ending the entropy-coded data at `pos`, or -1."""
    while True:
        pos = data.find(b"\xff", pos)
        if pos < 0 or pos + 1 >= len(data):
            return -1
        following = data[pos + 1]
        if following == 0x00 or 0xD0 <= following <= 0xD7 or following == 0xFF:
            pos += 1 if following == 0xFF else 2
            continue
        return pos


def _png_sound(data: bytes) -> bool:
    """The signature, IHDR first, every chunk whole with a right CRC, up to IEND."""
    pos, end, first = 8, len(data), True
    while pos + 12 <= end:
        length = int.from_bytes(data[pos : pos + 4], "big")
        kind = data[pos + 4 : pos + 8]
        if length > end - pos - 12 or not kind.isalpha():
            return False
        body = data[pos + 8 : pos + 8 + length]
        crc = int.from_bytes(data[pos + 8 + length : pos + 12 + length], "big")
        if zlib.crc32(kind + body) != crc:
            return False
        if first and (kind != b"IHDR" or length != 13):
            return False
        first = False
        if kind == b"IEND":
            return True
        pos += 12 + length
    return False


def _pdf_sound(data: bytes) -> bool:
    """A PDF ending in %%EOF, with no active content among its (uncompressed) names."""
    if b"%%EOF" not in data[-1024:]:
        return False
    for name in _PDF_NAME.findall(_PDF_STREAM.sub(b" ", data)):
        plain = _PDF_HEX.sub(lambda m: bytes([int(m.group(1), 16)]), name[1:])
        if plain in _PDF_ACTIVE:
            return False
    return True
