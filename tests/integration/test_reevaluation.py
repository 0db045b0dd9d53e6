"""Full rule re-evaluation (issue 22) on SQLite and PostgreSQL: a first run stores every decision and
lists none, an unchanged second run lists none, a recorded event lists exactly its unit, a run
stopped mid-way resumes from its cursor to the result of an uninterrupted one, and the bureaus'
page of changes keeps to their area.

Each test works in a county of its own (Urumqi's districts, which no other test fills), with the
service clock pinned to noon in Beijing on 2026-11-26.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from registry.db.models import DecisionDigest, Enterprise, ReevaluationSlice
from tests.integration import support as t
from tests.integration.test_rules_api import penalty, record

TODAY = dt.date(2026, 11, 26)
CHANGES = "/api/v1/rules/reevaluations/{}/changes"


@pytest.fixture(autouse=True)
def _pinned_today(_reset_clock: None, clock: Any) -> None:
    clock.at = dt.datetime(TODAY.year, TODAY.month, TODAY.day, 4, tzinfo=dt.UTC)


async def units(client: httpx.AsyncClient, services: Any, division: str, n: int) -> list[dict[str, Any]]:
    h = await t.national(client, services)
    made = [await t.create(client, h, division=division) for _ in range(n)]
    async with services.db.read() as session:
        found = dict(
            (
                await session.execute(
                    select(Enterprise.uscc, Enterprise.id).where(Enterprise.uscc.in_([u["uscc"] for u in made]))
                )
            ).all()
        )
    return [{**u, "id": found[u["uscc"]]} for u in made]


async def full_run(services: Any, division: str, *, batch: int = 3, workers: int = 1) -> Any:
    service = services.reevaluation
    run_id = await service.start(division, workers)
    for n in range(workers):
        assert await service.walk(run_id, n, batch=batch)
    return await service.finish(run_id)


async def digests(services: Any, ids: list[int]) -> dict[int, str]:
    async with services.db.read() as session:
        rows = await session.execute(
            select(DecisionDigest.enterprise_id, DecisionDigest.digest).where(DecisionDigest.enterprise_id.in_(ids))
        )
        return dict(rows.all())


async def test_first_run_stores_all_second_lists_none_an_event_lists_its_unit(
    client: httpx.AsyncClient, services: Any
) -> None:
    made = await units(client, services, "652701", 7)
    ids = [u["id"] for u in made]
    first = await full_run(services, "652701")
    assert first.first
    assert first.finished
    assert (first.units, first.new, first.changed, first.by_county) == (7, 7, 0, {})
    assert set(await digests(services, ids)) == set(ids)

    again = await full_run(services, "652701")
    assert not again.first
    assert (again.units, again.new, again.changed, again.by_county) == (7, 0, 0, {})

    target = made[3]
    h = await t.bureau(client, services, division="652701")
    await record(client, h, penalty(target["uscc"], "2026-06-01"))
    third = await full_run(services, "652701")
    assert (third.units, third.new, third.changed, third.by_county) == (7, 0, 1, {"652701": 1})
    page = await services.reevaluation.changes(
        await t.actor(services, division="652701"), third.run_id, None, None, None
    )
    assert [c["uscc"] for c in page["items"]] == [target["uscc"]]
    change = page["items"][0]
    assert change["before"]["outcomes"] == []
    assert change["after"]["outcomes"]
    assert change["diff"]["added"] == change["after"]["outcomes"]


async def test_a_run_stopped_mid_way_resumes_to_the_uninterrupted_result(
    client: httpx.AsyncClient, services: Any
) -> None:
    made = await units(client, services, "652722", 9)
    await full_run(services, "652722")  # digests of the facts before
    h = await t.bureau(client, services, division="652722")
    for u in (made[1], made[7]):
        await record(client, h, penalty(u["uscc"], "2026-05-01"))
    service = services.reevaluation
    run_id = await service.start("652722", 2)
    # each worker commits one batch of 2, then "dies"
    assert not await service.walk(run_id, 0, batch=2, max_batches=1)
    assert not await service.walk(run_id, 1, batch=2, max_batches=1)
    half = await service.finish(run_id)
    assert not half.finished
    assert half.units == 4
    async with services.db.read() as session:
        cursors = list(
            await session.scalars(select(ReevaluationSlice.cursor).where(ReevaluationSlice.run_id == run_id))
        )
    assert len(cursors) == 2
    assert all(c in [u["id"] for u in made] for c in cursors)
    assert await service.resumable(run_id) == [0, 1]
    for n in await service.resumable(run_id):
        assert await service.walk(run_id, n, batch=2)
    resumed = await service.finish(run_id)
    assert resumed.finished
    assert (resumed.units, resumed.changed, resumed.new) == (9, 2, 0)
    page = await service.changes(await t.actor(services, role="admin"), run_id, "652722", None, None)
    assert sorted(c["enterprise_id"] for c in page["items"]) == sorted([made[1]["id"], made[7]["id"]])
    # the same digests as a run that was never interrupted: a new run finds nothing left to change
    assert (await full_run(services, "652722", batch=4)).changed == 0


async def test_bureaus_read_changes_of_their_own_area_only(client: httpx.AsyncClient, services: Any) -> None:
    a, b = await units(client, services, "650104", 2), await units(client, services, "650105", 2)
    await full_run(services, "6501")
    for u, division in ((a[0], "650104"), (b[1], "650105")):
        await record(client, await t.bureau(client, services, division=division), penalty(u["uscc"], "2026-04-01"))
    run = await full_run(services, "6501", batch=50)
    assert run.by_county.get("650104") == 1
    assert run.by_county.get("650105") == 1
    url = CHANGES.format(run.run_id)
    county = await t.bureau(client, services, division="650104")
    r = await client.get(url, headers=county)
    assert r.status_code == 200, r.text
    assert [c["uscc"] for c in r.json()["items"]] == [a[0]["uscc"]]
    assert r.json()["division"] == "650104"
    t.assert_problem(await client.get(url, params={"division": "650105"}, headers=county), 403)
    t.assert_problem(await client.get(url, params={"division": "65"}, headers=county), 403)
    t.assert_field(await client.get(url, params={"division": "6x"}, headers=county), "division", "division_prefix")
    t.assert_field(await client.get(url, params={"limit": 0}, headers=county), "limit", "range")
    t.assert_problem(await client.get(CHANGES.format(2**40), headers=county), 404)
    city = await t.bureau(client, services, division="650100", level="prefectural")
    r = await client.get(url, params={"division": "6501", "limit": 1}, headers=city)
    assert r.status_code == 200, r.text
    first = r.json()
    assert len(first["items"]) == 1
    assert first["next_after"] == first["items"][0]["enterprise_id"]
    r = await client.get(url, params={"division": "6501", "limit": 1, "after": first["next_after"]}, headers=city)
    rest = r.json()["items"]
    assert {c["uscc"] for c in first["items"] + rest} >= {a[0]["uscc"], b[1]["uscc"]}
