"""A webhook receiver for the reliability tests and the webhook bench: records, verifies,
misbehaves on demand.

Why not only tests/integrations/receiver.py: the reliability tests and bench/webhooks.py
need faults that one receiver must play on cue: answer 503, refuse connections (the
listening socket closed, open connections dropped), hold requests open while a
dispatcher is killed, answer 410 or too slowly, and, for the bench, run in a process of
its own so that its work is not counted against the bench's.

Every request is recorded as a Receipt: the path (one path per subscription), the
`webhook-id` header, the CloudEvents `type`, `subject` and `mppeventid` of the body,
whether a Standard Webhooks signature verified with one of the path's secrets
(`standardwebhooks.Webhook(secret).verify`, exactly as an integrator does), the answer
given and the time of receipt (time.time(): one clock for every process of the
machine). The receipt is recorded before the answer is written, so a request whose
sender died while it was held counts as received: "delivered, answer lost".

In a thread:   receiver = Receiver().start(); receiver.route("/a", secrets=[s]); ...
As a process:  python -m bench.webhooks_receiver   (prints {"url":..., "control":...};
               the control server: POST /route {"path","secrets","status","delay"},
               GET /count, GET /receipts?since=N, POST /stop)
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import socket
import sys
import threading
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

HOLD_LIMIT = 120.0  # a held request is answered after this many seconds at the latest


@dataclass
class Route:
    """How one path answers: status, extra headers, a delay before answering."""

    secrets: list[str] = field(default_factory=list)
    status: int = 200
    delay: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Receipt:
    """One request as it arrived (see the module docstring)."""

    path: str
    webhook_id: str
    type: str
    subject: str
    event_id: int | None
    verified: bool
    status: int
    at: float
    digest: str = ""  # of the body: a retry must send the same bytes
    peer_port: int = 0  # the sender's local port (which process sent it, see bench/webhooks.py)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def handle_error(self, request, client_address):
        if isinstance(sys.exc_info()[1], OSError):
            return  # a sender closed or died mid-connection: what the tests do to it
        super().handle_error(request, client_address)


class Receiver:
    """Webhook receiver on 127.0.0.1 (a fixed or free port), in threads of this process."""

    def __init__(self, port: int = 0):
        self.port = port
        self.routes: dict[str, Route] = {}
        self.receipts: list[Receipt] = []
        self.lock = threading.Lock()
        self.refusing = False
        self.holding = False
        self.held = 0  # requests being held now
        self.open = 0  # requests received and not yet answered
        self.dropped = 0  # requests on open connections dropped while refusing
        self._released = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # Running --------------------------------------------------------------------------

    def start(self) -> Receiver:
        self._server = _Server(("127.0.0.1", self.port), _handler(self))
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        self.refusing = False
        return self

    def stop(self) -> None:
        self.release()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(10)
            self._server = None

    def __enter__(self) -> Receiver:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    # Behaviour ------------------------------------------------------------------------

    def route(self, path: str, *, secrets: list[str] | None = None, **how) -> Route:
        """Set how `path` answers (keeps its secrets unless new ones are given)."""
        with self.lock:
            old = self.routes.get(path)
            keep = old.secrets if old and secrets is None else (secrets or [])
            self.routes[path] = Route(secrets=list(keep), **how)
            return self.routes[path]

    def refuse(self) -> None:
        """Down for real: the listening socket is closed (connections refused) and
        requests arriving on kept-alive connections are dropped without an answer."""
        self.refusing = True
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(10)
            self._server = None

    def accept(self) -> None:
        """Listen again on the same port."""
        for _ in range(50):
            try:
                self.start()
                return
            except OSError:  # the port is briefly busy
                time.sleep(0.1)
        raise RuntimeError(f"cannot listen on port {self.port} again")

    def hold(self) -> None:
        """From now on, keep every request open (recorded, not answered) until release()."""
        self._released.clear()
        self.holding = True

    def release(self) -> None:
        self.holding = False
        self._released.set()

    def wait_held(self, count: int, timeout: float = 60.0) -> int:
        """Wait until `count` requests are held open; how many are."""
        deadline = time.monotonic() + timeout
        while self.held < count and time.monotonic() < deadline:
            time.sleep(0.01)
        return self.held

    # What arrived ---------------------------------------------------------------------

    def _record(self, path: str, headers, raw: bytes, peer_port: int) -> tuple[Route, Receipt]:
        with self.lock:
            route = self.routes.get(path) or Route(status=404)
        verified = False
        for secret in route.secrets:
            try:
                Webhook(secret).verify(raw, dict(headers.items()), json_parse=False)
            except (WebhookVerificationError, ValueError):
                continue
            verified = True
            break
        try:
            body = json.loads(raw)
        except ValueError:
            body = {}
        event_id = body.get("mppeventid")
        receipt = Receipt(
            path=path,
            webhook_id=headers.get("webhook-id") or "",
            type=str(body.get("type", "")),
            subject=str(body.get("subject", "")),
            event_id=int(event_id) if str(event_id or "").isdigit() else None,
            verified=verified,
            status=route.status,
            at=time.time(),
            digest=hashlib.sha256(raw).hexdigest()[:32],
            peer_port=peer_port,
        )
        with self.lock:
            self.receipts.append(receipt)
        return route, receipt

    def count(self, path: str | None = None, *, ok_only: bool = True) -> int:
        with self.lock:
            return sum(
                1
                for r in self.receipts
                if (path is None or r.path == path) and (not ok_only or 200 <= r.status < 300)
            )

    def snapshot(self) -> list[Receipt]:
        with self.lock:
            return list(self.receipts)


def delivered(receipts: list[Receipt]) -> Counter:
    """webhook-id -> how many times it was received and answered 2xx."""
    return Counter(r.webhook_id for r in receipts if 200 <= r.status < 300)


def duplicates(receipts: list[Receipt]) -> dict[str, int]:
    return {wid: n for wid, n in delivered(receipts).items() if n > 1}


def order_breaks(receipts: list[Receipt], position: dict[str, int]) -> list[tuple]:
    """Receipts that came before an earlier message of the same path and subject.

    `position` maps webhook-id to the message's place in the outbox (its row id); every
    attempt counts, failed ones too: a later message must not even be tried while an
    earlier one of its subject is unfinished. A repeat of the same id is not a break.
    """
    last: dict[tuple[str, str], int] = {}
    breaks = []
    for r in receipts:
        key, pos = (r.path, r.subject), position.get(r.webhook_id)
        if pos is None:
            continue
        if pos < last.get(key, pos):
            breaks.append((r.path, r.subject, r.webhook_id, pos, last[key]))
        last[key] = max(pos, last.get(key, pos))
    return breaks


def _handler(receiver: Receiver):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as a real receiver behind a proxy

        def log_message(self, *args):  # quiet
            pass

        def do_POST(self):  # noqa: N802 (http.server's name)
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length)
            if receiver.refusing:
                receiver.dropped += 1
                self.close_connection = True
                with contextlib.suppress(OSError):
                    self.connection.shutdown(socket.SHUT_RDWR)
                return
            path = urlsplit(self.path).path
            with receiver.lock:
                receiver.open += 1
            try:
                route, _receipt = receiver._record(path, self.headers, raw, self.client_address[1])
                if receiver.holding:
                    with receiver.lock:
                        receiver.held += 1
                    receiver._released.wait(HOLD_LIMIT)
                    with receiver.lock:
                        receiver.held -= 1
                if route.delay:
                    time.sleep(route.delay)
                answer = json.dumps({"ok": 200 <= route.status < 300}).encode()
                self.send_response(route.status)
                for name, value in route.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)
            except OSError:  # the sender gave up or died: its answer is lost
                self.close_connection = True
            finally:
                with receiver.lock:
                    receiver.open -= 1

    return Handler


# As a process of its own (bench/webhooks.py) ------------------------------------------


def _control_handler(receiver: Receiver, stop: threading.Event):
    class Control(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def _answer(self, payload) -> None:
            data = json.dumps(payload).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):  # noqa: N802
            url = urlsplit(self.path)
            if url.path == "/count":
                self._answer({"ok": receiver.count(), "all": receiver.count(ok_only=False)})
            elif url.path == "/receipts":
                since = int(parse_qs(url.query).get("since", ["0"])[0])
                self._answer([asdict(r) for r in receiver.snapshot()[since:]])
            else:
                self.send_error(404)

        def do_POST(self):  # noqa: N802
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
            if self.path == "/route":
                path = body.pop("path")
                receiver.route(path, **body)
                self._answer({"url": receiver.url(path)})
            elif self.path == "/stop":
                self._answer({"ok": True})
                stop.set()
            else:
                self.send_error(404)

    return Control


def main() -> None:
    receiver = Receiver().start()
    stop = threading.Event()
    control = _Server(("127.0.0.1", 0), _control_handler(receiver, stop))
    threading.Thread(target=control.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{control.server_address[1]}"
    print(json.dumps({"url": receiver.url(""), "control": base}), flush=True)

    def watch_parent() -> None:  # stdin closes when the parent goes: stop then too
        while sys.stdin.readline():
            pass
        stop.set()

    threading.Thread(target=watch_parent, daemon=True).start()
    with contextlib.suppress(KeyboardInterrupt):
        stop.wait()
    control.shutdown()
    receiver.stop()


if __name__ == "__main__":
    main()
