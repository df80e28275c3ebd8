"""A real SMS/WhatsApp gateway for tests: an http.server on a free localhost port.

It records every request (headers and JSON body), counts references, and answers
from a plan: a list of (status, json body) used one per request, then the default.
`delay` makes it slow (to test timeouts and that the request path never waits).
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
        self.lock = threading.Lock()
        self.url = ""

    def answer(self, body: dict) -> tuple[int, dict]:
        with self.lock:
            self.requests.append(body)
            self.references[body.get("reference")] += 1
            n = len(self.requests)
            if self.plan:
                return self.plan.pop(0)
        return 200, {"id": f"gw-{n}", "status": "queued"}


def _handler(gateway: Gateway):
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (http.server's name)
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length)
            body = {
                "json": json.loads(raw or b"{}"),
                "authorization": self.headers.get("Authorization"),
                "content_type": self.headers.get("Content-Type"),
                "path": self.path,
            }
            if gateway.delay:
                time.sleep(gateway.delay)
            status, payload = gateway.answer({**body["json"], "_meta": body})
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
def gateway_server(plan=None, delay: float = 0.0):
    gateway = Gateway(plan, delay)
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
