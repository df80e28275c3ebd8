"""Small whole files of each kind (built, not read from disk) for the upload tests."""

from __future__ import annotations

import struct
import zlib


def _segment(marker: int, body: bytes) -> bytes:
    return b"\xff" + bytes([marker]) + struct.pack(">H", len(body) + 2) + body


def jpeg(scan: bytes = b"\x12\xff\x00\x34", *, progressive: bool = False) -> bytes:
    """A JPEG with a frame, one scan of `scan` (entropy-coded bytes) and EOI."""
    frame = 0xC2 if progressive else 0xC0
    return (
        b"\xff\xd8"
        + _segment(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00")
        + _segment(frame, b"\x08\x00\x01\x00\x01\x01\x01\x11\x00")
        + _segment(0xDA, b"\x01\x01\x00\x00\x3f\x00")
        + scan
        + b"\xff\xd9"
    )


def jpeg_of_size(size: int) -> bytes:
    """A sound JPEG of exactly `size` bytes (its scan padded)."""
    empty = len(jpeg(b""))
    return jpeg(b"\x12" * (size - empty))


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png() -> bytes:
    """A 1 x 1 PNG."""
    header = struct.pack(">IIBBBBB", 1, 1, 8, 6, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00\xff"))
        + _chunk(b"IEND", b"")
    )


def pdf(body: bytes = b"1 0 obj<</Type/Catalog>>endobj\n") -> bytes:
    return b"%PDF-1.4\n" + body + b"trailer<<>>\nstartxref\n0\n%%EOF\n"


JPG = jpeg()
PNG = png()
PDF = pdf()
