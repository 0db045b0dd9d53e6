"""Outside its area a bureau is told so (403, and the attempt audited as denied) before anything is
said about its request body: the area decides whether it may ask at all."""

from __future__ import annotations

from sqlalchemy import func, select

from registry.db.models import AuditEntry
from tests.integration import support as t


async def denied_count(services) -> int:
    async with services.db.read() as session:
        return int(await session.scalar(select(func.count()).where(AuditEntry.outcome == "denied")) or 0)


async def test_event_with_a_bad_body_outside_the_area_is_403(client, services):
    national = await t.national(client, services)
    unit = await t.create(client, national, division_code="440305")
    county = await t.bureau(client, services, "410103")
    before = await denied_count(services)
    r = await client.post(
        "/api/v1/events",
        json={
            "kind": "accident",
            "subject": {"type": "enterprise", "uscc": unit["uscc"]},
            "occurred_on": "2099-01-01",  # in the future, and the details are wrong too
            "source_document": "报告",
            "details": {"deaths": -1},
        },
        headers=county,
    )
    t.assert_problem(r, 403, "outside_jurisdiction")
    assert await denied_count(services) == before + 1


async def test_grade_application_with_a_bad_body_outside_the_area_is_403(client, services):
    national = await t.national(client, services)
    unit = await t.create(client, national, division_code="440305")
    county = await t.bureau(client, services, "410103")
    before = await denied_count(services)
    r = await client.post(
        f"/api/v1/enterprises/{unit['uscc']}/grades",
        json={
            "level": 3,
            "scheme": "no-such-scheme",
            "standard": "机械",
            "self_score": 10,
            "self_assessed_on": "2099-01-01",
            "applied_on": "2099-01-02",
        },
        headers=county,
    )
    t.assert_problem(r, 403, "outside_jurisdiction")
    assert await denied_count(services) == before + 1
