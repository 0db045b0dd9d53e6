"""Recording the answers given (partner_queries) without slowing the answers.

``ThreadedQueryLog`` (PostgreSQL): the answering loop only appends to a queue; a writer thread with
its own event loop and connection COPYs what has queued every ``interval`` seconds.
``SqliteQueryLog`` (the embedded default): the same thread, writing with the standard library's
sqlite3 (one ``executemany`` per group commit). Measured: recording on the answering loop cost 30%
of the answers/s on PostgreSQL and made the p99; on SQLite, through SQLAlchemy and aiosqlite on the
loop, 190 µs of the 320 µs of a cached answer (bench/RESULTS). ``QueryLog`` (writes through the
app's ``Database`` on its loop) is kept for an in-memory SQLite database, which no other connection
can reach.

Either way ``flush()`` returns once every row added before it is written (feedback cites answers
just given), and a failed write keeps the rows, in order, for the next attempt.

While the database is down (DESIGN 3: pre-produced answers are still served) the rows wait in
memory and are written, in order, once it is back. The wait is bounded by ``max_pending`` rows
(about 300 bytes each: 100,000 rows are some 30 MB): beyond it ``add`` refuses (``QueryLogFull``,
503) and the answer is not given, since every answer given must be on record (DESIGN 5). Nothing
is dropped: the refusals are logged (the first of an outage) and counted (``state()``, shown by
/health/ready).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import datetime as dt
import queue
import sqlite3
import threading
import time
from typing import Any

import asyncpg
import msgspec
import structlog
from sqlalchemy import insert

from registry.db.engine import Database
from registry.db.models import PartnerQuery
from registry.db.outage import is_outage
from registry.errors import DatabaseUnavailable, QueryLogFull

log = structlog.get_logger(__name__)
_ENCODE = msgspec.json.Encoder().encode
COLUMNS = ("request_id", "client", "department", "subjects", "jws_sha256", "recorded_at")
#: rows kept in memory while they cannot be written (DatabaseSettings.query_log_max_pending)
MAX_PENDING = 100_000
#: seconds between two write attempts while the database is unreachable (a flush asked for tries now)
RETRY_SECONDS = 1.0


def spill(rows: list[dict[str, Any]]) -> None:
    """Shut down while the database is still unreachable: the rows not written go to the log, one
    line each with every column, so they can be replayed from it; never dropped without a trace."""
    if rows:
        log.error("query records not written before shut-down; logged instead", rows=len(rows))
    for row in rows:
        log.error("query record not written", **{c: str(row[c]) if c == "recorded_at" else row[c] for c in COLUMNS})


class _Bound:
    """The bound on unwritten rows and the count of answers refused for it, shared by both logs."""

    def __init__(self, max_pending: int, retry_after: int) -> None:
        self.max_pending = max_pending
        self.retry_after = retry_after
        self.refused = 0
        #: written and refused since the writes started failing (logged when they succeed again)
        self.failing = False

    def refuse(self, unwritten: int) -> QueryLogFull:
        self.refused += 1
        if self.refused == 1 or self.refused % 10_000 == 0:
            log.error("partner answers refused: query log full", unwritten=unwritten, refused=self.refused)
        return QueryLogFull(
            f"查询记录暂时无法写入且暂存已满（{unwritten} 条），为保证每次答复都有记录，暂停答复 / the query "
            f"records cannot be written and {unwritten} are waiting in memory: no answer is given unrecorded",
            self.retry_after,
        )

    def failed(self, rows: int, error: BaseException) -> None:
        if not self.failing:
            self.failing = True
            log.warning("query records cannot be written; kept in memory", rows=rows, error=repr(error))

    def written(self, rows: int) -> None:
        if self.failing:
            self.failing = False
            log.info("query records written again after a failure", rows=rows, refused=self.refused)


class QueryLog:
    def __init__(self, db: Database, batch: int = 500, max_pending: int = MAX_PENDING, retry_after: int = 5) -> None:
        self.db = db
        self.batch = batch
        self.bound = _Bound(max_pending, retry_after)
        self._rows: list[dict[str, Any]] = []
        #: rows taken out of ``_rows`` by a write under way (they count against the bound until written)
        self._writing = 0
        self._lock = asyncio.Lock()

    def state(self) -> dict[str, int]:
        unwritten = len(self._rows) + self._writing
        return {"unwritten": unwritten, "max_pending": self.bound.max_pending, "refused": self.bound.refused}

    async def add(self, row: dict[str, Any]) -> None:
        unwritten = len(self._rows) + self._writing
        if unwritten >= self.bound.max_pending:
            raise self.bound.refuse(unwritten)
        self._rows.append(row)
        # while writes fail, the periodic flusher retries: an answer does not wait on the outage
        if len(self._rows) >= self.batch and not self.bound.failing:
            with contextlib.suppress(Exception):  # kept; flush() logged it
                await self.flush()

    async def write_batch(self, rows: list[dict[str, Any]]) -> None:
        async with self.db.write() as session:
            await session.execute(insert(PartnerQuery), rows)

    async def flush(self) -> int:
        async with self._lock:
            rows, self._rows = self._rows, []
            if rows:
                self._writing = len(rows)
                try:
                    await self.write_batch(rows)
                except Exception as exc:
                    self._rows[:0] = rows  # kept, in order, for the next flush: answers given stay on record
                    self.bound.failed(len(self._rows), exc)
                    raise
                finally:
                    self._writing = 0
                self.bound.written(len(rows))
            return len(rows)

    async def close(self) -> None:
        try:
            await self.flush()
        except Exception:
            spill(self._rows)
            self._rows = []


class _Flush:
    def __init__(self) -> None:
        self.done: concurrent.futures.Future[int] = concurrent.futures.Future()


_STOP = object()


class ThreadedQueryLog:
    def __init__(
        self,
        dsn: str,
        interval: float = 0.2,
        max_pending: int = MAX_PENDING,
        retry_after: int = 5,
        connect_timeout: float = 5.0,
    ) -> None:
        self.dsn = dsn.replace("postgresql+asyncpg://", "postgresql://", 1)
        self.interval = interval
        self.connect_timeout = connect_timeout
        self.bound = _Bound(max_pending, retry_after)
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        #: set by a flush or the stop, never by ``add``: the writer does not wake once per row
        #: (each wake-up took the GIL from the answering loop: 40 µs an answer, measured)
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()
        #: the writer thread's own connection (made and used only in that thread)
        self._conn: Any = None
        #: rows added and not yet written: counted up by ``add`` (the answering loop), down by the
        #: writer thread after each write, under ``_count_lock``
        self._unwritten = 0
        self._count_lock = threading.Lock()

    def state(self) -> dict[str, int]:
        return {"unwritten": self._unwritten, "max_pending": self.bound.max_pending, "refused": self.bound.refused}

    def _start(self) -> None:
        if self._thread is None:
            with self._start_lock:
                if self._thread is None:
                    self._thread = threading.Thread(target=self._run, name="registry-query-log", daemon=True)
                    self._thread.start()

    async def add(self, row: dict[str, Any]) -> None:
        self._start()
        with self._count_lock:
            if self._unwritten >= self.bound.max_pending:
                unwritten = self._unwritten
            else:
                self._unwritten += 1
                unwritten = -1
        if unwritten >= 0:
            raise self.bound.refuse(unwritten)
        self._queue.put(row)

    async def flush(self) -> int:
        self._start()
        if self._thread is not None and not self._thread.is_alive():
            raise RuntimeError("the query log writer thread has stopped")
        request = _Flush()
        self._queue.put(request)
        self._wake.set()
        try:
            return await asyncio.wrap_future(request.done)
        except Exception as exc:
            if is_outage(exc):  # the writer's own connection: an outage, as through Database (503)
                raise DatabaseUnavailable(
                    f"查询记录暂时无法写入 / the query records cannot be written now ({type(exc).__name__})",
                    self.bound.retry_after,
                ) from exc
            raise

    async def close(self) -> None:
        if self._thread is None:
            return
        if self._thread.is_alive():
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.flush(), timeout=10)
        self._queue.put(_STOP)
        self._wake.set()
        await asyncio.get_running_loop().run_in_executor(None, self._thread.join, 10)
        self._thread = None

    # ---- the writer thread ---------------------------------------------------------------------

    def _run(self) -> None:
        try:
            asyncio.run(self._main())
        except Exception:  # never silently: flush() then says the writer has stopped
            log.exception("query log writer thread stopped")

    async def write_batch(self, rows: list[dict[str, Any]]) -> None:
        if self._conn is None or self._conn.is_closed():
            self._conn = await asyncpg.connect(self.dsn, timeout=self.connect_timeout)
        records = [
            (r["request_id"], r["client"], r["department"], json_text(r["subjects"]), r["jws_sha256"], r["recorded_at"])
            for r in rows
        ]
        try:
            await self._conn.copy_records_to_table("partner_queries", records=records, columns=COLUMNS)
        except asyncpg.UniqueViolationError:
            # a COPY that committed but whose answer was lost with the connection (the server went
            # down at that moment) is retried: write what is not there yet, row by row
            await self._conn.executemany(
                "INSERT INTO partner_queries (request_id, client, department, subjects, jws_sha256, recorded_at) "
                "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (request_id) DO NOTHING",
                records,
            )

    def _take(self, pending: list[dict[str, Any]]) -> tuple[list[_Flush], bool]:
        """Wait ``interval`` (less if a flush or the stop is asked for), then move what has queued
        into ``pending``; the flush requests and whether to stop. A request put before its wake-up
        is set is drained here or, if it came after the drain, wakes the next wait at once."""
        self._wake.wait(timeout=self.interval)
        self._wake.clear()
        waiting: list[_Flush] = []
        stop = False
        try:
            while True:
                item = self._queue.get_nowait()
                if item is _STOP:
                    stop = True
                elif isinstance(item, _Flush):
                    waiting.append(item)
                else:
                    pending.append(item)
        except queue.Empty:
            pass
        return waiting, stop

    async def _main(self) -> None:
        pending: list[dict[str, Any]] = []
        error: Exception | None = None
        retry_at = 0.0
        while True:
            waiting, stop = self._take(pending)
            written = 0
            # while the database is down, one attempt a second; a flush asked for (or stopping) tries now
            if pending and (waiting or stop or error is None or time.monotonic() >= retry_at):
                try:
                    await self.write_batch(pending)
                    written, pending, error = len(pending), [], None
                    with self._count_lock:
                        self._unwritten -= written
                    self.bound.written(written)
                except Exception as exc:  # kept for the next round; flushes waiting are told
                    error = exc
                    retry_at = time.monotonic() + RETRY_SECONDS
                    self.bound.failed(len(pending), exc)
                    await self._drop_connection()
            for request in waiting:
                # a flush whose caller was cancelled (the app's periodic flusher at shut-down) has
                # a cancelled future: telling it would raise here and end the writer thread
                if not request.done.set_running_or_notify_cancel():
                    continue
                if error is None:
                    request.done.set_result(written)
                else:
                    request.done.set_exception(error)
            if stop:
                spill(pending)
                await self._drop_connection()
                return

    async def _drop_connection(self) -> None:
        with contextlib.suppress(Exception):
            if self._conn is not None:
                await self._conn.close()
        self._conn = None


def json_text(value: Any) -> str:
    """JSON text of a query record's subjects (msgspec: a tenth of ``json.dumps``'s time, which the
    writer thread spends holding the GIL the answering loop waits for)."""
    return _ENCODE(value).decode()


def sqlite_time(at: dt.datetime) -> str:
    """A UTC time as SQLAlchemy writes a ``DateTimeUTC`` on SQLite (``2026-12-07 04:05:43.439169``),
    so the models read the rows back unchanged (tests/unit/test_query_records.py compares them)."""
    return at.astimezone(dt.UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


class SqliteQueryLog(ThreadedQueryLog):
    """The writer thread on the SQLite file: a sqlite3 connection of its own, one transaction
    (``BEGIN IMMEDIATE``, waiting up to the busy timeout behind another writer such as an import)
    per group commit. The values are written as SQLAlchemy writes them on SQLite (JSON text, UTC
    timestamps), so the rows read back through the models as before; built with as little Python
    per row as can be (each row's work holds the GIL from the answering loop: 8-10 µs a row through
    SQLAlchemy's bind processors, measured)."""

    def __init__(
        self,
        path: str,
        busy_timeout: float,
        interval: float = 0.2,
        max_pending: int = MAX_PENDING,
        retry_after: int = 5,
    ) -> None:
        super().__init__("", interval=interval, max_pending=max_pending, retry_after=retry_after)
        self.path = path
        self.busy_timeout = busy_timeout

    async def write_batch(self, rows: list[dict[str, Any]]) -> None:
        if self._conn is None:
            self._conn = sqlite3.connect(
                self.path, timeout=self.busy_timeout, isolation_level=None, check_same_thread=False
            )
            self._conn.execute("PRAGMA synchronous=NORMAL")
        records = [
            (
                r["request_id"],
                r["client"],
                r["department"],
                json_text(r["subjects"]),
                r["jws_sha256"],
                sqlite_time(r["recorded_at"]),
            )
            for r in rows
        ]
        conn = self._conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            # a batch whose commit was written but not acknowledged is retried whole: the rows
            # already there are skipped (request_id is unique)
            conn.executemany(
                "INSERT INTO partner_queries (request_id, client, department, subjects, jws_sha256, recorded_at) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (request_id) DO NOTHING",
                records,
            )
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise

    async def _drop_connection(self) -> None:
        with contextlib.suppress(Exception):
            if self._conn is not None:
                self._conn.close()
        self._conn = None
