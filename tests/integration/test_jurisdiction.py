"""A bureau acts only inside its division subtree; a refused attempt is audited as ``denied``."""

from __future__ import annotations

import base64
import datetime as dt
import json

from tests import factories as f
from tests.integration import support as t

BASE = "/api/v1/enterprises"


def client_id(headers) -> str:
    """The account a bearer header stands for (the token's ``sub``)."""
    payload = headers["Authorization"].split()[1].split(".")[1]
    return str(json.loads(base64.urlsafe_b64decode(payload + "=="))["sub"])


async def test_county_bureau_cannot_register_outside_its_county(client, services):
    h = await t.bureau(client, services, "410103")
    body = f.enterprise("440305")
    before = await t.counts(services)
    r = await client.post(BASE, json=body, headers=h)
    problem = t.assert_problem(r, 403, "outside_jurisdiction")
    assert "440305" in problem["detail"]
    after = await t.counts(services)
    assert after == {**before, "audit_entries": before["audit_entries"] + 1}
    [entry] = await t.audit_for(services, body["uscc"])
    assert (entry.action, entry.outcome) == ("enterprise.create", "denied")
    assert entry.actor == client_id(h)
    assert entry.actor_role == "bureau"
    assert entry.after is None
    assert "440305" in (entry.detail or "")
    assert entry.request_id == r.headers["x-request-id"]


async def test_county_bureau_cannot_update_an_enterprise_elsewhere(client, services):
    national = await t.national(client, services)
    e = await t.create(client, national, division_code="440305")
    county = await t.bureau(client, services, "410103")
    r = await client.patch(f"{BASE}/{e['uscc']}", json={"version": 1, "name": "越权改名有限公司"}, headers=county)
    t.assert_problem(r, 403, "outside_jurisdiction")
    got = (await client.get(f"{BASE}/{e['uscc']}", headers=national)).json()
    assert (got["name"], got["version"]) == (e["name"], 1)
    denied = [a for a in await t.audit_for(services, e["uscc"]) if a.outcome == "denied"]
    assert [(a.action, a.actor) for a in denied] == [("enterprise.update", client_id(county))]


async def test_provincial_bureau_acts_inside_its_province_only(client, services):
    h = await t.bureau(client, services, "410000", "provincial")
    for division in ("410103", "410105", "411502", "419001"):
        e = await t.create(client, h, division_code=division)
        r = await client.patch(f"{BASE}/{e['uscc']}", json={"version": 1, "scale": "micro"}, headers=h)
        assert r.status_code == 200, r.text
    body = f.enterprise("440305")
    t.assert_problem(await client.post(BASE, json=body, headers=h), 403, "outside_jurisdiction")
    [entry] = await t.audit_for(services, body["uscc"])
    assert entry.outcome == "denied"


async def test_prefectural_bureau_covers_its_prefecture(client, services):
    h = await t.bureau(client, services, "410100", "prefectural")
    await t.create(client, h, division_code="410103")
    await t.create(client, h, division_code="410122")
    t.assert_problem(await client.post(BASE, json=f.enterprise("410202"), headers=h), 403, "outside_jurisdiction")


async def test_national_bureau_acts_everywhere(client, services):
    h = await t.national(client, services)
    for division in ("440305", "650102", "110108", "410103", "540102"):
        e = await t.create(client, h, division_code=division)
        r = await client.patch(f"{BASE}/{e['uscc']}", json={"version": 1, "division_code": "110101"}, headers=h)
        assert r.status_code == 200, r.text
        assert r.json()["division_code"] == "110101"


async def test_bureau_cannot_move_an_enterprise_out_of_its_area(client, services):
    h = await t.bureau(client, services, "410103")
    e = await t.create(client, h)
    before = await t.counts(services)
    r = await client.patch(f"{BASE}/{e['uscc']}", json={"version": 1, "division_code": "440305"}, headers=h)
    t.assert_problem(r, 403, "outside_jurisdiction")
    assert await t.counts(services) == {**before, "audit_entries": before["audit_entries"] + 1}
    got = (await client.get(f"{BASE}/{e['uscc']}", headers=h)).json()
    assert (got["division_code"], got["version"]) == ("410103", 1)
    [entry] = [a for a in await t.audit_for(services, e["uscc"]) if a.outcome == "denied"]
    assert entry.action == "enterprise.update"
    assert "440305" in (entry.detail or "")


async def test_province_may_move_within_itself(client, services):
    h = await t.bureau(client, services, "410000", "provincial")
    e = await t.create(client, h)
    r = await client.patch(f"{BASE}/{e['uscc']}", json={"version": 1, "division_code": "410105"}, headers=h)
    assert r.status_code == 200, r.text
    assert r.json()["division_code"] == "410105"


async def test_operating_division_brings_an_enterprise_into_a_bureau_area(client, services):
    national = await t.national(client, services)
    e = await t.create(client, national, division_code="440305", operating_divisions=["410103"])
    county = await t.bureau(client, services, "410103")
    r = await client.patch(f"{BASE}/{e['uscc']}", json={"version": 1, "scale": "micro"}, headers=county)
    assert r.status_code == 200, r.text
    # dropping the operating division would take the enterprise out of the county's area
    r = await client.patch(f"{BASE}/{e['uscc']}", json={"version": 2, "operating_divisions": []}, headers=county)
    t.assert_problem(r, 403, "outside_jurisdiction")
    assert (await client.get(f"{BASE}/{e['uscc']}", headers=county)).json()["operating_divisions"] == ["410103"]
    # and a neighbouring county has no say at all
    other = await t.bureau(client, services, "410105")
    r = await client.patch(f"{BASE}/{e['uscc']}", json={"version": 2, "scale": "below_scale"}, headers=other)
    t.assert_problem(r, 403, "outside_jurisdiction")


async def test_person_roles_and_agencies_outside_the_area_are_denied_and_audited(client, services):
    national = await t.national(client, services)
    e = await t.create(client, national, division_code="440305")
    county = await t.bureau(client, services, "410103")
    person = await client.post("/api/v1/persons", json={"id_number": t.person_id(), "name": "赵六"}, headers=county)
    assert person.status_code == 201, person.text
    pid = person.json()["id"]
    r = await client.post(
        f"/api/v1/persons/{pid}/roles",
        json={"uscc": e["uscc"], "role": "principal", "valid_from": dt.date.today().isoformat()},
        headers=county,
    )
    t.assert_problem(r, 403, "outside_jurisdiction")
    # read nationally: the county may not read a person without a role in one of its units
    assert (await client.get(f"/api/v1/persons/{pid}", headers=national)).json()["roles"] == []
    [denied] = [a for a in await t.audit_for(services, str(pid)) if a.outcome == "denied"]
    assert denied.action == "person.role.add"

    agency = {
        "uscc": f.uscc("440305"),
        "name": "深圳某安全评价有限公司",
        "division_code": "440305",
        "kinds": ["safety_assessment"],
    }
    r = await client.post("/api/v1/agencies", json=agency, headers=county)
    t.assert_problem(r, 403, "outside_jurisdiction")
    t.assert_problem(await client.get(f"{BASE}/{agency['uscc']}", headers=county), 404)
    [denied] = await t.audit_for(services, agency["uscc"])
    assert (denied.action, denied.outcome) == ("agency.create", "denied")


async def test_a_bureau_that_may_add_a_role_may_also_end_it(client, services):
    """Roles follow the same area test both ways: located or operating in the bureau's area."""
    national = await t.national(client, services)
    e = await t.create(client, national, division_code="440305", operating_divisions=["410103"])
    county = await t.bureau(client, services, "410103")
    person = (
        await client.post("/api/v1/persons", json={"id_number": t.person_id(), "name": "钱七"}, headers=county)
    ).json()
    added = await client.post(
        f"/api/v1/persons/{person['id']}/roles",
        json={"uscc": e["uscc"], "role": "safety_deputy", "valid_from": "2022-01-01"},
        headers=county,
    )
    assert added.status_code == 201, added.text
    role_id = added.json()["roles"][0]["id"]
    ended = await client.post(
        f"/api/v1/persons/{person['id']}/roles/{role_id}/end", json={"valid_to": "2023-01-01"}, headers=county
    )
    assert ended.status_code == 200, ended.text
    assert ended.json()["roles"][0]["valid_to"] == "2023-01-01"
    # a county with no part in the enterprise cannot end anything on it
    other = await t.bureau(client, services, "410105")
    added = await client.post(
        f"/api/v1/persons/{person['id']}/roles",
        json={"uscc": e["uscc"], "role": "principal", "valid_from": "2022-01-01"},
        headers=county,
    )
    role_id = added.json()["roles"][-1]["id"]
    r = await client.post(
        f"/api/v1/persons/{person['id']}/roles/{role_id}/end", json={"valid_to": "2023-01-01"}, headers=other
    )
    t.assert_problem(r, 403, "outside_jurisdiction")


async def test_a_bureau_that_may_register_an_agency_may_add_its_qualifications(client, services):
    national = await t.national(client, services)
    e = await t.create(client, national, division_code="440305", operating_divisions=["410103"])
    county = await t.bureau(client, services, "410103")
    r = await client.post(
        "/api/v1/agencies",
        json={"uscc": e["uscc"], "name": e["name"], "division_code": "440305", "kinds": ["safety_testing"]},
        headers=county,
    )
    assert r.status_code == 201, r.text
    q = {
        "kind": "safety_testing",
        "certificate_no": "T-OP-1",
        "issued_by": "河南省应急管理厅",
        "valid_from": "2024-01-01",
    }
    r = await client.post(f"/api/v1/agencies/{e['uscc']}/qualifications", json=q, headers=county)
    assert r.status_code == 201, r.text
    other = await t.bureau(client, services, "410105")
    r = await client.post(f"/api/v1/agencies/{e['uscc']}/qualifications", json=q, headers=other)
    t.assert_problem(r, 403, "outside_jurisdiction")
