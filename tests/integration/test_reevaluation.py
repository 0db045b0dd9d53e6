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

from registry.db.models import Authority, DecisionDigest, Enterprise, Grade, Listing, ReevaluationSlice
from registry.domain.evaluation.facts import enterprises_facts
from registry.domain.evaluation.reevaluation import UNIT_COLUMNS
from registry.domain.identifiers.divisions import subtree_bounds
from tests.integration import support as t
from tests.integration.test_events import agency
from tests.integration.test_rules_api import accident, add_role, penalty, person, record

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


async def test_facts_read_by_id_range_are_those_read_by_id(client: httpx.AsyncClient, services: Any) -> None:
    """A keyset batch reads each table by the range of its ids; units of another county whose ids
    fall inside the range, with facts of their own, are left out: the facts are those the per-id
    queries read (events with links, a repaired-free penalty, roles, an agency, grades, listings)."""
    h = await t.national(client, services)
    mine, other = [], []
    for _ in range(4):
        mine.append(await t.create(client, h, division="652702"))
        other.append(await t.create(client, h, division="652723"))
    mine.append(await agency(client, h, division="652702"))
    other.append(await agency(client, h, division="652723"))
    crash = await record(client, h, accident(mine[1]["uscc"], "2026-03-01", 3))
    await record(client, h, penalty(mine[1]["uscc"], "2026-05-01", [crash["id"]]))
    await record(client, h, penalty(mine[2]["uscc"], "2026-04-01"))
    for u in other[:3]:
        await record(client, h, penalty(u["uscc"], "2026-04-02"))
    boss = await person(client, h, "张三")
    await add_role(client, h, boss["id"], mine[3]["uscc"], "2020-01-01")
    await add_role(client, h, boss["id"], other[0]["uscc"], "2021-01-01", "2025-01-01")
    async with services.db.write() as session:
        ids = dict(
            (
                await session.execute(
                    select(Enterprise.uscc, Enterprise.id).where(Enterprise.uscc.in_([u["uscc"] for u in mine + other]))
                )
            ).all()
        )
        authority = await session.scalar(select(Authority.id).order_by(Authority.id).limit(1))
        now = dt.datetime(2026, 11, 26, 4, tzinfo=dt.UTC)
        for uscc in (mine[0]["uscc"], other[1]["uscc"]):
            session.add(
                Grade(
                    enterprise_id=ids[uscc],
                    level=2,
                    scheme="standardization",
                    standard="GB/T 33000",
                    procedure="initial",
                    grading_authority_id=authority,
                    status="valid",
                    self_score=80.0,
                    self_assessed_on=dt.date(2025, 1, 1),
                    applied_on=dt.date(2025, 1, 2),
                    announced_on=dt.date(2025, 3, 1),
                    valid_until=dt.date(2028, 2, 28),
                    version=1,
                    created_at=now,
                    updated_at=now,
                )
            )
        for uscc in (mine[2]["uscc"], other[2]["uscc"]):
            session.add(
                Listing(
                    list_type="SERIOUS_DISHONEST_2023",
                    criteria=["11-2"],
                    subject_type="enterprise",
                    subject_key=f"e:{ids[uscc]}",
                    enterprise_id=ids[uscc],
                    division_code="652702",
                    deciding_authority_id=authority,
                    status="listed",
                    source="manual",
                    basis=[],
                    because=[],
                    evidence=[],
                    term_months=36,
                    proposed_by="test",
                    proposed_on=dt.date(2026, 5, 1),
                    effective_on=dt.date(2026, 6, 1),
                    expires_on=dt.date(2029, 5, 31),
                    published_channels=[],
                    version=1,
                    created_at=now,
                    updated_at=now,
                )
            )
    async with services.db.read() as session:
        lo, hi = subtree_bounds("652702")
        units = list(
            await session.execute(
                select(*UNIT_COLUMNS).where(Enterprise.division_code.between(lo, hi)).order_by(Enterprise.id)
            )
        )
        units = [u for u in units if u.uscc in {m["uscc"] for m in mine}]
        assert len(units) == 5
        span = (units[0].id, units[-1].id)
        assert any(span[0] < ids[u["uscc"]] < span[1] for u in other)
        by_id = await enterprises_facts(session, units)
        by_range = await enterprises_facts(session, units, span)
        # a wide range: keys of ids of several numbers of digits (e:9 ... e:10000...)
        wide = await enterprises_facts(session, units, (1, span[1] * 1000))
        with pytest.raises(ValueError, match="outside the span"):
            await enterprises_facts(session, units, (span[0] + 1, span[1]))
    assert by_range == by_id
    assert wide == by_id
    facts = [by_id[u.id] for u in units]
    assert [len(x.events) for x in facts] == [0, 2, 1, 0, 0]
    assert [len(x.grades) for x in facts] == [1, 0, 0, 0, 0]
    assert [len(x.listings) for x in facts] == [0, 0, 1, 0, 0]
    assert [len(x.roles) for x in facts] == [0, 0, 0, 1, 0]
    assert [x.subject.type for x in facts] == ["enterprise"] * 4 + ["agency"]
