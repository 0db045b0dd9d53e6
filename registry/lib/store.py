"""Shared state between workers: rate-limit counters and change notifications.

Redis when configured, else in-process. Nothing here is the only copy of anything: losing it
costs speed or a rate-limit window, never data.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Protocol

import redis.asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff


@dataclass(frozen=True, slots=True)
class Hit:
    count: int
    limit: int
    #: seconds until the window resets
    reset_in: int

    @property
    def allowed(self) -> bool:
        return self.count <= self.limit


class Store(Protocol):
    name: str

    async def hit(self, key: str, limit: int, window_seconds: int) -> Hit: ...
    async def peek(self, key: str, limit: int, window_seconds: int) -> Hit: ...
    async def publish(self, channel: str, message: str) -> None: ...
    def subscribe(self, channel: str) -> AsyncIterator[str]:
        """Messages on ``channel``; the first item is ``""`` once the subscription is live."""
        ...

    async def ping(self) -> bool: ...
    async def close(self) -> None: ...


class InProcessStore:
    """Fixed-window counters and fan-out queues in this process (the embedded default)."""

    name = "memory"

    def __init__(self) -> None:
        self._windows: dict[str, tuple[int, float]] = {}
        self._subscribers: dict[str, set[asyncio.Queue[str]]] = {}

    def _current(self, key: str, window_seconds: int) -> tuple[int, float]:
        now = time.monotonic()
        count, started = self._windows.get(key, (0, now))
        if now - started >= window_seconds:
            count, started = 0, now
        return count, started

    async def hit(self, key: str, limit: int, window_seconds: int) -> Hit:
        count, started = self._current(key, window_seconds)
        self._windows[key] = (count + 1, started)
        if len(self._windows) > 100_000:  # bound memory under address-spraying
            self._evict()
        reset = max(1, int(window_seconds - (time.monotonic() - started)))
        return Hit(count + 1, limit, reset)

    async def peek(self, key: str, limit: int, window_seconds: int) -> Hit:
        count, started = self._current(key, window_seconds)
        return Hit(count, limit, max(1, int(window_seconds - (time.monotonic() - started))))

    def _evict(self) -> None:
        for key in list(self._windows)[: len(self._windows) // 2]:
            del self._windows[key]

    async def publish(self, channel: str, message: str) -> None:
        for queue in self._subscribers.get(channel, set()):
            queue.put_nowait(message)

    async def subscribe(self, channel: str) -> AsyncIterator[str]:
        queue: asyncio.Queue[str] = asyncio.Queue()
        self._subscribers.setdefault(channel, set()).add(queue)
        try:
            yield ""  # subscribed: every later publish reaches this subscriber
            while True:
                yield await queue.get()
        finally:
            self._subscribers[channel].discard(queue)

    async def ping(self) -> bool:
        return True

    async def close(self) -> None:
        self._subscribers.clear()


# INCR and EXPIRE in one step, so a crash between them cannot leave a counter that never expires.
_HIT = """
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return {n, redis.call('TTL', KEYS[1])}
"""


class RedisStore:
    """Counters and channels in Redis, shared by every worker and instance.

    Short timeouts and one immediate retry (a pooled connection Redis closed on restart) instead of
    redis-py's default of ten retries with back-off, which held a request for seconds when Redis was
    gone. The subscriptions use a client of their own that never reconnects silently: redis-py
    would resubscribe after a drop and the messages sent in between would be lost unnoticed, where a
    subscriber must hear of the drop (it stops trusting its cache until resubscribed).
    """

    name = "redis"

    def __init__(self, url: str, prefix: str = "registry:", timeout: float = 1.0) -> None:
        self._redis = aioredis.Redis.from_url(
            url, socket_timeout=timeout, socket_connect_timeout=timeout, retry=Retry(NoBackoff(), 1)
        )
        self._channels = aioredis.Redis.from_url(
            url, socket_timeout=timeout, socket_connect_timeout=timeout, retry=Retry(NoBackoff(), 0)
        )
        self._prefix = prefix
        self._hit = self._redis.register_script(_HIT)

    async def hit(self, key: str, limit: int, window_seconds: int) -> Hit:
        count, ttl = await self._hit(keys=[self._prefix + "rl:" + key], args=[window_seconds])
        return Hit(int(count), limit, max(1, int(ttl)))

    async def peek(self, key: str, limit: int, window_seconds: int) -> Hit:
        full = self._prefix + "rl:" + key
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.get(full)
            pipe.ttl(full)
            count, ttl = await pipe.execute()
        return Hit(int(count or 0), limit, max(1, int(ttl if ttl and ttl > 0 else window_seconds)))

    async def publish(self, channel: str, message: str) -> None:
        await self._redis.publish(self._prefix + channel, message)

    async def subscribe(self, channel: str) -> AsyncIterator[str]:
        pubsub = self._channels.pubsub()
        await pubsub.subscribe(self._prefix + channel)
        confirmed = False
        try:
            async for item in pubsub.listen():
                if item.get("type") == "subscribe":
                    if confirmed:  # resubscribed behind our back: what was sent in between is lost
                        raise aioredis.ConnectionError("subscription was interrupted")
                    confirmed = True
                    yield ""  # confirmed by the server: every later publish reaches this subscriber
                elif item.get("type") == "message":
                    data = item["data"]
                    yield data.decode() if isinstance(data, bytes) else str(data)
        finally:
            await pubsub.aclose()

    async def ping(self) -> bool:
        try:
            return bool(await self._redis.ping())
        except (aioredis.RedisError, OSError):
            return False

    async def close(self) -> None:
        await self._redis.aclose()
        await self._channels.aclose()
