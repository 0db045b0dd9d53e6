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
import json
import weakref
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, insert, select, text
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


#: session.info key: the (weakly held) outermost transaction that took the chain's lock
_LOCKED_IN = "registry_audit_chain_locked_in"


async def lock_chain(session: AsyncSession) -> None:
    """Take the single-writer lock until the transaction ends (re-entrant; SQLite has one writer).
    The history log takes it too, so its ids are handed out in commit order.

    Taken outside any savepoint, the lock is held until the transaction ends, so a second call in
    the same transaction (an import batch: its audit entries, then its change feed) skips the
    round trip; taken inside a savepoint it is asked again, since rolling the savepoint back
    releases it."""
    if session.get_bind().dialect.name != "postgresql":
        return
    held = session.info.get(_LOCKED_IN)
    if held is not None and held() is session.sync_session.get_transaction() is not None:
        return
    await session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _CHAIN_LOCK})
    outer = session.sync_session.get_transaction()
    if outer is not None and not session.in_nested_transaction():
        session.info[_LOCKED_IN] = weakref.ref(outer)


async def _chain_head(session: AsyncSession) -> str:
    await lock_chain(session)
    last = await session.scalar(select(AuditEntry.entry_hash).order_by(AuditEntry.id.desc()).limit(1))
    return last or GENESIS


#: PostgreSQL: a batch's entries in one statement, in order (the ids follow the chain); an
#: executemany (asyncpg) runs the INSERT once per entry on the server. JSON ``null`` for an absent
#: before/after, as the ORM writes it.
_INSERT_PG = text(
    """
    INSERT INTO audit_entries (at, actor, actor_role, authority_id, action, target_type, target_id, outcome,
                               before, after, request_id, detail, prev_hash, entry_hash)
    SELECT CAST(:at AS timestamptz), CAST(:actor AS text), CAST(:actor_role AS text),
           CAST(:authority_id AS bigint), e.action, e.target_type, e.target_id, e.outcome,
           CAST(e.before AS jsonb), CAST(e.after AS jsonb), CAST(:request_id AS text), e.detail,
           e.prev_hash, e.entry_hash
    FROM unnest(CAST(:action AS text[]), CAST(:target_type AS text[]), CAST(:target_id AS text[]),
                CAST(:outcome AS text[]), CAST(:before AS text[]), CAST(:after AS text[]),
                CAST(:detail AS text[]), CAST(:prev_hash AS text[]), CAST(:entry_hash AS text[]))
         WITH ORDINALITY AS e(action, target_type, target_id, outcome, before, after, detail, prev_hash,
                              entry_hash, n)
    ORDER BY e.n
    """
).bindparams(bindparam("at", type_=AuditEntry.__table__.c.at.type))


async def record(session: AsyncSession, actor: Actor, at: dt.datetime, changes: Sequence[Change]) -> None:
    """Append entries for ``changes`` in the session's transaction: the chain's hashes computed
    here, the entries written by one statement."""
    if not changes:
        return
    prev = await _chain_head(session)
    rows = []
    for change in changes:
        fields = _fields(actor, at, change)
        digest = entry_hash(prev, fields)
        rows.append({**fields, "at": at, "prev_hash": prev, "entry_hash": digest})
        prev = digest
    if session.get_bind().dialect.name != "postgresql":
        await session.execute(insert(AuditEntry), rows)  # SQLite: an executemany is in-process
        return
    columns = ("action", "target_type", "target_id", "outcome", "detail", "prev_hash", "entry_hash")
    params: dict[str, Any] = {c: [r[c] for r in rows] for c in columns}
    params |= {c: [json.dumps(r[c]) for r in rows] for c in ("before", "after")}
    params |= {"at": at, "actor": actor.id, "actor_role": actor.role, "authority_id": actor.authority_id}
    params["request_id"] = actor.request_id
    await session.execute(_INSERT_PG, params)


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
