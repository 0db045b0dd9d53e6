"""The applicant's accident record against the scheme's application conditions: refused under the
verified 2011 scheme, recorded as a warning under the unverified 2021 one."""

from __future__ import annotations

from tests.integration import support as t


def accident(uscc: str, on: str, deaths: int, injuries: int = 0) -> dict[str, object]:
    return {
        "kind": "accident",
        "subject": {"type": "enterprise", "uscc": uscc},
        "occurred_on": on,
        "source_document": f"调查报告{on}",
        "details": {
            "deaths": deaths,
            "serious_injuries": injuries,
            "direct_loss_cny": 100_000,
            "responsible": True,
            "summary": "事故",
        },
    }


def application(level: int, scheme: str, applied: str, score: float = 95) -> dict[str, object]:
    return {
        "level": level,
        "scheme": scheme,
        "standard": "冶金企业安全生产标准化评定标准",
        "self_score": score,
        "self_assessed_on": applied,
        "applied_on": applied,
    }


async def record(client, h, body) -> int:
    r = await client.post("/api/v1/events", json=body, headers=h)
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


async def test_2011_scheme_refuses_a_level_3_applicant_with_3_deaths_in_the_year_before(client, services):
    h = await t.bureau(client, services, "410100", "prefectural")  # the grading authority of level 3
    unit = await t.create(client, h)
    first = await record(client, h, accident(unit["uscc"], "2020-04-01", 2))
    r = await client.post(
        f"/api/v1/enterprises/{unit['uscc']}/grades", json=application(3, "aqjg-2011-84", "2021-01-10"), headers=h
    )
    assert r.status_code == 201, r.text  # 2 deaths: within the limit
    withdrawn = await client.post(
        f"/api/v1/enterprises/{unit['uscc']}/grades/{r.json()['id']}/withdraw",
        json={"version": 1, "on": "2021-01-11", "reason": "重新申请"},
        headers=h,
    )
    assert withdrawn.status_code == 200, withdrawn.text
    second = await record(client, h, accident(unit["uscc"], "2020-09-09", 1))
    r = await client.post(
        f"/api/v1/enterprises/{unit['uscc']}/grades", json=application(3, "aqjg-2011-84", "2021-02-01"), headers=h
    )
    body = t.assert_field(r, "level", "application_condition")
    assert f"[{first}, {second}]" in body["errors"][0]["message_en"]
    # a year later the first accident is out of the window: 1 death, accepted
    r = await client.post(
        f"/api/v1/enterprises/{unit['uscc']}/grades", json=application(3, "aqjg-2011-84", "2021-04-02"), headers=h
    )
    assert r.status_code == 201, r.text
    assert r.json()["warnings"] == []


async def test_2011_scheme_level_2_refuses_a_larger_accident_without_deaths(client, services):
    h = await t.bureau(client, services)
    unit = await t.create(client, h)
    await record(client, h, accident(unit["uscc"], "2020-06-01", 0, injuries=12))  # 较大 by injuries
    r = await client.post(
        f"/api/v1/enterprises/{unit['uscc']}/grades", json=application(2, "aqjg-2011-84", "2021-01-10"), headers=h
    )
    t.assert_field(r, "level", "application_condition")


async def test_2021_scheme_records_unverified_conditions_as_warnings(client, services):
    h = await t.bureau(client, services)
    unit = await t.create(client, h)
    fatal = await record(client, h, accident(unit["uscc"], "2024-06-01", 1))
    r = await client.post(
        f"/api/v1/enterprises/{unit['uscc']}/grades", json=application(1, "yj-2021-83", "2025-06-01"), headers=h
    )
    assert r.status_code == 201, r.text
    [warning] = r.json()["warnings"]
    assert warning["accidents"] == [fatal]
    assert warning["verified"] is False
    assert "死亡事故" in warning["zh"]
    read = await client.get(f"/api/v1/enterprises/{unit['uscc']}/grades", headers=h)
    assert read.json()["grades"][0]["warnings"] == [warning]
    # a withdrawn (corrected-away) accident is not held against the applicant
    await client.post(
        f"/api/v1/events/{fatal}/amendments", json={"code": "withdrawal", "reason": "录入错误"}, headers=h
    )
    other = await t.create(client, h)
    r = await client.post(
        f"/api/v1/enterprises/{other['uscc']}/grades", json=application(1, "yj-2021-83", "2025-06-01"), headers=h
    )
    assert r.json()["warnings"] == []
