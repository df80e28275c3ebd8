"""The reference connector: a generic "agency REST" back end, and the model for new ones.

Why: most agency systems an MPP meets take an application as JSON and report its status
by id. This connector speaks the smallest such API (the fake agency in the tests serves
it with its own /openapi.json):

    POST {url}/applications        Authorization: Bearer {key}, Idempotency-Key: {stable id}
        -> 200/201 {"id": "...", "status": "received"}
    GET  {url}/applications/{id}  -> 200 {"id": "...", "status": "...", "note": "..."}

Configuration (read at call time; NAME is the connector's name, "reference" unless the
setting says "...ReferenceConnector:dukcapil"): a dict setting

    MPP_AGENCY_REFERENCE = {"url": "https://...", "key": "...", "agencies": ["dukcapil"],
                            "malls": [], "timeout": 10, "pull_every": 300,
                            "status_map": {...}}

or settings / environment variables MPP_AGENCY_REFERENCE_URL, _KEY, _AGENCIES (comma
separated agency codes), _MALLS, _TIMEOUT, _PULL_EVERY. It takes the applications
(cases) of booths whose agency's code is listed (and of the listed malls, if any);
none when no agency is listed.

Errors: no answer, a timeout, 408/409/425/429 and 5xx are ConnectorUnavailable (tried
again later); other 4xx are ConnectorRejected. The request body holds what the agency
needs to process the application (names, answers); it is never logged, and only the
agency's error code and message (never the body) are kept as last_error.
"""

from __future__ import annotations

from urllib.parse import quote

import httpx

from mpp.integrations.connectors.base import (
    Connector,
    ConnectorRejected,
    ConnectorUnavailable,
    PullResult,
    PushResult,
)

# The agency's statuses -> ours ("" means known, nothing to do).
DEFAULT_STATUS_MAP: dict[str, str | None] = {
    "received": "",
    "in_review": "verification",
    "processing": "processing",
    "incomplete": "returned",
    "approved": "ready",
    "rejected": "rejected",
    "collected": "completed",
}
RETRYABLE = (408, 409, 425, 429)


def _codes(value) -> set[str]:
    if not value:
        return set()
    if isinstance(value, str):
        value = value.split(",")
    return {str(v).strip().lower() for v in value if str(v).strip()}


class ReferenceConnector(Connector):
    """A generic agency REST back end (see the module docstring)."""

    name = "reference"
    subjects = ("case",)

    @property
    def status_map(self) -> dict[str, str | None]:  # type: ignore[override]
        custom = self.setting("status_map")
        return custom if isinstance(custom, dict) else DEFAULT_STATUS_MAP

    @property
    def pull_every(self) -> float:  # type: ignore[override]
        return float(self.setting("pull_every") or 300)

    @property
    def timeout(self) -> float:
        return float(self.setting("timeout") or 10)

    def handles(self, subject_type: str, record) -> bool:
        if subject_type != "case":
            return False
        agencies, malls = _codes(self.setting("agencies")), _codes(self.setting("malls"))
        if record.booth.agency.code.lower() not in agencies:
            return False
        return not malls or record.mall.code.lower() in malls

    # Talking to the agency -----------------------------------------------------------

    def _request(self, method: str, path: str, **kwargs) -> httpx.Response:
        url = str(self.setting("url") or "").rstrip("/")
        if not url:
            raise ConnectorUnavailable(f"{self.name}: no URL configured")
        headers = {"accept": "application/json", "user-agent": "MPP-Connector/1"}
        key = self.setting("key")
        if key:
            headers["authorization"] = f"Bearer {key}"
        headers.update(kwargs.pop("headers", {}))
        try:
            with httpx.Client(timeout=self.timeout, follow_redirects=False) as client:
                return client.request(method, url + path, headers=headers, **kwargs)
        except httpx.TimeoutException as exc:
            raise ConnectorUnavailable(f"timeout ({type(exc).__name__})") from exc
        except httpx.HTTPError as exc:
            raise ConnectorUnavailable(f"no answer ({type(exc).__name__})") from exc

    @staticmethod
    def _json(response: httpx.Response, what: str) -> dict:
        code = response.status_code
        if 200 <= code < 300:
            try:
                data = response.json()
            except ValueError as exc:
                raise ConnectorUnavailable(f"{what}: HTTP {code}, not JSON") from exc
            if not isinstance(data, dict):
                raise ConnectorUnavailable(f"{what}: HTTP {code}, not a JSON object")
            return data
        reason = f"{what}: HTTP {code}"
        try:
            data = response.json()
        except ValueError:
            data = None
        if isinstance(data, dict):  # the agency's code and message, nothing we sent
            said = " ".join(str(data.get(k, ""))[:100] for k in ("code", "message")).strip()
            reason = f"{reason} {said}".strip()
        if code in RETRYABLE or code >= 500:
            raise ConnectorUnavailable(reason)
        raise ConnectorRejected(reason)

    def application_body(self, case) -> dict:
        """What the agency receives for an application (a Case)."""
        documents = [
            {
                "requirement": doc.requirement.code if doc.requirement_id else "",
                "kind": doc.kind,
                "format": doc.file_kind,
                "size": doc.size,
                "sha256": doc.sha256,
            }
            for doc in case.documents.filter(is_current=True).select_related("requirement")
        ]
        return {
            "reference": case.number,
            "mpp_id": str(case.pk),
            "service": case.service.code,
            "agency": case.booth.agency.code,
            "mall": case.mall.code,
            "submitted_at": case.submitted_at.isoformat() if case.submitted_at else None,
            "applicant": {
                "name": case.applicant_name,
                "nik_masked": case.nik_masked,
                "relation": case.relation,
                "on_behalf_of": case.subject_name,
            },
            "answers": case.answers,
            "form_version": case.form_version,
            "documents": documents,
        }

    def push(self, record) -> PushResult:
        response = self._request(
            "POST",
            "/applications",
            json=self.application_body(record),
            headers={"idempotency-key": self.idempotency_key(record)},
        )
        data = self._json(response, "push")
        external_id = str(data.get("id") or "")
        if not external_id:
            raise ConnectorUnavailable("push: the answer has no id")
        return PushResult(
            external_id=external_id[:120], external_status=str(data.get("status", ""))
        )

    def pull(self, external_id: str) -> str:
        return self.pull_result(external_id).status

    def pull_result(self, external_id: str) -> PullResult:
        path = "/applications/" + quote(external_id, safe="")
        data = self._json(self._request("GET", path), "pull")
        return PullResult(status=str(data.get("status", "")), note=str(data.get("note") or ""))
