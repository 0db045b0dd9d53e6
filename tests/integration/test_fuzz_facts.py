"""Mutated requests against the grade and event endpoints: whatever arrives, the answer is a 2xx or
a 4xx problem+json, never a 5xx, and a refused request changes no stored row.

A seeded fuzzer (reproducible: the seed is in the test id) takes valid bodies and breaks them one
field at a time: dropped, nulled, retyped, out of range, impossible dates, huge numbers and
strings, unknown fields, nested junk.
"""

from __future__ import annotations

import copy
import random
from typing import Any

import pytest
from sqlalchemy import func, select

from registry.db.models import AuditEntry, CreditEvent, Grade, GradeStep
from tests.integration import support as t

JUNK: list[Any] = [
    None,
    "",
    " ",
    "x" * 5000,
    -1,
    0,
    2**63,
    -(2**63) - 1,
    1e308,
    1.5,
    True,
    [],
    [None],
    {},
    {"a": {"b": [1, {"c": None}]}},
    "2026-02-30",
    "2026-13-01",
    "9999-12-31",
    "0001-01-01",
    "<script>alert(1)</script>",
    "'; DROP TABLE credit_events; --",
    "\u0000",
    "\ud7ff\ue000",
    "事故" * 300,
]


def paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix] if prefix else []
    if isinstance(value, dict):
        for k, v in value.items():
            out += paths(v, (*prefix, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out += paths(v, (*prefix, i))
    return out


def mutate(body: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    out = copy.deepcopy(body)
    where = rng.choice(paths(out))
    parent: Any = out
    for key in where[:-1]:
        parent = parent[key]
    last = where[-1]
    move = rng.random()
    if move < 0.2 and isinstance(parent, dict):
        del parent[last]
    elif move < 0.3 and isinstance(parent, dict):
        parent[f"unknown_{rng.randrange(100)}"] = rng.choice(JUNK)
    else:
        parent[last] = rng.choice(JUNK)
    return out


async def counts(services) -> tuple[int, ...]:
    async with services.db.read() as session:
        return tuple(
            [
                int(await session.scalar(select(func.count()).select_from(m)) or 0)
                for m in (CreditEvent, Grade, GradeStep)
            ]
            + [int(await session.scalar(select(func.count()).where(AuditEntry.outcome == "ok")) or 0)]
        )


def check(r) -> None:
    assert r.status_code < 500, r.text
    if r.status_code >= 400:
        t.assert_problem(r, r.status_code)


def accident(uscc: str) -> dict[str, Any]:
    return {
        "kind": "accident",
        "subject": {"type": "enterprise", "uscc": uscc},
        "occurred_on": "2025-05-05",
        "source_document": "报告",
        "division_code": "410103",
        "links": [],
        "details": {
            "deaths": 1,
            "serious_injuries": 2,
            "direct_loss_cny": 300_000,
            "responsible": True,
            "summary": "事故",
            "declared_grade": "ordinary",
        },
    }


def penalty(uscc: str, n: int) -> dict[str, Any]:
    return {
        "kind": "penalty",
        "subject": {"type": "enterprise", "uscc": uscc},
        "occurred_on": "2025-05-05",
        "source_document": "决定书",
        "details": {
            "decision_no": f"罚{n}",
            "legal_basis": "安全生产法",
            "fine_cny": 10_000,
            "art114_multiplier": 2,
            "execution": "executed",
            "executed_on": "2025-06-01",
            "published_on": "2025-05-10",
        },
    }


@pytest.mark.parametrize("seed", [1, 2])
async def test_mutated_events_and_amendments(client, services, seed):
    rng = random.Random(seed)
    h = await t.bureau(client, services)
    unit = await t.create(client, h)
    target = await client.post("/api/v1/events", json=accident(unit["uscc"]), headers=h)
    assert target.status_code == 201, target.text
    for i in range(120):
        base = accident(unit["uscc"]) if i % 2 else penalty(unit["uscc"], rng.randrange(10**9))
        body = mutate(base, rng)
        before = await counts(services)
        r = await client.post("/api/v1/events", json=body, headers=h)
        check(r)
        if r.status_code >= 400:
            assert await counts(services) == before, (body, r.text)
        amendment = mutate({"code": "correction", "reason": "更正", "event": accident(unit["uscc"])}, rng)
        before = await counts(services)
        r = await client.post(f"/api/v1/events/{target.json()['id']}/amendments", json=amendment, headers=h)
        check(r)
        if r.status_code == 201:
            target = r
        elif r.status_code >= 400:
            assert await counts(services) == before, (amendment, r.text)
    for _ in range(60):
        params = {
            k: rng.choice(JUNK)
            for k in rng.sample(
                ["uscc", "person_id", "kind", "from", "to", "division", "history", "limit", "cursor"], 2
            )
        }
        params = {k: v for k, v in params.items() if isinstance(v, (str, int, float)) and "\u0000" not in str(v)}
        check(await client.get("/api/v1/events", params=params, headers=h))


@pytest.mark.parametrize("seed", [3, 4])
async def test_mutated_grade_applications_and_steps(client, services, seed):
    rng = random.Random(seed)
    h = await t.bureau(client, services, "410100", "prefectural")
    valid = {
        "level": 3,
        "scheme": "yj-2021-83",
        "standard": "标准",
        "self_score": 80,
        "self_assessed_on": "2024-01-02",
        "applied_on": "2024-01-03",
    }
    steps = {
        "review": {"on": "2024-02-01", "passed": True, "score": 80, "reviewer_uscc": None, "remarks": "x"},
        "audit": {"on": "2024-02-02", "passed": True},
        "announce": {"on": "2024-02-03", "announcement_no": "公告1"},
        "annual-checks": {"on": "2025-02-01", "kind": "inspection", "result": "findings", "findings": "问题",
                          "rectification_deadline": "2025-03-01"},
        "revoke": {"on": "2025-04-01", "reason": "fatal_accident", "decision_no": "撤1", "event_ids": [1]},
        "withdraw": {"on": "2024-01-04", "reason": "撤回"},
    }  # fmt: skip
    for _ in range(30):
        unit = await t.create(client, h)
        before = await counts(services)
        r = await client.post(f"/api/v1/enterprises/{unit['uscc']}/grades", json=mutate(valid, rng), headers=h)
        check(r)
        if r.status_code >= 400:
            assert await counts(services) == before, r.text
        r = await client.post(f"/api/v1/enterprises/{unit['uscc']}/grades", json=valid, headers=h)
        if r.status_code != 201:
            continue
        grade = r.json()
        for action, body in steps.items():
            sent = (
                mutate({**body, "version": grade["version"]}, rng)
                if rng.random() < 0.7
                else {**body, "version": grade["version"]}
            )
            before = await counts(services)
            r = await client.post(
                f"/api/v1/enterprises/{unit['uscc']}/grades/{grade['id']}/{action}", json=sent, headers=h
            )
            check(r)
            if r.status_code == 200:
                grade = r.json()
            elif r.status_code >= 400:
                assert await counts(services) == before, (action, sent, r.text)


async def test_control_characters_in_query_strings_are_422_not_500(client, services):
    h = await t.bureau(client, services)
    for url, params in [
        ("/api/v1/enterprises", {"q": "恒达\x00钢铁"}),
        ("/api/v1/enterprises", {"q": "\x1b[31m"}),
        ("/api/v1/enterprises", {"uscc_prefix": "91\x00"}),
        ("/api/v1/events", {"uscc": "\x00"}),
        ("/api/v1/events", {"division": "41\x00"}),
        ("/api/v1/events", {"cursor": "AA\x00"}),
        ("/api/v1/agencies", {"division": "\x00"}),
    ]:
        r = await client.get(url, params=params, headers=h)
        t.assert_problem(r, 422)


@pytest.mark.parametrize("seed", [5])
async def test_mutated_register_writes(client, services, seed):
    """The same fuzzer over the register (enterprises, persons, roles, agencies)."""
    from tests import factories as f

    rng = random.Random(seed)
    h = await t.bureau(client, services)
    unit = await t.create(client, h)
    version = unit["version"]
    for _ in range(60):
        r = await client.post("/api/v1/enterprises", json=mutate(f.enterprise(), rng), headers=h)
        check(r)
        patch = mutate(
            {"version": version, "name": "新名称有限公司", "address": "某路1号", "operating_divisions": ["410108"]}, rng
        )
        r = await client.patch(f"/api/v1/enterprises/{unit['uscc']}", json=patch, headers=h)
        check(r)
        if r.status_code == 200:
            version = r.json()["version"]
        r = await client.post(
            "/api/v1/persons", json=mutate({"id_number": t.person_id(), "name": "张三"}, rng), headers=h
        )
        check(r)
        agency = {
            "uscc": f.uscc(),
            "name": "评价有限公司",
            "division_code": "410103",
            "kinds": ["safety_assessment"],
            "qualifications": [
                {"kind": "safety_assessment", "certificate_no": "APJ-1", "issued_by": "河南省应急管理厅",
                 "valid_from": "2024-01-01", "valid_to": "2027-01-01"}
            ],
        }  # fmt: skip
        r = await client.post("/api/v1/agencies", json=mutate(agency, rng), headers=h)
        check(r)
