"""Who reads what (DESIGN section 6, decided 2026-12-06): a bureau reads a subject's full file only
within its area (located or operating there) or for subjects it decided on; persons only through
units it may read; outside, it gets the disclosure-level answers (public and partner endpoints).
Refused reads are audited like refused writes.

County A is 410103 (郑州市二七区), county B is 440305 (深圳市南山区); each test registers its own
subjects through a national bureau, so no test depends on another's data.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx
import pytest

from tests import factories as f
from tests.integration import support as t
from tests.integration.test_grades import applied
from tests.integration.test_rules_api import accident, penalty, record

A, B = "410103", "440305"
BASE = "/api/v1/enterprises"
EVENTS = "/api/v1/events"
PERSONS = "/api/v1/persons"
EVALUATE = "/api/v1/rules/evaluate"
LISTINGS = "/api/v1/listings"
TODAY = dt.date(2026, 11, 26)


@pytest.fixture(autouse=True)
def _pinned_today(_reset_clock: None, clock: Any) -> None:
    clock.at = dt.datetime(TODAY.year, TODAY.month, TODAY.day, 4, tzinfo=dt.UTC)  # noon in Beijing


async def person_with_role(client: httpx.AsyncClient, h: dict[str, str], uscc: str, name: str = "王五") -> dict:
    number = t.person_id()
    person = await client.post(PERSONS, json={"id_number": number, "name": name}, headers=h)
    assert person.status_code == 201, person.text
    role = {"uscc": uscc, "role": "principal", "valid_from": "2020-01-01"}
    r = await client.post(f"{PERSONS}/{person.json()['id']}/roles", json=role, headers=h)
    assert r.status_code == 201, r.text
    return {**r.json(), "id_number": number}


async def file_of(client: httpx.AsyncClient, national: dict[str, str], division: str, **over: Any) -> dict:
    """A unit in ``division`` with a principal, an event and a grade in progress."""
    unit = await t.create(client, national, division_code=division, **over)
    unit["person"] = await person_with_role(client, national, unit["uscc"])
    unit["event"] = await record(client, national, {**accident(unit["uscc"], "2026-09-01", 1), "remarks": "内部备注"})
    unit["grade"] = await applied(client, national, unit["uscc"])
    return unit


async def assert_read_refused(
    client: httpx.AsyncClient, services: Any, h: dict[str, str], unit: dict[str, Any]
) -> None:
    """Every part of the unit's full file is 403 outside_jurisdiction for ``h``, each audited."""
    uscc = unit["uscc"]
    r = await client.get(f"{BASE}/{uscc}", headers=h)
    body = t.assert_problem(r, 403, "outside_jurisdiction")
    # the disclosure-level answers stay open to the bureau: the refusal says where they are
    assert body["public"] == f"/api/v1/public/enterprises/{uscc}"
    assert body["partner"] == f"/api/v1/partner/status/{uscc}"
    assert "内部备注" not in r.text
    t.assert_problem(await client.get(f"{BASE}/{uscc}/grades", headers=h), 403, "outside_jurisdiction")
    grade = unit["grade"]["id"]
    t.assert_problem(await client.get(f"{BASE}/{uscc}/grades/{grade}", headers=h), 403, "outside_jurisdiction")
    t.assert_problem(await client.get(f"{EVENTS}/{unit['event']['id']}", headers=h), 403, "outside_jurisdiction")
    r = await client.get(EVENTS, params={"uscc": uscc}, headers=h)
    t.assert_problem(r, 403, "outside_jurisdiction")
    r = await client.post(EVALUATE, json={"subject": {"uscc": uscc}}, headers=h)
    t.assert_problem(r, 403, "outside_jurisdiction")
    assert "内部备注" not in r.text
    denied = [(a.action, a.outcome) for a in await t.audit_for(services, uscc) if a.outcome == "denied"]
    assert ("enterprise.read", "denied") in denied
    assert ("grade.read", "denied") in denied
    assert ("event.read", "denied") in denied
    assert ("facts.read", "denied") in denied
    [event_denied] = await t.audit_for(services, str(unit["event"]["id"]), "event.read")
    assert event_denied.outcome == "denied"


async def assert_readable(client: httpx.AsyncClient, h: dict[str, str], unit: dict[str, Any]) -> None:
    uscc = unit["uscc"]
    r = await client.get(f"{BASE}/{uscc}", headers=h)
    assert r.status_code == 200, r.text
    assert r.json()["principal"]["person_id"] == unit["person"]["id"]
    r = await client.get(f"{BASE}/{uscc}/grades", headers=h)
    assert r.status_code == 200, r.text
    assert [g["id"] for g in r.json()["grades"]] == [unit["grade"]["id"]]
    assert (await client.get(f"{BASE}/{uscc}/grades/{unit['grade']['id']}", headers=h)).status_code == 200
    r = await client.get(f"{EVENTS}/{unit['event']['id']}", headers=h)
    assert r.status_code == 200, r.text
    assert r.json()["remarks"] == "内部备注"
    r = await client.get(EVENTS, params={"uscc": uscc}, headers=h)
    assert r.status_code == 200, r.text
    assert [e["id"] for e in r.json()["items"]] == [unit["event"]["id"]]
    r = await client.post(EVALUATE, json={"subject": {"uscc": uscc}}, headers=h)
    assert r.status_code == 200, r.text
    assert [e["id"] for e in r.json()["facts"]["events"]] == [unit["event"]["id"]]
    r = await client.get(f"{PERSONS}/{unit['person']['id']}", headers=h)
    assert r.status_code == 200, r.text
    assert [x["uscc"] for x in r.json()["roles"]] == [uscc]


async def test_a_county_reads_nothing_of_another_countys_file_and_each_refusal_is_audited(client, services):
    national = await t.national(client, services)
    theirs = await file_of(client, national, B)
    county = await t.bureau(client, services, A)
    before = await t.counts(services)
    await assert_read_refused(client, services, county, theirs)
    # refusals write their audit rows and nothing else
    after = await t.counts(services)
    assert after == {**before, "audit_entries": after["audit_entries"]}
    assert after["audit_entries"] >= before["audit_entries"] + 6
    [entry] = await t.audit_for(services, theirs["uscc"], "enterprise.read")
    assert (entry.outcome, entry.actor_role, entry.target_type) == ("denied", "bureau", "enterprise")
    assert B in (entry.detail or "")
    # the disclosure-level answers stay open to it
    r = await client.get(f"/api/v1/partner/status/{theirs['uscc']}", headers=county)
    assert r.status_code == 200, r.text
    assert (await client.get(f"/api/v1/public/enterprises/{theirs['uscc']}")).status_code == 200


async def test_a_county_reads_the_whole_file_of_its_own_units(client, services):
    national = await t.national(client, services)
    ours = await file_of(client, national, A)
    await assert_readable(client, await t.bureau(client, services, A), ours)


async def test_an_enterprise_operating_in_the_area_is_readable(client, services):
    national = await t.national(client, services)
    operating = await file_of(client, national, B, operating_divisions=[A])
    await assert_readable(client, await t.bureau(client, services, A), operating)
    # a neighbouring county of A has no part in it
    await assert_read_refused(client, services, await t.bureau(client, services, "410105"), operating)


async def test_a_subject_the_bureau_decided_on_stays_readable_after_it_moves_away(client, services):
    county = await t.bureau(client, services, A)
    unit = await t.create(client, county, division_code=A)
    pen = await record(client, county, penalty(unit["uscc"], "2026-10-15"))
    national = await t.national(client, services)
    r = await client.patch(f"{BASE}/{unit['uscc']}", json={"version": 1, "division_code": B}, headers=national)
    assert r.status_code == 200, r.text
    # the county recorded a penalty on it: its file stays open to the county
    r = await client.get(f"{BASE}/{unit['uscc']}", headers=county)
    assert r.status_code == 200, r.text
    assert r.json()["division_code"] == B
    r = await client.get(EVENTS, params={"uscc": unit["uscc"]}, headers=county)
    assert [e["id"] for e in r.json()["items"]] == [pen["id"]]
    r = await client.post(EVALUATE, json={"subject": {"uscc": unit["uscc"]}}, headers=county)
    assert r.status_code == 200, r.text
    # another county of the same prefecture decided nothing on it
    other = await t.bureau(client, services, "410105")
    t.assert_problem(await client.get(f"{BASE}/{unit['uscc']}", headers=other), 403, "outside_jurisdiction")


async def test_the_deciding_authority_reads_its_listing_after_the_unit_moves_away(client, services):
    county = await t.bureau(client, services, A)
    unit = await t.create(client, county, division_code=A)
    acc = await record(client, county, accident(unit["uscc"], "2026-09-01", 12))
    await record(client, county, penalty(unit["uscc"], "2026-10-15", links=[acc["id"]]))
    r = await client.post(LISTINGS, json={"subject": {"uscc": unit["uscc"]}, "with_persons": False}, headers=county)
    assert r.status_code == 201, r.text
    listing = r.json()["listing"]
    national = await t.national(client, services)
    r = await client.patch(f"{BASE}/{unit['uscc']}", json={"version": 1, "division_code": B}, headers=national)
    assert r.status_code == 200, r.text
    r = await client.get(f"{LISTINGS}/{listing['id']}", headers=county)
    assert r.status_code == 200, r.text
    assert [x["step"] for x in r.json()["history"]] == ["propose"]
    other = await t.bureau(client, services, "410105")
    r = await client.get(f"{LISTINGS}/{listing['id']}", headers=other)
    t.assert_problem(r, 403, "outside_jurisdiction")
    [denied] = await t.audit_for(services, str(listing["id"]), "listing.read")
    assert denied.outcome == "denied"


async def test_search_returns_only_units_within_the_area(client, services):
    national = await t.national(client, services)
    frag = t.cjk(4)
    mine = await t.create(client, national, division_code=A, name=f"{frag}本县有限公司")
    operating = await t.create(client, national, division_code=B, operating_divisions=[A], name=f"{frag}经营公司")
    theirs = await t.create(client, national, division_code=B, name=f"{frag}外省有限公司")
    county = await t.bureau(client, services, A)

    async def found(h: dict[str, str], **params: str) -> set[str]:
        r = await client.get(BASE, params={"q": frag, **params}, headers=h)
        assert r.status_code == 200, r.text
        return {e["uscc"] for e in r.json()["items"]}

    assert await found(county) == {mine["uscc"], operating["uscc"]}
    # a wider filter is narrowed to the area; a filter elsewhere finds nothing
    assert await found(county, division="41") == {mine["uscc"], operating["uscc"]}
    assert await found(county, division="44") == set()
    assert await found(county, uscc_prefix=theirs["uscc"][:10]) == set()
    assert await found(national) == {mine["uscc"], operating["uscc"], theirs["uscc"]}
    province = await t.bureau(client, services, "440000", "provincial")
    assert await found(province) == {operating["uscc"], theirs["uscc"]}
    # cursor pages of a narrowed search walk the area only
    first = await client.get(BASE, params={"q": frag, "limit": 1}, headers=county)
    page = first.json()
    assert len(page["items"]) == 1
    assert page["next_cursor"]
    second = await client.get(BASE, params={"q": frag, "limit": 1, "cursor": page["next_cursor"]}, headers=county)
    assert second.status_code == 200, second.text
    assert {page["items"][0]["uscc"], *(e["uscc"] for e in second.json()["items"])} == {
        mine["uscc"],
        operating["uscc"],
    }
    assert second.json()["next_cursor"] is None


async def test_event_lists_stay_within_the_area(client, services):
    national = await t.national(client, services)
    theirs = await file_of(client, national, B)
    county = await t.bureau(client, services, A)
    r = await client.get(EVENTS, params={"division": "4403"}, headers=county)
    assert r.status_code == 200, r.text
    assert r.json()["items"] == []
    r = await client.get(EVENTS, params={"from": "2026-09-01", "to": "2026-09-01"}, headers=county)
    assert theirs["event"]["id"] not in [e["id"] for e in r.json()["items"]]
    r = await client.get(EVENTS, params={"division": "4403"}, headers=national)
    assert theirs["event"]["id"] in [e["id"] for e in r.json()["items"]]


async def test_persons_are_read_through_units_the_bureau_may_read(client, services):
    national = await t.national(client, services)
    ours = await t.create(client, national, division_code=A)
    theirs = await t.create(client, national, division_code=B)
    county = await t.bureau(client, services, A)
    outsider = await person_with_role(client, national, theirs["uscc"], "外省人")
    # an id outside the area answers as if there were none (ids are sequential), and is audited
    r = await client.get(f"{PERSONS}/{outsider['id']}", headers=county)
    body = t.assert_problem(r, 404, "not_found")
    missing = t.assert_problem(await client.get(f"{PERSONS}/{outsider['id'] + 10**9}", headers=county), 404)
    assert body["detail"].replace(str(outsider["id"]), "N") == missing["detail"].replace(
        str(outsider["id"] + 10**9), "N"
    )
    assert "外省人" not in r.text
    [denied] = await t.audit_for(services, str(outsider["id"]), "person.read")
    assert (denied.outcome, denied.target_type) == ("denied", "person")
    # nor through the events of that person (the empty page of an unknown id), or the rules' facts
    r = await client.get(EVENTS, params={"person_id": outsider["id"]}, headers=county)
    assert r.json() == (await client.get(EVENTS, params={"person_id": 10**12}, headers=county)).json()
    assert r.json()["items"] == []
    assert [a.action for a in await t.audit_for(services, str(outsider["id"])) if a.outcome == "denied"] == [
        "person.read",
        "event.read",
    ]
    r = await client.post(EVALUATE, json={"subject": {"person_id": outsider["id"]}}, headers=county)
    t.assert_problem(r, 404)
    # a role in a unit of the area opens the person, but only the roles the bureau may read
    role = {"uscc": ours["uscc"], "role": "safety_deputy", "valid_from": "2021-01-01"}
    added = await client.post(f"{PERSONS}/{outsider['id']}/roles", json=role, headers=county)
    assert added.status_code == 201, added.text
    assert [x["uscc"] for x in added.json()["roles"]] == [ours["uscc"]]
    r = await client.get(f"{PERSONS}/{outsider['id']}", headers=county)
    assert r.status_code == 200, r.text
    assert [x["uscc"] for x in r.json()["roles"]] == [ours["uscc"]]
    r = await client.get(f"{PERSONS}/{outsider['id']}", headers=national)
    assert [x["uscc"] for x in r.json()["roles"]] == [theirs["uscc"], ours["uscc"]]
    # by the full id number (the caller holds it): the person, with the roles it may read only
    other = await t.bureau(client, services, "410105")
    r = await client.post(f"{PERSONS}/lookup", json={"id_number": outsider["id_number"]}, headers=other)
    assert r.status_code == 200, r.text
    assert (r.json()["id"], r.json()["roles"]) == (outsider["id"], [])


async def test_a_person_whose_conduct_was_in_the_area_is_readable(client, services):
    national = await t.national(client, services)
    created = await client.post(PERSONS, json={"id_number": t.person_id(), "name": "李四"}, headers=national)
    pid = created.json()["id"]
    county = await t.bureau(client, services, A)
    t.assert_problem(await client.get(f"{PERSONS}/{pid}", headers=county), 404)
    judged = {
        "kind": "criminal_liability",
        "subject": {"type": "person", "person_id": pid},
        "occurred_on": "2026-06-01",
        "division_code": A,
        "source_document": f"（2026）豫0103刑初{t.rand('0123456789', 5)}号",
        "details": {
            "judgment_no": f"（2026）豫0103刑初{t.rand('0123456789', 5)}号",
            "court": "郑州市二七区人民法院",
            "offence": "重大责任事故罪",
            "sentence": "有期徒刑二年",
        },
    }
    await record(client, county, judged)
    r = await client.get(f"{PERSONS}/{pid}", headers=county)
    assert r.status_code == 200, r.text
    r = await client.get(EVENTS, params={"person_id": pid}, headers=county)
    assert r.status_code == 200, r.text
    assert len(r.json()["items"]) == 1
    r = await client.post(EVALUATE, json={"subject": {"person_id": pid}}, headers=county)
    assert r.status_code == 200, r.text


async def test_a_provincial_bureau_reads_its_subtree_only(client, services):
    national = await t.national(client, services)
    near = await file_of(client, national, A)
    far = await file_of(client, national, "411502")
    theirs = await file_of(client, national, B)
    province = await t.bureau(client, services, "410000", "provincial")
    await assert_readable(client, province, near)
    await assert_readable(client, province, far)
    await assert_read_refused(client, services, province, theirs)


@pytest.mark.parametrize("role", ["national", "admin"])
async def test_national_bureaus_and_admins_read_everything(client, services, role):
    national = await t.national(client, services)
    units = [await file_of(client, national, division) for division in (A, B, "650102")]
    h = national if role == "national" else await f.headers(client, services, "admin")
    for unit in units:
        await assert_readable(client, h, unit)


async def test_agency_profiles_are_readable_everywhere_their_files_are_not(client, services):
    """An agency's profile (kinds, qualification certificates) is the public register of qualified
    agencies, and an agency works all over the country; its enterprise file follows the area rule."""
    national = await t.national(client, services)
    agency = {"uscc": f.uscc(B), "name": "深圳某安全评价有限公司", "division_code": B, "kinds": ["safety_assessment"]}
    assert (await client.post("/api/v1/agencies", json=agency, headers=national)).status_code == 201
    county = await t.bureau(client, services, A)
    r = await client.get(f"/api/v1/agencies/{agency['uscc']}", headers=county)
    assert r.status_code == 200, r.text
    t.assert_problem(await client.get(f"{BASE}/{agency['uscc']}", headers=county), 403, "outside_jurisdiction")


async def test_hypothetical_links_do_not_reach_events_of_another_area(client, services):
    """What-if facts may link stored events only where the bureau may read them: an event elsewhere
    answers exactly as one that does not exist."""
    national = await t.national(client, services)
    theirs = await file_of(client, national, B)
    ours = await t.create(client, national, division_code=A)
    county = await t.bureau(client, services, A)
    fact = {
        "id": -1,
        "kind": "criminal_liability",
        "occurred_on": "2026-10-01",
        "links": [theirs["event"]["id"]],
    }
    body = {"subject": {"uscc": ours["uscc"]}, "hypothetical": {"events": [fact]}}
    r = await client.post(EVALUATE, json=body, headers=county)
    t.assert_field(r, "hypothetical.events[0].links", "unknown_event")
    r = await client.post(EVALUATE, json=body, headers=national)
    assert r.status_code == 200, r.text
