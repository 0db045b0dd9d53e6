"""Audit trail writer: appended in the caller's transaction, hash-chained for tamper evidence.

Each entry's hash covers the previous entry's hash and the RFC 8785 canonical JSON of its own
fields (``registry.signing.jws.canonical``: msgspec where it writes the same bytes, ``rfc8785``
otherwise), so rewriting or dropping any row breaks every hash after it (``registry audit verify``).
The chain needs a single writer at a time: PostgreSQL takes a transaction-scoped advisory lock;
SQLite already serialises writers (BEGIN IMMEDIATE, see ``registry.db.engine``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from registry.db.models import AuditEntry
from registry.domain.actors import Actor
from registry.signing.jws import canonical

GENESIS = "0" * 64
#: arbitrary constant naming the audit chain's advisory lock
_CHAIN_LOCK = 0x72656769


@dataclass(frozen=True, slots=True)
class Change:
    action: str
    target_type: str
    target_id: str
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    outcome: str = "ok"
    detail: str | None = None


def entry_hash(prev_hash: str, fields: dict[str, Any]) -> str:
    return hashlib.sha256(bytes.fromhex(prev_hash) + canonical(fields)).hexdigest()


def _fields(actor: Actor, at: dt.datetime, change: Change) -> dict[str, Any]:
    return {
        "at": at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
        "actor": actor.id,
        "actor_role": actor.role,
        "authority_id": actor.authority_id,
        "action": change.action,
        "target_type": change.target_type,
        "target_id": change.target_id,
        "outcome": change.outcome,
        "before": change.before,
        "after": change.after,
        "request_id": actor.request_id,
        "detail": change.detail,
    }


def row_fields(row: AuditEntry) -> dict[str, Any]:
    return {
        "at": row.at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
        "actor": row.actor,
        "actor_role": row.actor_role,
        "authority_id": row.authority_id,
        "action": row.action,
        "target_type": row.target_type,
        "target_id": row.target_id,
        "outcome": row.outcome,
        "before": row.before,
        "after": row.after,
        "request_id": row.request_id,
        "detail": row.detail,
    }


async def lock_chain(session: AsyncSession) -> None:
    """Take the single-writer lock until the transaction ends (re-entrant; SQLite has one writer).
    The history log takes it too, so its ids are handed out in commit order."""
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _CHAIN_LOCK})


async def _chain_head(session: AsyncSession) -> str:
    await lock_chain(session)
    last = await session.scalar(select(AuditEntry.entry_hash).order_by(AuditEntry.id.desc()).limit(1))
    return last or GENESIS


async def record(session: AsyncSession, actor: Actor, at: dt.datetime, changes: Sequence[Change]) -> None:
    """Append entries for ``changes`` in the session's transaction (one round trip for the batch)."""
    if not changes:
        return
    prev = await _chain_head(session)
    rows = []
    for change in changes:
        fields = _fields(actor, at, change)
        digest = entry_hash(prev, fields)
        rows.append({**fields, "at": at, "prev_hash": prev, "entry_hash": digest})
        prev = digest
    await session.execute(insert(AuditEntry), rows)


@dataclass(frozen=True, slots=True)
class ChainReport:
    entries: int
    first_bad_id: int | None
    reason: str | None

    @property
    def ok(self) -> bool:
        return self.first_bad_id is None


async def verify_chain(rows: AsyncIterator[AuditEntry]) -> ChainReport:
    prev, count = GENESIS, 0
    async for row in rows:
        count += 1
        if row.prev_hash != prev:
            return ChainReport(count, row.id, "prev_hash does not match the entry before it")
        if entry_hash(prev, row_fields(row)) != row.entry_hash:
            return ChainReport(count, row.id, "entry_hash does not match the entry's content")
        prev = row.entry_hash
    return ChainReport(count, None, None)
