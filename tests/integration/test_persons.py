"""Persons: GB 11643 numbers go in, only masked forms come out; roles in enterprises with dates."""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import select

from registry.db.models import AuditEntry, Person
from registry.lib.clock import today as beijing_today
from tests.integration import support as t

PERSONS = "/api/v1/persons"


def masked(id_number: str) -> str:
    return id_number[:4] + "*" * 10 + id_number[14:]


def assert_hidden(id_number: str, text: str) -> None:
    """Neither the number nor its hidden middle appears in ``text``."""
    assert id_number not in text
    assert id_number.lower() not in text
    assert id_number[4:14] not in text
    assert id_number[:17] not in text


async def register(client, h, id_number: str, name: str = "张伟"):
    r = await client.post(PERSONS, json={"id_number": id_number, "name": name}, headers=h)
    assert r.status_code in (200, 201), r.text
    assert_hidden(id_number, r.text)
    return r


async def test_register_returns_only_the_masked_number(client, services):
    h = await t.bureau(client, services)
    pid = t.person_id()
    r = await register(client, h, pid, "  李娜  ")
    assert r.status_code == 201
    body = r.json()
    assert body["id_masked"] == masked(pid)
    assert body["name"] == "李娜"
    assert body["roles"] == []
    assert "id_number" not in body
    # a person without a role in a unit is open to national bureaus only (DESIGN section 6: persons
    # are read through units); the registering county sees them once it has added a role
    read = await client.get(f"{PERSONS}/{body['id']}", headers=await t.national(client, services))
    assert read.json() == body
    assert_hidden(pid, read.text)


async def test_same_number_twice_is_one_person(client, services):
    h = await t.bureau(client, services)
    pid = t.person_id()
    first = await register(client, h, pid)
    before = await t.counts(services)
    again = await register(client, h, pid, "另一个名字")
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["name"] == first.json()["name"]
    assert await t.counts(services) == before  # not stored again, not audited again


async def test_lowercase_x_check_character_is_the_same_person(client, services):
    h = await t.bureau(client, services)
    while True:
        pid = t.person_id()
        if pid.endswith("X"):
            break
    first = await register(client, h, pid)
    second = await register(client, h, pid[:-1] + "x")
    assert (first.status_code, second.status_code) == (201, 200)
    assert second.json()["id"] == first.json()["id"]
    assert first.json()["id_masked"].endswith("X")


async def test_lookup_by_post_finds_the_person_and_404_names_no_number(client, services):
    h = await t.bureau(client, services)
    pid = t.person_id()
    created = (await register(client, h, pid)).json()
    r = await client.post(f"{PERSONS}/lookup", json={"id_number": pid}, headers=h)
    assert r.status_code == 200, r.text
    assert r.json()["id"] == created["id"]
    assert_hidden(pid, r.text)
    stranger = t.person_id()
    r = await client.post(f"{PERSONS}/lookup", json={"id_number": stranger}, headers=h)
    t.assert_problem(r, 404, "not_found")
    assert_hidden(stranger, r.text)


async def test_gb11643_rules(client, services):
    h = await t.bureau(client, services)
    good = t.person_id()
    future_body = f"410103{dt.date.today().year + 1}0101123"
    from stdnum.cn import ric

    cases = [
        (good[:-1] + ("0" if good[-1] != "0" else "1"), "resident_id.check"),
        (good[:17], "resident_id.length"),
        (good + "1", "resident_id.length"),
        (good[:10] + "A" + good[11:], "resident_id.format"),
        (future_body + ric.calc_check_digit(future_body + "0"), "resident_id.birth_date"),
    ]
    before = await t.counts(services)
    for number, rule in cases:
        r = await client.post(PERSONS, json={"id_number": number, "name": "错号"}, headers=h)
        t.assert_field(r, "id_number", rule)
        assert number not in r.text
    r = await client.post(PERSONS, json={"id_number": t.person_id(), "name": " "}, headers=h)
    t.assert_field(r, "name", "required")
    assert await t.counts(services) == before


async def test_roles_with_validity_and_the_principal_on_the_enterprise(client, services, clock):
    h = await t.bureau(client, services)
    e = await t.create(client, h)
    pid = t.person_id()
    person = (await register(client, h, pid, "王强")).json()
    today = beijing_today(clock)
    start = (today - dt.timedelta(days=400)).isoformat()
    r = await client.post(
        f"{PERSONS}/{person['id']}/roles", json={"uscc": e["uscc"], "role": "principal", "valid_from": start}, headers=h
    )
    assert r.status_code == 201, r.text
    assert_hidden(pid, r.text)
    [role] = r.json()["roles"]
    assert (role["uscc"], role["enterprise_name"], role["role"], role["role_name"]) == (
        e["uscc"],
        e["name"],
        "principal",
        "主要负责人",
    )
    assert (role["valid_from"], role["valid_to"]) == (start, None)

    got = await client.get(f"/api/v1/enterprises/{e['uscc']}", headers=h)
    assert_hidden(pid, got.text)
    principal = got.json()["principal"]
    assert principal["person_id"] == person["id"]
    assert principal["name"] == "王强"
    assert principal["id_masked"] == masked(pid)
    assert principal["valid_from"] == start
    listed = await client.get("/api/v1/enterprises", params={"uscc_prefix": e["uscc"]}, headers=h)
    assert listed.json()["items"][0]["principal"]["person_id"] == person["id"]
    assert_hidden(pid, listed.text)

    # the role ends yesterday: no principal today
    end = (today - dt.timedelta(days=1)).isoformat()
    r = await client.post(f"{PERSONS}/{person['id']}/roles/{role['id']}/end", json={"valid_to": end}, headers=h)
    assert r.status_code == 200, r.text
    assert r.json()["roles"][0]["valid_to"] == end
    assert (await client.get(f"/api/v1/enterprises/{e['uscc']}", headers=h)).json()["principal"] is None
    again = await client.post(f"{PERSONS}/{person['id']}/roles/{role['id']}/end", json={"valid_to": end}, headers=h)
    t.assert_problem(again, 409, "conflict")

    adds = await t.audit_for(services, str(person["id"]), "person.role.add")
    ends = await t.audit_for(services, str(person["id"]), "person.role.end")
    assert adds[0].after["uscc"] == e["uscc"]
    assert adds[0].after["valid_from"] == start
    assert ends[0].before == {"role_id": role["id"], "valid_to": None}
    assert ends[0].after == {"role_id": role["id"], "valid_to": end}


async def test_future_role_is_not_yet_the_principal(client, services, clock):
    h = await t.bureau(client, services)
    e = await t.create(client, h)
    person = (await register(client, h, t.person_id())).json()
    later = (beijing_today(clock) + dt.timedelta(days=30)).isoformat()
    r = await client.post(
        f"{PERSONS}/{person['id']}/roles", json={"uscc": e["uscc"], "role": "principal", "valid_from": later}, headers=h
    )
    assert r.status_code == 201, r.text
    assert (await client.get(f"/api/v1/enterprises/{e['uscc']}", headers=h)).json()["principal"] is None


async def test_one_person_many_roles(client, services):
    h = await t.bureau(client, services)
    a, b = await t.create(client, h), await t.create(client, h)
    person = (await register(client, h, t.person_id())).json()
    url = f"{PERSONS}/{person['id']}/roles"
    for uscc, role in ((a["uscc"], "legal_representative"), (a["uscc"], "safety_deputy"), (b["uscc"], "principal")):
        r = await client.post(url, json={"uscc": uscc, "role": role, "valid_from": "2021-03-04"}, headers=h)
        assert r.status_code == 201, r.text
    roles = (await client.get(f"{PERSONS}/{person['id']}", headers=h)).json()["roles"]
    assert [(x["uscc"], x["role"]) for x in roles] == [
        (a["uscc"], "legal_representative"),
        (a["uscc"], "safety_deputy"),
        (b["uscc"], "principal"),
    ]


async def test_role_errors(client, services):
    h = await t.bureau(client, services)
    e = await t.create(client, h)
    person = (await register(client, h, t.person_id())).json()
    url = f"{PERSONS}/{person['id']}/roles"
    before = await t.counts(services)
    from tests import factories as f

    r = await client.post(url, json={"uscc": f.uscc(), "role": "principal", "valid_from": "2020-01-01"}, headers=h)
    t.assert_field(r, "uscc", "unknown_enterprise")  # named in the body: 422, the person exists
    r = await client.post(
        f"{PERSONS}/999999999/roles",
        json={"uscc": e["uscc"], "role": "principal", "valid_from": "2020-01-01"},
        headers=h,
    )
    t.assert_problem(r, 404, "not_found")
    r = await client.post(
        url, json={"uscc": e["uscc"], "role": "agency_responsible", "valid_from": "2020-01-01"}, headers=h
    )
    t.assert_field(r, "role", "not_agency")
    r = await client.post(f"{PERSONS}/{person['id']}/roles/999999999/end", json={"valid_to": "2020-01-01"}, headers=h)
    t.assert_problem(r, 404, "not_found")
    assert await t.counts(services) == before


async def test_the_full_number_is_stored_nowhere(client, services):
    h = await t.bureau(client, services)
    pid = t.person_id()
    e = await t.create(client, h)
    person = (await register(client, h, pid)).json()
    await client.post(
        f"{PERSONS}/{person['id']}/roles",
        json={"uscc": e["uscc"], "role": "principal", "valid_from": "2020-01-01"},
        headers=h,
    )
    async with services.db.read() as session:
        row = await session.scalar(select(Person).where(Person.id == person["id"]))
        entries = (await session.scalars(select(AuditEntry).where(AuditEntry.target_id == str(person["id"])))).all()
    assert row is not None
    stored = json.dumps([row.id_hash, row.id_masked, row.name], ensure_ascii=False)
    assert_hidden(pid, stored)
    assert row.id_masked == masked(pid)
    assert len(row.id_hash) == 64
    assert entries
    for entry in entries:
        assert_hidden(pid, json.dumps([entry.before, entry.after, entry.detail], ensure_ascii=False))
