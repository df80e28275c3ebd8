"""A fake population register (Dukcapil-like NIK verification) for tests: a real HTTP
server on 127.0.0.1, random port, in a background thread.

Why: the client's promises (a match lets the citizen on, no match or deceased refuses,
an outage, a 500 or a slow answer falls back to the format check within the time-out)
are only worth something against a real socket. It speaks the protocol described in
mpp.integrations.connectors.population:

    POST /verify   Authorization: Bearer <key>
    {"NIK": "...", "NAMA_LGKP": "...", "KEPERLUAN": "booking"}
    200 {"content": [{"NIK": "Sesuai", "NAMA_LGKP": "Sesuai (100)" | "Tidak Sesuai",
                      "STATUS": "HIDUP" | "MENINGGAL"}]}
    200 {"content": [{"RESPON": "Data Tidak Ditemukan"}]}
    401 {"RESPON": "..."} for a missing or wrong key

Usage::

    with FakeRegister(residents={NIK: ("SITI AMINAH", True)}) as register:
        settings.MPP_NIK_REGISTER_URL = register.url
        settings.MPP_NIK_REGISTER_KEY = register.key
        register.down()            # connections refused (same port again with up())
        register.fail(500)         # every answer is this status
        register.slow(2.0)         # answers after 2 s (past the client's time-out)
        register.garbage()         # 200 with a body of an unknown shape
        register.normal()          # answers again
        register.requests          # the JSON bodies received, in order

Names compare in capitals with single spaces, as the register keeps them.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PATH = "/verify"


class FakeRegister:
    """The register's residents: NIK -> (name, alive). See the module."""

    def __init__(self, residents: dict[str, tuple[str, bool]] | None = None, key: str = "k3y"):
        self.residents = {
            nik: (_norm(name), alive) for nik, (name, alive) in (residents or {}).items()
        }
        self.key = key
        self.requests: list[dict] = []
        self.headers: list[dict[str, str]] = []
        self.lock = threading.Lock()
        self.status = 200
        self.delay = 0.0
        self.shape_ok = True
        self.port = 0
        self._server: ThreadingHTTPServer | None = None

    # -- life cycle -------------------------------------------------------------------
    def start(self, port: int = 0) -> FakeRegister:
        server = ThreadingHTTPServer(("127.0.0.1", port), _handler(self))
        server.daemon_threads = True
        server.block_on_close = False
        self._server = server
        self.port = server.server_address[1]
        threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeRegister:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{PATH}"

    # -- behaviour --------------------------------------------------------------------
    def down(self) -> None:
        """Stop listening: connections are refused until up()."""
        self.stop()

    def up(self) -> None:
        if self._server is None:
            self.start(self.port)

    def fail(self, status: int = 500) -> None:
        self.status = status

    def slow(self, seconds: float) -> None:
        self.delay = seconds

    def garbage(self) -> None:
        self.shape_ok = False

    def normal(self) -> None:
        self.status, self.delay, self.shape_ok = 200, 0.0, True
        self.up()

    # -- the answer -------------------------------------------------------------------
    def answer(self, body: dict) -> dict:
        resident = self.residents.get(str(body.get("NIK", "")))
        if resident is None:
            return {"content": [{"RESPON": "Data Tidak Ditemukan"}]}
        name, alive = resident
        same = _norm(str(body.get("NAMA_LGKP", ""))) == name
        return {
            "content": [
                {
                    "NIK": "Sesuai",
                    "NAMA_LGKP": "Sesuai (100)" if same else "Tidak Sesuai",
                    "STATUS": "HIDUP" if alive else "MENINGGAL",
                }
            ]
        }


def _norm(name: str) -> str:
    return " ".join(name.split()).upper()


def _handler(register: FakeRegister):
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers.get("content-length") or 0)
            raw = self.rfile.read(length)
            try:
                body = json.loads(raw or b"{}")
            except ValueError:
                body = {}
            with register.lock:
                register.requests.append(body)
                register.headers.append({k.lower(): v for k, v in self.headers.items()})
            if register.delay:
                time.sleep(register.delay)
            if self.path != PATH:
                return self._send(404, {"RESPON": "Not found"})
            if self.headers.get("authorization") != f"Bearer {register.key}":
                return self._send(401, {"RESPON": "Kunci akses salah"})
            if register.status != 200:
                return self._send(register.status, {"RESPON": "Kesalahan server"})
            if not register.shape_ok:
                return self._send(200, {"data": "something else"})
            return self._send(200, register.answer(body))

        def _send(self, status: int, payload: dict) -> None:
            data = json.dumps(payload).encode()
            try:
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except OSError:  # the client gave up (its time-out) before the answer
                pass

        def log_message(self, format, *args):  # quiet: tests read `requests`
            pass

    return Handler
