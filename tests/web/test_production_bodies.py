"""A 300 MB POST is refused with 413 before it is read (mpp.core.bodyguard in mpp.asgi),
on a CSRF-protected page and on an API path, whether it announces its size
(Content-Length) or streams it chunked. Before the guard, a 300 MB POST to a page was
read in full and only then answered 403 (CSRF).

Over a real socket to uvicorn: the test streams the body in 64 KB pieces and stops as
soon as the answer arrives; it must arrive long before 300 MB were sent.
"""

from __future__ import annotations

import select
import socket
import time
from urllib.parse import urlsplit

import pytest

pytestmark = pytest.mark.django_db(transaction=True)

SIZE = 300 * 1024 * 1024
PIECE = b"x" * 65536


def stream(url: str, path: str, *, chunked: bool) -> tuple[int, int, float]:
    """POST a 300 MB body to `path` piece by piece until the server answers.
    Returns (status, bytes of body sent, seconds)."""
    parts = urlsplit(url)
    framing = "Transfer-Encoding: chunked" if chunked else f"Content-Length: {SIZE}"
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Content-Type: application/x-www-form-urlencoded\r\n{framing}\r\n\r\n"
    )
    started = time.monotonic()
    sent = 0
    answer = b""
    with socket.create_connection((parts.hostname, parts.port), timeout=30) as sock:
        sock.sendall(head.encode())
        while sent < SIZE:
            readable, _, _ = select.select([sock], [], [], 0)
            if readable:
                break
            piece = b"%x\r\n%s\r\n" % (len(PIECE), PIECE) if chunked else PIECE
            try:
                sock.sendall(piece)
            except (BrokenPipeError, ConnectionResetError):
                break
            sent += len(PIECE)
            assert time.monotonic() - started < 60, "no answer after 60 s"
        sock.settimeout(10)
        try:
            while b"\r\n" not in answer:
                data = sock.recv(4096)
                if not data:
                    break
                answer += data
        except ConnectionResetError:
            pass
    assert answer.startswith(b"HTTP/1.1 "), answer[:200]
    return int(answer.split()[1]), sent, time.monotonic() - started


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
@pytest.mark.parametrize("where", ["page", "api"])
def test_a_300_mb_post_is_refused_before_it_is_read(server_url, mall, settings, where, chunked):
    path = "/accounts/login/" if where == "page" else f"/api/v1/malls/{mall.code}/bookings"
    status, sent, seconds = stream(server_url, path, chunked=chunked)
    assert status == 413
    # at most the 1 MB limit plus what was in flight: nowhere near 300 MB
    assert sent < 32 * 1024 * 1024, sent
    assert seconds < 30
