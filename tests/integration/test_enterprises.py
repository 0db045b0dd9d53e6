"""The enterprise register through the API: register, read, update, aliases, search, pages."""

from __future__ import annotations

import datetime as dt

from tests import factories as f
from tests.integration import support as t

BASE = "/api/v1/enterprises"


async def search(client, headers, **params):
    r = await client.get(BASE, params=params, headers=headers)
    assert r.status_code == 200, r.text
    return r.json()


async def usccs(client, headers, **params) -> set[str]:
    page = await search(client, headers, limit=500, **params)
    assert page["next_cursor"] is None
    return {e["uscc"] for e in page["items"]}


async def test_create_and_read_back_every_field(client, services):
    h = await t.bureau(client, services)
    reg, org = t.registration_no(), t.org_code()
    body = f.enterprise(
        industry="chemical",
        scale="micro",
        address="郑州市二七区航海中路 1 号",
        registration_no=reg,
        org_code=org.replace("-", ""),
        operating_divisions=["410105", "410103"],
        name_valid_from="2020-05-01",
    )
    r = await client.post(BASE, json=body, headers=h)
    assert r.status_code == 201, r.text
    got = (await client.get(f"{BASE}/{body['uscc']}", headers=h)).json()
    assert got == r.json()
    assert got["uscc"] == body["uscc"]
    assert got["division_code"] == "410103"
    assert got["division_name"] == "河南省郑州市二七区"
    assert got["reg_division"] == body["uscc"][2:8]
    assert (got["industry"], got["industry_name"]) == ("chemical", "化工（含石油化工）")
    assert (got["scale"], got["scale_name"]) == ("micro", "小微")
    assert got["address"] == body["address"]
    assert got["status"] == "active"
    assert got["registration_no"] == reg
    assert got["org_code"] == org  # stored in the hyphenated form
    assert got["operating_divisions"] == ["410103", "410105"]
    assert got["version"] == 1
    assert got["is_agency"] is False
    assert [(n["name"], n["valid_from"]) for n in got["names"]] == [(body["name"], "2020-05-01")]


async def test_same_uscc_twice_is_a_conflict_and_the_first_stays(client, services):
    h = await t.bureau(client, services)
    first = await t.create(client, h)
    r = await client.post(BASE, json=f.enterprise(uscc=first["uscc"], name="另一家公司"), headers=h)
    t.assert_problem(r, 409, "conflict")
    got = (await client.get(f"{BASE}/{first['uscc']}", headers=h)).json()
    assert got["name"] == first["name"]
    assert got["version"] == 1


async def test_unknown_but_valid_uscc_is_404(client, services):
    h = await t.bureau(client, services)
    r = await client.get(f"{BASE}/{f.uscc()}", headers=h)
    t.assert_problem(r, 404, "not_found")
    before = await t.counts(services)
    r = await client.patch(f"{BASE}/{f.uscc()}", json={"version": 1, "scale": "micro"}, headers=h)
    t.assert_problem(r, 404, "not_found")
    assert await t.counts(services) == before


async def test_name_change_appends_history_and_bumps_version(client, services):
    h = await t.bureau(client, services)
    e = await t.create(client, h)
    new_name = e["name"].replace("有限公司", "股份有限公司")
    r = await client.patch(
        f"{BASE}/{e['uscc']}", json={"version": 1, "name": new_name, "name_valid_from": "2024-01-02"}, headers=h
    )
    assert r.status_code == 200, r.text
    got = r.json()
    assert got["name"] == new_name
    assert got["version"] == 2
    assert [n["name"] for n in got["names"]] == [e["name"], new_name]
    assert got["names"][1]["valid_from"] == "2024-01-02"
    read = (await client.get(f"{BASE}/{e['uscc']}", headers=h)).json()
    assert read["names"] == got["names"]

    [entry] = await t.audit_for(services, e["uscc"], "enterprise.update")
    assert entry.before["name"] == e["name"]
    assert entry.after["name"] == new_name
    assert (entry.before["version"], entry.after["version"]) == (1, 2)


async def test_stale_version_is_409_with_the_current_state_and_changes_nothing(client, services):
    h = await t.bureau(client, services)
    e = await t.create(client, h)
    ok = await client.patch(f"{BASE}/{e['uscc']}", json={"version": 1, "scale": "micro"}, headers=h)
    assert ok.status_code == 200, ok.text
    before = await t.counts(services)
    stale = await client.patch(f"{BASE}/{e['uscc']}", json={"version": 1, "name": "迟到的名称有限公司"}, headers=h)
    body = t.assert_problem(stale, 409, "conflict")
    assert body["current"]["version"] == 2
    assert body["current"]["scale"] == "micro"
    assert body["current"]["name"] == e["name"]
    assert await t.counts(services) == before
    got = (await client.get(f"{BASE}/{e['uscc']}", headers=h)).json()
    assert (got["name"], got["version"]) == (e["name"], 2)


async def test_update_that_changes_nothing_keeps_the_version_and_writes_no_audit(client, services):
    h = await t.bureau(client, services)
    e = await t.create(client, h)
    before = await t.counts(services)
    r = await client.patch(f"{BASE}/{e['uscc']}", json={"version": 1, "name": e["name"]}, headers=h)
    assert r.status_code == 200, r.text
    assert r.json()["version"] == 1
    assert await t.counts(services) == before


async def test_status_change_and_status_filter(client, services):
    h = await t.bureau(client, services)
    fam = t.Family()
    a = await t.create(client, h, uscc=fam.uscc())
    b = await t.create(client, h, uscc=fam.uscc())
    r = await client.patch(f"{BASE}/{a['uscc']}", json={"version": 1, "status": "deregistered"}, headers=h)
    assert r.status_code == 200, r.text
    assert (r.json()["status"], r.json()["version"]) == ("deregistered", 2)
    assert await usccs(client, h, uscc_prefix=fam.prefix, status="deregistered") == {a["uscc"]}
    assert await usccs(client, h, uscc_prefix=fam.prefix, status="active") == {b["uscc"]}


async def test_legacy_aliases_belong_to_one_enterprise(client, services):
    h = await t.bureau(client, services)
    reg, org = t.registration_no(), t.org_code()
    owner = await t.create(client, h, registration_no=reg, org_code=org)
    before = await t.counts(services)
    for clash in ({"registration_no": reg}, {"org_code": org}, {"org_code": org.replace("-", "")}):
        other = f.enterprise(**clash)
        r = await client.post(BASE, json=other, headers=h)
        body = t.assert_problem(r, 409, "conflict")
        assert body["field"] == next(iter(clash))
        t.assert_problem(await client.get(f"{BASE}/{other['uscc']}", headers=h), 404)
    assert await t.counts(services) == before

    # an existing enterprise cannot take them either
    second = await t.create(client, h)
    r = await client.patch(f"{BASE}/{second['uscc']}", json={"version": 1, "registration_no": reg}, headers=h)
    t.assert_problem(r, 409, "conflict")
    assert (await client.get(f"{BASE}/{second['uscc']}", headers=h)).json()["registration_no"] is None

    # once the owner's number is corrected, the old one is free
    fixed = t.registration_no()
    r = await client.patch(f"{BASE}/{owner['uscc']}", json={"version": 1, "registration_no": fixed}, headers=h)
    assert r.status_code == 200, r.text
    assert r.json()["registration_no"] == fixed
    r = await client.patch(f"{BASE}/{second['uscc']}", json={"version": 1, "registration_no": reg}, headers=h)
    assert r.status_code == 200, r.text
    assert r.json()["registration_no"] == reg


async def test_operating_divisions_are_replaced_on_update(client, services):
    h = await t.bureau(client, services, division="410000", level="provincial")
    e = await t.create(client, h, operating_divisions=["410105"])
    assert e["operating_divisions"] == ["410105"]
    r = await client.patch(
        f"{BASE}/{e['uscc']}", json={"version": 1, "operating_divisions": ["410106", "410102", "410106"]}, headers=h
    )
    assert r.status_code == 200, r.text
    assert r.json()["operating_divisions"] == ["410102", "410106"]
    [entry] = await t.audit_for(services, e["uscc"], "enterprise.update")
    assert entry.before["operating_divisions"] == ["410105"]
    assert entry.after["operating_divisions"] == ["410102", "410106"]


async def test_unknown_division_code_is_flagged_not_rejected(client, services):
    h = await t.bureau(client, services, division="410000", level="provincial")
    e = await t.create(client, h, division_code="419999")
    assert e["division_name"] is None
    assert any(fl["code"] == "division_code.unknown" for fl in e["flags"])


async def test_parent_company_link_and_filter(client, services):
    h = await t.bureau(client, services)
    parent = await t.create(client, h)
    kids = [await t.create(client, h, parent_uscc=parent["uscc"]) for _ in range(2)]
    assert kids[0]["parent_uscc"] == parent["uscc"]
    assert await usccs(client, h, parent_uscc=parent["uscc"]) == {k["uscc"] for k in kids}
    me = f.enterprise()
    r = await client.post(BASE, json={**me, "parent_uscc": me["uscc"]}, headers=h)
    t.assert_field(r, "parent_uscc", "self_reference")
    wrong = parent["uscc"][:-1] + ("0" if parent["uscc"][-1] != "0" else "1")
    r = await client.post(BASE, json={**f.enterprise(), "parent_uscc": wrong}, headers=h)
    t.assert_field(r, "parent_uscc", "uscc.check")
    # the filter takes a whole USCC and says so when it gets something else
    r = await client.get(BASE, params={"parent_uscc": parent["uscc"].lower()}, headers=h)
    t.assert_field(r, "parent_uscc", "uscc.lowercase")
    r = await client.get(BASE, params={"parent_uscc": wrong}, headers=h)
    t.assert_field(r, "parent_uscc", "uscc.check")


async def test_search_by_chinese_name_fragment(client, services):
    h = await t.bureau(client, services)
    frag = t.cjk(2)
    hit = await t.create(client, h, name=f"郑州{frag}机械有限公司")
    also = await t.create(client, h, name=f"{frag}重工有限公司")
    await t.create(client, h, name=f"郑州{frag[0]}机械{frag[1]}有限公司")  # both characters, not together
    assert await usccs(client, h, q=frag) == {hit["uscc"], also["uscc"]}
    assert await usccs(client, h, q=f"  {frag}机械 ") == {hit["uscc"]}  # surrounding blanks are ignored


async def test_like_wildcards_in_the_fragment_are_literal(client, services):
    h = await t.bureau(client, services)
    fam = t.Family()
    tag = t.cjk(2)
    pct = await t.create(client, h, uscc=fam.uscc(), name=f"{tag}百分之100%纯度有限公司")
    low = await t.create(client, h, uscc=fam.uscc(), name=f"{tag}下划_线有限公司")
    await t.create(client, h, uscc=fam.uscc(), name=f"{tag}百分之100纯度有限公司")
    await t.create(client, h, uscc=fam.uscc(), name=f"{tag}下划X线有限公司")
    await t.create(client, h, uscc=fam.uscc(), name=f"{tag}反斜\\杠有限公司")
    assert await usccs(client, h, q="100%纯", uscc_prefix=fam.prefix) == {pct["uscc"]}
    assert await usccs(client, h, q="%", uscc_prefix=fam.prefix) == {pct["uscc"]}
    assert await usccs(client, h, q="划_线", uscc_prefix=fam.prefix) == {low["uscc"]}
    assert await usccs(client, h, q="_", uscc_prefix=fam.prefix) == {low["uscc"]}
    assert len(await usccs(client, h, q="\\", uscc_prefix=fam.prefix)) == 1


async def test_search_by_uscc_prefix(client, services):
    h = await t.bureau(client, services)
    fam = t.Family()
    mine = {(await t.create(client, h, uscc=fam.uscc()))["uscc"] for _ in range(3)}
    assert await usccs(client, h, uscc_prefix=fam.prefix) == mine
    one = sorted(mine)[0]
    assert await usccs(client, h, uscc_prefix=one) == {one}
    r = await client.get(BASE, params={"uscc_prefix": fam.prefix.lower()}, headers=h)
    t.assert_field(r, "uscc_prefix", "uscc_prefix")
    r = await client.get(BASE, params={"uscc_prefix": "91I"}, headers=h)
    t.assert_field(r, "uscc_prefix", "uscc_prefix")


async def test_search_by_division_subtree_includes_operating_divisions(client, services):
    h = await t.national(client, services)
    fam = t.Family()
    nanshan = await t.create(client, h, uscc=fam.uscc(), division_code="440305")
    tianhe = await t.create(client, h, uscc=fam.uscc(), division_code="440106")
    erqi_in_nanshan = await t.create(client, h, uscc=fam.uscc(), division_code="410103", operating_divisions=["440305"])
    xihu = await t.create(client, h, uscc=fam.uscc(), division_code="330106")
    p = fam.prefix
    assert await usccs(client, h, uscc_prefix=p, division="44") == {
        nanshan["uscc"],
        tianhe["uscc"],
        erqi_in_nanshan["uscc"],
    }
    assert await usccs(client, h, uscc_prefix=p, division="4403") == {nanshan["uscc"], erqi_in_nanshan["uscc"]}
    assert await usccs(client, h, uscc_prefix=p, division="440305") == {nanshan["uscc"], erqi_in_nanshan["uscc"]}
    assert await usccs(client, h, uscc_prefix=p, division="440106") == {tianhe["uscc"]}
    assert await usccs(client, h, uscc_prefix=p, division="41") == {erqi_in_nanshan["uscc"]}
    assert await usccs(client, h, uscc_prefix=p, division="4101") == {erqi_in_nanshan["uscc"]}
    assert await usccs(client, h, uscc_prefix=p, division="33") == {xihu["uscc"]}
    assert await usccs(client, h, uscc_prefix=p, division="11") == set()
    for bad in ("4", "440", "44030", "4403051", "44a305"):
        r = await client.get(BASE, params={"division": bad}, headers=h)
        t.assert_field(r, "division", "division_prefix")


async def test_search_by_industry_and_scale(client, services):
    h = await t.bureau(client, services)
    fam = t.Family()
    chem = await t.create(client, h, uscc=fam.uscc(), industry="chemical", scale="micro")
    mach = await t.create(client, h, uscc=fam.uscc(), industry="machinery")
    assert await usccs(client, h, uscc_prefix=fam.prefix, industry="chemical") == {chem["uscc"]}
    assert await usccs(client, h, uscc_prefix=fam.prefix, industry="machinery") == {mach["uscc"]}
    assert await usccs(client, h, uscc_prefix=fam.prefix, scale="micro") == {chem["uscc"]}
    assert await usccs(client, h, uscc_prefix=fam.prefix, industry="tobacco") == set()
    r = await client.get(BASE, params={"industry": "steel"}, headers=h)
    t.assert_field(r, "industry", "enum")


async def test_cursor_pages_have_no_duplicates_or_gaps(client, services):
    h = await t.bureau(client, services)
    fam = t.Family()
    mine = [(await t.create(client, h, uscc=fam.uscc()))["uscc"] for _ in range(7)]
    seen: list[str] = []
    sizes = []
    cursor = None
    while True:
        params = {"uscc_prefix": fam.prefix, "limit": 3}
        if cursor:
            params["cursor"] = cursor
        page = await search(client, h, **params)
        sizes.append(len(page["items"]))
        seen.extend(e["uscc"] for e in page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert sizes == [3, 3, 1]
    assert seen == sorted(mine)
    assert len(set(seen)) == len(seen)


async def test_keyset_pages_stay_exact_when_rows_arrive_between_pages(client, services):
    h = await t.bureau(client, services)
    fam = t.Family()
    mine = sorted([(await t.create(client, h, uscc=fam.uscc()))["uscc"] for _ in range(4)])
    first = await search(client, h, uscc_prefix=fam.prefix, limit=2)
    assert [e["uscc"] for e in first["items"]] == mine[:2]
    # register one more; whatever its place, the next pages hold each later row exactly once
    late = (await t.create(client, h, uscc=fam.uscc()))["uscc"]
    rest: list[str] = []
    cursor = first["next_cursor"]
    while cursor:
        page = await search(client, h, uscc_prefix=fam.prefix, limit=2, cursor=cursor)
        rest.extend(e["uscc"] for e in page["items"])
        cursor = page["next_cursor"]
    expected = sorted(u for u in [*mine, late] if u > mine[1])
    assert rest == expected


async def test_invalid_cursor_and_limit_are_422(client, services):
    h = await t.bureau(client, services)
    for cursor in ("!!!", "bm90LWEtdXNjYw", "x"):
        r = await client.get(BASE, params={"cursor": cursor}, headers=h)
        t.assert_field(r, "cursor", "cursor")
    for limit in (0, -1, 100_000):
        r = await client.get(BASE, params={"limit": limit}, headers=h)
        t.assert_field(r, "limit", "range")
    r = await client.get(BASE, params={"q": "长" * 101}, headers=h)
    t.assert_field(r, "q", "too_long")


async def test_update_keeps_names_as_dated_history(client, services, clock):
    h = await t.bureau(client, services)
    e = await t.create(client, h)
    clock.advance(dt.timedelta(days=3))
    h = await t.bureau(client, services)  # tokens are checked against the (moved) service clock
    r = await client.patch(f"{BASE}/{e['uscc']}", json={"version": 1, "name": "第二个名称有限公司"}, headers=h)
    assert r.status_code == 200, r.text
    names = r.json()["names"]
    assert [n["name"] for n in names] == [e["name"], "第二个名称有限公司"]
    when = [dt.datetime.fromisoformat(n["recorded_at"]) for n in names]
    assert when[1] - when[0] >= dt.timedelta(days=3)
    assert dt.datetime.fromisoformat(r.json()["updated_at"]) > dt.datetime.fromisoformat(e["updated_at"])


async def test_a_name_given_no_start_date_starts_on_the_day_in_beijing(client, services, clock):
    """At 20:00 UTC it is 04:00 the next day in Beijing: a name with no start date starts that day,
    not on the UTC date (which is still yesterday for a person in China)."""
    evening = dt.datetime.now(dt.UTC).replace(hour=20, minute=0, second=0, microsecond=0)
    clock.at = evening
    beijing_day = (evening.date() + dt.timedelta(days=1)).isoformat()
    h = await t.bureau(client, services)
    body = f.enterprise()
    body.pop("name_valid_from", None)
    r = await client.post(BASE, json=body, headers=h)
    assert r.status_code == 201, r.text
    assert [n["valid_from"] for n in r.json()["names"]] == [beijing_day]
    renamed = body["name"].replace("有限公司", "股份有限公司")
    r = await client.patch(f"{BASE}/{body['uscc']}", json={"version": 1, "name": renamed}, headers=h)
    assert r.status_code == 200, r.text
    assert [n["valid_from"] for n in r.json()["names"]] == [beijing_day, beijing_day]
