"""Django's PostgreSQL backend, lending only live pooled connections, without waiting.

Why: after a restart, a fail-over or pg_terminate_backend, every connection idle in a
process's pool (up to MPP_DB_POOL_MAX) is dead, and each one failed the next request
that borrowed it: up to 20 consecutive 500s per process. psycopg_pool can check a
connection before lending it (what Django's CONN_HEALTH_CHECKS turns on with a pool),
but between two dead connections its check sleeps 1 s, 2 s, 4 s...: with a pool full
of dead ones a request waited past the pool timeout (10 s) and failed anyway.

Here (settings: MPP_POOL_CHECK, env MPP_DB_CHECK) each borrowed connection is checked
with psycopg_pool's own check (one empty query, about 0.1 ms on a local socket); a dead
one is handed back (the pool drops it and opens a replacement in the background) and
the next one is tried at once, until the pool's timeout. A connection that dies while
a request uses it is mpp.core.dbfaults' business (one retry, else 503).
"""

import time

from django.db.backends.postgresql import base


class DatabaseWrapper(base.DatabaseWrapper):
    def get_new_connection(self, conn_params):
        connection = super().get_new_connection(conn_params)
        pool = self.pool
        if pool is None or not self.settings_dict.get("MPP_POOL_CHECK"):
            return connection
        from psycopg_pool import ConnectionPool

        deadline = time.monotonic() + pool.timeout
        while True:
            try:
                ConnectionPool.check_connection(connection)
                return connection
            except self.Database.Error:
                pool.putconn(connection)  # broken: dropped and replaced by the pool
                if time.monotonic() > deadline:
                    raise
            connection = super().get_new_connection(conn_params)
