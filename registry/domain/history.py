"""The history log: every decision (listing, removal, restoration) and grade change, appended in
the transaction that made it, as RFC 8785 canonical JSON. The signing step turns these rows,
in ``id`` order, into the leaves of the transparency log (RFC 9162), so an entry's bytes are
fixed here, once, and never rewritten (a trigger refuses UPDATE and DELETE).

Order: an append first takes the audit chain's lock (PostgreSQL advisory lock, held until commit;
SQLite has one writer), so ids are handed out in commit order and a reader never sees a later entry
without the earlier ones. (Found by a test: without it, an id taken before a row-lock wait could
commit after a later one.)
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import rfc8785
from sqlalchemy.ext.asyncio import AsyncSession

from registry.db.models import LogEntry
from registry.domain import audit
from registry.domain.actors import Actor


def plain(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat(timespec="microseconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


async def append(
    session: AsyncSession,
    actor: Actor,
    at: dt.datetime,
    kind: str,
    target_type: str,
    target_id: int | str,
    payload: dict[str, Any],
) -> LogEntry:
    body = {
        "kind": kind,
        "target": {"type": target_type, "id": str(target_id)},
        "at": plain(at),
        # the log is public (anyone verifies it): the acting authority, never the officer's account
        "actor_role": actor.role,
        "authority_id": actor.authority_id,
        **plain(payload),
    }
    await audit.lock_chain(session)
    entry = LogEntry(
        kind=kind,
        target_type=target_type,
        target_id=str(target_id),
        body=rfc8785.dumps(body).decode(),
        recorded_at=at,
    )
    session.add(entry)
    await session.flush()
    return entry
