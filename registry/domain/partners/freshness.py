"""Knowing, without a query per answer, which pre-produced answers are still current (DESIGN 3).

Every change to a subject is a ``subject_changes`` row; on PostgreSQL the writing transaction also
sends ``NOTIFY registry_changes`` with the row's seq, subject key and USCC, delivered only at
commit. Each worker LISTENs on a connection of its own and drops the cached answers of the
subjects named. While that channel is up the cache is trusted; when it drops, the worker stops
trusting it: every answer then checks the latest seq (one indexed query) and reads the changes it
missed, until the listener is back and has caught up.

The embedded SQLite default has no channel, and a CLI import in another process writes to the same
file while the server runs. Whether anything committed since the last answer is known in
microseconds: ``PRAGMA data_version`` on a synchronous connection of its own
(``registry.db.data_version``), which moves whenever another connection commits. Only when it moved
does an answer read the latest seq and the changes it missed, on that same connection (tens of µs
for a few rows, against milliseconds for an aiosqlite session handed between threads); a gap of more
than ``SYNC_ROWS`` changes (a national import) is read through an async session instead, so as not
to hold the loop. The query log's own group commits move it too: a catch-up every 0.2 s under
load, not one per answer. The look itself is first a read of the WAL-index header in shared memory
(well under a microsecond, the GIL kept), then ``PRAGMA data_version`` only when that moved.

When the database itself is down the listener drops and the check fails with
``DatabaseUnavailable``; the partner service then decides what may still be served
(``PartnerService._kept``). The listener keeps trying, once a second, and logs the outage once.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import Callable
from typing import Any

import asyncpg
import structlog
from sqlalchemy import select

from registry.db.data_version import DataVersion, Mark, sqlite_file
from registry.db.engine import Database
from registry.db.models import SubjectChange
from registry.domain import changes
from registry.domain.changes import CHANNEL

log = structlog.get_logger(__name__)

#: at most this many changes are read on the loop, synchronously (SQLite); more go through a session
SYNC_ROWS = 1000


class Freshness:
    def __init__(self, db: Database, url: str, on_change: Callable[[str, str | None], None]) -> None:
        self.db = db
        self.url = url
        self.connect_timeout = db.settings.connect_timeout_seconds
        self.on_change = on_change
        self.last_seq = 0
        self.listening = False
        self._conn: Any = None
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self._primed = False
        path = sqlite_file(url) if db.dialect == "sqlite" else None
        #: SQLite: whether another connection committed, without a query (None: always query)
        self._file = DataVersion(path) if path is not None else None

    @property
    def channel(self) -> str:
        """How this worker hears of changes: ``notify`` (PostgreSQL), ``data_version`` (a SQLite
        file), ``none`` (an in-memory database: only this process writes)."""
        if self.db.dialect == "postgresql":
            return "notify"
        return "data_version" if self._file is not None else "none"

    @property
    def hears_changes(self) -> bool:
        """Whether answers may trust the cache without reading the change log first (the channel is
        up); on SQLite the look at the file is made per answer, so always."""
        return self.listening if self.db.dialect == "postgresql" else True

    async def _prime(self) -> None:
        """Start from the latest change: nothing is cached before the first answer, so the history
        before it is never replayed (3.2 million register entries each left a change row)."""
        if not self._primed:
            async with self.db.read() as session:
                self.last_seq = max(self.last_seq, await changes.latest(session))
            self._primed = True

    # ---- the per-answer check ------------------------------------------------------------------

    async def ensure(self) -> None:
        """Make the cache current: nothing to do while listening, else catch up from the table."""
        if self.listening:
            return
        version: Mark | None = None
        if self._file is not None:
            # asked before the change log is read: a commit after this point moves it again
            moved, version = self._file.changed()
            if not moved:
                return
            if self._primed and self._caught_up_here():
                self._file.seen(version)
                return
        await self._prime()
        async with self.db.read() as session:
            latest = await changes.latest(session)
            if latest != self.last_seq:
                await self._catch_up(session, latest)
        if self._file is not None and version is not None:
            self._file.seen(version)

    def _caught_up_here(self) -> bool:
        """SQLite: the changes since ``last_seq`` read on the watching connection; False (nothing
        done) for a gap larger than ``SYNC_ROWS`` or an error, which the async path then meets."""
        assert self._file is not None
        table = SubjectChange.__tablename__
        try:
            conn = self._file.connection
            latest = int(conn.execute(f"SELECT max(seq) FROM {table}").fetchone()[0] or 0)  # noqa: S608
            if latest - self.last_seq > SYNC_ROWS:
                return False
            rows = conn.execute(
                f"SELECT seq, subject_key, uscc FROM {table} WHERE seq > ? ORDER BY seq",  # noqa: S608
                (self.last_seq,),
            ).fetchall()
        except sqlite3.Error:
            return False
        for seq, key, uscc in rows:
            self.on_change(key, uscc)
            self.last_seq = max(self.last_seq, seq)
        self.last_seq = max(self.last_seq, latest)
        return True

    async def _catch_up(self, session: Any, latest: int | None = None, since: int | None = None) -> None:
        start = self.last_seq if since is None else since
        rows = (
            await session.execute(
                select(SubjectChange.seq, SubjectChange.subject_key, SubjectChange.uscc)
                .where(SubjectChange.seq > start)
                .order_by(SubjectChange.seq)
            )
        ).all()
        for seq, key, uscc in rows:
            self.on_change(key, uscc)
            self.last_seq = max(self.last_seq, seq)
        if latest is not None:
            self.last_seq = max(self.last_seq, latest)

    # ---- the PostgreSQL channel ------------------------------------------------------------------

    async def start(self) -> None:
        if self.db.dialect != "postgresql":
            return
        self._task = asyncio.create_task(self._keep_listening())

    async def stop(self) -> None:
        self._stopping = True
        self.listening = False
        if self._file is not None:
            self._file.close()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._conn is not None:
            with contextlib.suppress(Exception):
                await self._conn.close()

    async def _keep_listening(self) -> None:
        dsn = self.url.replace("postgresql+asyncpg://", "postgresql://", 1)
        failing = False  # log an outage once, not once a second
        while not self._stopping:
            lost = asyncio.Event()
            try:
                await self._prime()
                since = self.last_seq  # notifications may move last_seq while catching up
                await self._drop()
                self._conn = await asyncpg.connect(dsn, timeout=self.connect_timeout)
                self._conn.add_termination_listener(lambda _c, lost=lost: lost.set())
                await self._conn.add_listener(CHANNEL, self._notified)
                async with self.db.read() as session:  # what committed before the channel was up
                    await self._catch_up(session, since=since)
                self.listening = True
                failing = False
                log.info("listening for changes", last_seq=self.last_seq)
                await lost.wait()
                log.warning("change listener lost; answers check the database until it is back")
            except Exception as exc:  # any failure: retried below, never the end of the listener
                if not failing:
                    log.warning("change listener unavailable; answers check the database", error=repr(exc))
                failing = True
            finally:
                self.listening = False
            await asyncio.sleep(1)

    async def _drop(self) -> None:
        """Forget a lost connection without waiting on it (terminate, not close: no goodbye to a
        server that is gone)."""
        if self._conn is not None:
            with contextlib.suppress(Exception):
                self._conn.terminate()
            self._conn = None

    def _notified(self, _conn: Any, _pid: int, _channel: str, payload: str) -> None:
        seq, key, uscc = payload.split("|", 2)
        self.on_change(key, uscc or None)
        self.last_seq = max(self.last_seq, int(seq))
