"""Django's SQLite backend, with write transactions queued fairly inside one process,
and open connections kept for the next request.

Fair writers. SQLite has one writer at a time. With BEGIN IMMEDIATE (settings'
transaction_mode) a second writer waits in SQLite's busy handler, which sleeps and
retries with growing pauses: under a burst (kiosks plus API clients served by one
ASGI process, one thread per request) some requests lose the race again and again
and wait for seconds while others pass. Here a transaction of this process first
takes a process-wide lock, so the threads of one server take turns in arrival order
and never sleep in the busy handler; other processes (a worker, a second server) are
still coordinated by SQLite's own lock and busy timeout.

Kept connections. Django opens a connection per request (CONN_MAX_AGE must stay 0
under ASGI, where each request runs in a new thread), and opening one costs about
3-4 ms here: the file, 30-odd SQL functions Django registers, the PRAGMAs. With
OPTIONS["pool"] = N, closing hands the connection (rolled back if a transaction was
left open) to a per-process pool of at most N for the next request instead. Django
already opens SQLite connections with check_same_thread=False; a pooled connection
is used by one thread at a time. Test databases drain the pool when created or
destroyed, so a kept connection never points at a deleted file.
"""

import contextlib
import threading

from django.db import OperationalError
from django.db.backends.sqlite3 import base, creation

_write_turn = threading.Lock()
_pools: dict[str, list] = {}
_pools_lock = threading.Lock()


def pool_drain(name: str | None = None) -> int:
    """Close the kept connections to database file `name` (all files when None)."""
    with _pools_lock:
        names = [name] if name is not None else list(_pools)
        kept = [conn for n in names for conn in _pools.pop(n, [])]
    for conn in kept:
        with contextlib.suppress(Exception):  # already broken: nothing to give back
            conn.close()
    return len(kept)


class DatabaseCreation(creation.DatabaseCreation):
    def _create_test_db(self, verbosity, autoclobber, keepdb=False):
        pool_drain()
        return super()._create_test_db(verbosity, autoclobber, keepdb)

    def _destroy_test_db(self, test_database_name, verbosity):
        pool_drain()
        return super()._destroy_test_db(test_database_name, verbosity)


class DatabaseWrapper(base.DatabaseWrapper):
    creation_class = DatabaseCreation
    _holds_turn = False

    # Kept connections ----------------------------------------------------------------

    @property
    def _pool_size(self) -> int:
        if self.is_in_memory_db():
            return 0
        return int(self.settings_dict.get("OPTIONS", {}).get("pool", 0) or 0)

    def get_connection_params(self):
        params = super().get_connection_params()
        params.pop("pool", None)
        return params

    def get_new_connection(self, conn_params):
        if self._pool_size:
            with _pools_lock:
                kept = _pools.get(str(conn_params["database"]))
                conn = kept.pop() if kept else None
            if conn is not None:
                return conn
        return super().get_new_connection(conn_params)

    def _keep(self, conn) -> bool:
        size = self._pool_size
        if not size:
            return False
        try:
            if conn.in_transaction:
                conn.rollback()
        except Exception:  # noqa: BLE001 - a broken connection is closed, not kept
            return False
        with _pools_lock:
            kept = _pools.setdefault(str(self.settings_dict["NAME"]), [])
            if len(kept) >= size:
                return False
            kept.append(conn)
        return True

    # Fair writers ------------------------------------------------------------------------

    def _take_turn(self) -> None:
        timeout = float(self.settings_dict.get("OPTIONS", {}).get("timeout", 20))
        if not _write_turn.acquire(timeout=timeout):
            raise OperationalError("database is locked (waited for this process's writers)")
        self._holds_turn = True

    def _give_turn(self) -> None:
        if self._holds_turn:
            self._holds_turn = False
            _write_turn.release()

    def _start_transaction_under_autocommit(self):
        self._take_turn()
        try:
            super()._start_transaction_under_autocommit()
        except Exception:
            self._give_turn()
            raise

    def _commit(self):
        try:
            return super()._commit()
        finally:
            self._give_turn()

    def _rollback(self):
        try:
            return super()._rollback()
        finally:
            self._give_turn()

    def _close(self):
        try:
            if self.connection is not None and self._keep(self.connection):
                return None
            return super()._close()
        finally:
            self._give_turn()
