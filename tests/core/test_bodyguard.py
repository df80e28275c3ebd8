"""Request bodies (mpp.core.bodyguard, wrapped around the app in mpp.asgi), over a real
socket to uvicorn: a body announced too large is refused before it is read, a chunked
one when it passes the limit, and a body that trickles is cut off with 408. Before,
a client that announced 10 MB and sent it slowly got no answer at all."""

import json
import socket
from urllib.parse import urlsplit

import pytest

from mpp.core.bodyguard import body_limit
from tests.factories import device_credential

pytestmark = pytest.mark.django_db


@pytest.fixture
def quick(settings):
    """A short body deadline, so that the slow-body tests end soon."""
    settings.MPP_BODY_TIMEOUT = 0.5
    settings.MPP_BODY_MIN_RATE = 10**9


def exchange(url: str, head: str, body: bytes = b"", *, wait: float = 10.0):
    """Send `head` (request line and headers) and `body`, leave the socket open, and
    read the answer: (status, headers, body)."""
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=wait) as sock:
        sock.sendall(head.encode() + b"\r\n" + body)
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
        raw_head, _, rest = data.partition(b"\r\n\r\n")
        lines = raw_head.decode("latin-1").split("\r\n")
        headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
        length = int(headers.get("content-length", "0"))
        while len(rest) < length:
            chunk = sock.recv(65536)
            if not chunk:
                break
            rest += chunk
    return int(lines[0].split()[1]), headers, rest


def head(method: str, path: str, *headers: str) -> str:
    return "\r\n".join([f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", *headers, ""])


def test_limits_per_path(settings):
    assert body_limit("/api/v1/malls/x/bookings") == settings.MPP_MAX_BODY_BYTES
    assert body_limit("/m/x/pengaduan/") == settings.MPP_MAX_UPLOAD_BYTES
    assert body_limit("/m/x/pengaduan/kiosk/") == settings.MPP_MAX_UPLOAD_BYTES
    assert settings.MPP_MAX_UPLOAD_BYTES > 5 * 1024 * 1024  # a 5 MB attachment fits


def test_an_announced_10_mb_body_is_413_before_it_is_read(server_url, mall):
    status, headers, body = exchange(
        server_url,
        head(
            "POST",
            f"/api/v1/malls/{mall.code}/bookings",
            "Content-Type: application/json",
            f"Content-Length: {10 * 1024 * 1024}",
        ),
        b'{"na',  # and nothing more: the answer must not wait for the rest
    )
    assert status == 413 and headers["connection"] == "close"
    assert json.loads(body)["code"] == "too_large"
    page, _, text = exchange(
        server_url, head("POST", f"/m/{mall.code}/", f"Content-Length: {10 * 1024 * 1024}")
    )
    assert page == 413 and text.startswith(b"<!doctype html>")


def test_a_chunked_body_past_the_limit_is_413(server_url, mall, settings):
    settings.MPP_MAX_BODY_BYTES = 1000
    chunk = b"x" * 600
    chunks = (b"%x\r\n" % len(chunk) + chunk + b"\r\n") * 2 + b"0\r\n\r\n"
    status, _, body = exchange(
        server_url,
        head(
            "POST",
            f"/api/v1/malls/{mall.code}/tickets",
            "Content-Type: application/json",
            "Transfer-Encoding: chunked",
        ),
        chunks,
    )
    assert status == 413 and json.loads(body)["code"] == "too_large"


def test_a_body_that_trickles_is_408(server_url, mall, quick):
    status, headers, body = exchange(
        server_url,
        head(
            "POST",
            f"/api/v1/malls/{mall.code}/tickets",
            "Content-Type: application/json",
            "Content-Length: 100",
        ),
        b'{"service": ',  # 12 of the 100 bytes, then silence
    )
    assert status == 408 and headers["connection"] == "close"
    assert json.loads(body)["code"] == "request_timeout"


def test_an_upload_path_takes_a_large_body_but_not_a_slow_one(server_url, mall, quick):
    status, _, body = exchange(
        server_url,
        head("POST", f"/m/{mall.code}/pengaduan/", f"Content-Length: {5 * 1024 * 1024}"),
        b"------",
    )
    assert status == 408 and body.startswith(b"<!doctype html>")  # not refused by size


def test_a_small_body_in_time_is_served(server_url, mall, offering):
    data = json.dumps({"service": offering.service.code}).encode()
    status, _, body = exchange(
        server_url,
        head(
            "POST",
            f"/api/v1/malls/{mall.code}/tickets",
            f"X-Device-Key: {device_credential(mall)}",  # a registered kiosk of the mall
            "Content-Type: application/json",
            f"Content-Length: {len(data)}",
            "Connection: close",
        ),
        data,
    )
    assert status == 201, body
