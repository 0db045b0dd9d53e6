"""One contract, three stores: in process, Redis, and Redis with the in-process fallback behave alike."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator

import pytest

from registry.lib.fallback_store import FallbackStore
from registry.lib.store import InProcessStore, RedisStore, Store
from tests.conftest import REDIS, _redis_ok


@pytest.fixture(params=["memory", "redis", "fallback"])
async def store(request: pytest.FixtureRequest) -> AsyncIterator[Store]:
    if request.param == "memory":
        s: Store = InProcessStore()
    else:
        await _redis_ok()
        s = RedisStore(REDIS, prefix=f"registry-test-{secrets.token_hex(4)}:")
        if request.param == "fallback":  # what the service runs with Redis configured
            s = FallbackStore(s)
    yield s
    await s.close()


async def test_fixed_window_counts_and_limits(store: Store) -> None:
    key = f"k-{secrets.token_hex(4)}"
    hits = [await store.hit(key, limit=3, window_seconds=60) for _ in range(5)]
    assert [h.count for h in hits] == [1, 2, 3, 4, 5]
    assert [h.allowed for h in hits] == [True, True, True, False, False]
    assert 1 <= hits[-1].reset_in <= 60
    seen = await store.peek(key, limit=3, window_seconds=60)
    assert seen.count == 5
    assert (await store.peek(f"other-{key}", 3, 60)).count == 0


async def test_window_expires(store: Store) -> None:
    key = f"exp-{secrets.token_hex(4)}"
    await store.hit(key, limit=1, window_seconds=1)
    await asyncio.sleep(2.1)
    assert (await store.hit(key, limit=1, window_seconds=1)).count == 1


async def test_publish_reaches_live_subscribers_only_after_subscribed(store: Store) -> None:
    channel = f"c-{secrets.token_hex(4)}"
    received: list[str] = []
    ready = asyncio.Event()

    async def listen() -> None:
        async for message in store.subscribe(channel):
            if message == "":
                ready.set()
                continue
            received.append(message)
            if len(received) == 2:
                return

    task = asyncio.create_task(listen())
    await asyncio.wait_for(ready.wait(), 5)
    await store.publish(channel, "one")
    await store.publish(channel, "two")
    await asyncio.wait_for(task, 5)
    assert received == ["one", "two"]


async def test_ping(store: Store) -> None:
    assert await store.ping() is True


async def test_unreachable_redis_pings_false() -> None:
    dead = RedisStore("redis://127.0.0.1:1/0")
    assert await dead.ping() is False
    await dead.close()
