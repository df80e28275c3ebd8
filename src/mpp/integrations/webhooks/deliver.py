"""One HTTP attempt to deliver a webhook: sign, POST, classify the answer. No database.

Why a module of its own: the dispatcher (dispatch.py) sends several messages at once
from a small pool of threads, and those threads must never touch the database (Django
connections are per thread, and a transaction must not stay open across a network
call). So everything a thread needs is copied into a `Job` in the main thread, and a
thread returns a `Result` that the main thread records.

The request: POST of the message's body, exactly as stored, to the subscription's URL
with the Standard Webhooks headers (signing.headers: every secret in use signs, so a
receiver holding the previous secret during a rotation still verifies) and
"user-agent: MPP-Webhooks/1". Redirects are not followed (a 3xx is a failure: a
receiver that moved must update its subscription). The webhook-timestamp is the
clock when the request leaves (what a receiver compares with its own clock), not the
scheduling time a test may pass as `now`.

The answer: 2xx delivered; 410 gone (the subscription is disabled); 429 and 503 with a
Retry-After (seconds or an HTTP date) ask for a specific wait; anything else, a
timeout or a connection error is a failure retried on the back-off schedule. At most
`EXCERPT` characters of the answer are kept (read up to a few KiB, never more).
"""

from __future__ import annotations

import datetime as dt
import email.utils
import threading
import time
from dataclasses import dataclass

import httpx
from django.conf import settings

from mpp.integrations.webhooks import signing

USER_AGENT = "MPP-Webhooks/1"
EXCERPT = 500  # characters of the answer kept in DeliveryAttempt.response_excerpt
READ_LIMIT = 4096  # bytes of an answer read at most
RETRY_AFTER_MAX = dt.timedelta(hours=24)
RETRY_AFTER_STATUSES = {429, 503}
GONE = 410

DELIVERED, FAILED, TIMEOUT, GONE_OUTCOME = "delivered", "failed", "timeout", "gone"

_client: httpx.Client | None = None
_client_lock = threading.Lock()


@dataclass(frozen=True)
class Job:
    """What one attempt needs, copied from the claimed row (threads read no database)."""

    message_id: int
    webhook_id: str
    attempt: int
    url: str
    body: str
    secrets: tuple[str, ...]
    subscription_id: object
    started_at: dt.datetime
    event_type: str = ""


@dataclass
class Result:
    """What one attempt gave: the outcome and what DeliveryAttempt keeps of it."""

    job: Job
    outcome: str
    status_code: int | None = None
    latency_ms: int = 0
    excerpt: str = ""
    error: str = ""
    retry_after: dt.timedelta | None = None  # asked for by a 429/503 answer

    @property
    def delivered(self) -> bool:
        return self.outcome == DELIVERED


def timeout() -> float:
    """Seconds an attempt may take (settings.MPP_WEBHOOK_TIMEOUT, read at call time)."""
    return max(float(settings.MPP_WEBHOOK_TIMEOUT), 0.05)


def client() -> httpx.Client:
    """The process's HTTP client: thread-safe, keeps connections alive per receiver."""
    global _client
    with _client_lock:
        if _client is None:
            _client = httpx.Client(
                follow_redirects=False,
                headers={"user-agent": USER_AGENT},
                limits=httpx.Limits(max_connections=None, max_keepalive_connections=64),
            )
        return _client


def client_reset() -> None:
    """Close the pooled connections (tests; a process that forked)."""
    global _client
    with _client_lock:
        if _client is not None:
            _client.close()
        _client = None


def retry_after(value: str | None, *, clock: dt.datetime | None = None) -> dt.timedelta | None:
    """The wait a Retry-After header asks for (delta-seconds or an HTTP date), capped
    at 24 h and at least 1 s; None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        wait = dt.timedelta(seconds=int(value))
    else:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when is None:
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=dt.UTC)
        wait = when - (clock or dt.datetime.now(dt.UTC))
    return min(max(wait, dt.timedelta(seconds=1)), RETRY_AFTER_MAX)


def url_allowed(url: str) -> bool:
    """https always; http only where settings.MPP_WEBHOOK_ALLOW_HTTP allows (tests)."""
    return url.startswith("https://") or (
        bool(settings.MPP_WEBHOOK_ALLOW_HTTP) and url.startswith("http://")
    )


def _read(response: httpx.Response, deadline: float) -> str:
    data = b""
    for chunk in response.iter_bytes():
        data += chunk
        if len(data) >= READ_LIMIT or time.monotonic() > deadline:
            break
    return data[:READ_LIMIT].decode("utf-8", errors="replace")[:EXCERPT]


def attempt(job: Job) -> Result:
    """Send `job` once and classify the answer. Never raises (a bug is a failure)."""
    began = time.monotonic()
    limit = timeout()

    def done(outcome: str, **fields) -> Result:
        latency = int((time.monotonic() - began) * 1000)
        return Result(job=job, outcome=outcome, latency_ms=latency, **fields)

    if not url_allowed(job.url):
        return done(FAILED, error="URL refused: https only")
    headers = signing.headers(list(job.secrets), job.webhook_id, int(time.time()), job.body)
    try:
        with client().stream(
            "POST", job.url, content=job.body.encode(), headers=headers, timeout=limit
        ) as response:
            excerpt = _read(response, began + limit)
            code = response.status_code
            wait_header = response.headers.get("retry-after")
    except httpx.TimeoutException:
        return done(TIMEOUT, error=f"timed out after {limit:g} s")
    except httpx.HTTPError as exc:
        return done(FAILED, error=f"connection error: {type(exc).__name__}")
    except Exception as exc:  # an odd URL or a bug: a failed attempt, the worker lives on
        return done(FAILED, error=f"unexpected error: {type(exc).__name__}")
    if 200 <= code < 300:
        return done(DELIVERED, status_code=code, excerpt=excerpt)
    if code == GONE:
        return done(GONE_OUTCOME, status_code=code, excerpt=excerpt, error="410 Gone")
    wait = retry_after(wait_header) if code in RETRY_AFTER_STATUSES else None
    return done(FAILED, status_code=code, excerpt=excerpt, error=f"HTTP {code}", retry_after=wait)
