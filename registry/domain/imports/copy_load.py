"""The COPY path of a national load (issue 22): a batch's new units written with PostgreSQL COPY.

Same rows as ``records.insert_enterprises`` + ``changes.record`` + the report summary, in the
batch's transaction, but with a handful of round trips for the whole batch:

- ids of the new units and seqs of their change rows are taken in bulk
  (``SELECT nextval(seq) FROM generate_series(1, n)``), under the audit chain's lock, so seqs
  still follow commit order and each unit's ``data_version`` is written with the unit;
- enterprises, their first names, aliases, operating divisions and change rows go in with
  ``copy_records_to_table`` on the session's own asyncpg connection (same transaction);
- the report summary gets the marks of the new units (pure: a new unit has no grade) in the same
  transaction;
- the audit trail gets ONE chained entry for the batch (``enterprise.import_batch``, target
  ``enterprise_batch:<SHA-256 of the batch's USCCs, one a line, in id order>``, naming their
  count, first/last id and USCC) instead of one entry per unit: an entry per unit costs ~70 us of
  canonical JSON and hashing, 3.7 minutes for 3.2 million units (docs/operations.md).

SQLite keeps the per-row path; so do the updates of registered units.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from registry.db import report_summary
from registry.domain import audit
from registry.domain import changes as subject_changes
from registry.domain.actors import Actor
from registry.domain.enterprises.validation import CheckedEnterprise
from registry.lib.clock import beijing_date

ACTION = "enterprise.import_batch"
TARGET = "enterprise_batch"

_ENTERPRISE_COLUMNS = (
    "id",
    "uscc",
    "name",
    "division_code",
    "reg_division",
    "industry",
    "scale",
    "parent_uscc",
    "address",
    "status",
    "flags",
    "version",
    "data_version",
    "created_at",
    "updated_at",
)


def usccs_digest(usccs: Sequence[str]) -> str:
    """SHA-256 (hex) of the USCCs, one a line (each followed by a newline), in the order given."""
    return hashlib.sha256("".join(f"{u}\n" for u in usccs).encode("ascii")).hexdigest()


def batch_change(ids: Sequence[int], items: Sequence[CheckedEnterprise]) -> audit.Change:
    usccs = [c.uscc for c in items]
    digest = usccs_digest(usccs)
    return audit.Change(
        ACTION,
        TARGET,
        digest,
        None,
        {
            "count": len(items),
            "usccs_sha256": digest,
            "first_id": ids[0],
            "last_id": ids[-1],
            "first_uscc": usccs[0],
            "last_uscc": usccs[-1],
        },
    )


async def _next_values(pg: Any, table: str, column: str, n: int) -> list[int]:
    rows = await pg.fetch(
        "SELECT nextval(pg_get_serial_sequence($1, $2)) AS v FROM generate_series(1, $3::int)", table, column, n
    )
    return sorted(int(r["v"]) for r in rows)


async def copy_new(
    session: AsyncSession,
    actor: Actor,
    now: dt.datetime,
    items: Sequence[CheckedEnterprise],
    *,
    tell_now: bool = False,
) -> dict[str, int]:
    """Insert new enterprises with COPY (PostgreSQL only); their ids by USCC. ``tell_now``: this
    process's subscribers hear of them now instead of at commit (``changes.tell_now``: a first load,
    which would otherwise keep 3.2 million of them until its one commit)."""
    if not items:
        return {}
    # under the chain's lock before a seq is taken: seqs are handed out and committed in order
    await audit.lock_chain(session)
    connection = await session.connection()
    raw = await connection.get_raw_connection()
    pg: Any = raw.driver_connection
    n = len(items)
    ids = await _next_values(pg, "enterprises", "id", n)
    seqs = await _next_values(pg, "subject_changes", "seq", n)
    day = beijing_date(now)
    await pg.copy_records_to_table(
        "enterprises",
        columns=_ENTERPRISE_COLUMNS,
        records=[
            (
                i,
                c.uscc,
                c.name,
                c.division_code,
                c.reg_division,
                c.industry,
                c.scale,
                c.parent_uscc,
                c.address,
                "active",
                json.dumps(c.flags, ensure_ascii=False),
                1,
                seq,
                now,
                now,
            )
            for i, seq, c in zip(ids, seqs, items, strict=True)
        ],
    )
    await pg.copy_records_to_table(
        "enterprise_names",
        columns=("enterprise_id", "name", "valid_from", "recorded_at"),
        records=[(i, c.name, c.name_valid_from or day, now) for i, c in zip(ids, items, strict=True)],
    )
    aliases = [
        (i, kind, value, now)
        for i, c in zip(ids, items, strict=True)
        for kind, value in (("registration_no", c.registration_no), ("org_code", c.org_code))
        if value
    ]
    if aliases:
        await pg.copy_records_to_table(
            "enterprise_aliases", columns=("enterprise_id", "kind", "value", "recorded_at"), records=aliases
        )
    operating = [(i, d) for i, c in zip(ids, items, strict=True) for d in c.operating_divisions]
    if operating:
        await pg.copy_records_to_table(
            "enterprise_operating_divisions", columns=("enterprise_id", "division_code"), records=operating
        )
    keys = [subject_changes.enterprise_key(i) for i in ids]
    await pg.copy_records_to_table(
        "subject_changes",
        columns=("seq", "subject_key", "uscc", "person_id", "kind", "recorded_at"),
        records=[(seq, key, c.uscc, None, "enterprise", now) for seq, key, c in zip(seqs, keys, items, strict=True)],
    )
    told = [(key, c.uscc) for key, c in zip(keys, items, strict=True)]
    if tell_now:
        subject_changes.tell_now(told)
    else:
        subject_changes.notify_on_commit(session, told)
    await session.execute(
        text("SELECT pg_notify(:channel, p) FROM unnest(CAST(:payloads AS text[])) AS p"),
        {
            "channel": subject_changes.CHANNEL,
            "payloads": [f"{seq}|{key}|{c.uscc}" for seq, key, c in zip(seqs, keys, items, strict=True)],
        },
    )
    units = [report_summary.UnitFacts(c.division_code, c.industry, c.scale, now) for c in items]
    await report_summary.record(
        session, report_summary.combine(*(report_summary.marks(u, (), with_unit=True) for u in units))
    )
    await audit.record(session, actor, now, [batch_change(ids, items)])
    return {c.uscc: i for i, c in zip(ids, items, strict=True)}
