"""The data version kept on the unit's row (migration 0005) is the seq of its latest change, after
every kind of write: answers read it there instead of querying the change log."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import func, select

from registry.db.models import Enterprise, SubjectChange
from tests.integration import support as t
from tests.integration.test_rules_api import accident, penalty, record


async def _row_and_log(services: Any, uscc: str) -> tuple[int, int]:
    async with services.db.read() as session:
        unit = await session.scalar(select(Enterprise).where(Enterprise.uscc == uscc))
        assert unit is not None
        latest = await session.scalar(
            select(func.max(SubjectChange.seq)).where(SubjectChange.subject_key == f"e:{unit.id}")
        )
        return unit.data_version, int(latest or 0)


async def test_the_unit_row_carries_the_seq_of_its_latest_change(client: httpx.AsyncClient, services: Any) -> None:
    h = await t.bureau(client, services)
    other = await t.create(client, h)
    unit = await t.create(client, h)
    seen = []
    row, log = await _row_and_log(services, unit["uscc"])
    assert row == log > 0  # registered
    seen.append(row)
    r = await client.patch(
        f"/api/v1/enterprises/{unit['uscc']}", json={"version": unit["version"], "address": t.address()}, headers=h
    )
    assert r.status_code == 200, r.text
    row, log = await _row_and_log(services, unit["uscc"])
    assert row == log > seen[-1]  # updated
    seen.append(row)
    made = await record(client, h, accident(unit["uscc"], "2026-10-01", 1))
    await record(client, h, penalty(unit["uscc"], "2026-10-20", links=[made["id"]]))
    row, log = await _row_and_log(services, unit["uscc"])
    assert row == log > seen[-1]  # events recorded
    # another unit's change leaves this one's version alone
    await record(client, h, accident(other["uscc"], "2026-10-02", 1))
    assert (await _row_and_log(services, unit["uscc"]))[0] == row
    answer = (await client.get(f"/api/v1/partner/status/{unit['uscc']}", headers=h)).json()
    assert answer["payload"]["data_version"] == row
