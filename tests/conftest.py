"""Test wiring: every integration test runs on SQLite and on PostgreSQL + Redis.

PostgreSQL and Redis are real (no mocks). Without them a test on that backend is skipped with
the reason; with ``CI`` set it fails instead, so CI can never go green by skipping.
Each xdist worker gets its own database, built by the migrations (never ``create_all``). Tests
commit for real and stay independent by using identifiers of their own (``uniq``).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
import redis.asyncio as aioredis
from litestar import Litestar
from sqlalchemy.ext.asyncio import create_async_engine

from registry.app import create_app
from registry.db.migrate import upgrade
from registry.lib.clock import FixedClock
from registry.settings import DatabaseSettings, KeySettings, ListingSettings, PublicSettings, RedisSettings, Settings

PG_ADMIN = os.environ.get("REGISTRY_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS = os.environ.get("REGISTRY_TEST_REDIS", "redis://127.0.0.1:6379/0")
IN_CI = bool(os.environ.get("CI"))


def unavailable(what: str, why: str) -> None:
    message = f"{what} unreachable ({why})"
    if IN_CI:
        pytest.fail(f"{message}: CI requires it", pytrace=False)
    pytest.skip(message)


async def _pg_database(name: str) -> str:
    try:
        conn = await asyncpg.connect(PG_ADMIN, timeout=5)
    except (TimeoutError, OSError, asyncpg.PostgresError) as exc:
        unavailable("PostgreSQL", repr(exc))
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    base = PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
    return f"{base}/{name}"


async def _redis_ok() -> None:
    client = aioredis.Redis.from_url(REDIS, socket_connect_timeout=3)
    try:
        await client.ping()
    except (aioredis.RedisError, OSError) as exc:
        unavailable("Redis", repr(exc))
    finally:
        await client.aclose()


BROWSER = Path(__file__).parent / "browser"


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """The browser tests drive Chromium through Playwright's sync API, whose event loop stays in
    the worker process and breaks every async test run after it there: they run in a pytest of
    their own (``make test`` runs both), collected only when asked for by path."""
    if collection_path != BROWSER:
        return None
    asked = [Path(str(a).split("::")[0]).resolve() for a in config.args]
    return not any(a == BROWSER or BROWSER in a.parents for a in asked)


@pytest.fixture(scope="session")
def worker() -> str:
    """The xdist worker's name (also without xdist, e.g. ``-p no:xdist``)."""
    return os.environ.get("PYTEST_XDIST_WORKER", "gw0").replace("gw", "w")


@pytest.fixture(scope="session")
def clock() -> FixedClock:
    return FixedClock(dt.datetime.now(dt.UTC))


@pytest.fixture(autouse=True)
def _reset_clock(clock: FixedClock) -> None:
    clock.at = dt.datetime.now(dt.UTC)


async def settings_for(backend: str, worker: str, tmp: Path) -> Settings:
    keys = KeySettings(directory=tmp / "keys", passphrase="test-passphrase", person_id_key="11" * 32)
    if backend == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp / 'registry.db'}"
        redis = RedisSettings()
    else:
        # the pid keeps concurrent test sessions (two developers, or CI beside a session) apart
        url = await _pg_database(f"registry_test_{worker}_{os.getpid()}")
        await _redis_ok()
        redis = RedisSettings(url=REDIS, prefix=f"registry-test-{worker}-{secrets.token_hex(4)}:")
    engine = create_async_engine(url)
    try:
        await upgrade(engine)
    finally:
        await engine.dispose()
    return Settings(
        database=DatabaseSettings(url=url, pool_size=5),
        redis=redis,
        keys=keys,
        # tests move the clock and sweep when they mean to; the background sweep has a test of its own
        listings=ListingSettings(sweep_interval_seconds=0),
        # every test shares one client address; the limit itself is tested on an app of its own
        public=PublicSettings(rate_limit_per_minute=1_000_000),
        log_level="WARNING",
    )


@pytest.fixture(scope="session", params=["sqlite", "postgres"])
async def settings(request: pytest.FixtureRequest, worker: str, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return await settings_for(request.param, worker, tmp_path_factory.mktemp(request.param))


@pytest.fixture(scope="session")
async def app(settings: Settings, clock: FixedClock) -> AsyncIterator[Litestar]:
    application = create_app(settings, clock=clock)
    async with running(application):
        yield application


@asynccontextmanager
async def running(application: Litestar) -> AsyncIterator[None]:
    """Start-up and shut-down in the test loop, inside one task of their own.

    Litestar's AsyncTestClient runs the lifespan in a portal thread with its own loop, which
    asyncpg connections cannot cross; and anyio wants a lifespan entered and left by one task.
    """
    started, stop = asyncio.Event(), asyncio.Event()

    async def hold() -> None:
        async with application.lifespan():
            started.set()
            await stop.wait()

    task = asyncio.create_task(hold())
    waiter = asyncio.create_task(started.wait())
    await asyncio.wait({task, waiter}, return_when=asyncio.FIRST_COMPLETED)
    if task.done():
        waiter.cancel()
        task.result()  # start-up failed: raise its error here
    try:
        yield
    finally:
        stop.set()
        await task


@pytest.fixture(scope="session")
async def client(app: Litestar) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, client=("198.51.100.7", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


@pytest.fixture(scope="session")
def services(app: Litestar) -> Any:
    return app.state.services
