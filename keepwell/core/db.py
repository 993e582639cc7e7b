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

# Field types whose value goes to the database as the model holds it when that is a plain
# str, int or bool: Django's preparation only checks it, and a hot statement with dozens of
# values can skip it.
PLAIN_TYPES = frozenset(
    {
        "BigIntegerField",
        "BooleanField",
        "CharField",
        "ForeignKey",
        "IntegerField",
        "OneToOneField",
        "PositiveIntegerField",
        "PositiveSmallIntegerField",
        "TextField",
    }
)

_CURSOR_CLASSES: dict[bool, type] = {}


def _cursor_class(native: bool) -> type:
    if native not in _CURSOR_CLASSES:
        from django.db.backends.postgresql.base import ServerBindingCursor
        from psycopg import RawCursor

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

        if native:
            # PostgreSQL's own $1, $2 … marks: psycopg sends the text as it is, where it
            # would otherwise parse it again on every call once it has over 50 values.
            PreparingCursor._query_cls = RawCursor._query_cls
        _CURSOR_CLASSES[native] = PreparingCursor
    return _CURSOR_CLASSES[native]


def marks(count: int, using: str = DEFAULT_DB_ALIAS) -> list[str]:
    """The value marks for a statement run by ``preparing_cursor(native=True)``: $1, $2 …
    on PostgreSQL, %s elsewhere."""
    if connections[using].vendor == "postgresql":
        return [f"${i}" for i in range(1, count + 1)]
    return ["%s"] * count


def preparing_cursor(using: str = DEFAULT_DB_ALIAS, *, native: bool = False):
    """A cursor for a hot statement, wrapped as Django wraps its own: errors become
    ``django.db`` errors, and query logging and ``connection.execute_wrapper`` see it.
    With ``native``, the statement's marks are :func:`marks`. Use it as a context manager."""
    db = connections[using]
    if db.vendor != "postgresql":
        return db.cursor()
    db.ensure_connection()
    raw = _cursor_class(native)(db.connection)
    wrapper = CursorDebugWrapper if db.queries_logged else CursorWrapper
    return wrapper(raw, db)
