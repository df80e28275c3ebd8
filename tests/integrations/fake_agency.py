"""A fake agency back end for the connector tests: a REAL HTTP server on 127.0.0.1.

Why: pushing exactly once through outages, lost answers and timeouts is only shown
against a real socket. The server speaks the API the reference connector
(mpp.integrations.connectors.reference) expects and describes it in its own
/openapi.json; every POST body is validated against that document's schema (422 when
it does not match), so the connector and the published contract cannot drift apart.

    agency = FakeAgency(key="k").start()          # or: with FakeAgency() as agency:
    agency.url                                    # "http://127.0.0.1:<port>"
    agency.outage("503")      # every request: 503 {"code": "unavailable"}
    agency.outage("refused")  # the port is closed: connection refused
    agency.outage("slow", delay=1.0)  # answers after `delay` s (the work is done first)
    agency.drop_next()        # the next POST is stored, then the connection is closed
                              # without an answer (an answer lost on the way back)
    agency.recover()          # answers again, on the same port
    agency.reject_service("svc-x")   # POSTs for that service code: 422 (refused for good)
    agency.set_status(app_id, "approved", note="...")
    agency.applications       # {id: Application}; agency.posts: every POST received
    agency.stop()

Idempotency (as Stripe's and the IETF draft's Idempotency-Key): a POST with a key seen
before answers 200 with the application made the first time (the same body is not
required to match exactly: the first one wins); without the header, every POST makes a
new application (which is what the connector must never rely on).
"""

from __future__ import annotations

import json
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jsonschema

APPLICATION_REQUEST = {
    "type": "object",
    "required": ["reference", "mpp_id", "service", "agency", "mall", "applicant", "answers"],
    "properties": {
        "reference": {"type": "string", "minLength": 1},
        "mpp_id": {"type": "string", "minLength": 1},
        "service": {"type": "string"},
        "agency": {"type": "string"},
        "mall": {"type": "string"},
        "submitted_at": {"type": ["string", "null"]},
        "applicant": {
            "type": "object",
            "required": ["name"],
            "properties": {
                "name": {"type": "string"},
                "nik_masked": {"type": "string"},
                "relation": {"type": "string"},
                "on_behalf_of": {"type": "string"},
            },
        },
        "answers": {"type": "object"},
        "form_version": {"type": "integer"},
        "documents": {"type": "array", "items": {"type": "object"}},
    },
}
APPLICATION = {
    "type": "object",
    "required": ["id", "status"],
    "properties": {
        "id": {"type": "string"},
        "status": {
            "type": "string",
            "enum": [
                "received",
                "in_review",
                "processing",
                "incomplete",
                "approved",
                "rejected",
                "collected",
            ],
        },
        "note": {"type": "string"},
    },
}
ERROR = {
    "type": "object",
    "properties": {"code": {"type": "string"}, "message": {"type": "string"}},
}


def _answer(description: str, schema: dict) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


OPENAPI = {
    "openapi": "3.1.0",
    "info": {"title": "Fake agency applications API", "version": "1.0.0"},
    "components": {
        "schemas": {"ApplicationRequest": APPLICATION_REQUEST, "Application": APPLICATION},
        "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
    },
    "security": [{"bearer": []}],
    "paths": {
        "/applications": {
            "post": {
                "operationId": "application_create",
                "parameters": [
                    {
                        "name": "Idempotency-Key",
                        "in": "header",
                        "required": False,
                        "schema": {"type": "string", "maxLength": 255},
                        "description": "The same key makes no second application.",
                    }
                ],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {"$ref": "#/components/schemas/ApplicationRequest"}
                        }
                    },
                },
                "responses": {
                    "201": _answer("Made", {"$ref": "#/components/schemas/Application"}),
                    "200": _answer("Made before (same key)", APPLICATION),
                    "401": _answer("Wrong key", ERROR),
                    "422": _answer("Refused", ERROR),
                    "503": _answer("Down for a while", ERROR),
                },
            }
        },
        "/applications/{id}": {
            "get": {
                "operationId": "application_read",
                "parameters": [
                    {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}
                ],
                "responses": {
                    "200": _answer("The application", APPLICATION),
                    "404": _answer("Unknown id", ERROR),
                },
            }
        },
    },
}


@dataclass
class Application:
    id: str
    body: dict
    idempotency_key: str | None
    status: str = "received"
    note: str = ""

    def answer(self) -> dict:
        data = {"id": self.id, "status": self.status}
        if self.note:
            data["note"] = self.note
        return data


@dataclass
class Post:
    idempotency_key: str | None
    status: int
    answered: bool = True


@dataclass
class _State:
    mode: str = "ok"  # "ok" | "503" | "slow"
    delay: float = 0.0
    drops: int = 0
    rejected_services: set = field(default_factory=set)


class FakeAgency:
    """See the module docstring."""

    def __init__(self, key: str = "agency-secret-key"):
        self.key = key
        self.applications: dict[str, Application] = {}
        self.by_key: dict[str, str] = {}
        self.posts: list[Post] = []
        self.gets: list[str] = []
        self.lock = threading.Lock()
        self.state = _State()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.port = 0

    # Life --------------------------------------------------------------------------

    def start(self, port: int | None = None) -> FakeAgency:
        agency = self

        class Handler(_Handler):
            owner = agency

        server = ThreadingHTTPServer(("127.0.0.1", self.port if port is None else port), Handler)
        server.daemon_threads = True
        self._server = server
        self.port = server.server_address[1]
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeAgency:
        return self if self._server is not None else self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # Switches ------------------------------------------------------------------------

    def outage(self, kind: str, *, delay: float = 1.0) -> None:
        """ "503", "refused" (the port closes) or "slow" (answers after `delay` s)."""
        if kind == "refused":
            self.stop()
            return
        if kind not in ("503", "slow"):
            raise ValueError(kind)
        self.state.mode, self.state.delay = kind, delay

    def recover(self) -> None:
        self.state.mode, self.state.delay = "ok", 0.0
        if self._server is None:
            self.start(self.port)

    def drop_next(self, count: int = 1) -> None:
        self.state.drops += count

    def reject_service(self, code: str) -> None:
        self.state.rejected_services.add(code)

    def set_status(self, app_id: str, status: str, note: str = "") -> None:
        with self.lock:
            self.applications[app_id].status = status
            self.applications[app_id].note = note

    # Work (called from the handler's threads) ----------------------------------------

    def create(self, body: dict, key: str | None) -> tuple[int, Application]:
        with self.lock:
            if key and key in self.by_key:
                return 200, self.applications[self.by_key[key]]
            app = Application(
                id=f"APP-{len(self.applications) + 1:05d}", body=body, idempotency_key=key
            )
            self.applications[app.id] = app
            if key:
                self.by_key[key] = app.id
            return 201, app


def _error(code: str, message: str) -> dict:
    return {"code": code, "message": message}


class _Handler(BaseHTTPRequestHandler):
    owner: FakeAgency

    def log_message(self, *args) -> None:  # quiet
        pass

    def _send(self, status: int, data: dict) -> None:
        raw = json.dumps(data).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def _authorised(self) -> bool:
        if self.headers.get("authorization") == f"Bearer {self.owner.key}":
            return True
        self._send(401, _error("unauthorised", "Wrong or missing key."))
        return False

    def _slow(self) -> None:
        if self.owner.state.mode == "slow":
            time.sleep(self.owner.state.delay)

    def do_GET(self) -> None:
        if self.path == "/openapi.json":
            self._send(200, OPENAPI)
            return
        match = re.fullmatch(r"/applications/([^/]+)", self.path)
        if match is None:
            self._send(404, _error("not_found", "No such path."))
            return
        if self.owner.state.mode == "503":
            self._send(503, _error("unavailable", "Maintenance."))
            return
        if not self._authorised():
            return
        self.owner.gets.append(match.group(1))
        with self.owner.lock:
            app = self.owner.applications.get(match.group(1))
            data = app.answer() if app else None
        self._slow()
        if data is None:
            self._send(404, _error("not_found", "No such application."))
        else:
            self._send(200, data)

    def do_POST(self) -> None:
        owner = self.owner
        key = self.headers.get("idempotency-key")
        if self.path != "/applications":
            self._send(404, _error("not_found", "No such path."))
            return
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length)
        if owner.state.mode == "503":
            owner.posts.append(Post(key, 503))
            self._send(503, _error("unavailable", "Maintenance."))
            return
        if not self._authorised():
            owner.posts.append(Post(key, 401))
            return
        try:
            body = json.loads(raw)
            jsonschema.validate(body, APPLICATION_REQUEST)
        except (ValueError, jsonschema.ValidationError) as exc:
            owner.posts.append(Post(key, 422))
            self._send(422, _error("invalid", str(exc).splitlines()[0][:200]))
            return
        if body["service"] in owner.state.rejected_services:
            owner.posts.append(Post(key, 422))
            self._send(422, _error("service_unknown", "This service is not handled here."))
            return
        status, app = owner.create(body, key)
        if owner.state.drops:
            owner.state.drops -= 1
            owner.posts.append(Post(key, status, answered=False))
            self.close_connection = True  # stored, but the answer never leaves
            return
        owner.posts.append(Post(key, status))
        self._slow()
        self._send(status, app.answer())


# For the connector tests (tests/integrations/test_connectors*.py) -------------------------

REFERENCE = "mpp.integrations.connectors.reference.ReferenceConnector"


def enable_reference(settings, agency: FakeAgency, case_type):
    """Enable the reference connector for `case_type`'s agency, talking to `agency`
    (`settings`: pytest-django's fixture, restored after the test)."""
    from mpp.integrations.connectors.registry import connector_get

    settings.MPP_CONNECTORS = [REFERENCE]
    settings.MPP_AGENCY_REFERENCE = {
        "url": agency.url,
        "key": agency.key,
        "agencies": [case_type.booth.agency.code],
        "timeout": 0.5,
        "pull_every": 300,
    }
    return connector_get("reference")
