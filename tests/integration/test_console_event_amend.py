"""Correcting, following up and withdrawing a credit event from the console: the form starts from
the event in force, posts the API's ``AmendmentCreate`` to ``EventService.amend``, and the new
event's page shows the whole chain; nothing is overwritten."""

from __future__ import annotations

import re
from contextlib import aclosing
from typing import Any

import httpx

from tests import factories as f
from tests.integration.console_support import csrf, field, signed_in
from tests.integration.test_grades import accident, record_event

EVENTS = "/api/v1/events"


def beside(html: str, name: str) -> str:
    found = re.search(rf'id="{re.escape(name)}-error"[^>]*>([^<]+)', html)
    assert found is not None, f"no error beside {name} in:\n{html[:3000]}"
    return found.group(1)


def filled(html: str, name: str) -> str:
    """The value an input of the form was filled with."""
    found = re.search(rf'name="{re.escape(name)}"[^>]*? value="([^"]*)"', html)
    assert found is not None, f"no input {name}"
    return found.group(1)


async def an_accident(client: httpx.AsyncClient, services: Any) -> tuple[dict[str, str], dict[str, Any]]:
    headers = await f.headers(client, services, "bureau", division="410103")
    unit = f.enterprise()
    assert (await client.post("/api/v1/enterprises", json=unit, headers=headers)).status_code == 201
    return headers, await record_event(client, headers, unit["uscc"], "accident", "2026-03-18", accident(1))


async def test_a_correction_chains_to_the_event_and_stores_what_the_api_would(
    app: Any, services: Any, client: httpx.AsyncClient
) -> None:
    headers, event = await an_accident(client, services)
    twin_headers, twin = await an_accident(client, services)
    desk = await signed_in(app, services)
    path = f"/console/events/{event['id']}/amend"
    async with aclosing(desk.client) as c:
        file = await c.get(f"/console/enterprises/{event['subject']['uscc']}")
        assert f'href="/console/events/{event["id"]}#amend"' in file.text
        shown = await c.get(f"/console/events/{event['id']}")
        assert f'href="{path}?code=correction"' in shown.text
        form = await c.get(path, params={"code": "correction"})
        assert form.status_code == 200
        # the form starts from the event in force
        assert filled(form.text, "details.deaths") == "1"
        assert filled(form.text, "source_document") == event["source_document"]
        values = {
            name: filled(form.text, name)
            for name in ("occurred_on", "source_document", "division_code", "details.deaths", "details.direct_loss_cny")
        }
        values.update({"details.serious_injuries": "0", "details.responsible": "1", "details.summary": "机械伤害事故"})
        posted = {"_csrf": field(form.text, "_csrf"), "code": "correction", **values}
        # the reason the form asks for, then the service's own check beside the field it names
        unexplained = await c.post(path, data={**posted, "confirmed": "1"})
        assert unexplained.status_code == 422
        assert beside(unexplained.text, "reason").startswith("请填写")
        refused = await c.post(path, data={**posted, "reason": "更正", "details.deaths": "-1", "confirmed": "1"})
        assert refused.status_code == 422
        assert "0" in beside(refused.text, "details.deaths")
        fixed = {**posted, "details.deaths": "2", "reason": "调查报告认定死亡 2 人"}
        review = await c.post(path, data=fixed)
        assert 'id="confirm"' in review.text
        done = await c.post(path, data={**fixed, "confirmed": "1"})
        assert done.status_code == 303, done.text
        new_id = int(done.headers["location"].split("?")[0].rsplit("/", 1)[1])
        page = await c.get(done.headers["location"].split("#")[0])
        chain = page.text.split('id="chain"')[1]
        assert f'href="/console/events/{event["id"]}"' in chain
        assert "调查报告认定死亡 2 人" in chain
        # the old one: superseded, no form any more, the chain points to the one in force
        old = await c.get(f"/console/events/{event['id']}")
        assert f"{path}?code=correction" not in old.text
        again = await c.post(path, data={**fixed, "confirmed": "1"})
        assert again.status_code == 409
        assert f"已被事件 {new_id} 取代" in again.text
    got = (await client.get(f"{EVENTS}/{new_id}", headers=headers)).json()
    body = {
        "code": "correction",
        "reason": "调查报告认定死亡 2 人",
        "event": {
            "kind": "accident",
            "subject": {"type": "enterprise", "uscc": twin["subject"]["uscc"]},
            "occurred_on": "2026-03-18",
            "source_document": twin["source_document"],
            "division_code": twin["division_code"],
            "details": {**accident(1), "deaths": 2, "serious_injuries": 0},
        },
    }
    answer = await client.post(f"{EVENTS}/{twin['id']}/amendments", json=body, headers=twin_headers)
    assert answer.status_code in (200, 201), answer.text
    api = answer.json()

    def kept(e: dict[str, Any]) -> Any:
        return (e["details"], e["derived"], e["amendment"], e["effective"], [x["effective"] for x in e["chain"]])

    assert kept(got) == kept(api)
    assert [x["id"] for x in got["chain"]] == [event["id"], new_id]


async def test_a_withdrawal_and_the_area(app: Any, services: Any, client: httpx.AsyncClient) -> None:
    headers, event = await an_accident(client, services)
    desk = await signed_in(app, services)
    away = await signed_in(app, services, division="410104")
    path = f"/console/events/{event['id']}/amend"
    async with aclosing(away.client) as a:
        assert (await a.get(path, params={"code": "withdrawal"})).status_code == 403
        posted = {"_csrf": await csrf(a), "code": "withdrawal", "reason": "误录", "confirmed": "1"}
        assert (await a.post(path, data=posted)).status_code == 403
    assert (await client.get(f"{EVENTS}/{event['id']}", headers=headers)).json()["effective"] is True
    async with aclosing(desk.client) as c:
        form = await c.get(path, params={"code": "withdrawal"})
        assert 'name="details.deaths"' not in form.text  # a withdrawal carries no event
        posted = {"_csrf": field(form.text, "_csrf"), "code": "withdrawal", "reason": "误录", "confirmed": "1"}
        done = await c.post(path, data=posted)
        assert done.status_code == 303, done.text
    got = (await client.get(f"{EVENTS}/{event['id']}", headers=headers)).json()
    assert got["effective"] is False
    assert got["chain"][-1]["amendment"] == {"code": "withdrawal", "reason": "误录"}
