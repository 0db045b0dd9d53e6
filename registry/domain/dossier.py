"""The audit trail of one subject, for its file (一企一档): read only after the file itself was
read (the caller has passed ``EnterpriseService.get``, which applies the read rules and audits a
refusal), newest first."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select

from registry.db.engine import Database
from registry.db.models import AuditEntry, Department

SHOWN = 100


@dataclass(frozen=True, slots=True)
class TrailEntry:
    at: dt.datetime
    actor: str
    action: str
    target: str
    outcome: str
    detail: str | None
    after: dict[str, Any] | None


async def trail(db: Database, targets: list[tuple[str, str]]) -> list[TrailEntry]:
    """Audit entries about any of ``targets`` ((target_type, target_id) pairs)."""
    if not targets:
        return []
    match = or_(*((AuditEntry.target_type == kind) & (AuditEntry.target_id == key) for kind, key in targets))
    async with db.read() as session:
        rows = (
            await session.scalars(select(AuditEntry).where(match).order_by(AuditEntry.id.desc()).limit(SHOWN))
        ).all()
    return [
        TrailEntry(r.at, r.actor, r.action, f"{r.target_type}:{r.target_id}", r.outcome, r.detail, r.after)
        for r in rows
    ]


async def department_names(db: Database) -> dict[str, str]:
    """Department code -> today's name (the partner departments of the memorandum)."""
    async with db.read() as session:
        rows = (await session.execute(select(Department.code, Department.name))).all()
    return {str(code): str(name) for code, name in rows}
