"""Engines and sessions: a writer and a reader, so reads can move to a replica without code changes.

On SQLite (the embedded default) both point at one file in WAL mode. The writer opens every
transaction with ``BEGIN IMMEDIATE``: two writers then queue on SQLite's lock (busy_timeout)
instead of failing with SQLITE_BUSY half-way through, which matters when ``registry import``
runs beside the server. Readers stay deferred and never block on the writer.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import NullPool

from registry.db.outage import is_outage
from registry.db.replica import Replica, requested_min_seq, route
from registry.errors import DatabaseUnavailable
from registry.settings import DatabaseSettings


def _sqlite_engine(url: str, *, immediate: bool, echo: bool, busy_timeout: float) -> AsyncEngine:
    engine = create_async_engine(url, echo=echo, connect_args={"timeout": busy_timeout})

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # take transaction control from the driver so the "begin" hook below decides how to begin
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout * 1000)}")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


class Database:
    """Owns the engines for one app; disposed at shutdown."""

    def __init__(self, settings: DatabaseSettings, *, pooled: bool = True) -> None:
        self.settings = settings
        #: a streaming replica for the routed reads (``REGISTRY_DATABASE_READ_URL``, PostgreSQL only)
        self.replica: Replica | None = None
        if settings.is_sqlite and settings.read_url:
            raise ValueError("REGISTRY_DATABASE_READ_URL names a PostgreSQL replica: it needs a PostgreSQL primary")
        if settings.is_sqlite:
            busy = settings.busy_timeout_seconds
            self.writer = _sqlite_engine(settings.url, immediate=True, echo=settings.echo, busy_timeout=busy)
            self.reader = _sqlite_engine(settings.url, immediate=False, echo=settings.echo, busy_timeout=busy)
        else:
            kwargs: dict[str, Any] = (
                {
                    "pool_size": settings.pool_size,
                    "max_overflow": settings.pool_size,
                    "pool_pre_ping": True,
                    "pool_timeout": settings.pool_timeout_seconds,
                }
                if pooled
                else {"poolclass": NullPool}
            )
            connect = {"timeout": settings.connect_timeout_seconds}
            self.writer = create_async_engine(settings.url, echo=settings.echo, connect_args=connect, **kwargs)
            self.reader = self.writer
            if settings.read_url:
                replica = create_async_engine(settings.read_url, echo=settings.echo, connect_args=connect, **kwargs)
                self.replica = Replica(replica)
                self._replica_sessions = async_sessionmaker(replica, expire_on_commit=False)
        self._write_sessions = async_sessionmaker(self.writer, expire_on_commit=False)
        self._read_sessions = async_sessionmaker(self.reader, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        return self.writer.dialect.name

    def unavailable(self, error: BaseException) -> DatabaseUnavailable:
        return DatabaseUnavailable(
            f"数据库暂时无法连接，请 {self.settings.retry_after_seconds} 秒后重试 / the database cannot be "
            f"reached; retry in {self.settings.retry_after_seconds} s ({type(error).__name__})",
            self.settings.retry_after_seconds,
        )

    @contextmanager
    def _outages(self) -> Iterator[None]:
        """A lost or unreachable database is a 503 (DatabaseUnavailable); any other error stays itself."""
        try:
            yield
        except DatabaseUnavailable:
            raise
        except Exception as exc:
            if is_outage(exc):
                raise self.unavailable(exc) from exc
            raise

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncSession]:
        """One transaction: committed if the block returns, rolled back if it raises."""
        with self._outages():
            async with self._write_sessions() as session, session.begin():
                yield session

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        with self._outages():
            async with self._read_sessions() as session:
                yield session

    @asynccontextmanager
    async def routed(self) -> AsyncIterator[AsyncSession]:
        """A read the replica may serve (public search and pages, partner answers): there when it
        has replayed the ``X-Registry-Min-Seq`` of the request, else on the primary
        (``registry.db.replica``). ``session.info["replica_seq"]`` holds the seq the replica had
        replayed when it serves the read."""
        min_seq = requested_min_seq()
        if self.replica is None:
            async with self.read() as session:
                yield session
            return
        replica_seq = await self.replica.replayed()
        source = route(min_seq, replica_seq)
        self.replica.served[source] += 1
        if source == "primary":
            async with self.read() as session:
                yield session
            return
        with self._outages():
            async with self._replica_sessions() as session:
                session.info["replica_seq"] = replica_seq
                yield session

    async def dispose(self) -> None:
        await self.writer.dispose()
        if self.replica is not None:
            await self.replica.engine.dispose()
        if self.reader is not self.writer:
            await self.reader.dispose()
