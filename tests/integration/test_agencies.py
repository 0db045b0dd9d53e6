"""Intermediary agencies (中介机构): a profile with qualifications on a registered entity."""

from __future__ import annotations

from tests import factories as f
from tests.integration import support as t

AGENCIES = "/api/v1/agencies"


def agency(division: str = "410103", **over):
    data = {
        "uscc": f.uscc(division),
        "name": f"河南{t.cjk(2)}安全评价有限公司",
        "division_code": division,
        "kinds": ["safety_assessment", "safety_testing"],
        "qualifications": [
            {
                "kind": "safety_assessment",
                "certificate_no": f"APJ-(豫)-{t.rand('0123456789', 3)}",
                "issued_by": "河南省应急管理厅",
                "valid_from": "2022-01-01",
                "valid_to": "2027-01-01",
            },
            {
                "kind": "safety_testing",
                "certificate_no": f"T-{t.rand('0123456789', 5)}",
                "issued_by": "河南省应急管理厅",
                "valid_from": "2023-06-01",
            },
        ],
    }
    data.update(over)
    return data


async def test_register_a_new_agency_with_qualifications(client, services):
    h = await t.bureau(client, services)
    body = agency()
    before = await t.counts(services)
    r = await client.post(AGENCIES, json=body, headers=h)
    assert r.status_code == 201, r.text
    got = r.json()
    assert (got["uscc"], got["name"], got["division_code"]) == (body["uscc"], body["name"], "410103")
    assert got["kinds"] == ["safety_assessment", "safety_testing"]
    assert [(q["kind"], q["certificate_no"], q["valid_to"]) for q in got["qualifications"]] == [
        ("safety_assessment", body["qualifications"][0]["certificate_no"], "2027-01-01"),
        ("safety_testing", body["qualifications"][1]["certificate_no"], None),
    ]
    assert (await client.get(f"{AGENCIES}/{body['uscc']}", headers=h)).json() == got
    # the agency is a registered entity too, findable in the register
    e = (await client.get(f"/api/v1/enterprises/{body['uscc']}", headers=h)).json()
    assert e["is_agency"] is True
    assert e["industry"] == "safety_assessment"
    after = await t.counts(services)
    assert after["enterprises"] == before["enterprises"] + 1
    actions = [a.action for a in await t.audit_for(services, body["uscc"])]
    assert actions == ["enterprise.create", "agency.create"]
    [created] = await t.audit_for(services, body["uscc"], "agency.create")
    assert created.before is None
    assert created.after["kinds"] == body["kinds"]


async def test_attach_an_agency_profile_to_an_existing_enterprise(client, services):
    h = await t.bureau(client, services)
    e = await t.create(client, h, industry="commerce")
    before = await t.counts(services)
    r = await client.post(AGENCIES, json=agency(uscc=e["uscc"], name=e["name"]), headers=h)
    assert r.status_code == 201, r.text
    assert r.json()["uscc"] == e["uscc"]
    after = await t.counts(services)
    assert after["enterprises"] == before["enterprises"]
    got = (await client.get(f"/api/v1/enterprises/{e['uscc']}", headers=h)).json()
    assert got["is_agency"] is True
    assert (got["industry"], got["version"]) == ("commerce", 1)  # the register entry is untouched


async def test_duplicate_agency_is_409_and_changes_nothing(client, services):
    h = await t.bureau(client, services)
    body = agency()
    assert (await client.post(AGENCIES, json=body, headers=h)).status_code == 201
    before = await t.counts(services)
    again = agency(uscc=body["uscc"], kinds=["safety_inspection"], qualifications=[])
    t.assert_problem(await client.post(AGENCIES, json=again, headers=h), 409, "conflict")
    assert await t.counts(services) == before
    assert (await client.get(f"{AGENCIES}/{body['uscc']}", headers=h)).json()["kinds"] == body["kinds"]


async def test_qualification_kind_must_be_declared(client, services):
    h = await t.bureau(client, services)
    body = agency(kinds=["safety_assessment"])  # the second qualification is for testing
    before = await t.counts(services)
    r = await client.post(AGENCIES, json=body, headers=h)
    t.assert_field(r, "qualifications[1].kind", "kind_not_declared")
    assert await t.counts(services) == before
    t.assert_problem(await client.get(f"/api/v1/enterprises/{body['uscc']}", headers=h), 404)


async def test_bad_agency_input_is_named(client, services):
    h = await t.bureau(client, services)
    before = await t.counts(services)
    cases = [
        (agency(kinds=[], qualifications=[]), "kinds", "required"),
        (agency(kinds=["fortune_telling"]), "kinds[0]", "enum"),
        (
            agency(
                kinds=["safety_assessment"],
                qualifications=[
                    {
                        "kind": "safety_assessment",
                        "certificate_no": "X-1",
                        "issued_by": "厅",
                        "valid_from": "2024-02-30",
                    }
                ],
            ),
            "qualifications[0].valid_from",
            "date",
        ),
        (
            agency(
                kinds=["safety_assessment"],
                qualifications=[
                    {
                        "kind": "safety_assessment",
                        "certificate_no": "X-1",
                        "issued_by": "厅",
                        "valid_from": "2024-02-01",
                        "valid_to": "2023-02-01",
                    }
                ],
            ),
            "qualifications[0].valid_to",
            "before_start",
        ),
        (
            agency(
                kinds=["safety_assessment"],
                qualifications=[
                    {"kind": "safety_assessment", "certificate_no": " ", "issued_by": "厅", "valid_from": "2024-02-01"}
                ],
            ),
            "qualifications[0].certificate_no",
            "required",
        ),
        (agency(division_code="4101"), "division_code", "division.format"),
    ]
    for body, fld, rule in cases:
        r = await client.post(AGENCIES, json=body, headers=h)
        t.assert_field(r, fld, rule)
    bad = agency()
    bad["uscc"] = bad["uscc"].lower()
    t.assert_field(await client.post(AGENCIES, json=bad, headers=h), "uscc", "uscc.lowercase")
    assert await t.counts(services) == before


async def test_add_a_qualification(client, services):
    h = await t.bureau(client, services)
    body = agency()
    await client.post(AGENCIES, json=body, headers=h)
    url = f"{AGENCIES}/{body['uscc']}/qualifications"
    q = {"kind": "safety_testing", "certificate_no": "T-NEW-1", "issued_by": "应急管理部", "valid_from": "2024-01-01"}
    r = await client.post(url, json=q, headers=h)
    assert r.status_code == 201, r.text
    assert [x["certificate_no"] for x in r.json()["qualifications"]][-1] == "T-NEW-1"
    [entry] = await t.audit_for(services, body["uscc"], "agency.qualification.add")
    assert entry.after == {"kind": "safety_testing", "certificate_no": "T-NEW-1"}
    before = await t.counts(services)
    r = await client.post(url, json={**q, "kind": "safety_certification"}, headers=h)
    t.assert_field(r, "qualifications[0].kind", "kind_not_declared")
    t.assert_problem(await client.post(f"{AGENCIES}/{f.uscc()}/qualifications", json=q, headers=h), 404)
    assert await t.counts(services) == before


async def test_an_enterprise_that_is_not_an_agency_is_404_here(client, services):
    h = await t.bureau(client, services)
    e = await t.create(client, h)
    t.assert_problem(await client.get(f"{AGENCIES}/{e['uscc']}", headers=h), 404, "not_found")
    t.assert_field(await client.get(f"{AGENCIES}/{e['uscc'].lower()}", headers=h), "uscc", "uscc.lowercase")


async def test_agency_responsible_role_applies_to_agencies(client, services):
    h = await t.bureau(client, services)
    body = agency()
    await client.post(AGENCIES, json=body, headers=h)
    person = await client.post("/api/v1/persons", json={"id_number": t.person_id(), "name": "孙评价"}, headers=h)
    r = await client.post(
        f"/api/v1/persons/{person.json()['id']}/roles",
        json={"uscc": body["uscc"], "role": "agency_responsible", "valid_from": "2024-01-01"},
        headers=h,
    )
    assert r.status_code == 201, r.text
    assert r.json()["roles"][0]["role_name"] == "中介机构直接责任人员"


async def test_search_agencies_by_kind_and_division_in_pages(client, services):
    h = await t.bureau(client, services, "650000", "provincial")
    mine = set()
    for _ in range(3):
        body = agency("650102", kinds=["standardization_review"], qualifications=[])
        assert (await client.post(AGENCIES, json=body, headers=h)).status_code == 201
        mine.add(body["uscc"])
    other = agency("650102", kinds=["safety_inspection"], qualifications=[])
    await client.post(AGENCIES, json=other, headers=h)

    seen: list[str] = []
    cursor = None
    while True:
        params = {"kind": "standardization_review", "division": "6501", "limit": 2}
        if cursor:
            params["cursor"] = cursor
        r = await client.get(AGENCIES, params=params, headers=h)
        assert r.status_code == 200, r.text
        page = r.json()
        assert len(page["items"]) <= 2
        assert all("standardization_review" in a["kinds"] for a in page["items"])
        assert all(a["division_code"].startswith("6501") for a in page["items"])
        seen.extend(a["uscc"] for a in page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == len(set(seen))
    assert seen == sorted(seen)
    assert mine <= set(seen)
    assert other["uscc"] not in seen
    r = await client.get(AGENCIES, params={"division": "651"}, headers=h)
    t.assert_field(r, "division", "division_prefix")
