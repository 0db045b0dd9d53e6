"""Console sessions, kept on the server: the browser holds only a random id.

The store is Redis when configured (shared by every worker and instance) and this process's memory
on the embedded default. The key is the SHA-256 of the id, so a copy of the store holds no usable
cookie. Redis stays an accelerator (DESIGN section 3): when it does not answer, sessions are kept
in process until it does; an officer whose session was in Redis (or, with several workers, in
another worker) is asked to sign in again, which costs a sign-in and never data.

Times come from the service clock (tests move it): a session ends ``idle`` seconds after its last
use and ``absolute`` seconds after sign-in however busy; the store's own expiry only clears what
is left behind.
"""

from __future__ import annotations

import hashlib
import secrets
import time

import msgspec
import redis.asyncio as aioredis
import structlog
from litestar.stores.memory import MemoryStore
from litestar.stores.redis import RedisStore
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from registry.lib.fallback_store import UNAVAILABLE
from registry.settings import ConsoleSettings, RedisSettings

log = structlog.get_logger(__name__)
_ENDED = b"ended"
#: a session's use is written back at most this often (each page would otherwise be a store write)
TOUCH_SECONDS = 30


class Session(msgspec.Struct):
    account_id: int
    #: sign-in and last use, POSIX seconds of the service clock
    created: float
    seen: float
    #: the synchronizer token every form of this session carries (never the session id)
    csrf: str
    #: the account's password stamp when this session began or changed it: another stamp (a
    #: reset, or a change in another session) ends this session
    password_stamp: str
    #: the password was right and the account's second factor still asks for its code: such a
    #: session opens no page but the code's, and a new one (a new id) replaces it once the code is right
    second_factor_pending: bool = False
    #: where to go after the code
    next_path: str = ""


#: how long a half-signed-in session waits for its code
PENDING_SECONDS = 300


class SessionStore:
    def __init__(self, settings: ConsoleSettings, redis: RedisSettings) -> None:
        self.idle = settings.session_idle_seconds
        self.absolute = settings.session_absolute_seconds
        self._memory = MemoryStore()
        self._redis: RedisStore | None = None
        self._client: aioredis.Redis | None = None
        self._prefix = redis.prefix
        if redis.url:
            # short timeouts and one retry, as the rate-limit store (registry.lib.store.RedisStore)
            self._client = aioredis.Redis.from_url(
                redis.url, socket_timeout=1.0, socket_connect_timeout=1.0, retry=Retry(NoBackoff(), 1)
            )
            self._redis = RedisStore(self._client, namespace=f"{redis.prefix}console-session")
        self._warned = False
        self._retry = redis.retry_seconds
        self._down_until = 0.0

    @property
    def name(self) -> str:
        return "redis" if self._redis is not None else "memory"

    def _redis_now(self) -> RedisStore | None:
        """Redis unless it failed within the last ``retry`` seconds (no request waits on a Redis
        that is away, as in ``registry.lib.fallback_store``)."""
        return self._redis if self._redis is not None and time.monotonic() >= self._down_until else None

    async def _call_get(self, key: str) -> bytes | None:
        local = await self._memory.get(key)
        if local == _ENDED:
            return None
        redis = self._redis_now()
        if redis is not None:
            try:
                found = await redis.get(key)
            except UNAVAILABLE as exc:
                self._down(exc)
            else:
                self._up()
                if found is not None:
                    return found
        # a session opened while Redis was away lives on here until it ends
        return local

    async def _call_set(self, key: str, value: bytes, expires_in: int) -> None:
        redis = self._redis_now()
        if redis is not None:
            try:
                await redis.set(key, value, expires_in=expires_in)
            except UNAVAILABLE as exc:
                self._down(exc)
            else:
                return
        await self._memory.set(key, value, expires_in=expires_in)

    async def _call_delete(self, key: str) -> None:
        # a tombstone: a sign-out while Redis is away cannot delete the Redis copy, and this worker
        # must not take it back when Redis returns (another worker may, until the idle limit)
        await self._memory.set(key, _ENDED, expires_in=self.absolute)
        redis = self._redis_now()
        if redis is not None:
            try:
                await redis.delete(key)
            except UNAVAILABLE as exc:
                self._down(exc)

    def _down(self, exc: BaseException) -> None:
        self._down_until = time.monotonic() + self._retry
        if not self._warned:  # once per outage: a warning per page would flood the log
            self._warned = True
            log.warning("redis unreachable; console sessions kept in process", error=f"{type(exc).__name__}: {exc}")

    def _up(self) -> None:
        if self._warned:
            self._warned = False
            log.warning("redis reachable again; new console sessions kept in redis")

    async def create(
        self, account_id: int, now: float, password_stamp: str, *, pending_next: str | None = None
    ) -> tuple[str, Session]:
        """A new session under a new id (a sign-in never reuses an id the browser sent: no fixation);
        with ``pending_next``, a half-signed-in one waiting for the second factor's code."""
        sid = secrets.token_urlsafe(32)
        pending = pending_next is not None
        session = Session(account_id, now, now, secrets.token_urlsafe(32), password_stamp, pending, pending_next or "")
        await self._call_set(_key(sid), msgspec.json.encode(session), PENDING_SECONDS if pending else self.absolute)
        return sid, session

    async def load(self, sid: str, now: float) -> Session | None:
        """The live session of ``sid``, its use recorded; None (and gone) once idle or too old."""
        if not sid or len(sid) > 100:
            return None
        raw = await self._call_get(_key(sid))
        if raw is None:
            return None
        try:
            session = msgspec.json.decode(raw, type=Session)
        except msgspec.DecodeError:
            return None
        limit = PENDING_SECONDS if session.second_factor_pending else self.absolute
        if now - session.seen > self.idle or now - session.created > limit:
            await self.delete(sid)
            return None
        if now - session.seen >= TOUCH_SECONDS:
            session.seen = now
            await self.save(sid, session, now)
        return session

    async def save(self, sid: str, session: Session, now: float) -> None:
        left = int(self.absolute - (now - session.created)) + 1
        await self._call_set(_key(sid), msgspec.json.encode(session), max(1, left))

    async def delete(self, sid: str) -> None:
        await self._call_delete(_key(sid))

    async def put_data(self, key: str, value: bytes, expires_in: int) -> None:
        """Other console state kept like sessions (an import's upload, progress and report), under
        a key of its own namespace: visible to every worker when Redis is configured."""
        await self._call_set(f"data:{key}", value, expires_in)

    async def get_data(self, key: str) -> bytes | None:
        return await self._call_get(f"data:{key}")

    async def delete_data(self, key: str) -> None:
        await self._call_delete(f"data:{key}")

    async def claim(self, key: str, expires_in: int = 86400) -> bool:
        """True for the first caller with ``key`` only (across workers when Redis is configured)."""
        if self._redis_now() is not None and self._client is not None:
            try:
                first = await self._client.set(f"{self._prefix}console-claim:{key}", b"1", nx=True, ex=expires_in)
            except UNAVAILABLE as exc:
                self._down(exc)
            else:
                return bool(first)
        if await self._memory.get(f"claim:{key}") is not None:
            return False
        await self._memory.set(f"claim:{key}", b"1", expires_in=expires_in)
        return True

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()


def _key(sid: str) -> str:
    return hashlib.sha256(sid.encode("utf-8", "surrogatepass")).hexdigest()
