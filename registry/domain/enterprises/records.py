"""Batch writes of the register, shared by the service and the importer.

Each function takes the caller's session, so a record and its audit entry commit together, and
issues one statement per table for a whole batch (multi-row INSERT, executemany UPDATE).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from registry.db import report_summary
from registry.db.engine import Database
from registry.db.models import Enterprise, EnterpriseAlias, EnterpriseName, OperatingDivision
from registry.domain.enterprises.validation import CheckedEnterprise
from registry.lib.clock import beijing_date


def snapshot(row: Enterprise, aliases: dict[str, str], operating: Sequence[str]) -> dict[str, Any]:
    """The audited before/after image of an enterprise (JSON-native values only)."""
    return {
        "uscc": row.uscc,
        "name": row.name,
        "division_code": row.division_code,
        "industry": row.industry,
        "scale": row.scale,
        "parent_uscc": row.parent_uscc,
        "address": row.address,
        "status": row.status,
        "registration_no": aliases.get("registration_no"),
        "org_code": aliases.get("org_code"),
        "operating_divisions": sorted(operating),
        "version": row.version,
    }


def checked_snapshot(c: CheckedEnterprise, version: int = 1) -> dict[str, Any]:
    return {
        "uscc": c.uscc,
        "name": c.name,
        "division_code": c.division_code,
        "industry": c.industry,
        "scale": c.scale,
        "parent_uscc": c.parent_uscc,
        "address": c.address,
        "status": "active",
        "registration_no": c.registration_no,
        "org_code": c.org_code,
        "operating_divisions": sorted(c.operating_divisions),
        "version": version,
    }


async def load_aliases(session: AsyncSession, enterprise_id: int) -> dict[str, str]:
    rows = await session.scalars(select(EnterpriseAlias).where(EnterpriseAlias.enterprise_id == enterprise_id))
    return {a.kind: a.value for a in rows}


async def insert_enterprises(
    session: AsyncSession, items: Sequence[CheckedEnterprise], now: dt.datetime
) -> dict[str, int]:
    """Insert new enterprises with their first name, aliases and operating divisions, in batches;
    their ids by USCC."""
    result = await session.execute(
        insert(Enterprise).returning(Enterprise.id, Enterprise.uscc),
        [
            {
                "uscc": c.uscc,
                "name": c.name,
                "division_code": c.division_code,
                "reg_division": c.reg_division,
                "industry": c.industry,
                "scale": c.scale,
                "parent_uscc": c.parent_uscc,
                "address": c.address,
                "status": "active",
                "flags": c.flags,
                "version": 1,
                "created_at": now,
                "updated_at": now,
            }
            for c in items
        ],
    )
    ids = {uscc: id_ for id_, uscc in result.all()}
    await report_summary.add_units(session, [ids[c.uscc] for c in items if c.scale == "above_scale"])
    names = [
        {
            "enterprise_id": ids[c.uscc],
            "name": c.name,
            "valid_from": c.name_valid_from or beijing_date(now),
            "recorded_at": now,
        }
        for c in items
    ]
    await session.execute(insert(EnterpriseName), names)
    aliases = [
        {"enterprise_id": ids[c.uscc], "kind": kind, "value": value, "recorded_at": now}
        for c in items
        for kind, value in (("registration_no", c.registration_no), ("org_code", c.org_code))
        if value
    ]
    if aliases:
        await session.execute(insert(EnterpriseAlias), aliases)
    operating = [{"enterprise_id": ids[c.uscc], "division_code": d} for c in items for d in c.operating_divisions]
    if operating:
        await session.execute(insert(OperatingDivision), operating)
    return ids


#: what the reports group units by: a change moves the unit's counts in the report summary
_GROUPED = ("division_code", "industry", "scale")


@dataclass(frozen=True, slots=True)
class Update:
    row: Enterprise
    checked: CheckedEnterprise
    before: dict[str, Any]
    status: str


async def apply_updates(session: AsyncSession, updates: Sequence[Update], now: dt.datetime) -> None:
    """Write changed enterprises: one executemany per table for the whole batch, never a flush per row."""
    if not updates:
        return
    regrouped = [u.row.id for u in updates if any(getattr(u.checked, k) != u.before[k] for k in _GROUPED)]
    async with report_summary.move_units(session, regrouped):
        await session.execute(
            update(Enterprise),
            [
                {
                    "id": u.row.id,
                    "name": u.checked.name,
                    "division_code": u.checked.division_code,
                    "industry": u.checked.industry,
                    "scale": u.checked.scale,
                    "parent_uscc": u.checked.parent_uscc,
                    "address": u.checked.address,
                    "flags": u.checked.flags,
                    "status": u.status,
                    "version": u.row.version + 1,
                    "updated_at": now,
                }
                for u in updates
            ],
        )
    names = [
        {
            "enterprise_id": u.row.id,
            "name": u.checked.name,
            "valid_from": u.checked.name_valid_from or beijing_date(now),
            "recorded_at": now,
        }
        for u in updates
        if u.checked.name != u.before["name"]
    ]
    if names:
        await session.execute(insert(EnterpriseName), names)
    for kind in ("registration_no", "org_code"):
        changed = [u for u in updates if getattr(u.checked, kind) != u.before.get(kind)]
        if changed:
            await session.execute(
                delete(EnterpriseAlias).where(
                    EnterpriseAlias.enterprise_id.in_([u.row.id for u in changed]), EnterpriseAlias.kind == kind
                )
            )
            fresh = [
                {"enterprise_id": u.row.id, "kind": kind, "value": getattr(u.checked, kind), "recorded_at": now}
                for u in changed
                if getattr(u.checked, kind)
            ]
            if fresh:
                await session.execute(insert(EnterpriseAlias), fresh)
    moved = [u for u in updates if sorted(u.checked.operating_divisions) != u.before["operating_divisions"]]
    if moved:
        await session.execute(
            delete(OperatingDivision).where(OperatingDivision.enterprise_id.in_([u.row.id for u in moved]))
        )
        places = [{"enterprise_id": u.row.id, "division_code": d} for u in moved for d in u.checked.operating_divisions]
        if places:
            await session.execute(insert(OperatingDivision), places)


async def count(db: Database) -> int:
    async with db.read() as session:
        return int(await session.scalar(select(func.count()).select_from(Enterprise)) or 0)
