"""Engines and sessions: a writer and a reader, so reads can move to a replica without code changes.

On SQLite (the embedded default) both point at one file in WAL mode. The writer opens every
transaction with ``BEGIN IMMEDIATE``: two writers then queue on SQLite's lock (busy_timeout)
instead of failing with SQLITE_BUSY half-way through, which matters when ``registry import``
runs beside the server. Readers stay deferred and never block on the writer.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import NullPool

from registry.settings import DatabaseSettings


def _sqlite_engine(url: str, *, immediate: bool, echo: bool) -> AsyncEngine:
    engine = create_async_engine(url, echo=echo, connect_args={"timeout": 30})

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # take transaction control from the driver so the "begin" hook below decides how to begin
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


class Database:
    """Owns the engines for one app; disposed at shutdown."""

    def __init__(self, settings: DatabaseSettings, *, pooled: bool = True) -> None:
        self.settings = settings
        if settings.is_sqlite:
            self.writer = _sqlite_engine(settings.url, immediate=True, echo=settings.echo)
            self.reader = _sqlite_engine(settings.url, immediate=False, echo=settings.echo)
        else:
            kwargs: dict[str, Any] = (
                {"pool_size": settings.pool_size, "max_overflow": settings.pool_size, "pool_pre_ping": True}
                if pooled
                else {"poolclass": NullPool}
            )
            self.writer = create_async_engine(settings.url, echo=settings.echo, **kwargs)
            self.reader = self.writer
        self._write_sessions = async_sessionmaker(self.writer, expire_on_commit=False)
        self._read_sessions = async_sessionmaker(self.reader, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        return self.writer.dialect.name

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncSession]:
        """One transaction: committed if the block returns, rolled back if it raises."""
        async with self._write_sessions() as session, session.begin():
            yield session

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        async with self._read_sessions() as session:
            yield session

    async def dispose(self) -> None:
        await self.writer.dispose()
        if self.reader is not self.writer:
            await self.reader.dispose()
