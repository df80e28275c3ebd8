"""A real SMS/WhatsApp gateway for tests: an http.server on a free localhost port.

It records every request (headers and JSON body) and answers from a plan: a list of
(status, json body) used one per request, then the default 200 {"id": "gw-<n>"}.
`delay` makes it slow (to test timeouts and that the request path never waits); the
answer is decided when the request arrives, so a client that gives up during the
delay leaves a message the gateway delivered ("the answer was lost").

Idempotency, as the outbox expects of a real gateway (docs/faults.md, "## outbox"):
a request carrying an id (the Idempotency-Key header, else the body's "reference")
that was already delivered gets the first answer again, is not delivered again and is
counted in `absorbed`. Failed requests (non-2xx) deliver nothing and store nothing.
Requests without an id (the WhatsApp Cloud API stand-in) are never deduplicated.

Counters: `references` counts every POST per body reference; `deliveries` counts
deliveries per id (1 each when all is well); `delivered` keeps every delivered body.
`on_request(body)` (optional) runs in the server thread when a request arrives,
before the answer is decided: tests use it to break the sender's database connection
while its request is open.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Gateway:
    def __init__(self, plan=None, delay: float = 0.0):
        self.plan = list(plan or [])
        self.delay = delay
        self.requests: list[dict] = []
        self.references: Counter = Counter()
        self.deliveries: Counter = Counter()
        self.delivered: list[dict] = []
        self.answers: dict[str, tuple[int, dict]] = {}
        self.absorbed = 0
        self.inflight = 0  # requests received and not yet answered
        self.on_request = None
        self.lock = threading.Lock()
        self.url = ""

    def planned(self, body: dict, n: int) -> tuple[int, dict]:
        """The answer to a request not seen before (the n-th request in all)."""
        if self.plan:
            return self.plan.pop(0)
        return 200, {"id": f"gw-{n}", "status": "queued"}

    def pause(self, body: dict) -> float:
        """Seconds to wait before answering this request."""
        return self.delay

    def answer(self, body: dict) -> tuple[int, dict]:
        key = body["_meta"].get("idempotency_key") or body.get("reference")
        with self.lock:
            self.requests.append(body)
            self.references[body.get("reference")] += 1
            if key and key in self.answers:
                self.absorbed += 1
                return self.answers[key]
            status, payload = self.planned(body, len(self.requests))
            if 200 <= status < 300:
                self.delivered.append(body)
                if key:
                    self.deliveries[key] += 1
                    self.answers[key] = (status, payload)
            return status, payload


def _handler(gateway: Gateway):
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (http.server's name)
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length)
            meta = {
                "authorization": self.headers.get("Authorization"),
                "content_type": self.headers.get("Content-Type"),
                "idempotency_key": self.headers.get("Idempotency-Key"),
                "path": self.path,
            }
            body = {**json.loads(raw or b"{}"), "_meta": meta}
            with gateway.lock:
                gateway.inflight += 1
            try:
                self._answer(body)
            finally:
                with gateway.lock:
                    gateway.inflight -= 1

        def _answer(self, body):
            if gateway.on_request is not None:
                gateway.on_request(body)
            status, payload = gateway.answer(body)
            pause = gateway.pause(body)
            if pause:
                time.sleep(pause)
            data = json.dumps(payload).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (timeout test)

        def log_message(self, *args):
            pass

    return Handler


@contextmanager
def gateway_server(plan=None, delay: float = 0.0, gateway: Gateway | None = None):
    gateway = gateway or Gateway(plan, delay)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(gateway))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    gateway.url = f"http://127.0.0.1:{server.server_address[1]}/send"
    try:
        yield gateway
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
