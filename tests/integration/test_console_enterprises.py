"""The console's register forms: register, edit (with a stale version), appoint and end a role.

Officers sign in through the pages (console_support); what the pages store is read back through
the API, and each refusal is compared with the API's own. On SQLite and on PostgreSQL with Redis.
"""

from __future__ import annotations

import html
import re
from contextlib import aclosing
from typing import Any

import httpx

from tests import factories as f
from tests.integration.console_support import field, signed_in
from tests.integration.support import audit_for

NEW = "/console/enterprises/new"


def beside(page: str, name: str) -> str:
    """The error shown beside the input ``name`` (or the test fails)."""
    found = re.search(rf'id="{re.escape(name)}-error"[^>]*>([^<]+)', page)
    assert found is not None, f"no error beside {name} in:\n{page[:3000]}"
    return html.unescape(found.group(1))


def form_of(unit: dict[str, Any]) -> dict[str, str]:
    return {k: v for k, v in unit.items() if isinstance(v, str)}


def hidden(page: str) -> dict[str, str]:
    """Every hidden input of the edit form, as the browser would send it back."""
    return {
        html.unescape(n): html.unescape(v) for n, v in re.findall(r'type="hidden" name="([^"]+)" value="([^"]*)"', page)
    }


async def edit_form(client: httpx.AsyncClient, uscc: str) -> dict[str, str]:
    """The edit form's fields as loaded (hidden ones and the visible values)."""
    page = await client.get(f"/console/enterprises/{uscc}/edit")
    assert page.status_code == 200, page.text
    data = hidden(page.text)
    for name in ("name", "division_code", "address", "operating_divisions", "parent_uscc", "registration_no"):
        shown = re.search(rf'<input id="{name}" name="{name}" type="text"[^>]*? value="([^"]*)"', page.text)
        assert shown is not None, name
        data[name] = html.unescape(shown.group(1))
    for name in ("industry", "scale", "status"):
        chosen = re.search(rf'<select id="{name}".*?<option value="([^"]+)" selected', page.text, re.S)
        assert chosen is not None
        data[name] = chosen.group(1)
    data["org_code"] = data["name_valid_from"] = ""
    return data


async def test_register_from_the_search_page_stores_what_the_api_reads(app: Any, services: Any, client: Any) -> None:
    desk = await signed_in(app, services, division="410103")
    api = await f.headers(client, services, "bureau", division="410103")
    unit = f.enterprise(address="郑州市二七区大学路 1 号", operating_divisions="410104，410105")
    async with aclosing(desk.client) as c:
        search = await c.get("/console/enterprises")
        assert f'href="{NEW}"' in search.text
        form = await c.get(NEW)
        for name in ("uscc", "name", "division_code", "industry", "scale", "operating_divisions"):
            assert f'name="{name}"' in form.text, name
        done = await c.post(NEW, data={**form_of(unit), "_csrf": field(form.text, "_csrf")})
        assert done.status_code == 303, done.text
        assert done.headers["location"] == f"/console/enterprises/{unit['uscc']}?done=registered"
        page = await c.get(done.headers["location"])
        assert 'id="done"' in page.text
        assert unit["name"] in page.text
    stored = (await client.get(f"/api/v1/enterprises/{unit['uscc']}", headers=api)).json()
    assert (stored["name"], stored["industry"], stored["address"]) == (unit["name"], "machinery", unit["address"])
    assert stored["operating_divisions"] == ["410104", "410105"]
    assert [e.actor for e in await audit_for(services, unit["uscc"], "enterprise.create")] == [desk.client_id]


async def test_a_bad_check_digit_is_shown_beside_the_field_with_the_apis_words_and_nothing_is_stored(
    app: Any, services: Any, client: Any
) -> None:
    desk = await signed_in(app, services, division="410103")
    api = await f.headers(client, services, "bureau", division="410103")
    unit = f.enterprise()
    good = unit["uscc"]
    unit["uscc"] = good[:-1] + ("1" if good[-1] != "1" else "2")
    refused_by_api = await client.post("/api/v1/enterprises", json=unit, headers=api)
    assert refused_by_api.status_code == 422
    [problem] = [p for p in refused_by_api.json()["errors"] if p["field"] == "uscc"]
    async with aclosing(desk.client) as c:
        token = field((await c.get(NEW)).text, "_csrf")
        answer = await c.post(NEW, data={**form_of(unit), "_csrf": token})
        assert answer.status_code == 422
        assert beside(answer.text, "uscc") == problem["message_zh"]
        assert 'aria-invalid="true"' in answer.text
        assert unit["name"] in answer.text  # the officer's values are kept
        # a division code that is no GB/T 2260 code, and a missing industry, each beside its field
        wrong = await c.post(NEW, data={**form_of(f.enterprise(division_code="41010")), "_csrf": token})
        assert wrong.status_code == 422
        assert beside(wrong.text, "division_code")
        missing = await c.post(NEW, data={**form_of(f.enterprise()), "industry": "", "_csrf": token})
        assert beside(missing.text, "industry") == "请填写行业"
    assert (await client.get(f"/api/v1/enterprises/{unit['uscc']}", headers=api)).status_code in (404, 422)
    assert await audit_for(services, unit["uscc"]) == []


async def test_outside_the_area_is_refused_and_a_registered_unit_is_linked(
    app: Any, services: Any, client: Any
) -> None:
    home = await signed_in(app, services, division="410103")
    away = await signed_in(app, services, division="410104")
    api = await f.headers(client, services, "bureau", division="410103")
    unit = f.enterprise(division="410103")
    async with aclosing(away.client) as c:
        token = field((await c.get(NEW)).text, "_csrf")
        refused = await c.post(NEW, data={**form_of(unit), "_csrf": token})
        assert refused.status_code == 403
        assert "无权办理" in refused.text
    assert (await client.get(f"/api/v1/enterprises/{unit['uscc']}", headers=api)).status_code == 404
    assert [(e.action, e.outcome) for e in await audit_for(services, unit["uscc"])] == [("enterprise.create", "denied")]
    assert (await client.post("/api/v1/enterprises", json=unit, headers=api)).status_code == 201
    async with aclosing(home.client) as c:
        token = field((await c.get(NEW)).text, "_csrf")
        again = await c.post(NEW, data={**form_of(unit), "name": "另一个名称有限公司", "_csrf": token})
        assert again.status_code == 409
        assert "已登记" in again.text
        assert f'href="/console/enterprises/{unit["uscc"]}"' in again.text
    assert (await client.get(f"/api/v1/enterprises/{unit['uscc']}", headers=api)).json()["name"] == unit["name"]


async def test_edit_keeps_the_name_history(app: Any, services: Any, client: Any) -> None:
    desk = await signed_in(app, services, division="410103")
    away = await signed_in(app, services, division="410104")
    api = await f.headers(client, services, "bureau", division="410103")
    unit = f.enterprise()
    assert (await client.post("/api/v1/enterprises", json=unit, headers=api)).status_code == 201
    path = f"/console/enterprises/{unit['uscc']}/edit"
    async with aclosing(desk.client) as c:
        data = await edit_form(c, unit["uscc"])
        assert data["version"] == "1"
        assert data["was.name"] == unit["name"]
        renamed = "郑州新名称机械有限公司"
        bad = await c.post(path, data={**data, "division_code": "99999x"})
        assert bad.status_code == 422
        assert beside(bad.text, "division_code")
        done = await c.post(path, data={**data, "name": renamed, "scale": "micro", "address": "大学路 2 号"})
        assert done.status_code == 303, done.text
        page = await c.get(done.headers["location"].split("#")[0])
        assert "登记信息已保存" in page.text
        history = re.search(r"<caption>名称沿革</caption>.*?</table>", page.text, re.S)
        assert history is not None
        assert unit["name"] in history.group(0)
        assert renamed in history.group(0)
    async with aclosing(away.client) as c:
        assert (await c.get(path)).status_code == 403
        token = field((await c.get(NEW)).text, "_csrf")
        refused = await c.post(path, data={**data, "version": "2", "name": "越权改名有限公司", "_csrf": token})
        assert refused.status_code == 403
    stored = (await client.get(f"/api/v1/enterprises/{unit['uscc']}", headers=api)).json()
    assert (stored["name"], stored["scale"], stored["address"], stored["version"]) == (
        renamed,
        "micro",
        "大学路 2 号",
        2,
    )
    assert stored["industry"] == unit["industry"]


async def test_a_stale_edit_shows_both_changes_and_stores_nothing(app: Any, services: Any, client: Any) -> None:
    desk = await signed_in(app, services, division="410103")
    api = await f.headers(client, services, "bureau", division="410103")
    unit = f.enterprise(address="旧地址 1 号")
    assert (await client.post("/api/v1/enterprises", json=unit, headers=api)).status_code == 201
    path = f"/console/enterprises/{unit['uscc']}/edit"
    async with aclosing(desk.client) as c:
        loaded = await edit_form(c, unit["uscc"])
        # someone else saves meanwhile, through the API
        theirs = await client.patch(
            f"/api/v1/enterprises/{unit['uscc']}",
            json={"version": 1, "scale": "micro", "address": "他人改的地址 9 号"},
            headers=api,
        )
        assert theirs.status_code == 200, theirs.text
        mine = {**loaded, "name": "我改的名称有限公司", "address": "我改的地址 5 号"}
        stale = await c.post(path, data=mine)
        assert stale.status_code == 409
        assert "其他人已修改此企业信息" in stale.text
        rows = {
            html.unescape(label).lstrip("● "): [html.unescape(re.sub(r"<[^>]+>", "", cell)) for cell in cells]
            for label, cells in (
                (m.group(1), re.findall(r"<td>(.*?)</td>", m.group(2)))
                for m in re.finditer(r'<th scope="row">(.*?)</th>(.*?)</tr>', stale.text, re.S)
            )
        }
        # loaded, theirs (now), the officer's own
        assert rows["规模"] == ["规模以上", "小微", "未改"]
        assert rows["地址"] == ["旧地址 1 号", "他人改的地址 9 号", "我改的地址 5 号"]
        assert rows["企业名称"] == [unit["name"], unit["name"], "我改的名称有限公司"]
        assert re.search(r'<tr class="changed"><th scope="row">● 规模', stale.text)
        again = hidden(stale.text)
        assert again["version"] == "2"
        assert again["was.address"] == "他人改的地址 9 号"
        # redone on the reloaded form, it is saved
        redo = await c.post(path, data={**(await edit_form(c, unit["uscc"])), "name": "我改的名称有限公司"})
        assert redo.status_code == 303, redo.text
    stored = (await client.get(f"/api/v1/enterprises/{unit['uscc']}", headers=api)).json()
    assert (stored["name"], stored["scale"], stored["address"], stored["version"]) == (
        "我改的名称有限公司",
        "micro",
        "他人改的地址 9 号",
        3,
    )
    updates = await audit_for(services, unit["uscc"], "enterprise.update")
    assert [e.outcome for e in updates] == ["ok", "ok"]


async def test_appoint_a_person_and_end_the_role(app: Any, services: Any, client: Any) -> None:
    desk = await signed_in(app, services, division="410103")
    away = await signed_in(app, services, division="410104")
    api = await f.headers(client, services, "bureau", division="410103")
    unit = f.enterprise()
    assert (await client.post("/api/v1/enterprises", json=unit, headers=api)).status_code == 201
    pid = f.resident_id()
    appoint = f"/console/enterprises/{unit['uscc']}/persons/new"
    person = {"id_number": pid, "name": "张伟", "role": "principal", "valid_from": "2026-01-05"}
    async with aclosing(desk.client) as c:
        form = await c.get(appoint)
        token = field(form.text, "_csrf")
        assert 'value="legal_representative"' in form.text
        assert 'value="agency_responsible"' not in form.text  # offered for an agency only
        wrong_digit = pid[:-1] + ("1" if pid[-1] != "1" else "2")
        bad_id = await c.post(appoint, data={**person, "id_number": wrong_digit, "_csrf": token})
        assert bad_id.status_code == 422
        assert beside(bad_id.text, "id_number")
        backwards = await c.post(appoint, data={**person, "valid_to": "2025-01-01", "_csrf": token})
        assert beside(backwards.text, "valid_to") == "任职结束日期早于开始日期"
        lookup = await client.post("/api/v1/persons/lookup", json={"id_number": pid}, headers=api)
        assert lookup.status_code == 404  # neither refusal left a person behind
        done = await c.post(appoint, data={**person, "_csrf": token})
        assert done.status_code == 303, done.text
        page = await c.get(done.headers["location"].split("#")[0])
        section = re.search(r'<section id="persons">.*?</section>', page.text, re.S)
        assert section is not None
        assert "张伟" in section.group(0)
        assert "主要负责人" in section.group(0)
        assert pid not in page.text
        assert pid[:4] + "*" * 10 + pid[14:] in section.group(0)
        end_link = re.search(r'href="(/console/enterprises/[^"]+/roles/(\d+)/end)"', section.group(0))
        assert end_link is not None
        end_path, role_id = end_link.group(1), int(end_link.group(2))
        end_form = await c.get(end_path)
        assert "张伟" in end_form.text
        early = await c.post(end_path, data={"_csrf": token, "valid_to": "2025-12-31"})
        assert early.status_code == 422
        assert beside(early.text, "valid_to")
        ended = await c.post(end_path, data={"_csrf": token, "valid_to": "2026-06-30"})
        assert ended.status_code == 303, ended.text
        after = await c.get(ended.headers["location"].split("#")[0])
        assert "任职已结束" in after.text
        assert f'href="{end_path}"' not in after.text
    async with aclosing(away.client) as c:
        assert (await c.get(appoint)).status_code == 403
        assert (await c.get(end_path)).status_code == 403
    found = (await client.post("/api/v1/persons/lookup", json={"id_number": pid}, headers=api)).json()
    [role] = found["roles"]
    assert (role["id"], role["role"], role["valid_from"], role["valid_to"]) == (
        role_id,
        "principal",
        "2026-01-05",
        "2026-06-30",
    )
