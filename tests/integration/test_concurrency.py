"""Requests that race: the register stays consistent and the loser gets a 409, never a 500."""

from __future__ import annotations

import asyncio

from tests import factories as f
from tests.integration import support as t

BASE = "/api/v1/enterprises"


async def test_the_same_enterprise_registered_twice_at_once(client, services):
    h = await t.bureau(client, services)
    body = f.enterprise()
    results = await asyncio.gather(*(client.post(BASE, json=body, headers=h) for _ in range(4)))
    statuses = sorted(r.status_code for r in results)
    assert statuses == [201, 409, 409, 409], [r.text for r in results]
    for r in results:
        if r.status_code == 409:
            t.assert_problem(r, 409, "conflict")
    assert len(await t.audit_for(services, body["uscc"], "enterprise.create")) == 1


async def test_the_same_alias_claimed_by_two_enterprises_at_once(client, services):
    h = await t.bureau(client, services)
    reg = t.registration_no()
    bodies = [f.enterprise(registration_no=reg) for _ in range(3)]
    results = await asyncio.gather(*(client.post(BASE, json=b, headers=h) for b in bodies))
    assert sorted(r.status_code for r in results) == [201, 409, 409], [r.text for r in results]


async def test_two_updates_from_the_same_version_one_wins(client, services):
    h = await t.bureau(client, services)
    e = await t.create(client, h)
    names = ["并发甲有限公司", "并发乙有限公司", "并发丙有限公司"]
    results = await asyncio.gather(
        *(client.patch(f"{BASE}/{e['uscc']}", json={"version": 1, "name": n}, headers=h) for n in names)
    )
    statuses = sorted(r.status_code for r in results)
    assert statuses == [200, 409, 409], [r.text for r in results]
    [winner] = [r.json() for r in results if r.status_code == 200]
    got = (await client.get(f"{BASE}/{e['uscc']}", headers=h)).json()
    assert (got["name"], got["version"]) == (winner["name"], 2)
    assert [n["name"] for n in got["names"]] == [e["name"], winner["name"]]
    updates = await t.audit_for(services, e["uscc"], "enterprise.update")
    assert len(updates) == 1


async def test_the_same_person_registered_twice_at_once(client, services):
    h = await t.bureau(client, services)
    pid = t.person_id()
    results = await asyncio.gather(
        *(client.post("/api/v1/persons", json={"id_number": pid, "name": "并发人"}, headers=h) for _ in range(3))
    )
    assert sorted(r.status_code for r in results) == [200, 200, 201], [r.text for r in results]
    assert len({r.json()["id"] for r in results}) == 1


async def test_audit_chain_holds_under_concurrent_writes(client, services):
    h = await t.bureau(client, services)
    results = await asyncio.gather(*(client.post(BASE, json=f.enterprise(), headers=h) for _ in range(8)))
    assert all(r.status_code == 201 for r in results), [r.text for r in results]
    from tests.integration.test_audit import chain

    report = await chain(services)
    assert report.ok, report


async def test_the_same_legacy_code_taken_by_two_updates_at_once(client, services):
    h = await t.bureau(client, services)
    a, b = await t.create(client, h), await t.create(client, h)
    reg = t.registration_no()
    results = await asyncio.gather(
        *(client.patch(f"{BASE}/{e['uscc']}", json={"version": 1, "registration_no": reg}, headers=h) for e in (a, b))
    )
    assert sorted(r.status_code for r in results) == [200, 409], [r.text for r in results]
    owners = [
        e["uscc"]
        for e in (a, b)
        if (await client.get(f"{BASE}/{e['uscc']}", headers=h)).json()["registration_no"] == reg
    ]
    assert len(owners) == 1


async def test_the_same_agency_registered_twice_at_once(client, services):
    h = await t.bureau(client, services)
    body = {"uscc": f.uscc(), "name": "并发评价有限公司", "division_code": "410103", "kinds": ["safety_assessment"]}
    results = await asyncio.gather(*(client.post("/api/v1/agencies", json=body, headers=h) for _ in range(3)))
    assert sorted(r.status_code for r in results) == [201, 409, 409], [r.text for r in results]
