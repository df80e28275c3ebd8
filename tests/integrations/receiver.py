"""A real webhook receiver for tests and benches: http.server on 127.0.0.1, random port.

Why: the dispatcher's promises (signatures, same id on every retry, order per subject,
410, Retry-After, timeouts) are only worth something against a real HTTP endpoint.
Every request is verified with the `standardwebhooks` library, as an agency would:
`standardwebhooks.Webhook(secret).verify(body, headers)` with each secret the test
registered (any one verifying is enough, as during a secret rotation).

Usage::

    from tests.integrations.receiver import Answer, Receiver

    with Receiver(secrets=[subscription.secret]) as receiver:   # start() ... stop()
        subscription.url = receiver.url("/a")   # any path; answers can differ per path
        receiver.answer(Answer(status=503, headers={"Retry-After": "120"}), path="/a")
        receiver.plan(Answer(500), Answer(500))  # one-shot answers, used first, in order
        ... drain(...) ...
        receiver.wait_for(3)                     # at least 3 verified requests (or raise)
        [r.webhook_id for r in receiver.received]
        receiver.delivered()                     # verified and answered 2xx
        receiver.duplicates()                    # webhook ids answered 2xx more than once

API:
- `Receiver(secrets=(), answer=Answer())`: `start(port=0)` (returns self; pass the old
  `port` to come back on the same address after `stop()`, to simulate an outage with
  refused connections), `stop()`, `port`, `url(path="/hook")`, `add_secret(secret)`.
- Answers, decided when a request arrives: a one-shot `plan(*answers)` (FIFO, shared by
  every path) first, else the path's `answer(..., path=...)`, else the default
  `answer(...)`. An `Answer(status=200, delay=0.0, headers={}, body="ok")`; `delay`
  sleeps before answering (a client that times out meanwhile is not an error here).
  `responder`: optional callable(Request) -> Answer | None, consulted before all else.
- Records (thread-safe; `lock` guards them): `requests` (every request, verified or
  not), `received` (those that verified), `rejected` (those that did not: answered 401
  unless a plan said otherwise). A `Request` has webhook_id, type, subject, body (str,
  exactly as received), data (parsed JSON or None), path, headers (lower-cased names),
  status (what was answered), at (time.time() on arrival), verified, error, answered
  (False when the client gave up before the answer was written, e.g. a timeout).
- `wait_for(n, timeout=10, delivered=False)`: wait until n verified (or 2xx) requests.
- `delivered()`, `ids()`, `duplicates()`, `by_subject()` (delivered webhook ids in
  arrival order per `Request.key`, "<type family>/<subject>" like "ticket/123", which is
  the WebhookMessage.subject of an envelope built by webhooks.envelope).

It speaks HTTP/1.1 with keep-alive (Content-Length always set), so a dispatcher that
reuses connections does so here too.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks import Webhook


@dataclass
class Answer:
    """What the receiver answers to one request."""

    status: int = 200
    delay: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)
    body: str = "ok"


@dataclass
class Request:
    """One request as received (`body` is the exact text; `data` its parsed JSON)."""

    path: str
    headers: dict[str, str]
    body: str
    at: float
    webhook_id: str = ""
    type: str = ""
    subject: str = ""
    data: dict | None = None
    verified: bool = False
    error: str = ""
    status: int = 0
    answered: bool = False  # the answer was written (False: the client gave up first)

    @property
    def key(self) -> str:
        """The CloudEvents type's family and subject, "ticket/123": the message's subject."""
        return f"{self.type.partition('.')[0]}/{self.subject}"


class Receiver:
    """A webhook endpoint that verifies Standard Webhooks signatures (see the module)."""

    def __init__(self, secrets: Iterable[str] = (), answer: Answer | None = None):
        self.secrets: list[str] = [s for s in secrets if s]
        self.default = answer or Answer()
        self.per_path: dict[str, Answer] = {}
        self.planned: list[Answer] = []
        self.responder: Callable[[Request], Answer | None] | None = None
        self.requests: list[Request] = []
        self.received: list[Request] = []
        self.rejected: list[Request] = []
        self.lock = threading.Lock()
        self._arrived = threading.Condition(self.lock)
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.port = 0

    # -- life cycle -------------------------------------------------------------------
    def start(self, port: int = 0) -> Receiver:
        """Listen on 127.0.0.1:`port` (0: a free one) in a background thread."""
        server = _Server(("127.0.0.1", port), _handler(self))
        server.daemon_threads = True
        server.block_on_close = False
        self._server = server
        self.port = server.server_address[1]
        self._thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop listening (connections are refused until start(port=self.port))."""
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self) -> Receiver:
        return self.start() if self._server is None else self

    def __exit__(self, *exc) -> None:
        self.stop()

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    # -- configuration ----------------------------------------------------------------
    def add_secret(self, secret: str) -> None:
        with self.lock:
            self.secrets.append(secret)

    def answer(self, answer: Answer, *, path: str | None = None) -> None:
        """The standing answer for `path` (or for every path without one)."""
        with self.lock:
            if path is None:
                self.default = answer
            else:
                self.per_path[path] = answer

    def plan(self, *answers: Answer) -> None:
        """One-shot answers used, in order, before the standing ones."""
        with self.lock:
            self.planned.extend(answers)

    # -- what was received ------------------------------------------------------------
    def delivered(self) -> list[Request]:
        with self.lock:
            return [r for r in self.received if 200 <= r.status < 300]

    def ids(self) -> list[str]:
        return [r.webhook_id for r in self.delivered()]

    def duplicates(self) -> dict[str, int]:
        """Webhook ids answered 2xx more than once, with their count."""
        return {i: n for i, n in Counter(self.ids()).items() if n > 1}

    def by_subject(self) -> dict[str, list[str]]:
        order: dict[str, list[str]] = defaultdict(list)
        for request in self.delivered():
            order[request.key].append(request.webhook_id)
        return dict(order)

    def wait_for(self, n: int, timeout: float = 10.0, *, delivered: bool = False) -> None:
        """Block until at least n verified (or verified and 2xx) requests arrived."""

        def count() -> int:
            rows = self.received
            return sum(1 for r in rows if 200 <= r.status < 300) if delivered else len(rows)

        deadline = time.monotonic() + timeout
        with self._arrived:
            while count() < n:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"receiver got {count()} of {n} requests")
                self._arrived.wait(left)

    # -- the server side --------------------------------------------------------------
    def _verify(self, request: Request) -> None:
        errors = []
        for secret in list(self.secrets):
            try:
                Webhook(secret).verify(request.body.encode(), request.headers, json_parse=False)
            except Exception as exc:  # WebhookVerificationError, a malformed secret
                errors.append(f"{type(exc).__name__}: {exc}")
            else:
                request.verified = True
                return
        request.error = "; ".join(errors) or "no secret registered"

    def _decide(self, request: Request) -> Answer:
        if self.responder is not None:
            chosen = self.responder(request)
            if chosen is not None:
                return chosen
        with self.lock:
            if self.planned:
                return self.planned.pop(0)
            if not request.verified:
                return Answer(status=401, body="signature not verified")
            return self.per_path.get(request.path, self.default)

    def _arrive(self, request: Request) -> Answer:
        self._verify(request)
        try:
            request.data = json.loads(request.body)
        except ValueError:
            request.data = None
        if isinstance(request.data, dict):
            request.type = str(request.data.get("type", ""))
            request.subject = str(request.data.get("subject", ""))
        request.webhook_id = request.headers.get("webhook-id", "")
        answer = self._decide(request)
        request.status = answer.status
        with self._arrived:
            self.requests.append(request)
            (self.received if request.verified else self.rejected).append(request)
            self._arrived.notify_all()
        return answer


class _Server(ThreadingHTTPServer):
    # The default listen backlog (5) drops connections when a dispatcher opens many at
    # once; a dropped SYN is retried after 1 s, which looks like a slow receiver.
    request_queue_size = 1024
    allow_reuse_address = True


def _handler(receiver: Receiver):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body leave in two writes: without TCP_NODELAY, Nagle's algorithm
        # holds the body until the client's delayed ACK (40 ms per keep-alive request).
        disable_nagle_algorithm = True

        def do_POST(self):  # noqa: N802 (http.server's name)
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length)
            request = Request(
                path=self.path,
                headers={k.lower(): v for k, v in self.headers.items()},
                body=raw.decode("utf-8", errors="replace"),
                at=time.time(),
            )
            answer = receiver._arrive(request)
            if answer.delay:
                time.sleep(answer.delay)
            data = answer.body.encode()
            try:
                self.send_response(answer.status)
                for name, value in answer.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Type", "text/plain; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                self.wfile.flush()
                request.answered = True
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True  # the client gave up (a timeout)

        def log_message(self, *args):
            pass

    return Handler
