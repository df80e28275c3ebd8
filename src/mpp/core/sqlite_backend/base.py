"""Django's SQLite backend, with write transactions queued fairly inside one process.

SQLite has one writer at a time. With BEGIN IMMEDIATE (settings' transaction_mode)
a second writer waits in SQLite's busy handler, which sleeps and retries with
growing pauses: under a burst (kiosks plus API clients served by one ASGI process,
one thread per request) some requests lose the race again and again and wait for
seconds while others pass. Here a transaction of this process first takes a
process-wide lock, so the threads of one server take turns in arrival order and
never sleep in the busy handler; other processes (a worker, a second server) are
still coordinated by SQLite's own lock and busy timeout.
"""

import threading

from django.db import OperationalError
from django.db.backends.sqlite3 import base

_write_turn = threading.Lock()


class DatabaseWrapper(base.DatabaseWrapper):
    _holds_turn = False

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
            return super()._close()
        finally:
            self._give_turn()
