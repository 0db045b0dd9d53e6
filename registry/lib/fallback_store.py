"""Redis as an accelerator: a store that carries on in process while Redis is away.

DESIGN section 3: Redis holds nothing that is the only copy. When it stops answering (refused,
timed out, restarting), rate limits count in this process instead (each worker then enforces the
limit on its own, so the effective limit of a deployment is at most workers x limit) and the
service goes on answering; a 500 on sign-in and every public page for want of a counter was worse.

While Redis is marked down, no request waits on it: calls go straight to the in-process store and
one background task pings Redis every ``retry_seconds``; the first answer marks it up again. Both
changes are logged once, as warnings, so an operator filtering on warnings sees the outage begin
and end.

Subscriptions keep the store's contract (a subscriber trusts what it caches only after the
``""`` marker and until its iteration raises): an outage ends every Redis subscription with an
error, so subscribers distrust their caches; a subscription started while Redis is down waits for
Redis to be back instead of failing at once (no retry loop, no warning a second), and yields the
marker only when Redis has confirmed it. Publishing while Redis is down goes nowhere: no other
worker could hear it, and every other worker's subscription has failed too.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TypeVar

import redis.asyncio as aioredis
import structlog

from registry.lib.store import Hit, InProcessStore, RedisStore, Store

T = TypeVar("T")
#: what "Redis did not answer" looks like: redis-py's errors (connection, timeout, loading, read-only
#: replica after a fail-over) and the socket's own
UNAVAILABLE = (aioredis.RedisError, OSError, TimeoutError)


class FallbackStore:
    """Redis while it answers, this process's counters while it does not."""

    name = "redis"

    def __init__(self, primary: RedisStore, retry_seconds: float = 3.0) -> None:
        self._primary = primary
        self._backup = InProcessStore()
        self._retry = retry_seconds
        self._up = asyncio.Event()
        self._up.set()
        self._probe: asyncio.Task[None] | None = None
        self._log = structlog.get_logger(__name__)

    @property
    def up(self) -> bool:
        return self._up.is_set()

    async def _call(self, op: Callable[[Store], Awaitable[T]]) -> T:
        if self._up.is_set():
            try:
                return await op(self._primary)
            except UNAVAILABLE as exc:
                self._mark_down(exc)
        return await op(self._backup)

    def _mark_down(self, exc: BaseException) -> None:
        if not self._up.is_set():
            return
        self._up.clear()
        self._log.warning(
            "redis unreachable; counting in process",
            error=f"{type(exc).__name__}: {exc}",
            retry_seconds=self._retry,
        )
        if self._probe is None or self._probe.done():
            self._probe = asyncio.get_running_loop().create_task(self._wait_for_redis())

    async def _wait_for_redis(self) -> None:
        while True:
            await asyncio.sleep(self._retry)
            if await self._primary.ping():
                self._up.set()
                self._log.warning("redis reachable again", store="redis")
                return

    async def hit(self, key: str, limit: int, window_seconds: int) -> Hit:
        return await self._call(lambda s: s.hit(key, limit, window_seconds))

    async def peek(self, key: str, limit: int, window_seconds: int) -> Hit:
        return await self._call(lambda s: s.peek(key, limit, window_seconds))

    async def publish(self, channel: str, message: str) -> None:
        if not self._up.is_set():
            return
        try:
            await self._primary.publish(channel, message)
        except UNAVAILABLE as exc:
            self._mark_down(exc)

    async def subscribe(self, channel: str) -> AsyncIterator[str]:
        await self._up.wait()
        try:
            async for message in self._primary.subscribe(channel):
                yield message
        except UNAVAILABLE as exc:
            self._mark_down(exc)
            raise

    async def ping(self) -> bool:
        """Whether Redis answers (readiness reports it); the store itself works either way."""
        return self._up.is_set() and await self._primary.ping()

    async def close(self) -> None:
        if self._probe is not None:
            self._probe.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._probe
        await self._backup.close()
        await self._primary.close()


def make_store(redis_url: str | None, prefix: str = "registry:", retry_seconds: float = 3.0) -> Store:
    if not redis_url:
        return InProcessStore()
    return FallbackStore(RedisStore(redis_url, prefix), retry_seconds)
