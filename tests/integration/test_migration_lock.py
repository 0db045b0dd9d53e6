"""Two instances migrating one new PostgreSQL database at the same moment (containers started
together): the advisory lock of ``registry.db.migrate.upgrade`` makes the second wait and then
find nothing to do, where without it they blocked each other (or one failed on the other's tables)."""

from __future__ import annotations

import asyncio
import os

import asyncpg
import pytest
from sqlalchemy.ext.asyncio import create_async_engine

from registry.db.migrate import current_revision, head_revision, upgrade
from tests.conftest import PG_ADMIN, _pg_database

pytestmark = pytest.mark.postgres


async def test_concurrent_upgrades_of_a_new_database_both_succeed(worker: str) -> None:
    name = f"registry_migrate_race_{worker}_{os.getpid()}"
    url = await _pg_database(name)
    engines = [create_async_engine(url) for _ in range(3)]
    try:
        # without the lock they waited on each other's locks for good: bounded, that fails
        await asyncio.wait_for(asyncio.gather(*(upgrade(e) for e in engines)), timeout=60)
        assert await current_revision(engines[0]) == head_revision()
    finally:
        for e in engines:
            await e.dispose()
        conn = await asyncpg.connect(PG_ADMIN)
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()
