"""Reads from a PostgreSQL streaming replica, never older than what the client has seen.

``REGISTRY_DATABASE_READ_URL`` names a replica (a hot standby fed by streaming replication). The
public search and pages and the partner answers read through ``Database.routed()``; every other
read and every write stays on the primary.

A client may send ``X-Registry-Min-Seq``: the highest change seq it has seen (a partner answer's
``data_version``, a change feed's ``seq``/``latest``). The replica serves a read only when it has
replayed at least that seq; otherwise, and whenever the replica cannot be reached, the primary
does (``route``, a pure decision). What the replica has replayed is ``max(seq)`` of
``subject_changes`` read there, kept for ``SEQ_TTL`` seconds: one query per few ms, not per read.
A replica found unreachable is left alone for ``DOWN_SECONDS`` (reads go to the primary) and
readiness says so, staying ready.
"""

from __future__ import annotations

import asyncio
import time
from contextvars import ContextVar
from typing import Literal

import structlog
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from registry.db.models import SubjectChange
from registry.db.outage import is_outage
from registry.errors import FieldProblem, ValidationFailed

log = structlog.get_logger(__name__)

#: the request header a client names the highest change seq it has seen in
HEADER = "X-Registry-Min-Seq"
#: the header's raw value for the request being served (set by the request-id middleware)
MIN_SEQ: ContextVar[bytes | None] = ContextVar("registry_min_seq", default=None)
#: seconds the replica's replayed seq is trusted before it is read again
SEQ_TTL = 0.005
#: seconds an unreachable replica is not tried again
DOWN_SECONDS = 5.0
#: the largest seq a client may name (PostgreSQL bigint)
MAX_SEQ = 2**63 - 1

Source = Literal["replica", "primary"]


def route(min_seq: int | None, replica_seq: int | None) -> Source:
    """Where a read goes: the replica only when there is one, it answered, and it has replayed
    the seq the client has seen (``replica_seq`` None: no replica, or it is down)."""
    if replica_seq is None:
        return "primary"
    if min_seq is not None and min_seq > replica_seq:
        return "primary"
    return "replica"


def may_cache(replica_seq: int | None, heard_seq: int) -> bool:
    """Whether an answer built from a read may be kept as current: one from the primary
    (``replica_seq`` None) always; one from the replica only when it had replayed every change this
    process has heard of, else a lagging replica's answer would outlive the change that dropped it."""
    return replica_seq is None or replica_seq >= heard_seq


def parse_min_seq(raw: bytes | str | None) -> int | None:
    """The header's value: a whole number 0..2^63-1, or absent. Anything else is a 400 naming it."""
    if raw is None:
        return None
    text = raw.decode("latin-1") if isinstance(raw, bytes) else raw
    text = text.strip()
    if text == "":
        return None
    if not text.isascii() or not text.isdigit() or len(text) > 19 or int(text) > MAX_SEQ:
        raise ValidationFailed(
            [
                FieldProblem(
                    HEADER,
                    "not_a_seq",
                    f"{HEADER} 须为 0 至 {MAX_SEQ} 的整数（已见到的最大变更序号）",
                    f"{HEADER} must be a whole number 0..{MAX_SEQ} (the highest change seq seen)",
                )
            ]
        )
    return int(text)


def requested_min_seq() -> int | None:
    """The min seq the request being served names, if any."""
    return parse_min_seq(MIN_SEQ.get())


class Replica:
    """The replica's engine and what it has replayed, as last read."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._seq: int | None = None
        self._read_at = float("-inf")
        self._down_until = float("-inf")
        self._lock = asyncio.Lock()
        #: reads served by each side (the metrics and the tests read them)
        self.served: dict[Source, int] = {"replica": 0, "primary": 0}
        self.error: str | None = None

    @property
    def down(self) -> bool:
        return time.monotonic() < self._down_until

    async def replayed(self) -> int | None:
        """``max(seq)`` the replica has replayed (read at most every ``SEQ_TTL``), None if down.

        While one read of it is under way the others take the seq read before: replay only moves
        forward, so an older figure is a lower bound and routing on it is never too fresh (a slow
        replica holds up one request per ``SEQ_TTL``, not all of them)."""
        now = time.monotonic()
        if now < self._down_until:
            return None
        if now - self._read_at < SEQ_TTL or (self._lock.locked() and self._seq is not None):
            return self._seq
        async with self._lock:
            if time.monotonic() - self._read_at < SEQ_TTL:  # read by another while waiting
                return self._seq
            return await self._read()

    async def _read(self) -> int | None:
        try:
            async with self.engine.connect() as conn:
                seq = int(await conn.scalar(select(func.max(SubjectChange.seq))) or 0)
        except Exception as exc:
            if not is_outage(exc):
                raise
            if self.error is None:
                log.warning("replica unreachable; reads go to the primary", error=repr(exc))
            self.error = type(exc.__cause__ or exc).__name__
            self._seq, self._down_until = None, time.monotonic() + DOWN_SECONDS
            return None
        if self.error is not None:
            log.info("replica reachable again", seq=seq)
        self.error = None
        self._seq, self._read_at = seq, time.monotonic()
        return seq

    async def check(self) -> str:
        """For readiness: ``ok``, or why reads go to the primary (a replica found down is not tried
        again before ``DOWN_SECONDS``: a probe never waits on an unreachable host more than once)."""
        seq = await self.replayed()
        return "ok" if seq is not None else f"down: {self.error}, reads go to the primary"
