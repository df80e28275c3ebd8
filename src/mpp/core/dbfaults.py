"""Lost database connections: retry a request once when that is safe, else 503.

Why: PostgreSQL connections die (a restart, a fail-over, a network cut, an idle
connection killed by a proxy). The pool already lends only checked connections
(mpp.core.postgresql_backend), but a connection can still die while a request uses
it. Without this module that request answered 500, though nothing was written and a
second try would have worked; and while the database is really down, every request
answered 500 instead of "come back in a few seconds".

The rule for a retry (DatabaseFaultMiddleware re-runs the whole request once):
a request is retried only when a connection error ended it AND nothing it wrote can
have been committed. Every SQL statement of the request is watched (an execute
wrapper on each connection): a write outside a transaction commits at once; a write
inside one counts as committed when its outermost transaction commits (on_commit).
When the error came from a statement, the transaction it was in died with the
connection (PostgreSQL rolls back what a lost session did not commit); when it came
from COMMIT itself, the outcome is unknown, so a request with uncommitted writes is
then not retried. Writes that are compensated when the request fails (an idempotency
claim, deleted again on failure) are excluded with `untracked()`; if the
compensation fails, `forbid_retry()`. A request that cannot be retried, or fails
again, is answered 503 {"code": "database_unavailable"} with Retry-After (a short
page outside the API), never 500.

Which errors count: a lost or refused connection (psycopg errors without SQLSTATE, or
SQLSTATE class 08, 57P01-57P03), a pool that had no connection to give within its
timeout, Django's InterfaceError (connection already closed); SQLite's "database is
locked" (after its 20 s busy timeout) is answered 503 but not retried.
"""

from __future__ import annotations

import contextlib
import contextvars
import html
import logging
import re

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import InterfaceError, connections
from django.db.backends.signals import connection_created
from django.http import HttpResponse, JsonResponse
from django.utils.translation import gettext as _

from mpp.core.middleware import HybridMiddleware

log = logging.getLogger(__name__)

stats = {"retried": 0}  # requests retried by this process (tests read it)

_RETRY_SQLSTATES = ("57P01", "57P02", "57P03")
_READS = re.compile(
    r"\s*(SELECT|SAVEPOINT|RELEASE|ROLLBACK|SET|SHOW|BEGIN|PRAGMA|EXPLAIN|VALUES)\b", re.I
)
MARK = "_mpp_database_error"  # request attribute: the error that ended the request


class RequestState:
    """What one request did to the database so far (see the module docstring)."""

    __slots__ = ("committed", "pending", "statement_error", "untracked", "no_retry")

    def __init__(self) -> None:
        self.committed = False  # a write of this request was committed
        self.pending = 0  # writes made inside transactions (committed or not)
        self.statement_error: BaseException | None = None  # last connection error of a statement
        self.untracked = 0
        self.no_retry = False

    def mark_committed(self) -> None:
        self.committed = True

    def retriable(self, error: BaseException | None) -> bool:
        if self.committed or self.no_retry or not is_transient(error):
            return False
        return self.pending == 0 or _caused_by(error, self.statement_error)


_current: contextvars.ContextVar[RequestState | None] = contextvars.ContextVar(
    "mpp_db_request", default=None
)


# Classifying errors -----------------------------------------------------------------


def _chain(exc: BaseException | None):
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        yield exc
        exc = exc.__cause__ or exc.__context__


def _caused_by(error: BaseException | None, cause: BaseException | None) -> bool:
    return cause is not None and any(e is cause for e in _chain(error))


def _kind(exc: BaseException | None) -> str | None:
    """ "transient" (a connection was lost: a new one may work), "unavailable" (no
    connection to be had, or SQLite locked too long), or None (not a connection error)."""
    for e in _chain(exc):
        name = type(e).__name__
        module = type(e).__module__ or ""
        if module.startswith("psycopg_pool"):
            return "unavailable"  # PoolTimeout, PoolClosed: waited for a connection
        if module.startswith("psycopg"):
            state = getattr(e, "sqlstate", None)
            if name == "OperationalError" and state is None:
                return "transient"  # closed by the server, refused, network cut
            if state and (state.startswith("08") or state in _RETRY_SQLSTATES):
                return "transient"
            if state:
                return None  # an answer of the server about this statement
        if module == "sqlite3" and "database is locked" in str(e):
            return "unavailable"
        if isinstance(e, InterfaceError):
            return "transient"  # "connection already closed"
    return None


def is_connection_error(exc: BaseException | None) -> bool:
    return _kind(exc) is not None


def is_transient(exc: BaseException | None) -> bool:
    return _kind(exc) == "transient"


# Watching statements ----------------------------------------------------------------


def _watch(execute, sql, params, many, context):
    state = _current.get()
    if state is None or state.untracked:
        return execute(sql, params, many, context)
    try:
        result = execute(sql, params, many, context)
    except Exception as exc:
        if is_connection_error(exc):
            state.statement_error = exc
        raise
    if not _READS.match(sql):
        conn = context["connection"]
        if conn.in_atomic_block:
            state.pending += 1
            conn.on_commit(state.mark_committed)
        else:
            state.committed = True
    return result


def _install(sender, connection, **kwargs) -> None:
    if _watch not in connection.execute_wrappers:
        # First, so that a caller's `with connection.execute_wrapper(...)` pops its own.
        connection.execute_wrappers.insert(0, _watch)


connection_created.connect(_install, dispatch_uid="mpp.core.dbfaults")


@contextlib.contextmanager
def tracking():
    """Watch this block's statements as one request (the middleware does this); yields
    the RequestState."""
    state = RequestState()
    for conn in connections.all(initialized_only=True):
        if conn.connection is not None:
            _install(None, conn)
    token = _current.set(state)
    try:
        yield state
    finally:
        _current.reset(token)


@contextlib.contextmanager
def untracked():
    """Writes in this block are undone by the caller if the request fails (an
    idempotency claim): they do not stop a retry."""
    state = _current.get()
    if state is not None:
        state.untracked += 1
    try:
        yield
    finally:
        if state is not None:
            state.untracked -= 1


def forbid_retry() -> None:
    """Something of this request could not be undone: answer 503, do not run it again."""
    state = _current.get()
    if state is not None:
        state.no_retry = True


def close_broken() -> None:
    """Give back this thread's connections (the pool drops dead ones) so the next
    statement borrows a checked one. Not inside a transaction (tests wrap theirs)."""
    for conn in connections.all(initialized_only=True):
        if conn.connection is not None and not conn.in_atomic_block:
            with contextlib.suppress(Exception):
                conn.close()


# Answers -----------------------------------------------------------------------------


def retry_after() -> int:
    return int(getattr(settings, "MPP_DB_RETRY_AFTER", 3))


def unavailable(request) -> HttpResponse:
    """503 with Retry-After: JSON on the API, a short page elsewhere."""
    seconds = retry_after()
    message = _(
        "The service is briefly unavailable (database). Please try again in %(seconds)d seconds."
    ) % {"seconds": seconds}
    if request.path.startswith("/api/"):
        response = JsonResponse({"code": "database_unavailable", "message": message}, status=503)
    else:
        title = html.escape(_("Please try again shortly"))
        body = (
            "<!doctype html><meta charset=utf-8>"
            '<meta name=viewport content="width=device-width, initial-scale=1">'
            f"<title>{title}</title><h1>{title}</h1><p>{html.escape(message)}"
        )
        response = HttpResponse(body, status=503, content_type="text/html; charset=utf-8")
    response["Retry-After"] = str(seconds)
    response["Cache-Control"] = "no-store"
    response._has_been_logged = True  # logged below, once, without the request's data
    return response


def mark(request, exc: BaseException) -> None:
    """Remember on the request the connection error that ended it (API handler, views)."""
    setattr(request, MARK, exc)


class DatabaseFaultMiddleware(HybridMiddleware):
    """Retries a request once after a lost connection when nothing was committed, and
    turns database connection errors into 503; see the module docstring."""

    def process_exception(self, request, exception):
        if is_connection_error(exception):
            mark(request, exception)
            return unavailable(request)
        return None

    @staticmethod
    def _error(request, state: RequestState, response) -> BaseException | None:
        error = getattr(request, MARK, None)
        if error is None and response.status_code >= 500:
            error = state.statement_error
        return error

    def _final(self, request, error, response):
        if error is None:
            return response
        log.warning("database unavailable: %s on %s", type(error).__name__, request.method)
        return response if response.status_code == 503 else unavailable(request)

    def __call__(self, request):
        if self.is_async:
            return self._acall(request)
        with tracking() as state:
            response = self.get_response(request)
            error = self._error(request, state, response)
            if error is None or not state.retriable(error):
                return self._final(request, error, response)
        log.warning("database connection lost (%s): request retried", type(error).__name__)
        close_broken()
        with contextlib.suppress(AttributeError):
            delattr(request, MARK)
        stats["retried"] += 1
        with tracking() as state:
            response = self.get_response(request)
            return self._final(request, self._error(request, state, response), response)

    async def _acall(self, request):
        with tracking() as state:
            response = await self.get_response(request)
            error = self._error(request, state, response)
            if error is None or not state.retriable(error):
                return self._final(request, error, response)
        log.warning("database connection lost (%s): request retried", type(error).__name__)
        await sync_to_async(close_broken)()  # the request's own thread and connections
        with contextlib.suppress(AttributeError):
            delattr(request, MARK)
        stats["retried"] += 1
        with tracking() as state:
            response = await self.get_response(request)
            return self._final(request, self._error(request, state, response), response)
