"""Whether another connection committed to the SQLite file, in microseconds (issue 22).

``PRAGMA data_version`` on a connection of its own: SQLite changes the value it returns whenever
another connection, in this process or any other (``registry import`` beside the server), has
committed to the file since that connection last asked. Its cost is a read of the WAL index in
shared memory (about 10 µs here, against an async session and a query through aiosqlite), so the
partner answers ask it on every request and read the change log only when it moved.

The connection never writes and holds no transaction between two questions (autocommit), so it
neither blocks writers nor checkpoints. It is made on first use, in the thread that asks.
"""

from __future__ import annotations

import sqlite3

from sqlalchemy.engine import make_url


def sqlite_file(url: str) -> str | None:
    """The file of a SQLite URL; None for anything else, an in-memory database included (another
    connection would see another database)."""
    parsed = make_url(url)
    if not parsed.drivername.startswith("sqlite"):
        return None
    database = parsed.database or ""
    if database in ("", ":memory:") or database.startswith("file:") or parsed.query.get("mode") == "memory":
        return None
    return database


class DataVersion:
    """``changed()`` is true the first time and whenever another connection committed since the
    last call."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._conn: sqlite3.Connection | None = None
        self._seen: int | None = None

    @property
    def connection(self) -> sqlite3.Connection:
        """The watching connection, for short reads that must not wait on an async session (each
        statement its own read transaction)."""
        if self._conn is None:
            # isolation_level None: no transaction is left open between two questions
            self._conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        return self._conn

    def current(self) -> int:
        row = self.connection.execute("PRAGMA data_version").fetchone()
        return int(row[0])

    def changed(self) -> tuple[bool, int]:
        """(whether it moved since ``seen``, the value now): the caller marks it seen once it has
        read what changed, so a failed read is retried on the next call."""
        now = self.current()
        return now != self._seen, now

    def seen(self, value: int) -> None:
        self._seen = value

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
