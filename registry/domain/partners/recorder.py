"""Recording the answers given (partner_queries) without slowing the answers.

``QueryLog`` (embedded SQLite): rows kept in memory and written by a group-commit INSERT on the
app's loop. ``ThreadedQueryLog`` (PostgreSQL): the answering loop only appends to a queue; a writer
thread with its own event loop and connection COPYs what has queued every ``interval`` seconds.
Measured: recording on the answering loop cost 30% of the answers/s and made the p99 (bench/RESULTS).

Either way ``flush()`` returns once every row added before it is written (feedback cites answers
just given), and a failed write keeps the rows, in order, for the next attempt.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import json
import queue
import threading
from typing import Any

import asyncpg
import structlog
from sqlalchemy import insert

from registry.db.engine import Database
from registry.db.models import PartnerQuery

log = structlog.get_logger(__name__)
COLUMNS = ("request_id", "client", "department", "subjects", "jws_sha256", "recorded_at")


class QueryLog:
    def __init__(self, db: Database, batch: int = 500) -> None:
        self.db = db
        self.batch = batch
        self._rows: list[dict[str, Any]] = []
        self._lock = asyncio.Lock()

    async def add(self, row: dict[str, Any]) -> None:
        self._rows.append(row)
        if len(self._rows) >= self.batch:
            await self.flush()

    async def write_batch(self, rows: list[dict[str, Any]]) -> None:
        async with self.db.write() as session:
            await session.execute(insert(PartnerQuery), rows)

    async def flush(self) -> int:
        async with self._lock:
            rows, self._rows = self._rows, []
            if rows:
                try:
                    await self.write_batch(rows)
                except Exception:
                    self._rows[:0] = rows  # kept, in order, for the next flush: answers given stay on record
                    raise
            return len(rows)

    async def close(self) -> None:
        await self.flush()


class _Flush:
    def __init__(self) -> None:
        self.done: concurrent.futures.Future[int] = concurrent.futures.Future()


_STOP = object()


class ThreadedQueryLog:
    def __init__(self, dsn: str, interval: float = 0.2) -> None:
        self.dsn = dsn.replace("postgresql+asyncpg://", "postgresql://", 1)
        self.interval = interval
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()
        #: the writer thread's own connection (made and used only in that thread)
        self._conn: Any = None

    def _start(self) -> None:
        if self._thread is None:
            with self._start_lock:
                if self._thread is None:
                    self._thread = threading.Thread(target=self._run, name="registry-query-log", daemon=True)
                    self._thread.start()

    async def add(self, row: dict[str, Any]) -> None:
        self._start()
        self._queue.put(row)

    async def flush(self) -> int:
        self._start()
        if self._thread is not None and not self._thread.is_alive():
            raise RuntimeError("the query log writer thread has stopped")
        request = _Flush()
        self._queue.put(request)
        return await asyncio.wrap_future(request.done)

    async def close(self) -> None:
        if self._thread is None:
            return
        if self._thread.is_alive():
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.flush(), timeout=10)
        self._queue.put(_STOP)
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
            self._conn = await asyncpg.connect(self.dsn)
        records = [tuple(json.dumps(r[c]) if c == "subjects" else r[c] for c in COLUMNS) for r in rows]
        await self._conn.copy_records_to_table("partner_queries", records=records, columns=COLUMNS)

    def _take(self, pending: list[dict[str, Any]]) -> tuple[list[_Flush], bool]:
        """Move what has queued (waiting up to ``interval`` for the first) into ``pending``; the
        flush requests and whether to stop."""
        waiting: list[_Flush] = []
        stop = False
        try:
            item = self._queue.get(timeout=self.interval)
            while True:
                if item is _STOP:
                    stop = True
                elif isinstance(item, _Flush):
                    waiting.append(item)
                else:
                    pending.append(item)
                item = self._queue.get_nowait()
        except queue.Empty:
            pass
        return waiting, stop

    async def _main(self) -> None:
        pending: list[dict[str, Any]] = []
        while True:
            waiting, stop = self._take(pending)
            written, error = 0, None
            if pending:
                try:
                    await self.write_batch(pending)
                    written, pending = len(pending), []
                except Exception as exc:  # kept for the next round; flushes waiting are told
                    error = exc
                    log.warning("query log write failed; kept for the next attempt", rows=len(pending), error=str(exc))
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
                await self._drop_connection()
                return

    async def _drop_connection(self) -> None:
        with contextlib.suppress(Exception):
            if self._conn is not None:
                await self._conn.close()
        self._conn = None
