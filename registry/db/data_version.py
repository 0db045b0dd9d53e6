"""Whether another connection committed to the SQLite file, in microseconds (issue 22).

``PRAGMA data_version`` on a connection of its own: SQLite changes the value it returns whenever
another connection, in this process or any other (``registry import`` beside the server), has
committed to the file since that connection last asked. It costs 10 µs alone, but the sqlite3 module
lets go of the GIL for it, and under load the answering loop then waits for the GIL behind the
other threads (the query log's writer, the server's own): over HTTP a look per millisecond cost 10%
of the cached answers/s (bench/RESULTS.md).

So the look is first made in memory: the WAL-index header, the first 48 bytes of the ``-shm`` file
(SQLite's documented WAL-index format: ``iChange``, ``mxFrame``, the salts and checksums), which
every commit in WAL mode rewrites, read through a read-only ``mmap`` (a copy of 48 bytes, the GIL
kept). While those bytes stand, nothing committed; when they move, ``PRAGMA data_version`` decides.
Should that reading of the format ever be wrong, ``PRAGMA data_version`` is still asked at least
every ``VERIFY_SECONDS``. Without a ``-shm`` to map (the file not in WAL mode), every look asks it.

The connection never writes and holds no transaction between two questions (autocommit), so it
neither blocks writers nor checkpoints; it stays open, so the ``-shm`` file stays too. It is made on
first use, in the thread that asks.
"""

from __future__ import annotations

import mmap
import sqlite3
import time

from sqlalchemy.engine import make_url

#: ``PRAGMA data_version`` is asked at least this often even while the WAL-index header stands
VERIFY_SECONDS = 0.1
#: the WAL-index header (``WalIndexHdr``), its first copy
_HEADER = 48

Mark = tuple[int, bytes | None]


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
    mark last passed to ``seen``."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._conn: sqlite3.Connection | None = None
        self._map: mmap.mmap | None = None
        self._mappable = True
        self._seen: Mark | None = None
        self._asked_at = 0.0

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

    def _header(self) -> bytes | None:
        return None if self._map is None else self._map[:_HEADER]

    def _open_map(self) -> None:
        """Map the ``-shm`` once the connection has it open; without one, always ask."""
        try:
            with open(self.path + "-shm", "rb") as shm:
                self._map = mmap.mmap(shm.fileno(), _HEADER, access=mmap.ACCESS_READ)
        except (OSError, ValueError):  # no -shm (not in WAL mode), or too short
            self._mappable = False

    def changed(self) -> tuple[bool, Mark]:
        """(whether it moved since ``seen``, the mark to pass to ``seen`` once what changed is read):
        a failed read is retried on the next call, since nothing was marked."""
        header = self._header()  # read before the version: a commit after this point moves it
        now = time.monotonic()
        seen = self._seen
        if seen is not None and header is not None and header == seen[1] and now < self._asked_at + VERIFY_SECONDS:
            return False, seen
        version = self.current()
        self._asked_at = now
        if self._map is None and self._mappable:
            # the first look: the connection has the -shm open now; this mark holds no header, so
            # the next look asks again and from then on compares headers read before asking
            self._open_map()
        if seen is not None and version == seen[0]:
            # nothing committed (a checkpoint may touch the header): the header now is the one to compare
            self._seen = (version, header)
            return False, self._seen
        return True, (version, header)

    def seen(self, mark: Mark) -> None:
        self._seen = mark

    def close(self) -> None:
        if self._map is not None:
            self._map.close()
            self._map = None
        if self._conn is not None:
            self._conn.close()
            self._conn = None
