"""The console's session store: in process, in Redis, and in process while Redis does not answer."""

from __future__ import annotations

import secrets
import socket
from collections.abc import AsyncIterator

import pytest
import redis.asyncio as aioredis

from registry.api.console.sessions import SessionStore, _key
from registry.settings import ConsoleSettings, RedisSettings
from tests.conftest import REDIS, _redis_ok

IDLE, ABSOLUTE = 600, 3600


def _closed_port() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"redis://127.0.0.1:{s.getsockname()[1]}/0"


@pytest.fixture(params=["memory", "redis", "redis-down"])
async def store(request: pytest.FixtureRequest) -> AsyncIterator[SessionStore]:
    settings = ConsoleSettings(session_idle_seconds=IDLE, session_absolute_seconds=ABSOLUTE)
    if request.param == "memory":
        redis = RedisSettings()
    elif request.param == "redis":
        await _redis_ok()
        redis = RedisSettings(url=REDIS, prefix=f"registry-test-{secrets.token_hex(4)}:")
    else:
        redis = RedisSettings(url=_closed_port())
    s = SessionStore(settings, redis)
    yield s
    await s.close()


async def test_a_session_lives_while_used_and_ends_idle_or_too_old(store: SessionStore) -> None:
    sid, made = await store.create(7, 1000.0, "stamp")
    assert len(sid) >= 43
    assert made.csrf != sid
    loaded = await store.load(sid, 1000.0 + IDLE - 1)
    assert loaded is not None
    assert loaded.account_id == 7
    assert loaded.csrf == made.csrf
    assert await store.load(sid, 1000.0 + 2 * IDLE) is None  # idle
    assert await store.load(sid, 1000.0 + IDLE - 1) is None  # and gone for good
    sid, _ = await store.create(7, 0.0, "stamp")
    at = 0.0
    while at + IDLE - 1 < ABSOLUTE:
        at += IDLE - 1
        assert await store.load(sid, at) is not None
    assert await store.load(sid, ABSOLUTE + 1.0) is None  # however busy


async def test_deleted_and_unknown_ids_open_nothing(store: SessionStore) -> None:
    sid, _ = await store.create(8, 0.0, "stamp")
    await store.delete(sid)
    assert await store.load(sid, 1.0) is None
    assert await store.load("x" * 43, 1.0) is None
    assert await store.load("", 1.0) is None
    assert await store.load("x" * 500, 1.0) is None


async def test_redis_holds_only_a_digest_of_the_id() -> None:
    await _redis_ok()
    prefix = f"registry-test-{secrets.token_hex(4)}:"
    store = SessionStore(ConsoleSettings(), RedisSettings(url=REDIS, prefix=prefix))
    client = aioredis.Redis.from_url(REDIS)
    try:
        sid, _ = await store.create(9, 0.0, "stamp")
        keys = [k.decode() for k in await client.keys(f"{prefix}*")]
        assert keys == [f"{prefix}console-session:{_key(sid)}"]
        assert sid not in keys[0]
        assert 0 < await client.ttl(keys[0]) <= ConsoleSettings().session_absolute_seconds + 1
    finally:
        await client.aclose()
        await store.close()


async def test_sessions_opened_while_redis_was_away_and_sign_outs_during_it_hold() -> None:
    await _redis_ok()
    store = SessionStore(ConsoleSettings(), RedisSettings(url=REDIS, prefix=f"registry-test-{secrets.token_hex(4)}:"))
    try:
        before, _ = await store.create(1, 0.0, "stamp")  # in Redis
        store._down(ConnectionError("test: Redis away"))
        during, _ = await store.create(2, 0.0, "stamp")  # in process
        await store.delete(before)  # sign-out while Redis is away
        store._down_until = 0.0  # Redis is back
        assert await store.load(during, 1.0) is not None  # the session of the outage lives on
        assert await store.load(before, 1.0) is None  # and the sign-out holds in this worker
    finally:
        await store.close()
