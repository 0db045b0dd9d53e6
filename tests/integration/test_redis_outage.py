"""Redis is an accelerator (DESIGN section 3): when it dies, sign-in and the public pages go on
with in-process counters, one warning says so, and when it is back the counters go to Redis again.

Each test starts a redis-server of its own on a free port and kills it; the shared Redis on 6379
is never touched. The database is the session's (SQLite or PostgreSQL), so both backends run.
"""

from __future__ import annotations

import asyncio
import dataclasses
import secrets
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from structlog.testing import capture_logs

from registry.app import create_app
from registry.lib.fallback_store import FallbackStore
from registry.lib.store import RedisStore
from registry.settings import PublicSettings, RedisSettings
from tests import factories as f
from tests.conftest import running
from tests.integration import support as t
from tests.integration.redis_server import RedisServer

TOKEN = "/api/v1/auth/token"
DOWN = "redis unreachable; counting in process"
UP = "redis reachable again"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[RedisServer]:
    s = RedisServer(tmp_path)
    s.start()
    try:
        yield s
    finally:
        s.kill()


def outage_settings(settings: Any, server: RedisServer, prefix: str, per_minute: int = 3) -> Any:
    return dataclasses.replace(
        settings,
        redis=RedisSettings(url=server.url, prefix=prefix, retry_seconds=0.3),
        public=PublicSettings(rate_limit_per_minute=per_minute),
    )


async def until(predicate: Any, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached in time"
        await asyncio.sleep(0.05)


def events(logs: list[dict[str, Any]], text: str) -> list[dict[str, Any]]:
    return [e for e in logs if e.get("event") == text]


async def test_sign_in_and_public_pages_work_through_a_redis_outage(settings, clock, services, server):
    cid, secret = await f.account(services, "partner", department="mem")
    form = {"grant_type": "client_credentials", "client_id": cid, "client_secret": secret}
    prefix = f"registry-test-outage-{secrets.token_hex(4)}:"
    app = create_app(outage_settings(settings, server, prefix), clock=clock)
    store = app.state.services.store
    async with running(app):
        async with t.client_at(app, t.address()) as c:
            assert (await c.post(TOKEN, data=form)).status_code == 200
            assert (await c.get("/")).status_code == 200
        with capture_logs() as logs:
            server.kill()
            started = time.monotonic()
            async with t.client_at(app, t.address()) as c:
                # sign-in goes on, and a token it gives opens the partner routes
                r = await c.post(TOKEN, data=form)
                assert r.status_code == 200, r.text
                bearer = {"Authorization": f"Bearer {r.json()['access_token']}"}
                assert (await c.get("/api/v1/partner/changes", headers=bearer)).status_code == 200
                # the public pages go on, still limited (3 a minute), now in this process
                for _ in range(3):
                    assert (await c.get("/")).status_code == 200
                r = await c.get("/")
                assert r.status_code == 429
                assert int(r.headers["retry-after"]) > 0
                t.assert_problem(await c.get("/api/v1/public/enterprises", params={"q": "测试"}), 429)
            # a dead Redis is not asked on every request: all of that took well under its timeouts
            assert time.monotonic() - started < 5
            assert len(events(logs, DOWN)) == 1, logs
            assert events(logs, UP) == []

            # Redis comes back on the same port: the counters go to Redis again
            server.start()
            await until(lambda: len(events(logs, UP)) == 1)
        host = t.address()
        async with t.client_at(app, host) as c:
            assert (await c.get("/")).status_code == 200
            assert (await c.post(TOKEN, data=form)).status_code == 200
        redis = server.client()
        try:
            assert int(redis.get(f"{prefix}rl:public:{host}") or 0) == 1
        finally:
            redis.close()
        assert len(events(logs, DOWN)) == 1
        assert isinstance(store, FallbackStore)


async def test_subscribers_are_told_of_the_outage_and_resubscribe_after_it(server):
    """The pub/sub contract through an outage: the subscription raises when Redis dies (the token
    cache then distrusts itself), the next one waits for Redis instead of spinning, and yields the
    "subscribed" marker only once Redis has confirmed it; later publishes reach it."""
    prefix = f"registry-test-sub-{secrets.token_hex(4)}:"
    store = FallbackStore(RedisStore(server.url, prefix), retry_seconds=0.3)
    seen: list[str] = []
    failures: list[BaseException] = []

    async def listen() -> None:
        while True:
            try:
                async for message in store.subscribe("auth"):
                    seen.append(message)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                failures.append(exc)

    task = asyncio.create_task(listen())
    try:
        await until(lambda: seen == [""])
        await store.publish("auth", "one")
        await until(lambda: seen == ["", "one"])
        server.kill()
        await until(lambda: len(failures) == 1)
        await asyncio.sleep(1)
        assert len(failures) == 1  # it waits for Redis, no retry loop
        await store.publish("auth", "lost")  # while down: not an error, goes nowhere
        server.start()
        await until(lambda: seen == ["", "one", ""])
        other = RedisStore(server.url, prefix)  # another worker
        try:
            await other.publish("auth", "two")
        finally:
            await other.close()
        await until(lambda: seen == ["", "one", "", "two"])
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        await store.close()


async def test_rate_limits_go_in_process_and_back(server):
    prefix = f"registry-test-rl-{secrets.token_hex(4)}:"
    store = FallbackStore(RedisStore(server.url, prefix), retry_seconds=0.3)
    try:
        assert (await store.hit("k", 2, 60)).count == 1
        server.kill()
        with capture_logs() as logs:
            counts = [(await store.hit("k", 2, 60)).count for _ in range(3)]
            assert counts == [1, 2, 3]  # a fresh window in this process
            assert (await store.peek("k", 2, 60)).count == 3
            assert not await store.ping()
        assert len(events(logs, DOWN)) == 1
        server.start()  # an empty Redis (no persistence): its count starts again
        await until(lambda: store.up)
        assert (await store.hit("k", 2, 60)).count == 1
        assert await store.ping()
    finally:
        await store.close()
