"""Revocations reach every worker of every process within a second or two (DESIGN 3 and 5).

A verified token is cached in each worker until its ``exp``; a secret reset or a disable has to
reach those caches, also when it is written by another process (``registry accounts
reset-secret`` runs beside the service). The writing transaction takes the next revocation
number under the audit chain's lock, so numbers follow commit order, and stores it on the
account's row; on PostgreSQL it also sends ``NOTIFY registry_auth``, delivered only at commit.

Each worker LISTENs on a connection of its own and drops the named account's cached tokens.
While that channel is up the cache is trusted without a query. While it is down, and always on
SQLite, the worker reads the accounts revoked since the last number it saw (one indexed query)
at least every ``revocation_check_seconds``, and trusts its cache only that long after a read.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import time
from collections.abc import Callable
from typing import Any

import asyncpg
import structlog
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from registry.db.engine import Database
from registry.db.models import Account
from registry.domain import audit
from registry.errors import DatabaseUnavailable

log = structlog.get_logger(__name__)

#: the PostgreSQL NOTIFY channel of revocations; payload ``<revocation_seq>|<account id>``
CHANNEL = "registry_auth"


async def record(session: AsyncSession, account: Account) -> int:
    """Give ``account`` the next revocation number, in the revoking transaction; returns it."""
    await audit.lock_chain(session)  # held to commit: the next writer reads the max after this one commits
    seq = int(await session.scalar(select(func.max(Account.revocation_seq))) or 0) + 1
    account.revocation_seq = seq
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(
            text("SELECT pg_notify(:channel, :payload)"), {"channel": CHANNEL, "payload": f"{seq}|{account.id}"}
        )
    return seq


class RevocationWatch:
    """What one worker knows of revocations, and until when its token cache may be trusted.

    ``trusted_until`` (a ``time.monotonic()`` value) is all the token check reads: infinite while
    listening, else a check period after the start of the last read of the table.
    ``generation`` moves with every revocation heard, so a verification that read the account
    before a revocation it raced is not cached (its entry would outlive the drop)."""

    def __init__(self, db: Database, on_revoked: Callable[[int], None], check_seconds: float) -> None:
        self.db = db
        self.on_revoked = on_revoked
        self.check_seconds = check_seconds
        self.last_seq = 0
        self.primed = False
        self.listening = False
        self.trusted_until = 0.0
        self.generation = 0
        self._checked_at = -math.inf
        self._lock = asyncio.Lock()
        self._conn: Any = None
        self._tasks: list[asyncio.Task[None]] = []
        self._stopping = False
        self._failing = False
        self._unreachable: DatabaseUnavailable | None = None
        self._failed_at = -math.inf

    # ---- the table -----------------------------------------------------------------------------

    async def refresh(self, *, retry: bool = False) -> None:
        """Read the revocations since the last one seen (once for every caller waiting meanwhile).

        With the database unreachable, callers get the last ``DatabaseUnavailable`` at once for a
        check period instead of each waiting out a connect timeout; the poller (``retry``) tries."""
        wanted = time.monotonic()
        async with self._lock:
            if self._checked_at >= wanted:  # another caller read the table after we asked
                return
            if not retry and self._unreachable is not None and wanted - self._failed_at < self.check_seconds:
                raise self._unreachable
            started = time.monotonic()
            try:
                async with self.db.read() as session:
                    if not self.primed:
                        # nothing is cached before the first look: earlier revocations are not replayed
                        self.last_seq = int(await session.scalar(select(func.max(Account.revocation_seq))) or 0)
                        self.primed = True
                    else:
                        await self._catch_up(session)
            except DatabaseUnavailable as exc:
                self._unreachable, self._failed_at = exc, time.monotonic()
                raise
            self._unreachable = None
            self._checked_at = started
            if not self.listening:
                self.trusted_until = started + self.check_seconds

    async def _catch_up(self, session: AsyncSession) -> None:
        rows = (
            await session.execute(
                select(Account.id, Account.revocation_seq)
                .where(Account.revocation_seq > self.last_seq)
                .order_by(Account.revocation_seq)
            )
        ).all()
        for account_id, seq in rows:
            self.heard(int(account_id), int(seq))

    def heard(self, account_id: int, seq: int = 0) -> None:
        self.generation += 1
        self.on_revoked(account_id)
        self.last_seq = max(self.last_seq, seq)

    # ---- running -------------------------------------------------------------------------------

    async def start(self) -> None:
        with contextlib.suppress(Exception):  # the poller retries; nothing is cached until primed
            await self.refresh()
        self._tasks.append(asyncio.create_task(self._poll()))
        if self.db.dialect == "postgresql":
            self._tasks.append(asyncio.create_task(self._keep_listening()))

    async def stop(self) -> None:
        self._stopping = True
        self.listening = False
        self.trusted_until = 0.0
        for task in self._tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._conn is not None:
            with contextlib.suppress(Exception):
                await self._conn.close()

    async def _poll(self) -> None:
        """Keep the cache trusted by reading the table twice a check period while not listening."""
        while not self._stopping:
            if not self.listening:
                try:
                    await self.refresh(retry=True)
                    if self._failing:
                        log.info("revocations readable again")
                    self._failing = False
                except Exception as exc:  # the token check then reads the account itself
                    if not self._failing:
                        log.warning("revocations unreadable; token cache distrusted", error=str(exc))
                    self._failing = True
            await asyncio.sleep(self.check_seconds / 2)

    async def _keep_listening(self) -> None:
        dsn = self.db.settings.url.replace("postgresql+asyncpg://", "postgresql://", 1)
        while not self._stopping:
            lost = asyncio.Event()
            try:
                self._conn = await asyncpg.connect(dsn)
                self._conn.add_termination_listener(lambda _c, lost=lost: lost.set())
                await self._conn.add_listener(CHANNEL, self._notified)
                await self.refresh(retry=True)  # what committed before the channel was up
                self.listening = True
                self.trusted_until = math.inf
                log.info("listening for revocations", last_seq=self.last_seq)
                await self._watch_connection(lost)
            except Exception as exc:  # refused, dropped, silent: retried; the table stands in meanwhile
                log.warning("revocation listener unavailable; tokens checked against the table", error=str(exc))
            finally:
                self.listening = False
                self.trusted_until = min(self.trusted_until, time.monotonic())
                if self._conn is not None:
                    with contextlib.suppress(Exception):
                        self._conn.terminate()
                    self._conn = None
            await asyncio.sleep(1)

    async def _watch_connection(self, lost: asyncio.Event) -> None:
        """Return when the listening connection is gone: closed, or silent (a half-open socket
        would otherwise keep the cache trusted while no notification can arrive)."""
        while not lost.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(lost.wait(), timeout=self.check_seconds)
                return
            await asyncio.wait_for(self._conn.fetchval("SELECT 1"), timeout=self.check_seconds)

    def _notified(self, _conn: Any, _pid: int, _channel: str, payload: str) -> None:
        seq, account_id = payload.split("|", 1)
        self.heard(int(account_id), int(seq))
