"""The population register's NIK check: a client of a Dukcapil-like verification service.

Why: a NIK that passes the format check may still be someone else's, or a dead
person's, and bookings and applications in another's name are how quota touts and
fraud work. With settings.MPP_NIK_REGISTER_URL set, mpp.core.identity.nik_verify asks
the register here (registered with nik_verifier_register by `register()`, called from
mpp.integrations.hooks) whether the NIK and the name belong to a living resident.

What is sent and kept (docs/nik-register.md): the NIK, the name and the purpose go to
the register, over https (plain http only to this machine); its answer is read for one
word and dropped. A NikCheck row keeps the NIK's keyed digest (mpp.core.pii), the
outcome, the time, the latency, the purpose and the mall, for the register's access
audit and our own figures. Never the NIK, the name or the register's data; logs say
why the register could not answer, never whom it was about.

When the register cannot answer (refused connection, 5xx, time-out after
MPP_NIK_REGISTER_TIMEOUT seconds, an answer of unknown shape, a wrong key) the outcome
is UNAVAILABLE and the citizen goes on with the format check alone: a register outage
must not close the mall's bookings. After PAUSE_AFTER such answers in a row, this
process stops asking for PAUSE_SECONDS (still recording UNAVAILABLE), so an outage
does not cost every citizen the full time-out.

The protocol (a stand-in for the real service's, whose fields differ by agreement):

    POST <MPP_NIK_REGISTER_URL>
    Authorization: Bearer <MPP_NIK_REGISTER_KEY>
    {"NIK": "<16 digits>", "NAMA_LGKP": "<NAME IN CAPITALS>", "KEPERLUAN": "booking"}

    200 {"content": [{"NIK": "Sesuai", "NAMA_LGKP": "Sesuai (100)", "STATUS": "HIDUP"}]}
        NIK found; NAMA_LGKP "Sesuai..." or "Tidak Sesuai..."; STATUS HIDUP or MENINGGAL
    200 {"content": [{"RESPON": "Data Tidak Ditemukan"}]}      the NIK is not known
"""

from __future__ import annotations

import ipaddress
import logging
import threading
import time
from urllib.parse import urlsplit

import httpx
from django.conf import settings
from django.utils import timezone

from mpp.core import identity
from mpp.core.pii import nik_digest
from mpp.integrations.models import NikCheck

logger = logging.getLogger(__name__)

CONNECTOR = "population"
USER_AGENT = "MPP-NIK-Check/1"
PAUSE_AFTER = 3  # unavailable answers in a row before this process stops asking
PAUSE_SECONDS = 30.0


class RegisterUnavailable(Exception):
    """The register gave no usable answer; the message says why, never about whom."""


def register() -> None:
    """Put register_check into mpp.core.identity's NIK verifiers (once, from hooks.py)."""
    identity.nik_verifier_register(register_check)


def register_check(*, nik: str, name: str, purpose: str, mall_id: int | None) -> str | None:
    """Ask the register about `nik` (16 digits) and `name`, record the outcome as a
    NikCheck and return it (identity.NIK_*); None when no register is configured."""
    url = getattr(settings, "MPP_NIK_REGISTER_URL", "")
    if not url:
        return None
    started = time.monotonic()
    if _pause.active():
        outcome = identity.NIK_UNAVAILABLE
    else:
        try:
            outcome = _ask(url, nik=nik, name=name, purpose=purpose)
        except RegisterUnavailable as exc:
            outcome = identity.NIK_UNAVAILABLE
            paused = _pause.failed()
            logger.warning(
                "Population register unavailable (%s): NIK format check only%s",
                exc,
                f"; not asked for {PAUSE_SECONDS:.0f} s" if paused else "",
            )
        else:
            _pause.succeeded()
    NikCheck.objects.create(
        nik_digest=nik_digest(nik),
        purpose=purpose[:20],
        connector=CONNECTOR,
        outcome=outcome,
        checked_at=timezone.now(),
        latency_ms=round((time.monotonic() - started) * 1000),
        mall_id=mall_id,
    )
    return outcome


def _ask(url: str, *, nik: str, name: str, purpose: str) -> str:
    """The register's answer as an outcome, or RegisterUnavailable."""
    if not url_allowed(url):
        raise RegisterUnavailable("MPP_NIK_REGISTER_URL must be https (http only to localhost)")
    headers = {"accept": "application/json", "user-agent": USER_AGENT}
    key = getattr(settings, "MPP_NIK_REGISTER_KEY", "")
    if key:
        headers["authorization"] = f"Bearer {key}"
    body = {"NIK": nik, "NAMA_LGKP": " ".join(name.split()).upper(), "KEPERLUAN": purpose}
    timeout = float(getattr(settings, "MPP_NIK_REGISTER_TIMEOUT", 3))
    try:
        response = _client().post(url, json=body, headers=headers, timeout=timeout)
    except httpx.TimeoutException:
        raise RegisterUnavailable(f"no answer within {timeout:g} s") from None
    except httpx.HTTPError as exc:
        raise RegisterUnavailable(f"{type(exc).__name__}") from None
    if response.status_code in (401, 403):
        raise RegisterUnavailable(f"HTTP {response.status_code}: check MPP_NIK_REGISTER_KEY")
    if response.status_code != 200:
        raise RegisterUnavailable(f"HTTP {response.status_code}")
    try:
        payload = response.json()
    except ValueError:
        raise RegisterUnavailable("an answer that is not JSON") from None
    return outcome_of(payload)


def outcome_of(payload: object) -> str:
    """The outcome of the register's 200 answer (see the module), or RegisterUnavailable
    for a shape this client does not know: better the format check than a guess."""
    rows = payload.get("content") if isinstance(payload, dict) else None
    if not isinstance(rows, list) or len(rows) != 1 or not isinstance(rows[0], dict):
        raise RegisterUnavailable("an answer of unknown shape")
    row = rows[0]
    if "NIK" not in row:
        if "tidak ditemukan" in str(row.get("RESPON", "")).lower():
            return identity.NIK_NO_MATCH
        raise RegisterUnavailable("an answer of unknown shape (RESPON)")  # e.g. quota used up
    if not _agrees(row.get("NIK")):
        return identity.NIK_NO_MATCH
    status = str(row.get("STATUS", "")).strip().upper()
    if status == "MENINGGAL":
        return identity.NIK_DECEASED
    if status != "HIDUP":
        raise RegisterUnavailable("an answer of unknown shape (STATUS)")
    return identity.NIK_MATCH if _agrees(row.get("NAMA_LGKP")) else identity.NIK_NO_MATCH


def _agrees(value: object) -> bool:
    """ "Sesuai" (with or without a score, "Sesuai (100)") or "Tidak Sesuai"."""
    text = str(value or "").strip().lower()
    if text.startswith("sesuai"):
        return True
    if text.startswith("tidak sesuai"):
        return False
    raise RegisterUnavailable("an answer of unknown shape (Sesuai)")


def url_allowed(url: str) -> bool:
    """https anywhere; plain http only to this machine (a test server, a local proxy):
    a NIK and a name never cross a network unencrypted."""
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return True
    if parts.scheme != "http" or not parts.hostname:
        return False
    if parts.hostname == "localhost":
        return True
    try:
        return ipaddress.ip_address(parts.hostname).is_loopback
    except ValueError:
        return False


_client_lock = threading.Lock()
_shared: httpx.Client | None = None


def _client() -> httpx.Client:
    """One client per process (its connection pool saves a TLS handshake per check);
    redirects are not followed: the NIK goes only where it was configured to go."""
    global _shared
    with _client_lock:
        if _shared is None:
            _shared = httpx.Client(follow_redirects=False)
        return _shared


class _Pause:
    """Stop asking a register that keeps failing, for a while (per process)."""

    def __init__(self):
        self._lock = threading.Lock()
        self._failures = 0
        self._until = 0.0

    def active(self) -> bool:
        with self._lock:
            return time.monotonic() < self._until

    def failed(self) -> bool:
        """Count a failure; True when it starts a pause."""
        with self._lock:
            self._failures += 1
            if self._failures >= PAUSE_AFTER:
                self._until = time.monotonic() + PAUSE_SECONDS
                return True
            return False

    def succeeded(self) -> None:
        with self._lock:
            self._failures = 0
            self._until = 0.0

    def reset(self) -> None:
        self.succeeded()


_pause = _Pause()


def pause_reset() -> None:
    """Forget past failures (tests; an operator after fixing the register's address)."""
    _pause.reset()
