"""Hot statements on PostgreSQL: bound and prepared on the server, once per connection.

Django binds values on the client and turns psycopg's preparing off for the whole
connection (for connection poolers), so every statement is parsed and planned again. The
few statements that run inside nearly every event (a time bank exchange, the messages an
event causes) go through :func:`preparing_cursor` instead: psycopg binds their values on the
server and prepares each text the first time it runs on a connection.

A statement prepared this way keeps the plan PostgreSQL chose for it, so its text must not
change with its values (pass lists as one array, not as ``IN (%s, %s, …)``), and it must
not depend on a table being empty or full.

``KEEPWELL_DB_PREPARE`` (default true) turns preparing off behind a pooler that cannot keep
prepared statements (pgbouncer in transaction mode before 1.21); values are still bound on
the server. On SQLite the cursor is Django's own: there is no round trip to save.
"""

from __future__ import annotations

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.utils import CursorDebugWrapper, CursorWrapper

_CURSOR_CLASS: type | None = None


def _cursor_class() -> type:
    global _CURSOR_CLASS
    if _CURSOR_CLASS is None:
        from django.db.backends.postgresql.base import ServerBindingCursor

        class PreparingCursor(ServerBindingCursor):
            """Binds on the server and prepares every statement it runs."""

            def execute(self, query, params=None, *, prepare=None, binary=None):
                if not getattr(settings, "KEEPWELL_DB_PREPARE", True):
                    return super().execute(query, params, prepare=False, binary=binary)
                conn = self.connection
                threshold = conn.prepare_threshold
                if threshold is None:
                    # Only statements asked to be prepared are: none is prepared by count.
                    conn.prepare_threshold = 2**31
                try:
                    return super().execute(query, params, prepare=True, binary=binary)
                finally:
                    conn.prepare_threshold = threshold

        _CURSOR_CLASS = PreparingCursor
    return _CURSOR_CLASS


def preparing_cursor(using: str = DEFAULT_DB_ALIAS):
    """A cursor for a hot statement, wrapped as Django wraps its own: errors become
    ``django.db`` errors, and query logging and ``connection.execute_wrapper`` see it.
    Use it as a context manager."""
    db = connections[using]
    if db.vendor != "postgresql":
        return db.cursor()
    db.ensure_connection()
    raw = _cursor_class()(db.connection)
    wrapper = CursorDebugWrapper if db.queries_logged else CursorWrapper
    return wrapper(raw, db)
