"""Telling a database outage from a bug: which errors mean "the database cannot be reached now".

An outage is answered 503 with ``Retry-After`` (the client should come back), a bug 500. What counts
as an outage: the server refused or dropped the connection, a connect or pool wait timed out, the
server is shutting down or starting up or out of connection slots, and on SQLite the file is
locked beyond the busy timeout or cannot be opened. A statement timeout, a constraint violation, a
bad parameter or a missing table are not outages: retrying the same request would fail the same way.
"""

from __future__ import annotations

import sqlite3

import asyncpg
from sqlalchemy import exc as sa

#: asyncpg's own classes that mean the connection or the server is gone (SQLSTATE class 08, 53300,
#: 57P01-57P03, 57P05); QueryCanceledError (57014, a statement timeout) is deliberately not here
_ASYNCPG_GONE: tuple[type[BaseException], ...] = (
    asyncpg.exceptions.PostgresConnectionError,
    asyncpg.exceptions.TooManyConnectionsError,
    asyncpg.exceptions.AdminShutdownError,
    asyncpg.exceptions.CrashShutdownError,
    asyncpg.exceptions.CannotConnectNowError,
    asyncpg.exceptions.IdleSessionTimeoutError,
)
#: client-side asyncpg errors that are about bad input or configuration, not a lost connection
_ASYNCPG_NOT_GONE: tuple[type[BaseException], ...] = (
    asyncpg.exceptions.DataError,
    asyncpg.exceptions.ClientConfigurationError,
    asyncpg.exceptions.UnsupportedClientFeatureError,
    asyncpg.exceptions.UnsupportedServerFeatureError,
)
#: sqlite3.OperationalError messages of a file that is busy or unreachable
_SQLITE_GONE = ("database is locked", "database table is locked", "unable to open database file", "disk i/o error")


def _one(error: BaseException, *, sockets: bool) -> bool:
    if isinstance(error, sa.DBAPIError) and error.connection_invalidated:
        return True
    if isinstance(error, sa.TimeoutError):  # QueuePool limit reached and pool_timeout passed
        return True
    # SQLAlchemy's wrapping, or the standard library's own (the query log's writer thread uses sqlite3)
    sqlite_error = error.orig if isinstance(error, sa.OperationalError) else error
    if isinstance(error, (sa.OperationalError, sqlite3.OperationalError)) and any(
        m in str(sqlite_error).lower() for m in _SQLITE_GONE
    ):
        return True
    if isinstance(error, _ASYNCPG_GONE):
        return True
    if isinstance(error, asyncpg.exceptions.InterfaceError) and not isinstance(error, _ASYNCPG_NOT_GONE):
        return True  # "connection is closed", and the like
    # a refused or reset connection, an unreachable host, a connect timeout (TimeoutError is an OSError)
    return sockets and isinstance(error, OSError)


def is_outage(error: BaseException, *, sockets: bool = True) -> bool:
    """Whether ``error``, or an error it was raised from, means the database is unreachable.

    ``sockets``: count a bare ``OSError`` (connection refused, reset, timed out), which is right
    for an error raised while a database session was open (``Database.read``/``write``) and wrong
    for one raised anywhere else (a key file that cannot be read is no database outage)."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if _one(current, sockets=sockets):
            return True
        # only what it was raised *from*: an unrelated error raised while handling an outage is a bug
        current = current.__cause__
    return False
