"""The console's grade step forms and event corrections (issue 20, recording): each form posts the
API's body to the same service with the officer's Actor, so a step taken on a page is stored exactly
as the API would store it; a field the service refuses is shown beside the field and nothing is
stored; a step the state does not allow is refused with the service's message; outside the area,
refused.

Twins: the same steps are taken on one enterprise through the console and on another through the
API, and the two grades (and their steps) must read alike through the API's GET.
"""

from __future__ import annotations

import re
from contextlib import aclosing
from typing import Any

import httpx
import pytest

from tests.integration import support as t
from tests.integration.console_support import csrf, field, signed_in
from tests.integration.test_grades import (
    STANDARD,
    TODAY,
    YJ,
    application,
    officer,
    set_today,
    url,
)

HOME, CITY, AWAY = "410103", "410100", "410104"


@pytest.fixture(autouse=True)
def _pinned_today(_reset_clock: None, clock: Any) -> None:
    set_today(clock, TODAY)


def beside(html: str, name: str) -> str:
    """The error shown beside the field ``name`` (the page's own markup: ``id="<name>-error"``)."""
    found = re.search(rf'id="{re.escape(name)}-error"[^>]*>([^<]+)', html)
    assert found is not None, f"no error beside {name} in:\n{html[:3000]}"
    return found.group(1)


async def console_step(console: httpx.AsyncClient, path: str, form: dict[str, str]) -> httpx.Response:
    """Form -> confirmation -> done: the confirmation must be shown, then the step is taken."""
    page = await console.get(path)
    assert page.status_code == 200, page.text
    filled = {"_csrf": field(page.text, "_csrf"), **form}
    for hidden in ("version", "renewal_of"):
        if f'name="{hidden}"' in page.text:
            filled[hidden] = field(page.text, hidden)
    review = await console.post(path, data=filled)
    assert review.status_code == 200, review.text
    assert 'id="confirm"' in review.text, review.text
    return await console.post(path, data={**filled, "confirmed": "1"})


def same_as_api(console_grade: dict[str, Any], api_grade: dict[str, Any]) -> None:
    """The two grades read alike but for who, where and when they were recorded."""

    def kept(g: dict[str, Any]) -> dict[str, Any]:
        out = {k: v for k, v in g.items() if k not in ("id", "uscc", "steps", "renewal_of", "superseded_by")}
        out["steps"] = [
            (st["step"], st["on"], st["status_after"], {k: v for k, v in st["data"].items() if k != "event_ids"})
            for st in g["steps"]
        ]
        return out

    assert kept(console_grade) == kept(api_grade)


async def test_every_step_from_application_to_revocation_stores_what_the_api_would(
    app: Any, services: Any, client: httpx.AsyncClient
) -> None:
    county_api, _ = await officer(client, services, HOME, "county")
    city_api, _ = await officer(client, services, CITY, "prefectural")
    county = await signed_in(app, services, HOME, "county")
    city = await signed_in(app, services, CITY, "prefectural")
    mine = (await t.create(client, county_api))["uscc"]
    twin = (await t.create(client, county_api))["uscc"]
    apply_form = {
        "level": "3",
        "scheme": YJ,
        "standard": STANDARD,
        "self_score": "86.5",
        "self_assessed_on": "2026-05-20",
        "applied_on": "2026-06-01",
    }
    steps: list[tuple[str, dict[str, str], dict[str, Any]]] = [
        ("review", {"on": "2026-07-01", "passed": "1", "score": "90"}, {"passed": True, "score": 90}),
        ("audit", {"on": "2026-07-15", "passed": "1", "remarks": "材料齐全"}, {"passed": True, "remarks": "材料齐全"}),
        ("announce", {"on": "2026-08-01", "announcement_no": "郑应急公告〔2026〕8号"}, {}),
        ("certificate", {"on": "2026-08-05", "certificate_no": "豫AQBJX3-2026-001"}, {}),
        (
            "annual-checks",
            {
                "on": "2026-11-10",
                "kind": "inspection",
                "result": "findings",
                "findings": "应急预案未演练",
                "rectification_deadline": "2026-12-31",
            },
            {},
        ),
        ("rectify", {"on": "2026-11-20", "evidence": "已于11月组织演练，附记录"}, {}),
        ("revoke", {"on": "2026-11-26", "reason": "system_ineffective", "decision_no": "郑应急撤〔2026〕1号"}, {}),
    ]
    async with aclosing(county.client) as c, aclosing(city.client) as p:
        done = await console_step(c, f"/console/enterprises/{mine}/grades/new", apply_form)
        assert done.status_code == 303, done.text
        grade_path = done.headers["location"].split("?")[0]
        grade_id = int(grade_path.rsplit("/", 1)[1])
        api_grade = await client.post(
            url(twin),
            json=application(self_score=86.5, assessed="2026-05-20", applied="2026-06-01"),
            headers=county_api,
        )
        assert api_grade.status_code == 201, api_grade.text
        twin_grade = api_grade.json()
        for path, form, _ in steps:
            shown = await p.get(grade_path)
            assert f'href="{grade_path}/{path}"' in shown.text, path  # one click away on the grade's page
            done = await console_step(p, f"{grade_path}/{path}", form)
            assert done.status_code == 303, (path, done.text)
            assert done.headers["location"] == f"{grade_path}?done={path}"
            body: dict[str, Any] = {k: v for k, v in form.items() if k not in ("passed",)}
            if "passed" in form:
                body["passed"] = True
            for number in ("score",):
                if number in body:
                    body[number] = float(body[number])
            answer = await client.post(
                url(twin, twin_grade["id"], path), json={**body, "version": twin_grade["version"]}, headers=city_api
            )
            assert answer.status_code == 200, (path, answer.text)
            twin_grade = answer.json()
        got = (await client.get(url(mine, grade_id), headers=county_api)).json()
        assert got["status"] == "revoked"
        same_as_api(got, twin_grade)
        page = await c.get(f"/console/enterprises/{mine}")
        assert f'href="/console/enterprises/{mine}/grades/{grade_id}"' in page.text


async def test_a_field_the_service_refuses_is_shown_beside_it_and_nothing_is_stored(
    app: Any, services: Any, client: httpx.AsyncClient
) -> None:
    county_api, _ = await officer(client, services, HOME, "county")
    city = await signed_in(app, services, CITY, "prefectural")
    uscc = (await t.create(client, county_api))["uscc"]
    made = await client.post(
        url(uscc), json=application(assessed="2026-05-20", applied="2026-06-01"), headers=county_api
    )
    assert made.status_code == 201, made.text
    before = made.json()
    path = f"/console/enterprises/{uscc}/grades/{before['id']}/review"
    async with aclosing(city.client) as p:
        token = await csrf(p, path)
        # the form's own check: the date is required
        missing = await p.post(path, data={"_csrf": token, "version": "1", "passed": "1", "score": "90"})
        assert missing.status_code == 422
        assert beside(missing.text, "on") == "请填写办理日期"
        # the service's check, beside the field it names: passed needs a score at the threshold
        low = {"_csrf": token, "version": "1", "on": "2026-07-01", "passed": "1", "score": "10", "confirmed": "1"}
        refused = await p.post(path, data=low)
        assert refused.status_code == 422, refused.text
        assert "分" in beside(refused.text, "score")
        assert 'value="10"' in refused.text  # what was typed is kept
        future = await p.post(path, data={**low, "score": "90", "on": "2026-12-01"})
        assert future.status_code == 422
        assert "不能晚于今天" in beside(future.text, "on")
    after = (await client.get(url(uscc, before["id"]), headers=county_api)).json()
    assert (after["status"], after["version"], len(after["steps"])) == ("applied", 1, 1)


async def test_a_step_the_state_does_not_allow_is_refused_with_the_service_message(
    app: Any, services: Any, client: httpx.AsyncClient
) -> None:
    county_api, _ = await officer(client, services, HOME, "county")
    city = await signed_in(app, services, CITY, "prefectural")
    uscc = (await t.create(client, county_api))["uscc"]
    made = await client.post(
        url(uscc), json=application(assessed="2026-05-20", applied="2026-06-01"), headers=county_api
    )
    grade = made.json()
    grade_path = f"/console/enterprises/{uscc}/grades/{grade['id']}"
    async with aclosing(city.client) as p:
        page = await p.get(grade_path)
        assert f'href="{grade_path}/review"' in page.text
        assert f'href="{grade_path}/revoke"' not in page.text  # not offered while applied
        token = await csrf(p, grade_path + "/review")
        form = {"_csrf": token, "version": "1", "on": "2026-07-01", "reason": "system_ineffective"}
        refused = await p.post(grade_path + "/revoke", data={**form, "decision_no": "撤1", "confirmed": "1"})
        assert refused.status_code == 409, refused.text
        refusal = re.search(r'id="refusal"[^>]*>([^<]+)', refused.text)
        assert refusal is not None
        assert refusal.group(1).startswith(f"等级 {grade['id']} 当前为已申请，不能撤销")
        # a version someone changed in between: the service's 409, nothing overwritten
        stale = await p.post(grade_path + "/withdraw", data={**form, "version": "7", "confirmed": "1"})
        assert stale.status_code == 409
    after = (await client.get(url(uscc, grade["id"]), headers=county_api)).json()
    assert after == grade


async def test_outside_the_area_or_the_grading_authority_the_step_is_refused(
    app: Any, services: Any, client: httpx.AsyncClient
) -> None:
    county_api, _ = await officer(client, services, HOME, "county")
    away = await signed_in(app, services, AWAY, "county")
    county = await signed_in(app, services, HOME, "county")
    uscc = (await t.create(client, county_api))["uscc"]
    made = await client.post(
        url(uscc), json=application(assessed="2026-05-20", applied="2026-06-01"), headers=county_api
    )
    grade = made.json()
    path = f"/console/enterprises/{uscc}/grades/{grade['id']}/review"
    form = {"version": "1", "on": "2026-07-01", "passed": "1", "score": "90", "confirmed": "1"}
    async with aclosing(away.client) as a, aclosing(county.client) as c:
        assert (await a.get(path)).status_code == 403
        assert (await a.post(path, data={**form, "_csrf": await csrf(a)})).status_code == 403
        assert (await a.get(f"/console/enterprises/{uscc}/grades/new")).status_code == 403
        # the county covers the enterprise but level 3 is graded by the city: the service's refusal
        refused = await c.post(path, data={**form, "_csrf": await csrf(c)})
        assert refused.status_code == 403
        assert "办理" in refused.text
    after = (await client.get(url(uscc, grade["id"]), headers=county_api)).json()
    assert after == grade


async def test_revocation_is_confirmed_with_what_the_rules_end(
    app: Any, services: Any, client: httpx.AsyncClient
) -> None:
    county_api, _ = await officer(client, services, HOME, "county")
    city_api, _ = await officer(client, services, CITY, "prefectural")
    city = await signed_in(app, services, CITY, "prefectural")
    uscc = (await t.create(client, county_api))["uscc"]
    g = (
        await client.post(
            url(uscc), json=application(self_score=95, assessed="2026-01-05", applied="2026-01-10"), headers=county_api
        )
    ).json()
    for action, body in (
        ("review", {"on": "2026-02-01", "passed": True, "score": 95}),
        ("audit", {"on": "2026-02-10", "passed": True}),
    ):
        r = await client.post(url(uscc, g["id"], action), json={**body, "version": g["version"]}, headers=city_api)
        assert r.status_code == 200, r.text
        g = r.json()
    async with aclosing(city.client) as p:
        announce = f"/console/enterprises/{uscc}/grades/{g['id']}/announce"
        form = {"_csrf": await csrf(p, announce), "version": str(g["version"]), "on": "2026-03-01"}
        review = await p.post(announce, data={**form, "announcement_no": "公告1"})
        # the incentives the grade brings under the rules of 二七区, before it is announced
        begun = re.search(r'id="what-if-new"[^>]*>([^<]+)', review.text)
        assert begun is not None, review.text
        assert "保险" in begun.group(1)
        done = await p.post(announce, data={**form, "announcement_no": "公告1", "confirmed": "1"})
        assert done.status_code == 303, done.text
    g = (await client.get(url(uscc, g["id"]), headers=county_api)).json()
    assert (g["status"], g["announced_on"], g["valid_until"]) == ("valid", "2026-03-01", "2029-03-01")
    city = await signed_in(app, services, CITY, "prefectural")
    path = f"/console/enterprises/{uscc}/grades/{g['id']}/revoke"
    async with aclosing(city.client) as p:
        form = {
            "_csrf": await csrf(p, path),
            "version": str(g["version"]),
            "on": "2026-11-20",
            "reason": "fatal_accident",
            "decision_no": "郑应急撤〔2026〕2号",
        }
        # this reason must cite the accident: the service's message beside event_ids, nothing stored
        refused = await p.post(path, data={**form, "confirmed": "1"})
        assert refused.status_code == 422
        assert "死亡事故" in beside(refused.text, "event_ids")
        form["reason"] = "system_ineffective"
        review = await p.post(path, data=form)
        assert review.status_code == 200
        # the rules' decision today and after the revocation: the grade's incentives end
        ended = re.search(r'id="what-if-ended"[^>]*>([^<]+)', review.text)
        assert ended is not None, review.text
        assert "保险" in ended.group(1)
        still = (await client.get(url(uscc, g["id"]), headers=county_api)).json()
        assert still == g  # a confirmation page stores nothing
        done = await p.post(path, data={**form, "confirmed": "1"})
        assert done.status_code == 303, done.text
    got = (await client.get(url(uscc, g["id"]), headers=county_api)).json()
    assert (got["status"], got["revocation_reason"], got["version"]) == ("revoked", "system_ineffective", 5)


async def test_the_desk_links_grades_to_review_to_a_list_with_the_step_forms(
    app: Any, services: Any, client: httpx.AsyncClient
) -> None:
    county_api, _ = await officer(client, services, HOME, "county")
    city = await signed_in(app, services, CITY, "prefectural")
    uscc = (await t.create(client, county_api))["uscc"]
    grade = (
        await client.post(url(uscc), json=application(assessed="2026-05-20", applied="2026-06-01"), headers=county_api)
    ).json()
    async with aclosing(city.client) as p:
        desk = await p.get("/console/")
        assert 'href="/console/grades/queue/grades"' in desk.text
        assert 'href="/console/grades/queue/renewals"' in desk.text
        listed = await p.get("/console/grades/queue/grades")
        assert listed.status_code == 200
        assert f'href="/console/enterprises/{uscc}/grades/{grade["id"]}/review"' in listed.text
        assert (await p.get("/console/grades/queue/nothing")).status_code == 404


async def test_renewals_due_are_listed_with_the_renewal_form(
    app: Any, services: Any, client: httpx.AsyncClient
) -> None:
    county_api, _ = await officer(client, services, HOME, "county")
    city_api, _ = await officer(client, services, CITY, "prefectural")
    county = await signed_in(app, services, HOME, "county")
    uscc = (await t.create(client, county_api))["uscc"]
    g = (
        await client.post(
            url(uscc), json=application(self_score=95, assessed="2023-11-20", applied="2023-12-01"), headers=county_api
        )
    ).json()
    for action, body in (
        ("review", {"on": "2023-12-20", "passed": True, "score": 95}),
        ("audit", {"on": "2024-01-05", "passed": True}),
        ("announce", {"on": "2024-01-10", "announcement_no": "公告2"}),
    ):
        r = await client.post(url(uscc, g["id"], action), json={**body, "version": g["version"]}, headers=city_api)
        assert r.status_code == 200, r.text
        g = r.json()
    assert g["valid_until"] == "2027-01-10"  # within 90 days of 2026-11-26, its renewal window open
    renew = f"/console/enterprises/{uscc}/grades/new?renewal_of={g['id']}"
    async with aclosing(county.client) as c:
        listed = await c.get("/console/grades/queue/renewals")
        assert f'href="{renew}"' in listed.text
        assert f'href="{renew}"' in (await c.get(f"/console/enterprises/{uscc}")).text
        form = {
            "level": "3",
            "scheme": YJ,
            "standard": STANDARD,
            "self_score": "90",
            "self_assessed_on": "2026-11-20",
            "applied_on": "2026-11-25",
        }
        page = await c.get(renew)
        assert field(page.text, "renewal_of") == str(g["id"])
        token = field(page.text, "_csrf")
        # the service's renewal rule, beside the date it names
        early = await c.post(
            renew.split("?", maxsplit=1)[0],
            data={
                **form,
                "self_assessed_on": "2026-08-20",
                "applied_on": "2026-09-01",
                "_csrf": token,
                "renewal_of": str(g["id"]),
                "confirmed": "1",
            },
        )
        assert early.status_code == 422
        assert "复评须在期满前" in beside(early.text, "applied_on")
        done = await console_step(c, renew, form)
        assert done.status_code == 303, done.text
        new_id = int(done.headers["location"].split("?")[0].rsplit("/", 1)[1])
    got = (await client.get(url(uscc, new_id), headers=county_api)).json()
    assert (got["renewal_of"], got["status"], got["self_score"]) == (g["id"], "applied", 90.0)
