"""Request bodies: refused by size before they are read, and cut off when they come too
slowly. An ASGI wrapper around the Django application (mpp.asgi).

Why: a client that announced a 10 MB body and sent it a byte at a time kept its
request open with no answer for as long as it liked (Django reads the whole body
before any middleware runs), and enough of them hold every connection. Here:

- a Content-Length above the path's limit is answered 413 at once, nothing read;
- a body without Content-Length (chunked) is counted and cut off with 413 when it
  passes the limit;
- a body must arrive within MPP_BODY_TIMEOUT seconds plus one second per
  MPP_BODY_MIN_RATE bytes announced (a phone on a slow line still uploads a photo;
  a trickle does not hold the request): past that, 408.

Limits: MPP_MAX_BODY_BYTES (1 MB: every API and form request), MPP_MAX_UPLOAD_BYTES
(6 MB: the paths of MPP_UPLOAD_PATHS, the complaint forms with their 5 MB
attachment, and the admin). Answers are JSON {"code", "message"} under /api/ and a
short page elsewhere, with `Connection: close` (the rest of the body is not read).
Settings are read on each request, so tests can change them.
"""

from __future__ import annotations

import asyncio
import html
import json
import re
from functools import lru_cache

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

DEFAULT_UPLOAD_PATHS = (r"^/m/[^/]+/pengaduan/(kiosk/|petugas/)?$", r"^/admin/")


@lru_cache(maxsize=8)
def _compiled(patterns: tuple) -> tuple:
    return tuple(re.compile(p) for p in patterns)


def body_limit(path: str) -> int:
    """The largest body accepted on `path`, in bytes."""
    uploads = tuple(getattr(settings, "MPP_UPLOAD_PATHS", DEFAULT_UPLOAD_PATHS))
    if any(rx.match(path) for rx in _compiled(uploads)):
        return int(getattr(settings, "MPP_MAX_UPLOAD_BYTES", 6 * 1024 * 1024))
    return int(getattr(settings, "MPP_MAX_BODY_BYTES", 1024 * 1024))


def body_seconds(size: int) -> float:
    """How long a body of `size` bytes may take to arrive."""
    base = float(getattr(settings, "MPP_BODY_TIMEOUT", 10.0))
    rate = float(getattr(settings, "MPP_BODY_MIN_RATE", 50_000))
    return base + size / max(rate, 1.0)


def _header(scope, name: bytes) -> bytes | None:
    for key, value in scope.get("headers", ()):
        if key.lower() == name:
            return value
    return None


def _language(scope) -> str:
    """The page's language as DefaultLanguageMiddleware would pick it (cookie, else default)."""
    cookie = (_header(scope, b"cookie") or b"").decode("latin-1")
    name = settings.LANGUAGE_COOKIE_NAME
    for part in cookie.split(";"):
        key, _sep, value = part.strip().partition("=")
        if key == name and value in dict(settings.LANGUAGES):
            return value
    return settings.LANGUAGE_CODE


def _answer(scope, status: int) -> tuple[dict, dict]:
    """The start and body messages of a 413 or 408 answer."""
    with translation.override(_language(scope)):
        if status == 413:
            code = "too_large"
            message = _("The request is too large.")
        else:
            code = "request_timeout"
            message = _("The request body arrived too slowly; please send it again.")
    if scope.get("path", "").startswith("/api/"):
        body = json.dumps({"code": code, "message": message}).encode()
        content_type = b"application/json"
    else:
        title = f"<!doctype html><meta charset=utf-8><title>{status}</title>"
        body = f"{title}<p>{html.escape(message)}".encode()
        content_type = b"text/html; charset=utf-8"
    start = {
        "type": "http.response.start",
        "status": status,
        "headers": [
            (b"content-type", content_type),
            (b"content-length", str(len(body)).encode()),
            (b"connection", b"close"),
            (b"cache-control", b"no-store"),
        ],
    }
    return start, {"type": "http.response.body", "body": body, "more_body": False}


class BodyGuard:
    """ASGI middleware: see the module docstring."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        limit = body_limit(scope.get("path", ""))
        raw_length = _header(scope, b"content-length")
        try:
            length = int(raw_length) if raw_length is not None else None
        except ValueError:
            length = None  # the server (h11) refuses a malformed one before us
        if length is not None and length > limit:
            for message in _answer(scope, 413):
                await send(message)
            return None
        if length == 0 or (length is None and _header(scope, b"transfer-encoding") is None):
            return await self.app(scope, receive, send)  # no body: nothing to guard

        loop = asyncio.get_running_loop()
        deadline = loop.time() + body_seconds(length if length is not None else limit)
        state = {"received": 0, "done": False, "answered": False}

        async def refuse(status: int) -> dict:
            state["done"] = state["answered"] = True
            for message in _answer(scope, status):
                await send(message)
            return {"type": "http.disconnect"}  # Django stops reading, answers nothing

        async def guarded_receive():
            if state["done"]:
                return await receive()  # the body is in: disconnect watching as usual
            try:
                message = await asyncio.wait_for(receive(), max(deadline - loop.time(), 0))
            except TimeoutError:
                return await refuse(408)
            if message["type"] == "http.request":
                state["received"] += len(message.get("body", b""))
                if state["received"] > limit:
                    return await refuse(413)
                if not message.get("more_body", False):
                    state["done"] = True
            return message

        async def guarded_send(message):
            if not state["answered"]:
                await send(message)

        return await self.app(scope, guarded_receive, guarded_send)
