"""Which files were imported, by their SHA-256, kept in the audit trail.

Importing the same register file twice changes nothing (each row is compared with what is stored),
but an events file imported twice would record every event twice: a second penalty the rules would
count. So the console writes the file's digest in the audit trail when an import starts, and an
events file whose digest is already there is refused, naming who imported it and when.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from registry.db.engine import Database
from registry.db.models import AuditEntry
from registry.domain import audit
from registry.domain.actors import Actor
from registry.lib.clock import Clock

ACTION = "import.file"
#: the kinds of file a second import of which would record its rows again
NOT_IDEMPOTENT = frozenset({"events"})


def digest(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


@dataclass(frozen=True, slots=True)
class EarlierImport:
    by: str
    at: dt.datetime
    filename: str


class ImportLedger:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    async def earlier(self, kind: str, sha256: str) -> EarlierImport | None:
        async with self.db.read() as session:
            return await _earlier(session, kind, sha256)

    async def start(self, actor: Actor, kind: str, sha256: str, filename: str, rows: int) -> EarlierImport | None:
        """Record that the file's import starts, or, for a kind whose rows a second import would
        record again, the earlier import of the same file (and record nothing). Under the audit
        chain's lock, so two officers starting the same file at once cannot both pass."""
        async with self.db.write() as session:
            await audit.lock_chain(session)
            if kind in NOT_IDEMPOTENT and (found := await _earlier(session, kind, sha256)) is not None:
                return found
            await audit.record(
                session,
                actor,
                self.clock.now(),
                [audit.Change(ACTION, f"{kind}_file", sha256, None, {"filename": filename[:200], "rows": rows})],
            )
        return None


async def _earlier(session: AsyncSession, kind: str, sha256: str) -> EarlierImport | None:
    row = await session.scalar(
        select(AuditEntry)
        .where(
            AuditEntry.action == ACTION,
            AuditEntry.target_type == f"{kind}_file",
            AuditEntry.target_id == sha256,
            AuditEntry.outcome == "ok",
        )
        .order_by(AuditEntry.id)
        .limit(1)
    )
    if row is None:
        return None
    return EarlierImport(row.actor, row.at, str((row.after or {}).get("filename", "")))
