"""Which errors are a database outage (503, come back later) and which a bug (500): real driver
exception objects, wrapped as SQLAlchemy wraps them."""

from __future__ import annotations

import sqlite3

import asyncpg
import pytest
from sqlalchemy import exc as sa

from registry.db.outage import is_outage


def wrapped(error: Exception, *, invalidated: bool = False) -> sa.DBAPIError:
    """As SQLAlchemy raises a driver error: its class chosen from the driver error's, the driver error the cause."""
    outer = sa.DBAPIError.instance("SELECT 1", {}, error, type(error), connection_invalidated=invalidated)
    outer.__cause__ = error
    return outer


@pytest.mark.parametrize(
    "error",
    [
        ConnectionRefusedError(111, "Connect call failed"),
        TimeoutError(),
        asyncpg.exceptions.ConnectionDoesNotExistError("connection was closed in the middle of operation"),
        asyncpg.exceptions.CannotConnectNowError("the database system is starting up"),
        asyncpg.exceptions.AdminShutdownError("terminating connection due to administrator command"),
        asyncpg.exceptions.TooManyConnectionsError("sorry, too many clients already"),
        asyncpg.exceptions.InterfaceError("connection is closed"),
        sa.OperationalError("BEGIN IMMEDIATE", {}, sqlite3.OperationalError("database is locked")),
        sa.OperationalError("SELECT 1", {}, sqlite3.OperationalError("unable to open database file")),
        sa.TimeoutError("QueuePool limit of size 5 overflow 5 reached"),
        wrapped(asyncpg.exceptions.InterfaceError("connection is closed"), invalidated=True),
    ],
    ids=repr,
)
def test_outages(error: Exception) -> None:
    assert is_outage(error)


@pytest.mark.parametrize(
    "error",
    [
        asyncpg.exceptions.QueryCanceledError("canceling statement due to statement timeout"),
        asyncpg.exceptions.UniqueViolationError("duplicate key value"),
        asyncpg.exceptions.DataError("invalid input for query argument $1"),
        sa.OperationalError("SELECT 1", {}, sqlite3.OperationalError("no such table: enterprises")),
        sa.IntegrityError("INSERT", {}, sqlite3.IntegrityError("UNIQUE constraint failed")),
        ValueError("not a database error"),
    ],
    ids=repr,
)
def test_not_outages(error: Exception) -> None:
    assert not is_outage(error)


def test_a_bare_socket_error_counts_only_inside_a_database_session() -> None:
    assert is_outage(FileNotFoundError("keys/active"))
    assert not is_outage(FileNotFoundError("keys/active"), sockets=False)
    # but a driver error behind it still does
    refused = ConnectionRefusedError(111, "Connect call failed")
    assert not is_outage(refused, sockets=False)
    closed = wrapped(asyncpg.exceptions.InterfaceError("connection is closed"), invalidated=True)
    assert is_outage(closed, sockets=False)


def test_only_what_an_error_was_raised_from_counts() -> None:
    bug = ValueError("a bug while handling a refused connection")
    bug.__context__ = ConnectionRefusedError(111, "Connect call failed")  # raised in the except block
    assert not is_outage(bug)
    wrapper = RuntimeError("wrapped")
    wrapper.__cause__ = asyncpg.exceptions.ConnectionDoesNotExistError("closed")  # raise ... from gone
    assert is_outage(wrapper)
