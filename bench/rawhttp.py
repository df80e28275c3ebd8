"""A minimal keep-alive HTTP/1.1 client over asyncio streams, for load generators.

Why: the load generator runs on the same machine as the server (two cores here), and
httpx spends more CPU per request than the server does, so a benchmark with it measures
the client. This one only writes a request and reads a Content-Length (or chunked)
response, about ten times cheaper. Not a general HTTP client.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time

IDLE_SECONDS = 4.0  # uvicorn closes idle keep-alive connections after 5 s


class TransportError(Exception):
    pass


class Response:
    __slots__ = ("status", "headers", "content")

    def __init__(self, status: int, headers: dict[str, str], content: bytes) -> None:
        self.status, self.headers, self.content = status, headers, content

    def json(self):
        return json.loads(self.content)


class Connection:
    """One keep-alive connection, reopened when idle too long or closed by the server."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.last_used = 0.0

    async def _open(self) -> None:
        await self.close()
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(OSError):
                await self.writer.wait_closed()
        self.reader = self.writer = None

    async def request(
        self, method: str, path: str, body=None, headers: dict[str, str] | None = None
    ) -> Response:
        data = b"" if body is None else json.dumps(body).encode()
        lines = [
            f"{method} {path} HTTP/1.1",
            f"Host: {self.host}:{self.port}",
            f"Content-Length: {len(data)}",
        ]
        if body is not None:
            lines.append("Content-Type: application/json")
        lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
        raw = ("\r\n".join(lines) + "\r\n\r\n").encode() + data
        fresh = self.writer is None or time.monotonic() - self.last_used > IDLE_SECONDS
        if fresh:
            await self._open()
        try:
            return await self._exchange(raw)
        except (ConnectionError, asyncio.IncompleteReadError, TransportError):
            if fresh:
                raise
            # A reused connection the server had just closed: nothing was read, so the
            # request never ran; send it once more on a new connection.
            await self._open()
            return await self._exchange(raw)

    async def _exchange(self, raw: bytes) -> Response:
        assert self.reader is not None and self.writer is not None
        self.writer.write(raw)
        await self.writer.drain()
        status_line = await self.reader.readline()
        if not status_line:
            raise TransportError("connection closed")
        status = int(status_line.split()[1])
        headers: dict[str, str] = {}
        while True:
            line = await self.reader.readline()
            if line in (b"\r\n", b"\n", b""):
                break
            name, _, value = line.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        if headers.get("transfer-encoding", "").lower() == "chunked":
            content = await self._chunked()
        else:
            content = await self.reader.readexactly(int(headers.get("content-length", "0")))
        if headers.get("connection", "").lower() == "close":
            await self.close()
        self.last_used = time.monotonic()
        return Response(status, headers, content)

    async def _chunked(self) -> bytes:
        assert self.reader is not None
        parts = []
        while True:
            size = int((await self.reader.readline()).split(b";")[0], 16)
            if size == 0:
                await self.reader.readline()
                return b"".join(parts)
            parts.append(await self.reader.readexactly(size))
            await self.reader.readline()
